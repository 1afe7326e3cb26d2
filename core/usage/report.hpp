// Usage reports: the aggregates grouped by one or two dimensions (region, time,
// catalogue), filtered, with views, visitors, bytes and watch time per row.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/usage/aggregate_store.hpp"
#include "core/usage/resolve.hpp"
#include "core/util/result.hpp"

namespace eductl::usage {

enum class Dim { province, city, day, week, month, subject, grade, stage, edition, publisher, book, lesson, resource_kind };

std::string_view to_string(Dim d);  // "province", ..., "resource-kind"
std::optional<Dim> parse_dim(std::string_view name);
bool is_region(Dim d);
bool is_time(Dim d);
bool is_catalog(Dim d);

struct ReportQuery {
  std::vector<Dim> by;                  // one or two
  QueryFilter filter;                   // days and provinces
  std::map<Dim, std::string> equals;    // catalogue filters: subject=math, stage=junior ...
  std::size_t top = 0;                  // 0: all rows
};

struct Measures {
  std::uint64_t views = 0, visitors = 0, bytes = 0, watch_seconds = 0;
};

struct ReportRow {
  std::vector<std::string> keys;  // one per `by`, region rows "450000" or "unknown"
  Measures m;
};

struct Report {
  std::vector<Dim> by;
  std::vector<ReportRow> rows;
  Measures totals;
  LineCounts lines{};
  bool catalog = false;  // whether a catalogue resolved the catalogue dimensions
};

// Visitors of a row are its distinct (day, client) pairs: daily visitors, summed over
// the row's days (docs/usage.md).
Result<Report> run_report(AggregateStore& store, Resolver& resolver, const ReportQuery& q);

// Catalogue metadata and mapping files are untrusted text that reaches terminals,
// spreadsheets and JSON: control characters (C0, DEL, C1) and bidi controls are removed,
// and so are bytes that are not UTF-8.
std::string without_controls(std::string_view text);

// "2026-W09" (ISO week of a day number), "2026-03".
std::string iso_week(std::int64_t day);
std::string month_text(std::int64_t day);

}  // namespace eductl::usage
