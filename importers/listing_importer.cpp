// The national platform's resource listing (JSON array of records): metadata only, each
// textbook record becomes a book keyed by its platform id; a record that cannot be
// mapped becomes a refused item carrying its LST-* findings.
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "core/util/sha256.hpp"
#include "core/util/text.hpp"
#include "importers/importer.hpp"
#include "importers/platform_listing.hpp"
#include "importers/registry_entries.hpp"

namespace eductl {
namespace fs = std::filesystem;

namespace {

class PlatformListingImporter final : public Importer {
 public:
  std::string_view name() const override { return "platform-listing"; }
  std::string_view description() const override {
    return "the national platform's resource listing JSON (tchMaterial parts): metadata only";
  }
  bool accepts(const fs::path& input) const override {
    std::error_code ec;
    if (!fs::is_regular_file(input, ec) || to_lower_ascii(input.extension().string()) != ".json") return false;
    std::ifstream in(input, std::ios::binary);
    char c = 0;
    while (in.get(c))
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t' && c != '\xEF' && c != '\xBB' && c != '\xBF') break;
    return c == '[';
  }
  Result<std::vector<ImportItem>> read(const fs::path& input, const ImporterContext&) const override {
    std::vector<ImportItem> items;
    auto listing = read_platform_listing(input);
    if (!listing) {
      ImportItem item;
      item.source_path = input.string();
      item.unreadable = true;
      item.error = listing.error().message;
      items.push_back(std::move(item));
      return items;
    }
    // Findings by record id, so each refused record is one item with all its findings.
    std::map<std::string, Findings> by_record;
    for (auto& f : listing->findings) by_record[f.entry].push_back(f);
    for (auto& book : listing->books) {
      ImportItem item;
      item.source_path = input.string() + "#" + book.package_id;
      if (auto it = by_record.find(book.package_id); it != by_record.end()) {
        item.findings = std::move(it->second);
        by_record.erase(it);
      }
      // Same record content = same delivery; the digest covers every mapped field.
      nlohmann::json j = {{"title", book.meta.title},       {"publisher", book.meta.publisher_name},
                          {"stage", book.meta.stage},       {"system", book.meta.school_system},
                          {"special", book.meta.special_school}, {"subject", book.meta.subject},
                          {"kind", book.meta.kind},         {"edition", book.meta.edition},
                          {"volume", book.meta.volume},     {"volume_title", book.meta.volume_title}};
      if (book.meta.grade) j["grade"] = {book.meta.grade->from, book.meta.grade->to};
      for (const auto& f : book.files) j["files"].push_back({f.path, f.size, f.media_type});
      item.digest = sha256_hex(j.dump());
      for (const auto& f : book.files) item.bytes += f.size;
      item.book = std::move(book);
      items.push_back(std::move(item));
    }
    for (auto& [record, findings] : by_record) {
      ImportItem item;
      item.source_path = input.string() + "#" + record;
      item.findings = std::move(findings);
      items.push_back(std::move(item));
    }
    return items;
  }
};

}  // namespace

std::unique_ptr<Importer> make_platform_listing_importer() { return std::make_unique<PlatformListingImporter>(); }

}  // namespace eductl
