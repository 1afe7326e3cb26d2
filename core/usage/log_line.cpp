#include "core/usage/log_line.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include "core/util/text.hpp"

namespace eductl::usage {
namespace {

struct VarName {
  std::string_view name;
  Field field;
};
constexpr VarName k_vars[] = {
    {"remote_addr", Field::remote_addr}, {"time_local", Field::time_local},
    {"time_iso8601", Field::time_iso8601}, {"msec", Field::msec},
    {"request", Field::request}, {"request_uri", Field::request_uri},
    {"uri", Field::uri}, {"status", Field::status},
    {"body_bytes_sent", Field::body_bytes_sent}, {"http_user_agent", Field::http_user_agent},
    {"http_x_forwarded_for", Field::http_x_forwarded_for},
};

bool is_var_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

inline bool digit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly n digits at s.
inline bool digits(const char* s, int n, int& v) {
  v = 0;
  for (int i = 0; i < n; ++i) {
    if (!digit(s[i])) return false;
    v = v * 10 + (s[i] - '0');
  }
  return true;
}

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
int days_in_month(int y, int m) {
  static constexpr int k[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : k[m - 1];
}

bool valid_civil(int y, int mo, int d, int h, int mi, int s) {
  return y >= 1970 && y <= 9999 && mo >= 1 && mo <= 12 && d >= 1 && d <= days_in_month(y, mo) && h <= 23 && mi <= 59 &&
         s <= 59;
}

std::int64_t to_epoch(int y, int mo, int d, int h, int mi, int s, std::int32_t offset) {
  return days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 + h * 3600 + mi * 60 + s -
         offset;
}

// "10/Oct/2000:13:55:36 -0700"
bool parse_time_local(std::string_view t, std::int64_t& utc, std::int32_t& offset) {
  if (t.size() != 26 || t[2] != '/' || t[6] != '/' || t[11] != ':' || t[14] != ':' || t[17] != ':' || t[20] != ' ')
    return false;
  static constexpr std::string_view k_months = "JanFebMarAprMayJunJulAugSepOctNovDec";
  const std::size_t at = k_months.find(t.substr(3, 3));
  if (at == std::string_view::npos || at % 3 != 0) return false;
  int d, y, h, mi, s, oh, om;
  if (!digits(&t[0], 2, d) || !digits(&t[7], 4, y) || !digits(&t[12], 2, h) || !digits(&t[15], 2, mi) ||
      !digits(&t[18], 2, s) || !digits(&t[22], 2, oh) || !digits(&t[24], 2, om))
    return false;
  const int mo = static_cast<int>(at / 3) + 1;
  if (!valid_civil(y, mo, d, h, mi, s) || (t[21] != '+' && t[21] != '-') || oh > 23 || om > 59) return false;
  offset = (oh * 3600 + om * 60) * (t[21] == '-' ? -1 : 1);
  utc = to_epoch(y, mo, d, h, mi, s, offset);
  return true;
}

bool parse_msec(std::string_view t, std::int64_t& utc) {
  std::int64_t v = 0;
  std::size_t i = 0;
  for (; i < t.size() && digit(t[i]); ++i) {
    if (i >= 12) return false;
    v = v * 10 + (t[i] - '0');
  }
  if (i == 0) return false;
  if (i < t.size()) {
    if (t[i] != '.') return false;
    for (++i; i < t.size(); ++i)
      if (!digit(t[i])) return false;
  }
  utc = v;
  return true;
}

bool parse_uint(std::string_view s, std::uint64_t& v, std::size_t max_digits) {
  if (s.empty() || s.size() > max_digits) return false;
  v = 0;
  for (char c : s) {
    if (!digit(c)) return false;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return true;
}

std::string_view before_query(std::string_view target) {
  const std::size_t q = target.find('?');
  return q == std::string_view::npos ? target : target.substr(0, q);
}

// "GET /a?b HTTP/1.1" -> "/a"; HTTP/0.9 lines have no protocol part.
bool request_path(std::string_view req, std::string_view& path) {
  const std::size_t sp = req.find(' ');
  if (sp == std::string_view::npos || sp == 0) return false;
  std::string_view rest = req.substr(sp + 1);
  const std::size_t sp2 = rest.find(' ');
  const std::string_view target = sp2 == std::string_view::npos ? rest : rest.substr(0, sp2);
  if (target.empty()) return false;
  path = before_query(target);
  return true;
}

bool has_high_bit(std::string_view s) {
  for (unsigned char c : s)
    if (c >= 0x80) return true;
  return false;
}

}  // namespace

std::int64_t days_from_civil(int y, unsigned m, unsigned d) {
  // Howard Hinnant's algorithm.
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

std::string day_text(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(y + (m <= 2)), m, d);
  return buf;
}

bool parse_day(std::string_view t, std::int64_t& day) {
  int y, m, d;
  if (t.size() != 10 || t[4] != '-' || t[7] != '-' || !digits(&t[0], 4, y) || !digits(&t[5], 2, m) ||
      !digits(&t[8], 2, d) || !valid_civil(y, m, d, 0, 0, 0))
    return false;
  day = days_from_civil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
  return true;
}

bool parse_iso8601(std::string_view t, std::int64_t& utc, std::int32_t& offset) {
  // 2000-10-10T13:55:36+08:00 | ...Z (fractions of a second are allowed and dropped)
  if (t.size() < 20 || t[10] != 'T' || t[13] != ':' || t[16] != ':') return false;
  std::int64_t day = 0;
  if (!parse_day(t.substr(0, 10), day)) return false;
  int h, mi, s;
  if (!digits(&t[11], 2, h) || !digits(&t[14], 2, mi) || !digits(&t[17], 2, s) || h > 23 || mi > 59 || s > 59)
    return false;
  std::size_t i = 19;
  if (t[i] == '.') {
    ++i;
    const std::size_t start = i;
    while (i < t.size() && digit(t[i])) ++i;
    if (i == start) return false;
  }
  std::string_view zone = t.substr(i);
  if (zone == "Z") {
    offset = 0;
  } else {
    int oh, om;
    if (zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') || zone[3] != ':' || !digits(&zone[1], 2, oh) ||
        !digits(&zone[4], 2, om) || oh > 23 || om > 59)
      return false;
    offset = (oh * 3600 + om * 60) * (zone[0] == '-' ? -1 : 1);
  }
  utc = day * 86400 + h * 3600 + mi * 60 + s - offset;
  return true;
}

std::int64_t LogLine::local_day() const {
  const std::int64_t t = time + utc_offset;
  return t >= 0 ? t / 86400 : (t - 86399) / 86400;
}

Result<LogFormat> LogFormat::compile(std::string_view spec) {
  LogFormat f;
  f.m_spec = std::string(spec == "combined" ? k_combined : spec);
  const std::string_view s = f.m_spec;
  std::string literal;
  for (std::size_t i = 0; i < s.size();) {
    if (s[i] != '$') {
      literal += s[i++];
      continue;
    }
    std::size_t j = i + 1;
    std::string_view name;
    if (j < s.size() && s[j] == '{') {
      const std::size_t close = s.find('}', j);
      if (close == std::string_view::npos)
        return make_error(ErrorKind::usage, "log format: unclosed ${ at offset " + std::to_string(i));
      name = s.substr(j + 1, close - j - 1);
      j = close + 1;
    } else {
      while (j < s.size() && is_var_char(s[j])) ++j;
      name = s.substr(i + 1, j - i - 1);
    }
    if (name.empty()) return make_error(ErrorKind::usage, "log format: '$' without a variable name at offset " + std::to_string(i));
    if (!f.m_items.empty() && f.m_items.back().is_field && literal.empty())
      return make_error(ErrorKind::usage, "log format: variables $" + std::string(name) +
                                              " and the one before it have no separator between them");
    if (!literal.empty()) f.m_items.push_back({false, Field::other, std::move(literal)});
    literal.clear();
    Field field = Field::other;
    for (const VarName& v : k_vars)
      if (v.name == name) field = v.field;
    f.m_items.push_back({true, field, {}});
    i = j;
  }
  if (!literal.empty()) f.m_items.push_back({false, Field::other, std::move(literal)});
  const bool time = f.has(Field::time_local) || f.has(Field::time_iso8601) || f.has(Field::msec);
  const bool request = f.has(Field::request) || f.has(Field::request_uri) || f.has(Field::uri);
  if (!f.has(Field::remote_addr) || !time || !request || !f.has(Field::status))
    return make_error(ErrorKind::usage,
                      "log format must contain $remote_addr, $status, a time ($time_local, $time_iso8601 or $msec) and "
                      "the request ($request, $request_uri or $uri): " + f.m_spec);
  return f;
}

bool LogFormat::has(Field field) const {
  return std::any_of(m_items.begin(), m_items.end(), [&](const FormatItem& i) { return i.is_field && i.field == field; });
}

std::string_view describe(Malformed m) {
  switch (m) {
    case Malformed::none: return "parses";
    case Malformed::empty: return "empty line";
    case Malformed::nul: return "contains NUL bytes (torn or pre-allocated write)";
    case Malformed::utf8: return "not valid UTF-8 (nginx escapes such bytes as \\xNN)";
    case Malformed::too_long: return "longer than 64 KiB";
    case Malformed::layout: return "does not match the log format (torn write or another format)";
    case Malformed::time: return "bad date or time";
    case Malformed::future: return "dated more than a day after the ingest's clock";
    case Malformed::request: return "bad request line";
    case Malformed::status: return "bad status";
    case Malformed::bytes: return "bad byte count (not a number, or over 1 TiB for one response)";
    case Malformed::event_json: return "not a JSON object";
    case Malformed::event_field: return "a required event field is missing or of the wrong type";
  }
  return "?";
}

std::string_view malformed_code(Malformed m) {
  switch (m) {
    case Malformed::nul: return "USG-LINE-NUL";
    case Malformed::utf8: return "USG-LINE-UTF8";
    case Malformed::too_long: return "USG-LINE-TOO-LONG";
    case Malformed::time:
    case Malformed::future: return "USG-LINE-TIME";
    case Malformed::request: return "USG-LINE-REQUEST";
    case Malformed::status:
    case Malformed::bytes: return "USG-LINE-FIELD";
    case Malformed::event_json: return "USG-EVENT-JSON";
    case Malformed::event_field: return "USG-EVENT-FIELD";
    default: return "USG-LINE-LAYOUT";
  }
}

Malformed parse_line(std::string_view line, const LogFormat& format, LogLine& out) {
  if (line.empty()) return Malformed::empty;
  if (line.size() > k_max_line) return Malformed::too_long;
  if (std::memchr(line.data(), '\0', line.size())) return Malformed::nul;
  if (has_high_bit(line) && !is_valid_utf8(line)) return Malformed::utf8;
  out = LogLine{};
  const auto& items = format.items();
  std::size_t pos = 0;
  bool have_time = false, have_path = false, have_status = false;
  for (std::size_t k = 0; k < items.size(); ++k) {
    const FormatItem& it = items[k];
    if (!it.is_field) {
      if (line.compare(pos, it.literal.size(), it.literal) != 0) return Malformed::layout;
      pos += it.literal.size();
      continue;
    }
    std::size_t end = line.size();
    if (k + 1 < items.size()) {
      const std::string& next = items[k + 1].literal;
      end = line.find(next, pos);
      if (end == std::string_view::npos) return Malformed::layout;
    }
    const std::string_view v = line.substr(pos, end - pos);
    // nginx escapes '"' inside values (\x22): a quoted field holding one is two lines
    // run together (a torn write).
    if (k > 0 && !items[k - 1].literal.empty() && items[k - 1].literal.back() == '"' &&
        v.find('"') != std::string_view::npos)
      return Malformed::layout;
    pos = end;
    switch (it.field) {
      case Field::remote_addr:
        if (v.empty()) return Malformed::layout;
        out.client = v;
        break;
      case Field::time_local:
        if (!parse_time_local(v, out.time, out.utc_offset)) return Malformed::time;
        have_time = true;
        break;
      case Field::time_iso8601:
        if (!parse_iso8601(v, out.time, out.utc_offset)) return Malformed::time;
        have_time = true;
        break;
      case Field::msec:
        if (!parse_msec(v, out.time)) return Malformed::time;
        have_time = true;
        break;
      case Field::request:
        // "-" or a garbage request (a TLS hello on the HTTP port) is logged with a 4xx
        // status; it is an error line, not a malformed one.
        have_path = request_path(v, out.path);
        break;
      case Field::request_uri:
      case Field::uri:
        out.path = before_query(v);
        have_path = !out.path.empty();
        break;
      case Field::status: {
        std::uint64_t s = 0;
        if (v.size() != 3 || !parse_uint(v, s, 3) || s < 100 || s > 599) return Malformed::status;
        out.status = static_cast<int>(s);
        have_status = true;
        break;
      }
      case Field::body_bytes_sent:
        if (v != "-" && (!parse_uint(v, out.bytes, 19) || out.bytes > k_max_line_bytes)) return Malformed::bytes;
        break;
      case Field::http_user_agent: out.user_agent = v; break;
      case Field::http_x_forwarded_for: out.forwarded = v == "-" ? std::string_view() : v; break;
      case Field::other: break;
    }
  }
  if (pos != line.size()) return Malformed::layout;
  if (!have_time || !have_status) return Malformed::layout;
  if (!have_path && out.status < 400) return Malformed::request;
  return Malformed::none;
}

std::string_view to_string(LineClass c) {
  static constexpr std::array<std::string_view, k_line_classes> k = {"malformed", "health_check", "bot",
                                                                     "error",     "counted",      "other"};
  return k[static_cast<std::size_t>(c)];
}

BotMatcher::BotMatcher(const std::vector<std::string>& extra)
    : m_patterns{"bot", "spider", "crawl", "curl/", "wget/", "python-requests"} {
  for (const std::string& p : extra)
    if (!p.empty()) m_patterns.push_back(to_lower_ascii(p));
}

bool BotMatcher::matches(std::string_view ua) const {
  // Lower-cased into a stack buffer: no allocation per line. Agents longer than the
  // buffer are matched on their first 4 KiB.
  char buf[4096];
  const std::size_t n = std::min(ua.size(), sizeof buf);
  for (std::size_t i = 0; i < n; ++i) {
    const char c = ua[i];
    buf[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c | 0x20) : c;
  }
  const std::string_view low(buf, n);
  for (const std::string& p : m_patterns)
    if (low.find(p) != std::string_view::npos) return true;
  return false;
}

LineClass classify(const LogLine& line, const BotMatcher& bots) {
  if (line.path == "/healthz") return LineClass::health_check;
  if (bots.matches(line.user_agent)) return LineClass::bot;
  if (line.status >= 400) return LineClass::error;
  if ((line.status >= 200 && line.status <= 299) || line.status == 304) return LineClass::counted;
  return LineClass::other;
}

}  // namespace eductl::usage
