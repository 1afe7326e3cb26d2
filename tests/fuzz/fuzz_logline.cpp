// Feeds arbitrary bytes to the access-log line parser as a torn, binary or hostile log
// would: the combined format and a custom format with every variable kind, then the
// classifier, the X-Forwarded-For rule, the player-event parser and the mapping-file parser. Properties checked:
// a parsed line's views lie inside the input, its time fields are consistent, and a
// malformed line always has a reason.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/usage/event.hpp"
#include "core/usage/geoip.hpp"
#include "core/usage/log_line.hpp"
#include "core/usage/resolve.hpp"

using namespace eductl::usage;

namespace {
bool inside(std::string_view part, std::string_view whole) {
  return part.empty() || (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const LogFormat combined = LogFormat::compile("combined").value();
  static const LogFormat custom = LogFormat::compile(
      R"($remote_addr [$time_iso8601] "$request_uri" $status $body_bytes_sent "$http_x_forwarded_for" $msec ${http_user_agent})")
                                      .value();
  static const BotMatcher bots({"EduMonitor"});
  static AddressSet trusted = [] {
    AddressSet s;
    (void)s.add("10.0.0.0/8");
    (void)s.add("2001:db8::/32");
    return s;
  }();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const LogFormat* f : {&combined, &custom}) {
    LogLine l;
    const Malformed m = parse_line(text, *f, l);
    if (m == Malformed::none) {
      if (!inside(l.client, text) || !inside(l.path, text) || !inside(l.user_agent, text) || !inside(l.forwarded, text))
        __builtin_trap();
      if (l.status < 100 || l.status > 599 || l.utc_offset <= -86400 || l.utc_offset >= 86400) __builtin_trap();
      (void)classify(l, bots);
      (void)l.local_day();
      if (!inside(client_address(l.client, l.forwarded, trusted), text)) __builtin_trap();
    } else if (describe(m).empty() || malformed_code(m).substr(0, 9) != "USG-LINE-") {
      __builtin_trap();
    }
  }
  PlayerEvent ev;
  if (parse_event(text, ev) == Malformed::none && (ev.book.empty() || ev.client.empty() || ev.seconds > 86400))
    __builtin_trap();
  (void)parse_mapping(text, "fuzz.tsv");
  (void)blob_sha(text);
  return 0;
}
