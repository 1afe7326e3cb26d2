#include <catch2/catch.hpp>

#include "core/util/subprocess.hpp"

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
