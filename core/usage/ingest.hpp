// Ingestion of access logs into the aggregate store under the counting rules of
// docs/usage.md: line classes, views (a 1800 s window per client and path, carried
// across ingests), bytes, visitors (keyed hashes), each file once (by content).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/usage/aggregate_store.hpp"
#include "core/usage/log_line.hpp"
#include "core/util/result.hpp"

namespace eductl::usage {

struct IngestOptions {
  std::string format = "combined";          // or an nginx log_format string
  std::string geoip;                        // GeoIP2-City .mmdb; "" = every client unknown
  std::optional<std::uint32_t> region;      // a provincial mirror: every line to this province
  std::vector<std::string> bot_patterns;    // in addition to the built-in ones
  std::vector<std::string> trusted_proxies; // addresses / CIDR blocks whose X-Forwarded-For is believed
  bool strict = false;                      // a malformed line fails the file
  bool events = false;                      // every input is a player event file (JSON Lines)
};

// Player event files are recognised by name too: *.jsonl, *.ndjson (optionally .gz).
bool is_event_file_name(std::string_view name);

struct MalformedSample {
  std::string file;
  std::uint64_t line = 0;  // 1-based, counted from the start of the file
  std::string code;        // USG-LINE-*
  std::string reason;
};

struct FileOutcome {
  std::string file;
  std::string status;           // "ingested", "unchanged" (nothing new), "continued" (read from where it stopped)
  std::uint64_t skipped_bytes = 0;  // read before, not counted again
  std::uint64_t lines = 0;      // lines read now
  LineCounts classes{};
  std::uint64_t views = 0, bytes = 0;
  bool pending_tail = false;    // the file ends without a newline: that part waits for the next ingest
};

struct IngestSummary {
  std::vector<FileOutcome> files;
  LineCounts classes{};
  std::uint64_t lines = 0, views = 0, bytes = 0;
  std::vector<MalformedSample> samples;  // the first few malformed lines
};

inline constexpr std::int64_t k_view_window = 1800;
// Windows are dropped once the newest line read is this much past their end: lines
// written out of order by less than this still join their view, exactly.
inline constexpr std::int64_t k_disorder = 900;
inline constexpr std::size_t k_max_samples = 20;

using ProgressFn = std::function<void(std::uint64_t raw_bytes)>;

class Ingester {
 public:
  // Opens the GeoIP database and compiles the format; loads the carried-over state.
  static Result<Ingester> create(AggregateStore& store, const IngestOptions& opts);
  Ingester(Ingester&&) noexcept;
  Ingester& operator=(Ingester&&) noexcept;
  ~Ingester();

  // One file (or "-") in one transaction: an error or an interruption leaves the store
  // as it was before the file. The outcome and samples accumulate into `summary`.
  Status ingest_file(const std::string& name, IngestSummary& summary, const ProgressFn& progress = {});

  // The time of the first line that parses in a file's first 4 KiB (nullopt for "-", an
  // unreadable file or none). Logs are ingested in this order, oldest first, so that a
  // shell glob (access.log access.log.1 access.log.2.gz) is read as the time ran.
  std::optional<std::int64_t> first_line_time(const std::string& name);

 private:
  Ingester();
  struct State;
  std::unique_ptr<State> m;
};

}  // namespace eductl::usage
