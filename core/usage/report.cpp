#include "core/usage/report.hpp"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "core/usage/log_line.hpp"
#include "core/usage/regions.hpp"
#include "core/util/text.hpp"

namespace eductl::usage {
namespace {

constexpr std::pair<Dim, std::string_view> k_dims[] = {
    {Dim::province, "province"}, {Dim::city, "city"},       {Dim::day, "day"},         {Dim::week, "week"},
    {Dim::month, "month"},       {Dim::subject, "subject"}, {Dim::grade, "grade"},     {Dim::stage, "stage"},
    {Dim::edition, "edition"},   {Dim::publisher, "publisher"}, {Dim::book, "book"},   {Dim::lesson, "lesson"},
    {Dim::resource_kind, "resource-kind"},
};

const std::string& entity_field(const Entity& e, Dim d) {
  switch (d) {
    case Dim::subject: return e.subject;
    case Dim::grade: return e.grade;
    case Dim::stage: return e.stage;
    case Dim::edition: return e.edition;
    case Dim::publisher: return e.publisher;
    case Dim::book: return e.book;
    case Dim::lesson: return e.lesson;
    default: return e.resource_kind;
  }
}

struct PairHash {
  std::size_t operator()(const std::pair<std::int64_t, std::uint64_t>& p) const {
    return static_cast<std::size_t>(p.second ^ (static_cast<std::uint64_t>(p.first) * 0x9E3779B97F4A7C15ull));
  }
};

struct Group {
  Measures m;
  std::unordered_set<std::pair<std::int64_t, std::uint64_t>, PairHash> visitors;
};

}  // namespace

std::string_view to_string(Dim d) {
  for (auto [dim, name] : k_dims)
    if (dim == d) return name;
  return "?";
}
std::optional<Dim> parse_dim(std::string_view name) {
  for (auto [dim, n] : k_dims)
    if (n == name || (dim == Dim::resource_kind && name == "resource_kind")) return dim;
  return std::nullopt;
}
bool is_region(Dim d) { return d == Dim::province || d == Dim::city; }
bool is_time(Dim d) { return d == Dim::day || d == Dim::week || d == Dim::month; }
bool is_catalog(Dim d) { return !is_region(d) && !is_time(d); }

std::string iso_week(std::int64_t day) {
  // ISO 8601: weeks start on Monday; week 1 holds the year's first Thursday.
  const std::int64_t weekday = ((day % 7) + 7 + 3) % 7;  // 1970-01-01 was a Thursday: 0 = Monday
  const std::int64_t thursday = day - weekday + 3;
  const std::string t = day_text(thursday);
  const int year = std::stoi(t.substr(0, 4));
  const std::int64_t jan1 = days_from_civil(year, 1, 1);
  const std::int64_t week = (thursday - jan1) / 7 + 1;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-W%02lld", year, static_cast<long long>(week));
  return buf;
}

std::string month_text(std::int64_t day) { return day_text(day).substr(0, 7); }

std::string without_controls(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  auto p = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  auto left = static_cast<utf8proc_ssize_t>(text.size());
  while (left > 0) {
    utf8proc_int32_t cp = 0;
    utf8proc_ssize_t n = utf8proc_iterate(p, left, &cp);
    if (n <= 0 || cp < 0) {
      n = 1;  // a byte that is not UTF-8: dropped
    } else if (!is_unsafe_codepoint(static_cast<char32_t>(cp))) {
      out.append(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
    }
    p += n;
    left -= n;
  }
  return out;
}

namespace {

// A row's key: its values along the dimensions, each ended by U+001F.
std::string group_key(const std::vector<Dim>& by, const CellKey& k, const Entity& e) {
  std::string key;
  for (Dim d : by) {
    switch (d) {
      case Dim::province: key += region_code_text(k.province); break;
      case Dim::city: key += region_code_text(k.city); break;
      case Dim::day: key += day_text(k.day); break;
      case Dim::week: key += iso_week(k.day); break;
      case Dim::month: key += month_text(k.day); break;
      default: key += without_controls(entity_field(e, d)); break;
    }
    key += '\x1f';
  }
  return key;
}

// The groups as rows: time first chronological, otherwise the largest first (ties by
// key, so the order is stable); the first `top` of them.
std::vector<ReportRow> rows_of(const std::map<std::string, Group>& groups, const ReportQuery& q) {
  std::vector<ReportRow> rows;
  for (const auto& [key, g] : groups) {
    ReportRow row;
    std::size_t start = 0;
    for (std::size_t i = 0; i < q.by.size(); ++i) {
      const std::size_t end = key.find('\x1f', start);
      row.keys.push_back(key.substr(start, end - start));
      start = end + 1;
    }
    row.m = g.m;
    row.m.visitors = g.visitors.size();
    rows.push_back(std::move(row));
  }
  if (q.by.empty() || !is_time(q.by.front()))
    std::stable_sort(rows.begin(), rows.end(), [](const ReportRow& a, const ReportRow& b) { return a.m.views > b.m.views; });
  if (q.top && rows.size() > q.top) rows.resize(q.top);
  return rows;
}

}  // namespace

Result<Report> run_report(AggregateStore& store, Resolver& resolver, const ReportQuery& q) {
  Report rep;
  rep.by = q.by;
  rep.catalog = resolver.has_catalog();
  const bool need_entity =
      !q.equals.empty() || std::any_of(q.by.begin(), q.by.end(), [](Dim d) { return is_catalog(d); });

  // path id -> resolved entity, or nullopt when filtered out.
  std::unordered_map<std::int64_t, std::optional<Entity>> entities;
  std::unordered_map<std::int64_t, std::string> path_of;
  if (need_entity) {
    auto paths = store.paths();
    if (!paths) return paths.error();
    for (auto& [p, id] : *paths) path_of.emplace(id, std::move(p));
  }
  std::optional<Error> failure;
  auto entity = [&](std::int64_t path_id) -> const std::optional<Entity>& {
    auto it = entities.find(path_id);
    if (it != entities.end()) return it->second;
    std::optional<Entity> e;
    if (need_entity) {
      auto r = resolver.resolve(path_of[path_id]);
      if (!r) {
        if (!failure) failure = r.error();
      } else {
        e = std::move(r).value();
        for (const auto& [dim, want] : q.equals)
          if (entity_field(*e, dim) != want) e.reset();
      }
    } else {
      e = Entity{};
    }
    return entities.emplace(path_id, std::move(e)).first->second;
  };
  auto key_of = [&](const CellKey& k, const Entity& e) { return group_key(q.by, k, e); };

  std::map<std::string, Group> groups;
  std::unordered_set<std::pair<std::int64_t, std::uint64_t>, PairHash> all_visitors;
  auto st = store.for_each_cell(q.filter, [&](const CellKey& k, const CellValues& v) {
    const auto& e = entity(k.path_id);
    if (!e) return;
    Group& g = groups[key_of(k, *e)];
    const auto views = static_cast<std::uint64_t>(std::max<std::int64_t>(v.views, 0));
    g.m.views += views;
    g.m.bytes = add_saturated(g.m.bytes, v.bytes);
    g.m.watch_seconds += v.watch_seconds;
    rep.totals.views += views;
    rep.totals.bytes = add_saturated(rep.totals.bytes, v.bytes);
    rep.totals.watch_seconds += v.watch_seconds;
  });
  if (!st) return st.error();
  st = store.for_each_visitor(q.filter, [&](const VisitorKey& k) {
    const auto& e = entity(k.cell.path_id);
    if (!e) return;
    groups[key_of(k.cell, *e)].visitors.emplace(k.cell.day, k.client);
    all_visitors.emplace(k.cell.day, k.client);
  });
  if (!st) return st.error();
  if (failure) return *failure;
  rep.totals.visitors = all_visitors.size();

  rep.rows = rows_of(groups, q);
  auto lines = store.line_counts(q.filter);
  if (!lines) return lines.error();
  rep.lines = *lines;
  return rep;
}

}  // namespace eductl::usage
