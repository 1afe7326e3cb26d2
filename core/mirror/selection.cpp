#include "core/mirror/selection.hpp"

#include <algorithm>

namespace eductl::snapshot {
namespace {

bool any_equal(const std::vector<std::string>& wanted, const std::string& value) {
  return wanted.empty() || std::find(wanted.begin(), wanted.end(), value) != wanted.end();
}

}  // namespace

bool Selection::matches(const PartFacts& f) const {
  if (!any_equal(stages, f.stage) || !any_equal(subjects, f.subject) || !any_equal(publishers, f.publisher) ||
      !any_equal(kinds, f.kind))
    return false;
  // A book is named as CODE/package_id or by its bare package id.
  if (!books.empty()) {
    auto slash = f.book.find('/');
    std::string bare = slash == std::string::npos ? f.book : f.book.substr(slash + 1);
    if (!any_equal(books, f.book) && !any_equal(books, bare)) return false;
  }
  // Editions match as a substring, as `catalog list --edition` does ("人教" finds "人教版").
  if (!editions.empty() && std::none_of(editions.begin(), editions.end(), [&](const std::string& e) {
        return f.edition.find(e) != std::string::npos;
      }))
    return false;
  if (!grades.empty()) {
    if (!f.grade) return false;
    if (std::none_of(grades.begin(), grades.end(), [&](int g) { return g >= f.grade->from && g <= f.grade->to; }))
      return false;
  }
  return true;
}

bool Selection::takes_rendition(const std::string& rendition) const {
  if (renditions.empty()) return true;
  if (any_equal(renditions, "none")) return false;
  return rendition == "master" || rendition == "poster" || any_equal(renditions, rendition);
}

namespace {

// Each non-empty filter as (option name, values), in the order of the command line.
template <class F>
void for_each_filter(const Selection& s, F&& f) {
  std::vector<std::string> grades;
  for (int g : s.grades) grades.push_back(std::to_string(g));
  const std::pair<const char*, const std::vector<std::string>*> lists[] = {
      {"stage", &s.stages},         {"grade", &grades}, {"subject", &s.subjects}, {"edition", &s.editions},
      {"publisher", &s.publishers}, {"kind", &s.kinds}, {"book", &s.books},       {"rendition", &s.renditions}};
  for (const auto& [name, values] : lists) {
    if (values->empty()) continue;
    std::string joined;
    for (std::size_t i = 0; i < values->size(); ++i) joined += (i ? "," : "") + (*values)[i];
    f(name, joined);
  }
}

}  // namespace

std::string Selection::describe() const {
  std::string out;
  for_each_filter(*this, [&](const char* name, const std::string& values) {
    out += (out.empty() ? "" : " ") + std::string(name) + "=" + values;
  });
  return out.empty() ? "all books" : out;
}

std::string selection_flags(const Selection& s) {
  std::string out;
  for_each_filter(s, [&](const char* name, const std::string& values) {
    out += (out.empty() ? "--" : " --") + std::string(name) + " " + values;
  });
  return out;
}

std::map<std::string, std::uint64_t> part_blobs(const Part& part, const Selection& selection) {
  std::map<std::string, std::uint64_t> out;
  for (const auto& f : part.record.files)
    if (!f.sha256.empty()) out.emplace(f.sha256, f.size);
  for (const auto& r : part.renditions)
    if (selection.takes_rendition(r.rendition)) out.emplace(r.sha256, r.size);
  return out;
}

nlohmann::json selection_to_json(const Selection& s) {
  return {{"stage", s.stages},         {"grade", s.grades}, {"subject", s.subjects}, {"edition", s.editions},
          {"publisher", s.publishers}, {"kind", s.kinds},   {"book", s.books},       {"rendition", s.renditions}};
}

Selection selection_from_json(const nlohmann::json& j) {
  Selection s;
  if (!j.is_object()) return s;
  auto strings = [&](const char* key, std::vector<std::string>& out) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_array()) return;
    for (const auto& v : *it)
      if (v.is_string()) out.push_back(v.get<std::string>());
  };
  strings("stage", s.stages);
  strings("subject", s.subjects);
  strings("edition", s.editions);
  strings("publisher", s.publishers);
  strings("kind", s.kinds);
  strings("book", s.books);
  strings("rendition", s.renditions);
  if (auto it = j.find("grade"); it != j.end() && it->is_array())
    for (const auto& v : *it)
      if (v.is_number_integer()) s.grades.push_back(v.get<int>());
  return s;
}

}  // namespace eductl::snapshot
