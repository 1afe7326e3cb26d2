// Resources compiled into the binary (JSON Schemas from schemas/), so the tool needs
// no data files at run time.
#pragma once
#include <optional>
#include <string_view>

namespace eductl {
// The text of schemas/<name>, or nullopt when no such schema was embedded.
std::optional<std::string_view> embedded_schema(std::string_view name);
}  // namespace eductl
