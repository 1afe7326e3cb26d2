#include <catch2/catch.hpp>

#include "core/util/subprocess.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <string>

using namespace eductl;
using namespace std::chrono_literals;

TEST_CASE("subprocess: exit status, stdout and the tail of stderr, no shell", "[subprocess]") {
  auto r = run_process({"sh", "-c", "printf 'out; %s' \"$1\"; echo first >&2; echo 'last line' >&2; exit 3", "sh", "a b"});
  REQUIRE(r);
  CHECK(r->exit_code == 3);
  CHECK_FALSE(r->ok());
  CHECK(r->out == "out; a b");  // one argument, as given
  CHECK(r->describe() == "exit status 3: last line");
  auto literal = run_process({"printf", "%s", "$(touch /tmp/eductl-never); a b"});
  REQUIRE(literal);
  CHECK(literal->out == "$(touch /tmp/eductl-never); a b");
}

TEST_CASE("subprocess: time limit, stdout cap, stdin is empty, missing program", "[subprocess]") {
  RunOptions quick;
  quick.timeout = 300ms;
  auto slow = run_process({"sleep", "20"}, quick);
  REQUIRE(slow);
  CHECK(slow->timed_out);
  CHECK_FALSE(slow->ok());

  RunOptions capped;
  capped.max_stdout = 1000;
  auto big = run_process({"head", "-c", "1000000", "/dev/zero"}, capped);
  REQUIRE(big);
  CHECK(big->ok());
  CHECK(big->out.size() == 1000);
  CHECK(big->stdout_truncated);

  auto in = run_process({"cat"});
  REQUIRE(in);
  CHECK(in->ok());
  CHECK(in->out.empty());

  auto missing = run_process({"eductl-no-such-tool"}, {}, "eductl-tools");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message.find("apt-get install eductl-tools") != std::string::npos);
}

TEST_CASE("subprocess: ffprobe answers through the runner", "[subprocess][ffmpeg]") {
  auto r = run_process({"ffprobe", "-hide_banner", "-version"}, {}, "ffmpeg");
  REQUIRE(r);
  CHECK(r->ok());
  CHECK(r->out.find("ffprobe version") != std::string::npos);
}

TEST_CASE("subprocess: the child inherits no descriptor of eductl's besides stdin, stdout and stderr", "[subprocess]") {
  // Opened without O_CLOEXEC, as a library might: the child must still not get it.
  const int leaky = ::open("/dev/null", O_RDONLY);
  REQUIRE(leaky > 2);
  const std::string fd = std::to_string(leaky);
  auto r = run_process({"sh", "-c", "test -e /proc/self/fd/" + fd + " && echo inherited; ls /proc/self/fd | wc -l"});
  ::close(leaky);
  REQUIRE(r);
  CHECK(r->ok());
  CHECK(r->out.find("inherited") == std::string::npos);
  // 0, 1, 2 and the one `ls` opens for the listing: nothing else.
  CHECK(std::stoi(r->out) == 4);
}

TEST_CASE("subprocess: a program that cannot start is an error naming it; a bad work folder too", "[subprocess]") {
  RunOptions nowhere;
  nowhere.cwd = "/nonexistent/eductl-work";
  auto r = run_process({"true"}, nowhere);
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("cannot start true") != std::string::npos);
}

namespace {
bool gone(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return true;
  const auto close = line.rfind(')');
  return close != std::string::npos && line.compare(close + 2, 1, "Z") == 0;  // a zombie has ended
}
}  // namespace

TEST_CASE("subprocess: the child dies with eductl, even on kill -9", "[subprocess]") {
  int p[2];
  REQUIRE(::pipe(p) == 0);
  const pid_t eductl = ::fork();
  REQUIRE(eductl >= 0);
  if (eductl == 0) {  // stands for eductl: runs a child that would outlive it
    ::close(p[0]);
    RunOptions o;
    o.on_stdout = [&](std::string_view s) {
      if (::write(p[1], s.data(), s.size()) < 0) ::_exit(1);
    };
    (void)run_process({"sh", "-c", "echo $$; exec sleep 30"}, o);
    ::_exit(0);
  }
  ::close(p[1]);
  char buf[32] = {};
  const ssize_t n = ::read(p[0], buf, sizeof buf - 1);
  ::close(p[0]);
  REQUIRE(n > 0);
  const pid_t child = std::stoi(buf);
  REQUIRE_FALSE(gone(child));
  ::kill(eductl, SIGKILL);
  ::waitpid(eductl, nullptr, 0);
  bool ended = false;
  for (int i = 0; i < 40 && !ended; ++i) {
    ended = gone(child);
    if (!ended) ::usleep(50'000);
  }
  CHECK(ended);
  if (!ended) ::kill(child, SIGKILL);
}
