// Transcode jobs over the catalogue's video resources: one job per (input blob, profile),
// recorded in the catalogue; a done job counts only for the profile content it was made
// with (profile.json in its tree). A job is done only when every file of its renditions is
// committed to the content store and the rows are written in one transaction; work
// happens in <data>/tmp/transcode-<job id>/, and a run removes the work folders a
// killed run left (the caller holds the data folder lock, so none is in use).
#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/catalog/catalog.hpp"
#include "core/data/data_folder.hpp"
#include "core/media/ffmpeg.hpp"
#include "core/util/result.hpp"

namespace eductl::media {

struct TranscodeRequest {
  std::vector<std::string> books;  // "CODE/package_id"; empty: every book the filter passes
  BookFilter filter;
  std::vector<std::string> profiles{"standard"};
  std::filesystem::path profiles_file;  // empty: built-in profiles only
  unsigned jobs = 1;
  bool dry_run = false;  // plan and print the ffmpeg commands; write nothing
  bool force = false;    // redo jobs that are done with this profile's content
};

struct JobReport {
  std::string book, file, input_sha256, profile;
  std::string outcome;  // done | skipped | failed | planned | interrupted
  std::string message;
  // A failed job: findings (the input does not decode or comes out short) or internal
  // (the environment: disk full, the store or catalogue could not be written).
  ErrorKind failure = ErrorKind::findings;
  std::vector<std::string> renditions;
  std::uint64_t files = 0, bytes = 0;
  std::vector<FfmpegCommand> commands;  // dry run
};

struct TranscodeReport {
  std::vector<JobReport> jobs;
  std::uint64_t stale_work_dirs = 0;  // left by a killed run, removed
  bool interrupted = false;
};

// Progress in input bytes (a job's share of its input by ffmpeg's output time); called
// from worker threads, one call at a time.
struct TranscodeProgress {
  std::function<void(std::size_t jobs, std::uint64_t input_bytes)> start;  // the jobs that will run
  std::function<void(std::uint64_t input_bytes)> advance;                 // more of the input transcoded
  std::function<void()> job_done;
};

// Needs the data folder lock held for the whole run (jobs write the catalogue and store).
Result<TranscodeReport> run_transcode(const DataFolder& data, const TranscodeRequest& request,
                                      const TranscodeProgress& progress = {});

}  // namespace eductl::media
