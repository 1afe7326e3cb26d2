// validate --deep: the checks that need a decoder. Each video the package declares is
// decoded for its first seconds with ffmpeg (a file can have a valid container and still
// not play); one that does not decode is MED-VIDEO-UNDECODABLE.
#pragma once
#include <filesystem>

#include "core/validate/validator.hpp"

namespace eductl {

// Before a --deep run: internal (exit 70, as for transcode) with "apt-get install ffmpeg"
// when ffmpeg or ffprobe is missing, whether or not a package declares a video.
Status deep_tools_available();

// Reads the package again (videos go through a temp file, one at a time) and appends
// findings to the report. Errors: ffmpeg missing (internal, with the apt hint), interrupted.
Status check_videos_decode(const std::filesystem::path& package, PackageReport& report, int seconds = 10);

}  // namespace eductl
