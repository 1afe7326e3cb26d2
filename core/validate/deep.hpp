// validate --deep: the checks that need a decoder. Each video the package declares is
// decoded for its first seconds with ffmpeg (a file can have a valid container and still
// not play); one that does not decode is MED-VIDEO-UNDECODABLE.
#pragma once
#include <filesystem>

#include "core/validate/validator.hpp"

namespace eductl {

// Reads the package again (videos go through a temp file, one at a time) and appends
// findings to the report. Errors: ffmpeg missing (internal, with the apt hint), interrupted.
Status check_videos_decode(const std::filesystem::path& package, PackageReport& report, int seconds = 10);

}  // namespace eductl
