// Pieces of `mirror sync` that stand alone: the folder-role check that keeps a sync out
// of an editor's data folder, and the bandwidth budget shared by all transfers.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "core/mirror/rate_budget.hpp"
#include "core/mirror/state.hpp"
#include "support.hpp"

using namespace eductl;
namespace fs = std::filesystem;

namespace {
fs::path fresh_dir(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("eductl-unit-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(d);
  return d;
}
void touch(const fs::path& f) { std::ofstream(f) << "x"; }
}  // namespace

TEST_CASE("only an empty folder or a mirror's own is synced into", "[mirror][sync]") {
  fs::path d = fresh_dir("role");
  DataFolder data(d);
  CHECK(mirror::check_mirror_folder(data).ok());  // absent
  fs::create_directories(d);
  CHECK(mirror::check_mirror_folder(data).ok());  // empty
  touch(data.lock_file());
  CHECK(mirror::check_mirror_folder(data).ok());  // a lock holds no data
  touch(data.catalog_file());                     // whatever it holds: never opened
  auto refused = mirror::check_mirror_folder(data);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().kind == ErrorKind::usage);
  CHECK(refused.error().message.find("catalog.sqlite") != std::string::npos);
  CHECK(refused.error().message.find("not a mirror") != std::string::npos);
  fs::remove(data.catalog_file());
  fs::create_directories(data.objects_dir());
  CHECK_FALSE(mirror::check_mirror_folder(data).ok());  // a content store alone is someone's too
  fs::remove_all(data.objects_dir());
  REQUIRE(mirror::mark_mirror_folder(data).ok());
  CHECK(data.is_mirror());
  touch(data.catalog_file());
  CHECK(mirror::check_mirror_folder(data).ok());  // the mirror's own catalogue
  CHECK_FALSE(data.catalog(Access::read_write).ok());  // and no one imports into it
  fs::remove_all(d);
}

TEST_CASE("one rate budget holds the sum of all transfers", "[mirror][rate]") {
  using Clock = mirror::RateBudget::Clock;
  auto t0 = Clock::now();
  mirror::RateBudget b(100'000, t0);
  CHECK(b.limited());
  CHECK_FALSE(b.available());  // nothing earned yet
  b.refill(t0 + std::chrono::milliseconds(50));
  CHECK(b.available());
  b.spend(5'000);                 // 50 ms earned 5,000 bytes
  CHECK_FALSE(b.available());
  b.spend(10'000);                // one piece taken whole: 10,000 bytes owed
  CHECK(b.wait() >= std::chrono::milliseconds(100));
  b.refill(t0 + std::chrono::seconds(10));  // a long idle earns at most a tenth of a second
  b.spend(100'001);
  CHECK_FALSE(b.available());
  // eight transfers taking 16 KiB pieces for 2 s move 2 s worth, not eight times that
  mirror::RateBudget shared(1'000'000, t0);
  std::uint64_t moved = 0;
  for (int ms = 1; ms <= 2000; ++ms) {
    shared.refill(t0 + std::chrono::milliseconds(ms));
    for (int t = 0; t < 8 && shared.available(); ++t) {
      shared.spend(16384);
      moved += 16384;
    }
  }
  CHECK(moved >= 1'900'000);
  CHECK(moved <= 2'150'000);
  CHECK(mirror::RateBudget(0).available());
  CHECK(mirror::RateBudget(1'000'000).piece_bytes() == 62500);
}
