// The catalogue's SQLite schema as an ordered list of migrations. PRAGMA user_version
// records how many have run; each runs once, in its own transaction. Append only.
#pragma once
#include <span>
#include <string_view>

namespace eductl {
std::span<const std::string_view> catalog_migrations();
}  // namespace eductl
