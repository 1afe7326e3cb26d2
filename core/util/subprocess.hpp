// Runs an external tool (ffmpeg, ffprobe, ...) without a shell: the argument vector as
// given, stdin from /dev/null, stdout captured up to a cap, the tail of stderr kept for
// messages, an optional time limit, and the child ended when eductl is interrupted or
// dies (even by kill -9: PR_SET_PDEATHSIG); the child inherits no descriptor of eductl's
// besides stdin (/dev/null), stdout and stderr (its pipes).
#pragma once
#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/util/result.hpp"

namespace eductl {

struct RunOptions {
  std::chrono::milliseconds timeout{0};      // 0: none
  std::size_t max_stdout = 64u << 20;        // bytes kept; the rest is read and dropped
  std::size_t stderr_tail = 8u << 10;        // last bytes of stderr kept
  std::filesystem::path cwd;                 // empty: eductl's own
  // Called with each piece of stdout as it arrives (e.g. ffmpeg's -progress lines), on
  // the calling thread; the piece is also kept in RunResult::out as usual.
  std::function<void(std::string_view)> on_stdout;
};

struct RunResult {
  int exit_code = -1;   // the child's exit status, or -1 when a signal ended it
  int signal = 0;       // the signal that ended it, if any
  bool timed_out = false;
  bool interrupted = false;  // eductl was interrupted and ended the child
  bool stdout_truncated = false;
  std::string out;
  std::string err_tail;

  bool ok() const { return exit_code == 0 && !timed_out && !interrupted; }
  // "exit status 1: <last line of stderr>", "killed by signal 9", "timed out after 30 s"
  std::string describe() const;
};

// Looks `name` up on PATH (a name with a '/' is taken as given); nullopt if not there.
std::optional<std::filesystem::path> find_program(std::string_view name);

// Errors: internal when the program cannot be started (not installed: the message says
// which Debian package to install where `hint` names one). A child that fails is a
// RunResult with its exit status, not an Error.
Result<RunResult> run_process(const std::vector<std::string>& argv, const RunOptions& options = {},
                              std::string_view hint = {});

}  // namespace eductl
