#include "commands/report.hpp"

#include <sstream>

#include "commands/common.hpp"
#include "commands/render.hpp"
#include "commands/report_html.hpp"
#include "core/data/data_folder.hpp"
#include "core/usage/log_line.hpp"
#include "core/usage/regions.hpp"
#include "core/usage/report.hpp"
#include "core/util/fs.hpp"
#include "core/util/text.hpp"

namespace eductl {
namespace {

using usage::Dim;

// Region dimensions carry a name: "name" for the first, "<dim>_name" for a second one.
std::vector<std::pair<std::size_t, std::string>> name_columns(const std::vector<Dim>& by) {
  std::vector<std::pair<std::size_t, std::string>> out;
  for (std::size_t i = 0; i < by.size(); ++i)
    if (usage::is_region(by[i]))
      out.emplace_back(i, out.empty() ? std::string("name") : std::string(usage::to_string(by[i])) + "_name");
  return out;
}

std::string region_name_of(const std::string& key) {
  if (key == "unknown") return "未知";
  return std::string(usage::region_name(static_cast<std::uint32_t>(std::stoul(key))));
}

nlohmann::json measures_json(const usage::Measures& m) {
  return {{"views", m.views}, {"visitors", m.visitors}, {"bytes", m.bytes}, {"watch_seconds", m.watch_seconds}};
}

}  // namespace

nlohmann::json report_json(const usage::Report& r) {
  nlohmann::json by = nlohmann::json::array();
  for (Dim d : r.by) by.push_back(usage::to_string(d));
  const auto names = name_columns(r.by);
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& row : r.rows) {
    nlohmann::json j = nlohmann::json::object();
    for (std::size_t i = 0; i < r.by.size(); ++i) j[std::string(usage::to_string(r.by[i]))] = row.keys[i];
    for (const auto& [i, col] : names) j[col] = region_name_of(row.keys[i]);
    j["views"] = row.m.views;
    j["visitors"] = row.m.visitors;
    j["bytes"] = row.m.bytes;
    j["watch_seconds"] = row.m.watch_seconds;
    rows.push_back(std::move(j));
  }
  nlohmann::json lines = nlohmann::json::object();
  for (int i = 0; i < usage::k_line_classes; ++i)
    lines[std::string(usage::to_string(static_cast<usage::LineClass>(i)))] = r.lines[static_cast<std::size_t>(i)];
  return {{"schema", "eductl.report/1"}, {"by", by}, {"rows", rows}, {"totals", measures_json(r.totals)},
          {"lines", lines}, {"catalog", r.catalog}};
}

namespace {

// RFC 4180 quoting, and OWASP's defence against formula injection: a text cell that a
// spreadsheet would read as a formula (= + - @, or TAB / CR first) gets a leading
// apostrophe and quotes. Numbers are written as numbers.
std::string csv_text(const std::string& s) {
  const bool formula = !s.empty() && std::string_view("=+-@\t\r").find(s.front()) != std::string_view::npos;
  if (!formula && s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = formula ? "\"'" : "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

void print_csv(std::ostream& out, const usage::Report& r) {
  const auto names = name_columns(r.by);
  std::vector<std::string> header;
  for (Dim d : r.by) header.emplace_back(usage::to_string(d));
  for (const auto& [i, col] : names) header.push_back(col);
  for (const char* m : {"views", "visitors", "bytes", "watch_seconds"}) header.emplace_back(m);
  for (std::size_t i = 0; i < header.size(); ++i) out << (i ? "," : "") << header[i];
  out << "\r\n";
  for (const auto& row : r.rows) {
    std::vector<std::string> cells = row.keys;
    for (const auto& [i, col] : names) cells.push_back(region_name_of(row.keys[i]));
    for (std::size_t i = 0; i < cells.size(); ++i) out << (i ? "," : "") << csv_text(cells[i]);
    for (std::uint64_t v : {row.m.views, row.m.visitors, row.m.bytes, row.m.watch_seconds}) out << ',' << v;
    out << "\r\n";
  }
}

void print_table(const Context& ctx, const usage::Report& r) {
  const auto names = name_columns(r.by);
  Table t;
  for (Dim d : r.by) t.headers.push_back(to_lower_ascii(std::string(usage::to_string(d))));
  for (const auto& [i, col] : names) t.headers.push_back(col);
  t.right_align.assign(t.headers.size(), false);
  for (const char* m : {"views", "visitors", "bytes", "watch time"}) {
    t.headers.emplace_back(m);
    t.right_align.push_back(true);
  }
  auto add = [&](std::vector<std::string> cells, const usage::Measures& m) {
    cells.push_back(group_thousands(m.views));
    cells.push_back(group_thousands(m.visitors));
    cells.push_back(human_bytes(m.bytes));
    cells.push_back(m.watch_seconds ? group_thousands(m.watch_seconds / 3600) + " h" : "-");
    t.rows.push_back(std::move(cells));
  };
  for (const auto& row : r.rows) {
    std::vector<std::string> cells;
    for (const auto& k : row.keys) cells.push_back(k.empty() ? "-" : k);
    for (const auto& [i, col] : names) cells.push_back(region_name_of(row.keys[i]));
    add(std::move(cells), row.m);
  }
  std::vector<std::string> total(r.by.size() + names.size(), "");
  total[0] = "total";
  add(std::move(total), r.totals);
  t.print(*ctx.out);
  const auto& l = r.lines;
  *ctx.out << paint(ctx, Color::dim,
                    "lines: " + group_thousands(l[4]) + " counted, " + group_thousands(l[2]) + " bot, " +
                        group_thousands(l[1]) + " health check, " + group_thousands(l[3]) + " error, " +
                        group_thousands(l[0]) + " malformed, " + group_thousands(l[5]) + " other")
           << '\n';
}

Result<usage::ReportQuery> build_query(const ReportOptions& o) {
  usage::ReportQuery q;
  for (const std::string& list : o.by) {
    std::stringstream ss(list);
    std::string name;
    while (std::getline(ss, name, ',')) {
      auto d = usage::parse_dim(name);
      if (!d)
        return make_error(ErrorKind::usage, "--by: unknown dimension '" + name +
                                                "' (province, city, day, week, month, subject, grade, stage, edition, "
                                                "publisher, book, lesson, resource-kind)");
      q.by.push_back(*d);
    }
  }
  if (q.by.empty() || q.by.size() > 2) return make_error(ErrorKind::usage, "--by takes one or two dimensions");
  if (q.by.size() == 2 && q.by[0] == q.by[1]) return make_error(ErrorKind::usage, "--by names the same dimension twice");
  std::int64_t day = 0;
  if (!o.since.empty()) {
    if (!usage::parse_day(o.since, day)) return make_error(ErrorKind::usage, "--since: expected YYYY-MM-DD, got " + o.since);
    q.filter.since = day;
  }
  if (!o.until.empty()) {
    if (!usage::parse_day(o.until, day)) return make_error(ErrorKind::usage, "--until: expected YYYY-MM-DD, got " + o.until);
    q.filter.until = day;
  }
  for (const std::string& list : o.provinces) {
    std::stringstream ss(list);
    std::string p;
    while (std::getline(ss, p, ',')) {
      if (p == "unknown") {
        q.filter.provinces.push_back(usage::k_unknown_region);
        continue;
      }
      auto code = usage::parse_province(p);
      if (!code) return make_error(ErrorKind::usage, "--province: not a province code or name: " + p);
      q.filter.provinces.push_back(*code);
    }
  }
  for (auto [dim, value] : {std::pair{Dim::subject, &o.subject}, {Dim::grade, &o.grade}, {Dim::stage, &o.stage},
                            {Dim::edition, &o.edition}, {Dim::publisher, &o.publisher}, {Dim::book, &o.book},
                            {Dim::lesson, &o.lesson}, {Dim::resource_kind, &o.resource_kind}})
    if (!value->empty()) q.equals[dim] = *value;
  q.top = o.top;
  return q;
}

}  // namespace

int run_report(const ReportOptions& o, const Context& ctx) {
  auto q = build_query(o);
  if (!q) return report_error(ctx, q.error());
  const DataFolder data(ctx.data_dir);
  auto store = usage::open_sqlite_store(data.usage_file(), Access::read_only);
  if (!store) return report_error(ctx, store.error());
  std::vector<usage::MappingRule> mapping;
  std::string map_file = o.map;
  if (map_file.empty() && std::filesystem::exists(data.root() / "usage-map.tsv")) map_file = (data.root() / "usage-map.tsv").string();
  if (!map_file.empty()) {
    auto text = read_file(map_file, 16ull << 20);
    if (!text) return report_error(ctx, text.error());
    auto rules = usage::parse_mapping(*text, map_file);
    if (!rules) return report_error(ctx, rules.error());
    mapping = std::move(rules).value();
  }
  // Region and time reports need no catalogue: they work while it is absent, older than
  // this eductl or busy.
  const bool need_catalog =
      !q->equals.empty() || std::any_of(q->by.begin(), q->by.end(), [](Dim d) { return usage::is_catalog(d); });
  auto resolver = usage::Resolver::open(need_catalog ? data.catalog_file() : std::filesystem::path(),
                                        std::move(mapping));
  if (!resolver) return report_error(ctx, resolver.error());
  auto rep = usage::run_report(**store, *resolver, *q);
  if (!rep) return report_error(ctx, rep.error());
  if (!o.html.empty()) {
    auto page = render_report_html(**store, *resolver, *q, *rep);
    if (!page) return report_error(ctx, page.error());
    if (auto st = write_file_atomic(o.html, *page); !st) return report_error(ctx, st.error());
    ctx.note("report written to " + printable(o.html));
  }
  if (ctx.json) print_json(ctx, report_json(*rep));
  else if (o.csv) print_csv(*ctx.out, *rep);
  else if (o.html.empty()) print_table(ctx, *rep);
  return 0;
}

void register_report(CLI::App& app, Context& ctx, int& exit_code) {
  auto opts = std::make_shared<ReportOptions>();
  CLI::App* cmd = app.add_subcommand("report", "Usage report: views, visitors and bytes by region, time and catalogue");
  cmd->footer(
      "Dimensions (--by, one or two, comma-separated): province, city, day, week, month, subject,\n"
      "grade, stage, edition, publisher, book, lesson, resource-kind. Region rows use the six-digit\n"
      "GB/T 2260 code or 'unknown'. See docs/report.md.\n\n"
      "Exit status: 0 ok, 2 usage error, 3 no usage data yet or a damaged file.\n\n"
      "Examples:\n"
      "  eductl report --by province\n"
      "  eductl report --by province,day --since 2026-03-01 --until 2026-03-31 --csv > march.csv\n"
      "  eductl report --by subject --province 450000 --top 10\n"
      "  eductl report --by week --json | jq '.rows[] | [.week, .views]'\n"
      "  eductl report --html usage.html");
  cmd->add_option("--by", opts->by, "One or two dimensions, e.g. province or province,day (default province)");
  cmd->add_option("--since", opts->since, "First day (YYYY-MM-DD, in the logs' own offset)");
  cmd->add_option("--until", opts->until, "Last day (YYYY-MM-DD, inclusive)");
  cmd->add_option("--province", opts->provinces, "Only these provinces (codes, names or 'unknown'; comma-separated)");
  cmd->add_option("--subject", opts->subject, "Only this subject code, e.g. math");
  cmd->add_option("--grade", opts->grade, "Only this grade, e.g. 7 or 7-9 as the catalogue gives it");
  cmd->add_option("--stage", opts->stage, "Only this stage: primary, junior, senior, special");
  cmd->add_option("--edition", opts->edition, "Only this edition, e.g. 人教版");
  cmd->add_option("--publisher", opts->publisher, "Only this publisher code, e.g. PEP");
  cmd->add_option("--book", opts->book, "Only this book, CODE/package_id");
  cmd->add_option("--lesson", opts->lesson, "Only this lesson, CODE/package_id#lesson_key");
  cmd->add_option("--resource-kind", opts->resource_kind, "Only this resource kind");
  cmd->add_option("--top", opts->top, "Only the first N rows (1 to 1,000,000)")->check(CLI::Range(1, 1000000));
  cmd->add_option("--map", opts->map, "Mapping file of URL paths to books and lessons (default <data>/usage-map.tsv if present)");
  auto* csv = cmd->add_flag("--csv", opts->csv, "Comma-separated values (RFC 4180) instead of a table");
  cmd->add_option("--html", opts->html, "Write a self-contained HTML report (map, bars, time series) to FILE")->excludes(csv);
  cmd->callback([opts, &ctx, &exit_code] { exit_code = run_report(*opts, ctx); });
}

}  // namespace eductl
