// Transcode profiles: an HLS ladder (H.264 + AAC renditions by height and bitrate,
// audio-only ones), segment length, x264 preset and poster time. Built-in "standard"
// (720p/480p/360p/audio) and "remote" (low bandwidth for remote schools); a JSON file
// (docs/transcode.md) adds or replaces profiles by name.
#pragma once
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/util/result.hpp"

namespace eductl::media {

struct RenditionSpec {
  std::string name;     // "720p", "audio": the folder in the rendition tree
  int height = 0;       // 0: audio only
  int video_kbps = 0;
  int audio_kbps = 96;
};

struct Profile {
  std::string name;
  std::string description;
  int segment_seconds = 6;
  std::string preset = "veryfast";
  double poster_at = 5;  // seconds (half the duration when the video is shorter)
  std::vector<RenditionSpec> renditions;
};

std::map<std::string, Profile> builtin_profiles();

// The profile's content as canonical JSON (sorted keys, no spaces; everything that
// shapes the output, not the name or description). Written as profile.json into the
// rendition tree; its sha256 is what a finished job is checked against, so a profile
// redefined under the same name is transcoded again.
std::string profile_json(const Profile& profile);

// The built-ins, then the file's profiles over them. bad_input naming the file and the
// profile for a malformed file (names: [a-z0-9_-], heights 16-4320, bitrates 8-50000).
Result<std::map<std::string, Profile>> load_profiles(const std::filesystem::path& file);

}  // namespace eductl::media
