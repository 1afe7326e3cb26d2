#include "core/usage/event.hpp"

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "core/usage/regions.hpp"
#include "core/util/embedded.hpp"
#include "core/util/json_schema.hpp"
#include "core/util/text.hpp"

namespace eductl::usage {
namespace {

constexpr std::string_view k_event_schema = "eductl.event-1.schema.json";

// Compiled once per process: events may be millions.
const JsonSchema& event_schema() {
  static const JsonSchema k_schema = [] {
    auto text = embedded_schema(k_event_schema);
    if (!text) throw std::logic_error("event schema not embedded");
    auto schema = JsonSchema::parse_text(*text);
    if (!schema) throw std::logic_error("event schema: " + schema.error().message);
    return std::move(schema).value();
  }();
  return k_schema;
}

std::string text_of(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  return it == j.end() ? std::string() : it->get<std::string>();
}

EventAction action_of(const std::string& a) {
  if (a == "complete") return EventAction::complete;
  if (a == "download") return EventAction::download;
  return EventAction::play;
}

}  // namespace

Malformed parse_event(std::string_view text, PlayerEvent& ev) {
  if (text.empty()) return Malformed::empty;
  if (text.size() > k_max_line) return Malformed::too_long;
  const nlohmann::json j = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Malformed::event_json;
  // The schema checks presence, types, enums and shapes; what it cannot say (a real
  // calendar date, a province that exists, names safe for a path key) follows.
  if (const auto v = event_schema().validate(j); !v.empty())
    return v.front().pointer == "/time" && v.front().keyword == "pattern" ? Malformed::time : Malformed::event_field;
  ev = PlayerEvent{};
  if (!parse_iso8601(j["time"].get<std::string>(), ev.time, ev.utc_offset)) return Malformed::time;
  ev.client = j["client"].get<std::string>();
  ev.book = j["book"].get<std::string>();
  ev.lesson = text_of(j, "lesson");
  ev.resource = text_of(j, "resource");
  ev.action = action_of(j["action"].get<std::string>());
  if (const auto it = j.find("seconds"); it != j.end()) ev.seconds = it->get<std::uint64_t>();
  if (const std::string region = text_of(j, "region"); !region.empty()) {
    ev.province = parse_province(region);
    if (!ev.province) return Malformed::event_field;
  }
  // The names become a path key separated by tabs and reach terminals in reports.
  for (const std::string* f : {&ev.book, &ev.lesson, &ev.resource})
    if (f->find('\t') != std::string::npos || !is_valid_utf8(*f) || first_unsafe_codepoint(*f)) return Malformed::event_field;
  return Malformed::none;
}

}  // namespace eductl::usage
