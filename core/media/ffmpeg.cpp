#include "core/media/ffmpeg.hpp"

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>

#include "core/util/fs.hpp"
#include "core/util/subprocess.hpp"

namespace eductl::media {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view k_package = "ffmpeg";

double number(const nlohmann::json& j, const char* key) {
  if (!j.contains(key)) return 0;
  const auto& v = j[key];
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) {
    try {
      return std::stod(v.get<std::string>());
    } catch (...) {
      return 0;
    }
  }
  return 0;
}

int even_height(int wanted, int source) {
  const int h = source > 0 ? std::min(wanted, source) : wanted;
  return std::max(2, h - h % 2);
}

std::string first_line(const std::string& s) {
  std::string t = s;
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.pop_back();
  if (auto nl = t.find('\n'); nl != std::string::npos) t.erase(nl);
  return t;
}

}  // namespace

Status tools_available() {
  for (const char* tool : {"ffmpeg", "ffprobe"})
    if (!find_program(tool))
      return make_error(ErrorKind::internal, std::string(tool) + " is not installed; install it with apt-get install " +
                                                 std::string(k_package));
  return ok_status();
}

Result<VideoFacts> probe(const fs::path& file, const std::string& sha256) {
  RunOptions opt;
  opt.timeout = std::chrono::seconds(60);
  opt.max_stdout = 4u << 20;
  auto run = run_process({"ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams", file.string()}, opt,
                         k_package);
  if (!run) return run.error();
  if (run->interrupted) return make_error(ErrorKind::interrupted, "interrupted");
  if (!run->ok()) return make_error(ErrorKind::bad_input, "ffprobe cannot read it: " + run->describe(), file.string());
  nlohmann::json doc = nlohmann::json::parse(run->out, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return make_error(ErrorKind::bad_input, "ffprobe printed no facts", file.string());
  VideoFacts f;
  f.sha256 = sha256;
  if (doc.contains("format") && doc["format"].is_object()) {
    f.duration = number(doc["format"], "duration");
    f.bitrate = static_cast<std::int64_t>(number(doc["format"], "bit_rate"));
  }
  if (doc.contains("streams") && doc["streams"].is_array())
    for (const auto& s : doc["streams"]) {
      if (!s.is_object()) continue;
      const std::string type = s.value("codec_type", "");
      const std::string codec = s.value("codec_name", "");
      if (type == "video" && f.video_codec.empty() && !(s.contains("disposition") && s["disposition"].value("attached_pic", 0))) {
        f.video_codec = codec;
        f.width = s.value("width", 0);
        f.height = s.value("height", 0);
      } else if (type == "audio" && f.audio_codec.empty()) {
        f.audio_codec = codec;
      }
    }
  if (f.video_codec.empty() && f.audio_codec.empty())
    return make_error(ErrorKind::bad_input, "ffprobe finds no audio or video stream", file.string());
  return f;
}

Status decode_check(const fs::path& file, int seconds) {
  RunOptions opt;
  opt.timeout = std::chrono::seconds(std::max(30, seconds * 4));
  auto run = run_process({"ffmpeg", "-nostdin", "-v", "error", "-xerror", "-t", std::to_string(seconds), "-i", file.string(),
                          "-f", "null", "-"},
                         opt, k_package);
  if (!run) return run.error();
  if (run->interrupted) return make_error(ErrorKind::interrupted, "interrupted");
  if (!run->ok() || !run->err_tail.empty())
    return make_error(ErrorKind::bad_input,
                      "does not decode: " + (run->err_tail.empty() ? run->describe() : first_line(run->err_tail)), file.string());
  return ok_status();
}

std::vector<FfmpegCommand> hls_commands(const fs::path& input, const VideoFacts& facts, const Profile& p) {
  std::vector<FfmpegCommand> out;
  const std::string seg = std::to_string(p.segment_seconds);
  const bool has_video = !facts.video_codec.empty(), has_audio = !facts.audio_codec.empty();
  for (const auto& r : p.renditions) {
    const bool video = r.height > 0;
    if ((video && !has_video) || (!video && !has_audio)) continue;
    std::vector<std::string> a = {"ffmpeg", "-nostdin", "-hide_banner", "-v", "error", "-y", "-i", input.string()};
    if (video) {
      const int h = even_height(r.height, facts.height);
      a.insert(a.end(), {"-map", "0:v:0", "-map", "0:a:0?", "-c:v", "libx264", "-preset", p.preset, "-profile:v", "main",
                         "-pix_fmt", "yuv420p", "-vf", "scale=-2:" + std::to_string(h), "-b:v", std::to_string(r.video_kbps) + "k",
                         "-maxrate", std::to_string(r.video_kbps * 107 / 100) + "k", "-bufsize", std::to_string(r.video_kbps * 2) + "k",
                         "-force_key_frames", "expr:gte(t,n_forced*" + seg + ")", "-sc_threshold", "0"});
    } else {
      a.insert(a.end(), {"-map", "0:a:0", "-vn"});
    }
    if (has_audio) a.insert(a.end(), {"-c:a", "aac", "-b:a", std::to_string(r.audio_kbps) + "k", "-ac", "2"});
    a.insert(a.end(), {"-f", "hls", "-hls_time", seg, "-hls_playlist_type", "vod", "-hls_segment_filename",
                       r.name + "/seg_%05d.ts", "-progress", "pipe:1", "-nostats", r.name + "/index.m3u8"});
    out.push_back({r.name, std::move(a)});
  }
  if (has_video) {
    const double at = facts.duration > 0 ? std::min(p.poster_at, facts.duration / 2) : 0;
    char ts[32];
    std::snprintf(ts, sizeof ts, "%.3f", at);
    out.push_back({"poster",
                   {"ffmpeg", "-nostdin", "-hide_banner", "-v", "error", "-y", "-ss", ts, "-i", input.string(), "-frames:v", "1",
                    "-vf", "scale=-2:" + std::to_string(even_height(360, facts.height)), "-q:v", "3", "poster.jpg"}});
  }
  return out;
}

std::string master_playlist(const VideoFacts& facts, const Profile& p, const std::vector<std::string>& made) {
  std::string m = "#EXTM3U\n#EXT-X-VERSION:3\n";
  for (const auto& r : p.renditions) {
    if (std::find(made.begin(), made.end(), r.name) == made.end()) continue;
    const int bandwidth = (r.height > 0 ? r.video_kbps * 107 / 100 : 0) * 1000 + (facts.audio_codec.empty() ? 0 : r.audio_kbps * 1000);
    m += "#EXT-X-STREAM-INF:BANDWIDTH=" + std::to_string(bandwidth);
    if (r.height > 0) {
      const int h = even_height(r.height, facts.height);
      int w = facts.height > 0 ? static_cast<int>(std::lround(static_cast<double>(facts.width) * h / facts.height)) : h * 16 / 9;
      w -= w % 2;
      m += ",RESOLUTION=" + std::to_string(w) + "x" + std::to_string(h) + ",CODECS=\"avc1.4d401f" +
           std::string(facts.audio_codec.empty() ? "" : ",mp4a.40.2") + "\"";
    } else {
      m += ",CODECS=\"mp4a.40.2\"";
    }
    m += "\n" + r.name + "/index.m3u8\n";
  }
  return m;
}

namespace {

using RenditionProgress = std::function<void(const std::string&, double)>;

// One ffmpeg command in the work folder, its -progress lines turned into fractions.
Result<RunResult> run_command(const FfmpegCommand& cmd, const fs::path& work_dir, double duration,
                              const RenditionProgress& progress) {
  RunOptions opt;
  opt.cwd = work_dir;
  opt.max_stdout = 64u << 10;
  std::string pending;
  opt.on_stdout = [&](std::string_view chunk) {
    if (!progress || duration <= 0) return;
    pending.append(chunk);
    for (std::size_t nl; (nl = pending.find('\n')) != std::string::npos; pending.erase(0, nl + 1)) {
      const std::string line = pending.substr(0, nl);
      if (line.rfind("out_time_us=", 0) != 0) continue;
      try {
        progress(cmd.rendition, std::clamp(std::stod(line.substr(12)) / 1e6 / duration, 0.0, 1.0));
      } catch (...) {
      }
    }
  };
  return run_process(cmd.argv, opt, k_package);
}

// The environment, not the input, stopped ffmpeg: a full disk, a quota, a file size limit.
bool environment_failure(const RunResult& run) {
  if (run.signal == SIGXFSZ) return true;
  for (const char* text : {"No space left on device", "Disk quota exceeded", "File too large"})
    if (run.err_tail.find(text) != std::string::npos) return true;
  return false;
}

// Below this much room a short output is put down to a full disk.
constexpr std::uint64_t k_full_disk = 1u << 20;

std::uint64_t free_bytes(const fs::path& dir) {
  std::error_code ec;
  const auto space = fs::space(dir, ec);
  return ec ? std::numeric_limits<std::uint64_t>::max() : static_cast<std::uint64_t>(space.available);
}

}  // namespace

Result<double> media_duration(const fs::path& file) {
  RunOptions opt;
  opt.timeout = std::chrono::seconds(60);
  opt.max_stdout = 1u << 16;
  auto run = run_process({"ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", file.string()}, opt,
                         k_package);
  if (!run) return run.error();
  if (run->interrupted) return make_error(ErrorKind::interrupted, "interrupted");
  if (!run->ok()) return make_error(ErrorKind::bad_input, "ffprobe cannot read it: " + run->describe(), file.string());
  try {
    return std::stod(run->out);
  } catch (...) {
    return make_error(ErrorKind::bad_input, "ffprobe gives no duration", file.string());
  }
}

Result<std::string> check_outputs(const fs::path& work_dir, const VideoFacts& facts, const std::vector<std::string>& renditions) {
  for (const auto& r : renditions) {
    const fs::path playlist = work_dir / r / "index.m3u8";
    auto d = media_duration(playlist);
    if (!d) {
      if (d.error().kind != ErrorKind::bad_input) return d.error();
      return r + ": no playable rendition: " + d.error().message;
    }
    const double tolerance = std::max(1.0, facts.duration * 0.05);
    if (facts.duration > 0 && std::abs(*d - facts.duration) > tolerance) {
      char text[160];
      std::snprintf(text, sizeof text, "%s: the rendition lasts %.1f s, the source %.1f s (a truncated or damaged input)",
                    r.c_str(), *d, facts.duration);
      return std::string(text);
    }
  }
  std::error_code ec;
  if (!facts.video_codec.empty() && !(fs::is_regular_file(work_dir / "poster.jpg", ec) && fs::file_size(work_dir / "poster.jpg", ec) > 0))
    return std::string("poster: ffmpeg made no poster.jpg (a truncated or damaged input)");
  return std::string();
}

Result<TranscodeOutcome> transcode(const fs::path& input, const VideoFacts& facts, const Profile& p, const fs::path& work_dir,
                                   const RenditionProgress& progress) {
  TranscodeOutcome out;
  const auto commands = hls_commands(input, facts, p);
  for (std::size_t k = 0; k < commands.size(); ++k) {
    const FfmpegCommand& cmd = commands[k];
    if (cmd.rendition != "poster")
      if (auto st = make_dirs(work_dir / cmd.rendition); !st) return st.error();
    const auto share = [&, k](const std::string& rendition, double f) {
      if (progress) progress(rendition, (static_cast<double>(k) + f) / static_cast<double>(commands.size()));
    };
    auto run = run_command(cmd, work_dir, facts.duration, share);
    if (!run) return run.error();
    out.interrupted = run->interrupted;
    if (out.interrupted) return out;
    if (!run->ok() || environment_failure(*run)) {
      out.log = cmd.rendition + ": " + run->describe() + "\n" + run->err_tail;
      out.failure = environment_failure(*run) ? ErrorKind::internal : ErrorKind::findings;
      return out;
    }
    share(cmd.rendition, 1.0);
    if (cmd.rendition != "poster") out.renditions.push_back(cmd.rendition);
  }
  auto problem = check_outputs(work_dir, facts, out.renditions);
  if (!problem) return problem.error();
  if (!problem->empty()) {
    // ffmpeg's HLS muxer stops writing on a full disk and still exits 0, silently: a
    // short output on a full file system is the environment's failure, not the input's.
    const std::uint64_t room = free_bytes(work_dir);
    out.failure = room < k_full_disk ? ErrorKind::internal : ErrorKind::findings;
    out.log = *problem + (room < k_full_disk ? "; the disk is full (" + std::to_string(room) + " bytes free)" : "");
    return out;
  }
  if (auto st = write_file_atomic(work_dir / "master.m3u8", master_playlist(facts, p, out.renditions)); !st) return st.error();
  if (auto st = write_file_atomic(work_dir / "profile.json", profile_json(p)); !st) return st.error();
  out.ok = true;
  return out;
}

}  // namespace eductl::media
