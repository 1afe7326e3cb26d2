// Ingestion of access logs into the aggregate store under the counting rules of
// docs/usage.md: line classes, views (runs of a client's lines on a path with gaps of at
// most 1800 s, joined across files in any order while their day is open), bytes,
// visitors (hashes under a key per day, numbers once the day closes), each file once.
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
  // How long after a day ends (in the latest time zone) its key is kept for files that
  // arrive late; then the day closes (docs/usage.md, "Privacy").
  std::int64_t late_grace = 86400;
  std::int64_t now = 0;                     // the clock (UTC seconds); 0 = the system clock
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
  std::uint64_t views = 0, bytes = 0;  // views begun by this file's lines; bytes saturate
  bool pending_tail = false;    // the file ends without a newline: that part waits for the next ingest
};

struct IngestSummary {
  std::vector<FileOutcome> files;
  LineCounts classes{};
  std::uint64_t lines = 0, views = 0, bytes = 0;
  std::vector<MalformedSample> samples;  // the first few malformed lines
};

inline constexpr std::int64_t k_view_window = 1800;
// Views of a closed day are dropped from memory once the newest line of the file is this
// much past their end: lines written out of order by less than this still join them.
inline constexpr std::int64_t k_disorder = 900;
// A line more than this after the ingest's clock is malformed (a clock gone wrong).
inline constexpr std::int64_t k_max_future = 86400;
// A day closes once its end in the latest time zone (UTC-12), plus the view window and
// the late grace, has passed: at (day + 1) * 86400 + 12 h + 1800 s + late_grace UTC.
inline constexpr std::int64_t k_latest_zone = 12 * 3600;
// The last day closed at `now` under this grace.
std::int64_t last_closed_day(std::int64_t now, std::int64_t late_grace);
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

  // After the files of a run, in its own transaction: the days that are closed lose their
  // key and their windows, and their visitor hashes become numbers. Figures stay exact
  // for everything ingested while a day's key lived.
  Status close_days();

 private:
  Ingester();
  struct State;
  std::unique_ptr<State> m;
};

}  // namespace eductl::usage
