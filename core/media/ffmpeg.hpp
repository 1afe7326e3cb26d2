// The ffmpeg/ffprobe driver (Debian package ffmpeg), through util/subprocess: never a
// shell, the child ended on Ctrl-C. probe() reads a file's facts; hls_commands() are the
// exact argument vectors a profile runs (shown by `transcode --dry-run`, reused by the
// benchmark); transcode() runs them in a work folder with -progress parsed.
#pragma once
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/catalog/catalog.hpp"
#include "core/media/profiles.hpp"
#include "core/util/result.hpp"

namespace eductl::media {

// internal (exit 70) with "install it with apt-get install ffmpeg" when ffmpeg or ffprobe is missing.
Status tools_available();

// bad_input naming the file when ffprobe cannot read it or it has no audio/video stream.
Result<VideoFacts> probe(const std::filesystem::path& file, const std::string& sha256);

// Decodes up to `seconds` of the file (ffmpeg -v error ... -f null -): bad_input with
// ffmpeg's first complaint when it does not decode cleanly.
Status decode_check(const std::filesystem::path& file, int seconds);

struct FfmpegCommand {
  std::string rendition;           // "720p", "audio", "poster"
  std::vector<std::string> argv;   // run in the work folder; outputs relative to it
};

// One command per rendition (skipping audio-only ones when the input has no audio and
// video ones when it has no video), then the poster.
std::vector<FfmpegCommand> hls_commands(const std::filesystem::path& input, const VideoFacts& facts, const Profile& profile);

// master.m3u8 for the renditions made.
std::string master_playlist(const VideoFacts& facts, const Profile& profile, const std::vector<std::string>& made);

struct TranscodeOutcome {
  std::vector<std::string> renditions;  // names made, in profile order
  std::string log;                      // ffmpeg's messages when a command failed
  bool ok = false;
  bool interrupted = false;
};

// Runs the commands in `work_dir` (which must exist and be empty) and writes the master
// playlist. progress(rendition, fraction 0..1) from ffmpeg's -progress output.
Result<TranscodeOutcome> transcode(const std::filesystem::path& input, const VideoFacts& facts, const Profile& profile,
                                   const std::filesystem::path& work_dir,
                                   const std::function<void(const std::string&, double)>& progress = {});

}  // namespace eductl::media
