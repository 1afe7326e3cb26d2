#include "core/media/profiles.hpp"

#include <nlohmann/json.hpp>

#include "core/util/fs.hpp"

namespace eductl::media {

namespace {

bool good_name(const std::string& s) {
  if (s.empty() || s.size() > 32) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) return false;
  return s != "master" && s != "poster";
}

}  // namespace

std::map<std::string, Profile> builtin_profiles() {
  std::map<std::string, Profile> p;
  p["standard"] = Profile{"standard", "classroom ladder: 720p, 480p, 360p and audio only", 6, "veryfast", 5,
                          {{"720p", 720, 2500, 128}, {"480p", 480, 1000, 96}, {"360p", 360, 600, 64}, {"audio", 0, 0, 64}}};
  p["remote"] = Profile{"remote", "remote schools on weak links: 360p, 240p and audio only", 10, "veryfast", 5,
                        {{"360p", 360, 400, 48}, {"240p", 240, 200, 32}, {"audio", 0, 0, 32}}};
  return p;
}

std::string profile_json(const Profile& p) {
  nlohmann::json renditions = nlohmann::json::array();
  for (const auto& r : p.renditions)
    renditions.push_back({{"name", r.name}, {"height", r.height}, {"video_kbps", r.video_kbps}, {"audio_kbps", r.audio_kbps}});
  // "hls": the shape of the ffmpeg commands (ffmpeg.cpp); raise it when they change.
  const nlohmann::json j = {{"hls", 1}, {"segment_seconds", p.segment_seconds}, {"preset", p.preset},
                            {"poster_at", p.poster_at}, {"renditions", renditions}};
  return j.dump() + "\n";
}

Result<std::map<std::string, Profile>> load_profiles(const std::filesystem::path& file) {
  auto profiles = builtin_profiles();
  if (file.empty()) return profiles;
  auto text = read_file(file, 1u << 20);
  if (!text) return text.error();
  auto bad = [&](const std::string& what) { return make_error(ErrorKind::bad_input, "profiles: " + what, file.string()); };
  nlohmann::json doc = nlohmann::json::parse(*text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("profiles") || !doc["profiles"].is_object())
    return bad("not JSON of the form {\"profiles\": {NAME: {...}}}");
  for (const auto& [name, j] : doc["profiles"].items()) {
    if (!good_name(name)) return bad("profile name '" + name + "' must be 1-32 of a-z 0-9 - _");
    if (!j.is_object() || !j.contains("renditions") || !j["renditions"].is_array() || j["renditions"].empty())
      return bad("profile " + name + " needs a non-empty \"renditions\" array");
    Profile p;
    p.name = name;
    try {
      p.description = j.value("description", "");
      p.segment_seconds = j.value("segment_seconds", 6);
      p.preset = j.value("preset", "veryfast");
      p.poster_at = j.value("poster_at", 5.0);
      for (const auto& r : j["renditions"]) {
        RenditionSpec s;
        s.name = r.at("name").get<std::string>();
        s.height = r.value("height", 0);
        s.video_kbps = r.value("video_kbps", 0);
        s.audio_kbps = r.value("audio_kbps", 96);
        if (!good_name(s.name)) return bad("profile " + name + ": rendition name '" + s.name + "' must be 1-32 of a-z 0-9 - _");
        if (s.height != 0 && (s.height < 16 || s.height > 4320 || s.video_kbps < 8 || s.video_kbps > 50000))
          return bad("profile " + name + ", rendition " + s.name + ": height 16-4320 and video_kbps 8-50000 needed");
        if (s.audio_kbps < 8 || s.audio_kbps > 512) return bad("profile " + name + ", rendition " + s.name + ": audio_kbps 8-512");
        for (const auto& other : p.renditions)
          if (other.name == s.name) return bad("profile " + name + ": rendition " + s.name + " named twice");
        p.renditions.push_back(s);
      }
    } catch (const nlohmann::json::exception& e) {
      return bad("profile " + name + ": " + e.what());
    }
    static const char* const k_presets[] = {"ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow"};
    if (std::find(std::begin(k_presets), std::end(k_presets), p.preset) == std::end(k_presets))
      return bad("profile " + name + ": preset '" + p.preset + "' is not an x264 preset");
    if (p.segment_seconds < 1 || p.segment_seconds > 60) return bad("profile " + name + ": segment_seconds 1-60");
    profiles[name] = std::move(p);
  }
  return profiles;
}

}  // namespace eductl::media
