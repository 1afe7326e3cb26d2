// The national platform's resource listing (JSON array of records): metadata only, each
// textbook record becomes a book keyed by its platform id; a record that cannot be
// mapped becomes a refused item carrying its LST-* findings.
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

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
  Result<std::vector<ImportItem>> read(const fs::path& input, const ImporterContext& ctx) const override {
    std::vector<ImportItem> items;
    auto listing = read_platform_listing(input, ctx.limits.max_sidecar);
    if (!listing) {
      items.push_back(unreadable_item(input.string(), listing.error().message));
      return items;
    }
    // A mapped book carries its record's warnings; the other records become items of
    // their own, refused (errors) or skipped (warnings only).
    std::map<std::string, Findings> by_record;
    for (auto& f : listing->findings) by_record[f.entry].push_back(f);
    for (auto& book : listing->books) {
      ImportItem item;
      item.source_path = input.string() + "#" + book.package_id;
      if (auto it = by_record.find(book.package_id); it != by_record.end()) {
        item.findings = std::move(it->second);
        by_record.erase(it);
      }
      item.digest = book_digest(book);
      item.auto_revision = true;
      for (const auto& f : book.files) item.bytes += f.size;
      item.book = std::move(book);
      items.push_back(std::move(item));
    }
    Findings rest;
    for (auto& [record, findings] : by_record) rest.insert(rest.end(), findings.begin(), findings.end());
    // An empty entry is the file as a whole (not read at all).
    add_finding_items(items, rest, [&](const std::string& record) {
      return record.empty() ? input.string() : input.string() + "#" + record;
    });
    return items;
  }
};

}  // namespace

std::unique_ptr<Importer> make_platform_listing_importer() { return std::make_unique<PlatformListingImporter>(); }

}  // namespace eductl
