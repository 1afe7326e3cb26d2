#include "core/usage/event.hpp"

#include <nlohmann/json.hpp>

#include "core/usage/regions.hpp"
#include "core/util/text.hpp"

namespace eductl::usage {

Malformed parse_event(std::string_view text, PlayerEvent& ev) {
  if (text.empty()) return Malformed::empty;
  if (text.size() > k_max_line) return Malformed::too_long;
  const nlohmann::json j = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Malformed::event_json;
  auto str = [&](const char* k, bool required, std::string& v) {
    const auto it = j.find(k);
    if (it == j.end()) return !required;
    if (!it->is_string()) return false;
    v = it->get<std::string>();
    return !required || !v.empty();
  };
  ev = PlayerEvent{};
  std::string time, action, region, role;
  if (!str("time", true, time) || !str("client", true, ev.client) || !str("book", true, ev.book) ||
      !str("action", true, action) || !str("lesson", false, ev.lesson) || !str("resource", false, ev.resource) ||
      !str("region", false, region) || !str("role", false, role))
    return Malformed::event_field;
  if (!parse_iso8601(time, ev.time, ev.utc_offset)) return Malformed::time;
  if (action == "play") ev.action = EventAction::play;
  else if (action == "complete") ev.action = EventAction::complete;
  else if (action == "download") ev.action = EventAction::download;
  else return Malformed::event_field;
  if (const auto it = j.find("seconds"); it != j.end()) {
    if (!it->is_number_integer() || it->get<std::int64_t>() < 0 || it->get<std::int64_t>() > 86400)
      return Malformed::event_field;
    ev.seconds = it->get<std::uint64_t>();
  }
  if (!region.empty()) {
    ev.province = parse_province(region);
    if (!ev.province || region.size() != 6) return Malformed::event_field;
  }
  if (!role.empty() && role != "student" && role != "teacher" && role != "parent" && role != "other")
    return Malformed::event_field;
  // The names become a path key separated by tabs and reach terminals in reports.
  for (const std::string* f : {&ev.book, &ev.lesson, &ev.resource})
    if (f->find('\t') != std::string::npos || !is_valid_utf8(*f) || first_unsafe_codepoint(*f)) return Malformed::event_field;
  if (ev.client.size() > 64) return Malformed::event_field;
  return Malformed::none;
}

}  // namespace eductl::usage
