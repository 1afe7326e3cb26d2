// One line of a lesson player's event file (JSON Lines, schemas/eductl.event-1.schema.json)
// checked and split into what ingestion counts.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/usage/log_line.hpp"

namespace eductl::usage {

enum class EventAction { play, complete, download };

struct PlayerEvent {
  std::int64_t time = 0;        // UTC seconds
  std::int32_t utc_offset = 0;  // as the event wrote it
  std::string client, book, lesson, resource;
  EventAction action = EventAction::play;
  std::uint64_t seconds = 0;
  std::optional<std::uint32_t> province;  // from the event's region
};

// Malformed::none when the line is a valid event; otherwise why not (event_json,
// event_field, time, empty, too_long).
Malformed parse_event(std::string_view line, PlayerEvent& out);

}  // namespace eductl::usage
