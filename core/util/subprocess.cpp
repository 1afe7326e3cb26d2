#include "core/util/subprocess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
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

// What the child does between fork and exec, prepared before the fork: after it only
// async-signal-safe calls are allowed (eductl may run threads).
struct ChildSetup {
  const char* program;
  const std::vector<std::string>& argv;
  const fs::path& cwd;
  int out_fd, err_fd;
  int max_fd;  // for kernels without close_range(2)
};

[[noreturn]] void child_fail(int report_fd, int err) {
  while (::write(report_fd, &err, sizeof err) < 0 && errno == EINTR) {
  }
  ::_exit(127);
}

// In the child: dies with eductl (PR_SET_PDEATHSIG: even a kill -9 of eductl ends
// ffmpeg, which ignores SIGPIPE and would otherwise run to the end); its own process
// group, so Ctrl-C on the terminal reaches eductl only, which ends the child itself;
// default signal dispositions; stdin /dev/null; no descriptor of eductl's but 0, 1, 2.
// The death signal is tied to the thread that forks: run_process waits for the child
// on that thread, so the thread outlives the child.
[[noreturn]] void exec_child(const ChildSetup& s, char* const* args, pid_t parent, int report_fd) {
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) child_fail(report_fd, errno);
  if (::getppid() != parent) ::_exit(127);  // eductl died before the line above took effect
  ::setpgid(0, 0);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig : {SIGINT, SIGTERM, SIGPIPE, SIGQUIT, SIGHUP, SIGXFSZ}) ::sigaction(sig, &dfl, nullptr);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd < 0 || ::dup2(null_fd, STDIN_FILENO) < 0 || ::dup2(s.out_fd, STDOUT_FILENO) < 0 ||
      ::dup2(s.err_fd, STDERR_FILENO) < 0)
    child_fail(report_fd, errno);
  if (!s.cwd.empty() && ::chdir(s.cwd.c_str()) != 0) child_fail(report_fd, errno);
  // Every other descriptor closes on exec, whoever opened it (a library, a stream):
  // nothing of eductl's leaks into a child that may outlive a pipe's reader.
  if (::syscall(SYS_close_range, 3u, ~0u, 4u /* CLOSE_RANGE_CLOEXEC */) != 0)
    for (int fd = 3; fd < s.max_fd; ++fd) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  ::execve(s.program, args, environ);
  child_fail(report_fd, errno);
}

// fork + exec; the exec's failure (errno) comes back through a close-on-exec pipe.
Result<pid_t> spawn_child(const ChildSetup& s) {
  std::vector<char*> args;
  for (const auto& a : s.argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  Pipe report;
  if (!report.ok()) return make_error(ErrorKind::internal, "cannot create a pipe: " + errno_text(errno));
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) return make_error(ErrorKind::internal, errno_text(errno));
  if (pid == 0) exec_child(s, args.data(), parent, report.write_end());
  report.close_write();
  int err = 0;
  ssize_t n;
  while ((n = ::read(report.read_end(), &err, sizeof err)) < 0 && errno == EINTR) {
  }
  if (n == static_cast<ssize_t>(sizeof err)) {
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    return make_error(ErrorKind::internal, errno_text(err));
  }
  return pid;
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

  const long open_max = ::sysconf(_SC_OPEN_MAX);
  const ChildSetup setup{program->c_str(), argv, options.cwd, out.write_end(), err.write_end(),
                         static_cast<int>(std::clamp(open_max, 1024L, 65536L))};
  auto pid = spawn_child(setup);
  if (!pid) return make_error(ErrorKind::internal, "cannot start " + argv.front() + ": " + pid.error().message);
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
      end_child(*pid);
      return r;
    }
    if (::poll(fds.data(), fds.size(), 100) < 0 && errno != EINTR) {
      const int e = errno;
      end_child(*pid);
      return make_error(ErrorKind::internal, "poll: " + errno_text(e));
    }
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
  while (::waitpid(*pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  return r;
}

}  // namespace eductl
