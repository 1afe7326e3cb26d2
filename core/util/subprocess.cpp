#include "core/util/subprocess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>

#include "core/util/cancel.hpp"
#include "core/util/fs.hpp"

extern char** environ;

namespace eductl {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

class Pipe {
 public:
  Pipe() {
    if (::pipe2(m_fd.data(), O_CLOEXEC) != 0) m_fd = {-1, -1};
  }
  ~Pipe() {
    close_read();
    close_write();
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  bool ok() const { return m_fd[0] >= 0; }
  int read_end() const { return m_fd[0]; }
  int write_end() const { return m_fd[1]; }
  void close_read() {
    if (m_fd[0] >= 0) ::close(m_fd[0]);
    m_fd[0] = -1;
  }
  void close_write() {
    if (m_fd[1] >= 0) ::close(m_fd[1]);
    m_fd[1] = -1;
  }

 private:
  std::array<int, 2> m_fd{-1, -1};
};

// Ends the child: SIGTERM, then SIGKILL if it has not gone after a grace period.
void end_child(pid_t pid) {
  ::kill(pid, SIGTERM);
  for (int i = 0; i < 40; ++i) {
    if (::waitpid(pid, nullptr, WNOHANG) == pid) return;
    ::usleep(50'000);
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
}

void keep_tail(std::string& s, const char* data, std::size_t n, std::size_t cap) {
  s.append(data, n);
  if (s.size() > cap) s.erase(0, s.size() - cap);
}

}  // namespace

std::string RunResult::describe() const {
  if (interrupted) return "interrupted";
  if (timed_out) return "timed out";
  std::string what = signal ? "killed by signal " + std::to_string(signal) : "exit status " + std::to_string(exit_code);
  std::string tail = err_tail;
  while (!tail.empty() && (tail.back() == '\n' || tail.back() == '\r')) tail.pop_back();
  if (auto nl = tail.rfind('\n'); nl != std::string::npos) tail.erase(0, nl + 1);
  return tail.empty() ? what : what + ": " + tail;
}

std::optional<fs::path> find_program(std::string_view name) {
  if (name.find('/') != std::string_view::npos) {
    if (::access(std::string(name).c_str(), X_OK) == 0) return fs::path(name);
    return std::nullopt;
  }
  const char* path = std::getenv("PATH");
  std::string_view dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  while (!dirs.empty()) {
    auto colon = dirs.find(':');
    std::string_view dir = dirs.substr(0, colon);
    fs::path candidate = fs::path(dir.empty() ? "." : std::string(dir)) / std::string(name);
    if (::access(candidate.c_str(), X_OK) == 0 && !fs::is_directory(candidate)) return candidate;
    if (colon == std::string_view::npos) break;
    dirs.remove_prefix(colon + 1);
  }
  return std::nullopt;
}

Result<RunResult> run_process(const std::vector<std::string>& argv, const RunOptions& options, std::string_view hint) {
  if (argv.empty()) return make_error(ErrorKind::internal, "run_process: no program given");
  auto program = find_program(argv.front());
  if (!program)
    return make_error(ErrorKind::internal, argv.front() + " is not installed" +
                                               (hint.empty() ? std::string() : "; install it with apt-get install " + std::string(hint)));
  Pipe out, err;
  if (!out.ok() || !err.ok()) return make_error(ErrorKind::internal, "cannot create a pipe: " + errno_text(errno));

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out.write_end(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err.write_end(), STDERR_FILENO);
  if (!options.cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, options.cwd.c_str());
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Its own process group: Ctrl-C on the terminal reaches eductl only, which then ends
  // the child itself; default signal dispositions, not eductl's handlers.
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF);

  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = ::posix_spawn(&pid, program->c_str(), &actions, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (spawned != 0) return make_error(ErrorKind::internal, "cannot start " + argv.front() + ": " + errno_text(spawned));
  out.close_write();
  err.close_write();

  RunResult r;
  const auto deadline = Clock::now() + options.timeout;
  std::array<pollfd, 2> fds{pollfd{out.read_end(), POLLIN, 0}, pollfd{err.read_end(), POLLIN, 0}};
  char buf[65536];
  int open_streams = 2;
  while (open_streams > 0) {
    if (interrupted()) r.interrupted = true;
    if (options.timeout.count() > 0 && Clock::now() >= deadline) r.timed_out = true;
    if (r.interrupted || r.timed_out) {
      end_child(pid);
      return r;
    }
    if (::poll(fds.data(), fds.size(), 100) < 0 && errno != EINTR)
      return make_error(ErrorKind::internal, "poll: " + errno_text(errno));
    for (auto& p : fds) {
      if (p.fd < 0 || !(p.revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = ::read(p.fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        p.fd = -1;
        --open_streams;
        continue;
      }
      const auto len = static_cast<std::size_t>(n);
      if (p.fd == out.read_end()) {
        if (options.on_stdout) options.on_stdout(std::string_view(buf, len));
        const std::size_t room = options.max_stdout - std::min(options.max_stdout, r.out.size());
        r.out.append(buf, std::min(room, len));
        if (len > room) r.stdout_truncated = true;
      } else {
        keep_tail(r.err_tail, buf, len, options.stderr_tail);
      }
    }
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  return r;
}

}  // namespace eductl
