// The aggregate store: day-granular usage figures and the state that makes ingestion
// incremental (open view windows, per-file progress, the keys of the days still open).
// An interface, so that a column store can take the central site's volumes later;
// SqliteAggregateStore (<data>/usage.sqlite) is the embedded implementation.
#pragma once
#include <algorithm>
#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/util/access.hpp"
#include "core/util/result.hpp"

namespace eductl::usage {

// Day numbers count days since 1970-01-01 in the log's own UTC offset.
inline constexpr std::int64_t k_no_day = -1000000;  // malformed lines have no day

// One cell of the aggregates: a day, a region and a resource (path or event key).
struct CellKey {
  std::int64_t day = 0;
  std::uint32_t province = 0, city = 0;
  std::int64_t path_id = 0;
  bool operator==(const CellKey&) const = default;
};
// Written as deltas (views can go down when a line joins two views into one), read as totals.
struct CellValues {
  std::int64_t views = 0;
  std::uint64_t bytes = 0, lines = 0;
  std::uint64_t watch_seconds = 0;
};
// Byte sums saturate at this value rather than wrap.
inline constexpr std::uint64_t k_max_sum = 0x7FFFFFFFFFFFFFFFull;
inline std::uint64_t add_saturated(std::uint64_t a, std::uint64_t b) { return a > k_max_sum - std::min(b, k_max_sum) ? k_max_sum : a + b; }

struct VisitorKey {
  CellKey cell;
  // An open day: keyed hash of the client address under the day's key, never the
  // address. A closed day: a number with no relation to the address (1..n per day).
  std::uint64_t client = 0;
  bool operator==(const VisitorKey&) const = default;
  bool operator<(const VisitorKey& o) const;
};
// One view (a run of counted lines of one client and path with gaps <= 1800 s), kept
// while its day is open so that lines arriving in any order join it.
struct WindowEntry {
  std::uint64_t client = 0;  // keyed hash under the key of `day`
  std::int64_t path_id = 0;
  std::int64_t first = 0, last = 0;  // UTC seconds of its first and latest line
  std::int64_t day = 0;              // local day of the first line: the view's day
  std::uint32_t province = 0, city = 0;
};
using DayKey = std::array<unsigned char, 16>;

// What identifies a file already read: the hash of its first head_len content bytes
// (after decompression), so a renamed, rotated or compressed copy is recognised.
struct FileRecord {
  std::int64_t id = 0;  // 0: not stored yet
  std::uint64_t head_len = 0;
  std::string head_hash;
  std::uint64_t offset = 0;  // content bytes consumed (always at a line end)
  std::uint64_t lines = 0;   // lines consumed
  std::uint64_t device = 0, inode = 0, size = 0;
  std::string name;
};

using LineCounts = std::array<std::uint64_t, 6>;  // by LineClass

struct QueryFilter {
  std::optional<std::int64_t> since, until;  // inclusive day numbers
  std::vector<std::uint32_t> provinces;      // empty: all
};

class AggregateStore {
 public:
  virtual ~AggregateStore() = default;

  // --- state ---
  // The keys of the open days (a day's key hashes its clients; it goes when the day closes).
  virtual Result<std::vector<std::pair<std::int64_t, DayKey>>> day_keys() = 0;
  virtual Result<std::int64_t> newest_time() = 0;  // newest line time ingested (0 if none)
  virtual Result<std::vector<WindowEntry>> windows() = 0;
  virtual Result<std::vector<std::pair<std::string, std::int64_t>>> paths() = 0;
  virtual Result<std::vector<FileRecord>> files() = 0;

  // --- one ingest transaction (one per file) ---
  virtual Status begin() = 0;
  virtual Result<std::int64_t> add_path(std::string_view path) = 0;
  virtual Status add_cells(const std::vector<std::pair<CellKey, CellValues>>& cells) = 0;
  virtual Status add_visitors(const std::vector<VisitorKey>& sorted_unique) = 0;
  virtual Status add_line_counts(const std::vector<std::pair<std::int64_t, LineCounts>>& by_day) = 0;
  virtual Status replace_windows(const std::vector<WindowEntry>& windows, std::int64_t newest_time) = 0;
  virtual Status save_file(const FileRecord& record) = 0;
  virtual Status save_day_key(std::int64_t day, const DayKey& key) = 0;
  // Closes every day up to `last_day`: its visitor hashes become numbers 1..n (after
  // those of the day already closed), its key and its windows are deleted.
  virtual Status close_days_through(std::int64_t last_day) = 0;
  virtual Status commit() = 0;
  virtual void rollback() = 0;

  // --- reading ---
  virtual Status for_each_cell(const QueryFilter& f, const std::function<void(const CellKey&, const CellValues&)>& fn) = 0;
  virtual Status for_each_visitor(const QueryFilter& f, const std::function<void(const VisitorKey&)>& fn) = 0;
  // Line classes over the filter's days (malformed lines, which have no day, only when
  // no day bound is set).
  virtual Result<LineCounts> line_counts(const QueryFilter& f) = 0;
};

// read_write creates usage.sqlite (mode 0600: it holds the keys of the open days) when needed;
// read_only says "no usage data here yet" when there is none (ErrorKind::bad_input).
Result<std::unique_ptr<AggregateStore>> open_sqlite_store(const std::filesystem::path& file, Access access);
bool is_absent_store(const Error& e);

}  // namespace eductl::usage
