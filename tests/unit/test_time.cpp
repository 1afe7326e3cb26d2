#include <catch2/catch.hpp>

#include "core/util/time.hpp"

using namespace eductl;

TEST_CASE("UTC timestamps round-trip and only real dates parse", "[time]") {
  CHECK(format_utc(0) == "1970-01-01T00:00:00Z");
  CHECK(format_utc(1764633600) == "2025-12-02T00:00:00Z");
  CHECK(parse_utc("2025-12-02T00:00:00Z") == std::optional<std::int64_t>(1764633600));
  CHECK(parse_utc("2024-02-29T12:00:00Z").has_value());
  CHECK_FALSE(parse_utc("2026-02-31T00:00:00Z").has_value());  // no Feb 31
  CHECK_FALSE(parse_utc("2025-02-29T00:00:00Z").has_value());  // not a leap year
  CHECK_FALSE(parse_utc("2100-02-29T00:00:00Z").has_value());
  CHECK_FALSE(parse_utc("2026-04-31T00:00:00Z").has_value());
  CHECK_FALSE(parse_utc("2026-01-01T24:00:00Z").has_value());
  CHECK_FALSE(parse_utc("2026-01-01 00:00:00Z").has_value());
  CHECK_FALSE(parse_utc("1969-12-31T23:59:59Z").has_value());
  CHECK_FALSE(parse_utc("2026-01-01T00:00:00").has_value());
  for (std::int64_t t : {0LL, 951782400LL, 4102444799LL, 253402300799LL}) CHECK(parse_utc(format_utc(t)) == t);
}

TEST_CASE("calendar days", "[time]") {
  CHECK(days_from_civil(1970, 1, 1) == 0);
  CHECK(days_from_civil(2000, 3, 1) == 11017);
  CHECK(parse_iso_day("2026-12-02") == std::optional<std::int64_t>(days_from_civil(2026, 12, 2)));
  CHECK_FALSE(parse_iso_day("2026-13-01").has_value());
  CHECK_FALSE(parse_iso_day("2026-11-31").has_value());
  CHECK(days_in_month(2024, 2) == 29);
  CHECK(days_in_month(2000, 2) == 29);
  CHECK(days_in_month(1900, 2) == 28);
}

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/util/sha256.hpp"

TEST_CASE("whole-file hash: digest, size, a stop, and a read error is an error", "[sha256]") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("eductl-sha-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  {
    std::ofstream(dir / "abc") << "abc";
  }
  auto d = sha256_file(dir / "abc");
  REQUIRE(d);
  CHECK(d->sha256 == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(d->size == 3);
  auto stopped = sha256_file(dir / "abc", [](std::uint64_t) { return false; });
  REQUIRE_FALSE(stopped);
  CHECK(stopped.error().kind == ErrorKind::interrupted);
  CHECK_FALSE(sha256_file(dir / "missing"));
  // A directory opens but cannot be read (EISDIR): an error, not an empty file's digest.
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  REQUIRE(fd >= 0);
  auto e = sha256_fd(fd, dir.string());
  ::close(fd);
  CHECK_FALSE(e);
  fs::remove_all(dir);
}
