// eductl search: ranked full-text search over the index, with the catalogue's filters.
// Read-only: works on a read-only data folder and while an index or import runs.
#include "commands/search.hpp"

#include "commands/common.hpp"

#include <chrono>
#include <cmath>
#include <memory>

#include "commands/render.hpp"
#include "core/data/data_folder.hpp"
#include "core/package/vocab.hpp"
#include "core/search/query.hpp"
#include "core/util/text.hpp"

namespace eductl {

namespace {

struct SearchOptions {
  std::string query;
  search::SearchFilter filter;
  int grade = 0;
  int limit = 20;
};

// The snippet as text: input bytes through printable(), matches in bold yellow on a TTY.
std::string painted_snippet(const Context& ctx, const search::SearchHit& h) {
  std::string out;
  std::size_t at = 0;
  for (const auto& [b, e] : h.highlights) {
    out += printable(h.snippet.substr(at, b - at));
    out += ctx.color ? "\033[1;33m" + printable(h.snippet.substr(b, e - b)) + "\033[0m" : printable(h.snippet.substr(b, e - b));
    at = e;
  }
  return out + printable(h.snippet.substr(at));
}

std::string where(const search::SearchHit& h) {
  if (h.type == "book") return "book";
  if (h.type == "page") return "p. " + std::to_string(h.page);
  if (h.type == "section") return "section " + std::to_string(h.page);
  std::string s = h.lesson_key + " " + h.lesson_title;
  if (h.type != "lesson") s += " (" + h.type + ")";
  return s;
}

nlohmann::json hit_json(const search::SearchHit& h) {
  nlohmann::json highlights = nlohmann::json::array();
  for (const auto& [b, e] : h.highlights) highlights.push_back({b, e});
  nlohmann::json j = {{"book", h.book}, {"title", h.book_title}, {"stage", h.stage}, {"subject", h.subject},
                      {"edition", h.edition}, {"kind", h.kind}, {"type", h.type}, {"score", h.score},
                      {"snippet", h.snippet}, {"highlights", highlights}};
  j["grade"] = h.grade ? nlohmann::json::array({h.grade->first, h.grade->second}) : nlohmann::json(nullptr);
  j["lesson"] = h.lesson_key.empty() ? nlohmann::json(nullptr)
                                     : nlohmann::json{{"id", h.lesson_key}, {"title", h.lesson_title}, {"unit", h.unit}};
  j["file"] = h.file.empty() ? nlohmann::json(nullptr) : nlohmann::json(h.file);
  j["page"] = h.page ? nlohmann::json(h.page) : nlohmann::json(nullptr);
  return j;
}

int run_search(const SearchOptions& o, const Context& ctx) {
  search::SearchFilter f = o.filter;
  if (o.grade) f.grade = o.grade;
  const auto start = std::chrono::steady_clock::now();
  auto hits = search::search(DataFolder(ctx.data_dir).index_file(), o.query, f, o.limit);
  if (!hits) return report_error(ctx, hits.error());
  const double elapsed_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (ctx.json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& h : *hits) arr.push_back(hit_json(h));
    print_json(ctx, {{"schema", "eductl.search/1"}, {"query", o.query}, {"count", hits->size()},
                     {"elapsed_ms", std::round(elapsed_ms * 1000) / 1000}, {"results", arr}});
    return 0;
  }
  std::ostream& out = *ctx.out;
  for (const auto& h : *hits) {
    out << paint(ctx, Color::bold, printable(h.book_title)) << "  " << paint(ctx, Color::dim, printable(h.book)) << "  "
        << printable(where(h)) << '\n';
    if (!h.snippet.empty()) out << "    " << painted_snippet(ctx, h) << '\n';
  }
  if (ctx.verbosity != Verbosity::quiet) out << hits->size() << (hits->size() == 1 ? " hit\n" : " hits\n");
  return 0;
}

}  // namespace

void register_search(CLI::App& app, Context& ctx, int& exit_code) {
  auto o = std::make_shared<SearchOptions>();
  CLI::App* cmd = app.add_subcommand("search", "Search books, lessons, task sheets, exercises and textbook pages");
  cmd->add_option("QUERY", o->query, "Words or characters; all terms must match; \"quotes\" keep a phrase")->required();
  add_book_filter_options(cmd, o->filter, o->grade);
  cmd->add_option("--book", o->filter.book, "Only this book (CODE/package_id)");
  cmd->add_option("--type", o->filter.type, "Only hits of this type")
      ->check(CLI::IsMember({"book", "lesson", "task_sheet", "exercise", "subtitle", "courseware", "page", "section"}));
  cmd->add_option("-n,--limit", o->limit, "At most this many hits (default 20)")->check(CLI::Range(1, 10000));
  cmd->footer(
      "One or two Chinese characters match, as do words, numbers and mixes ('Unit 3', '2.1 有理数');\n"
      "full-width and half-width forms and traditional/simplified characters find the same text.\n"
      "Examples:\n  eductl search 有理数 --grade 7\n  eductl search 勾股 --subject math --json | jq '.results[0]'\n"
      "Run 'eductl index' after imports. See docs/search.md.");
  cmd->callback([o, &ctx, &exit_code] { exit_code = run_search(*o, ctx); });
}

}  // namespace eductl
