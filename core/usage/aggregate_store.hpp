// The aggregate store: day-granular usage figures and the state that makes ingestion
// incremental (open view windows, per-file progress, the per-installation secret).
// An interface, so that a column store can take the central site's volumes later;
// SqliteAggregateStore (<data>/usage.sqlite) is the embedded implementation.
#pragma once
#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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
struct CellValues {
  std::uint64_t views = 0, bytes = 0, lines = 0;
  std::uint64_t watch_seconds = 0;
};
struct VisitorKey {
  CellKey cell;
  std::uint64_t client = 0;  // keyed hash of the client address, never the address
  bool operator==(const VisitorKey&) const = default;
  bool operator<(const VisitorKey& o) const;
};
struct WindowEntry {
  std::uint64_t client = 0;
  std::int64_t path_id = 0;
  std::int64_t last = 0;  // UTC seconds of the latest counted line
};

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
  virtual Result<std::array<unsigned char, 16>> secret() = 0;
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
  virtual Status commit() = 0;
  virtual void rollback() = 0;

  // --- reading ---
  virtual Status for_each_cell(const QueryFilter& f, const std::function<void(const CellKey&, const CellValues&)>& fn) = 0;
  virtual Status for_each_visitor(const QueryFilter& f, const std::function<void(const VisitorKey&)>& fn) = 0;
  // Line classes over the filter's days (malformed lines, which have no day, only when
  // no day bound is set).
  virtual Result<LineCounts> line_counts(const QueryFilter& f) = 0;
};

enum class StoreAccess { read_only, read_write };
// read_write creates usage.sqlite (mode 0600: it holds the secret) when needed;
// read_only says "no usage data here yet" when there is none (ErrorKind::bad_input).
Result<std::unique_ptr<AggregateStore>> open_sqlite_store(const std::filesystem::path& file, StoreAccess access);
bool is_absent_store(const Error& e);

}  // namespace eductl::usage
