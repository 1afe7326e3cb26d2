#include "importers/importer.hpp"

#include <map>
#include <nlohmann/json.hpp>

#include "core/util/sha256.hpp"
#include "importers/registry_entries.hpp"

namespace eductl {

ImportItem unreadable_item(std::string source, std::string why) {
  ImportItem item;
  item.source_path = std::move(source);
  item.unreadable = true;
  item.error = std::move(why);
  return item;
}

namespace {
// "books.csv:2" before "books.csv:10": runs of digits compare by value, so rows of a
// report come in the order of the sheet.
struct NaturalLess {
  bool operator()(const std::string& a, const std::string& b) const {
    std::size_t i = 0, j = 0;
    auto digit = [](char c) { return c >= '0' && c <= '9'; };
    while (i < a.size() && j < b.size()) {
      if (digit(a[i]) && digit(b[j])) {
        std::size_t ei = i, ej = j;
        while (ei < a.size() && digit(a[ei])) ++ei;
        while (ej < b.size() && digit(b[ej])) ++ej;
        std::string_view da(a.data() + i, ei - i), db(b.data() + j, ej - j);
        while (da.size() > 1 && da.front() == '0') da.remove_prefix(1);
        while (db.size() > 1 && db.front() == '0') db.remove_prefix(1);
        if (da.size() != db.size()) return da.size() < db.size();
        if (da != db) return da < db;
        i = ei;
        j = ej;
      } else {
        if (a[i] != b[j]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]);
        ++i;
        ++j;
      }
    }
    if ((a.size() - i) != (b.size() - j)) return a.size() - i < b.size() - j;
    return a < b;  // equal up to leading zeros: any fixed order
  }
};
}  // namespace

ImportItem skipped_item(std::string source, std::string why) {
  ImportItem item;
  item.source_path = std::move(source);
  item.error = std::move(why);
  return item;
}

void add_finding_items(std::vector<ImportItem>& items, const Findings& findings,
                       const std::function<std::string(const std::string& entry)>& source_of) {
  std::map<std::string, Findings, NaturalLess> by_entry;
  for (const auto& f : findings) by_entry[f.entry].push_back(f);
  for (auto& [entry, group] : by_entry) {
    ImportItem item;
    item.source_path = source_of(entry);
    item.findings = std::move(group);
    items.push_back(std::move(item));
  }
}

std::string book_digest(const BookRecord& book) {
  const BookMeta& m = book.meta;
  nlohmann::json j = {{"publisher", {m.publisher_code, m.publisher_name}},
                      {"meta", {m.title, m.isbn, m.stage, m.school_system, m.special_school, m.subject, m.kind,
                                m.edition, m.volume, m.volume_title, m.language, m.published}},
                      {"grade", m.grade ? nlohmann::json::array({m.grade->from, m.grade->to}) : nlohmann::json()},
                      {"files", nlohmann::json::array()},
                      {"contents", nlohmann::json::array()}};
  for (const auto& f : book.files) j["files"].push_back({f.path, f.sha256, f.size, f.media_type, f.role});
  for (const auto& u : book.contents) {
    nlohmann::json lessons = nlohmann::json::array();
    for (const auto& l : u.lessons) {
      nlohmann::json res = nlohmann::json::array();
      for (const auto& r : l.resources) res.push_back({r.kind, r.file, r.pages});
      lessons.push_back({l.id, l.title, res});
    }
    j["contents"].push_back({u.title, lessons});
  }
  return sha256_hex(j.dump());
}

const std::vector<std::unique_ptr<Importer>>& importer_registry() {
  static const std::vector<std::unique_ptr<Importer>> k_registry = [] {
    std::vector<std::unique_ptr<Importer>> v;
    // Most specific first: a folder with books.csv is a PDF folder, a .json a listing.
    v.push_back(make_pdf_folder_importer());
    v.push_back(make_platform_listing_importer());
    v.push_back(make_textbook_package_importer());
    return v;
  }();
  return k_registry;
}

const Importer* find_importer(const std::filesystem::path& input, std::string_view format) {
  const auto& all = importer_registry();
  if (format != "auto") {
    for (const auto& imp : all)
      if (imp->name() == format) return imp.get();
    return nullptr;
  }
  for (const auto& imp : all)
    if (imp->accepts(input)) return imp.get();
  return all.back().get();  // textbook packages: its findings explain what is wrong
}

}  // namespace eductl
