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
  // When not ok: findings (the input: it does not decode, comes out short) or internal
  // (the environment: disk full, file size limit).
  ErrorKind failure = ErrorKind::findings;
};

// Seconds of media ffprobe reads in the file (a playlist: the sum of its segments).
Result<double> media_duration(const std::filesystem::path& file);

// Outputs ffmpeg made in `work_dir` checked before a job may be done (ffmpeg exits 0 on a
// truncated input, "partial file"): every rendition's playlist lasts as long as the
// source (within max(1 s, 5 %)), and the poster is there when the input has video.
// The problem in words, empty when all is well; an Error when ffprobe cannot run.
Result<std::string> check_outputs(const std::filesystem::path& work_dir, const VideoFacts& facts,
                                  const std::vector<std::string>& renditions);

// Runs the commands in `work_dir` (which must exist and be empty), checks the outputs
// and writes the master playlist and profile.json. progress(rendition, fraction 0..1 of
// the whole job) from ffmpeg's -progress output.
Result<TranscodeOutcome> transcode(const std::filesystem::path& input, const VideoFacts& facts, const Profile& profile,
                                   const std::filesystem::path& work_dir,
                                   const std::function<void(const std::string&, double)>& progress = {});

}  // namespace eductl::media
