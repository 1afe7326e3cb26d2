// One access-log line as data: a log format compiled from nginx `log_format` syntax
// (`combined` built in), the parser that splits a line by it without allocating, and the
// line classes of the counting rules (docs/usage.md).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/util/result.hpp"

namespace eductl::usage {

enum class Field : std::uint8_t {
  remote_addr, time_local, time_iso8601, msec, request, request_uri, uri, status, body_bytes_sent,
  http_user_agent, http_x_forwarded_for, other
};

struct FormatItem {
  bool is_field = false;
  Field field = Field::other;
  std::string literal;  // for literals
};

class LogFormat {
 public:
  // "combined", or a log_format string such as
  // '$remote_addr [$time_local] "$request" $status $body_bytes_sent "$http_user_agent"'.
  // It must name the client ($remote_addr), a time ($time_local, $time_iso8601 or $msec),
  // the request ($request, $request_uri or $uri) and $status. Error kind usage otherwise.
  static Result<LogFormat> compile(std::string_view spec);
  const std::vector<FormatItem>& items() const { return m_items; }
  bool has(Field f) const;
  const std::string& spec() const { return m_spec; }

 private:
  std::vector<FormatItem> m_items;
  std::string m_spec;
};

inline constexpr std::string_view k_combined =
    R"($remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent")";

// Why a line does not parse as the format; `none` when it does.
enum class Malformed : std::uint8_t {
  none, empty, nul, utf8, too_long, layout, time, future, request, status, bytes, event_json, event_field
};
std::string_view describe(Malformed m);
// The finding code (rules_usage.inc) of a malformed line.
std::string_view malformed_code(Malformed m);

struct LogLine {
  std::string_view client;     // $remote_addr
  std::string_view forwarded;  // $http_x_forwarded_for ("" when not in the format)
  std::int64_t time = 0;       // UTC seconds since the epoch
  std::int32_t utc_offset = 0; // seconds east of UTC, as the log wrote it
  std::string_view path;       // request target up to the first '?', raw
  int status = 0;
  std::uint64_t bytes = 0;
  std::string_view user_agent;
  // The day of the line in the log's own offset, as days since 1970-01-01.
  std::int64_t local_day() const;
};

inline constexpr std::size_t k_max_line = 64 * 1024;
// A response larger than this in one line is a damaged or forged count, not traffic.
inline constexpr std::uint64_t k_max_line_bytes = 1ull << 40;

// Splits `line` (without its newline) by the format. Never allocates; the views point
// into `line`.
Malformed parse_line(std::string_view line, const LogFormat& format, LogLine& out);

enum class LineClass : std::uint8_t { malformed, health_check, bot, error, counted, other };
inline constexpr int k_line_classes = 6;
std::string_view to_string(LineClass c);

// User agents of robots: the built-in patterns (bot, spider, crawl, curl/, wget/,
// python-requests) plus configured ones, matched case-insensitively as substrings.
class BotMatcher {
 public:
  explicit BotMatcher(const std::vector<std::string>& extra = {});
  bool matches(std::string_view user_agent) const;

 private:
  std::vector<std::string> m_patterns;  // lower case
};

// The class of a line that parsed (first match wins: health check, bot, error, counted, other).
LineClass classify(const LogLine& line, const BotMatcher& bots);

// Calendar helpers shared with the events reader and reports.
std::int64_t days_from_civil(int y, unsigned m, unsigned d);
std::string day_text(std::int64_t day);  // "2026-03-01"
// "2026-03-01" -> day number; nullopt on anything else.
bool parse_day(std::string_view text, std::int64_t& day);
// ISO 8601 date-time with offset ("2026-03-01T08:00:00+08:00", "...Z"); false on garbage.
bool parse_iso8601(std::string_view text, std::int64_t& utc, std::int32_t& offset);

}  // namespace eductl::usage
