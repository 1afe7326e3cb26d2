// UTC timestamps as eductl writes and reads them everywhere: "YYYY-MM-DDTHH:MM:SSZ"
// (RFC 3339, UTC, whole seconds) and calendar days since 1970-01-01. One formatter and one
// strict parser for the whole program, so a snapshot, a catalogue row and a usage day agree.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace eductl {

// Days since 1970-01-01 of a proleptic Gregorian date (no range check).
std::int64_t days_from_civil(int year, int month, int day);
// The number of days of MONTH (1-12) in YEAR.
int days_in_month(int year, int month);
// "YYYY-MM-DDTHH:MM:SSZ" for unix SECONDS.
std::string format_utc(std::int64_t seconds);
// format_utc of the current time.
std::string now_utc();
// Unix seconds of "YYYY-MM-DDTHH:MM:SSZ" exactly (years 1970-9999; 2026-02-31 is refused).
std::optional<std::int64_t> parse_utc(std::string_view text);
// Days since 1970-01-01 of "YYYY-MM-DD" exactly (real calendar dates only).
std::optional<std::int64_t> parse_iso_day(std::string_view text);

}  // namespace eductl
