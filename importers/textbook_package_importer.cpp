// textbook-package/1: the contract's packages (archives and unpacked folders). Content
// is staged while the package is validated, in the same single read.
#include <map>

#include "core/package/discover.hpp"
#include "core/package/manifest.hpp"
#include "core/util/sha256.hpp"
#include "core/validate/validator.hpp"
#include "importers/importer.hpp"
#include "importers/staging_sink.hpp"
#include "importers/registry_entries.hpp"

namespace eductl {
namespace fs = std::filesystem;

namespace {

class TextbookPackageImporter final : public Importer {
 public:
  std::string_view name() const override { return k_package_format; }
  std::string_view description() const override { return "publisher packages per the textbook-package/1 contract"; }
  bool accepts(const fs::path& input) const override {
    std::error_code ec;
    if (fs::is_directory(input, ec)) return fs::exists(input / "manifest.json", ec);
    return looks_like_archive(input);
  }
  Result<std::vector<ImportItem>> read(const fs::path& input, const ImporterContext& ctx) const override {
    std::optional<StagingSink> sink;
    if (ctx.store) sink.emplace(*ctx.store);
    auto report = validate_package(input, ctx.limits, sink ? &*sink : nullptr, ctx.progress);
    if (!report) {
      if (report.error().kind == ErrorKind::bad_input) return one_item(unreadable_item(input.string(), report.error().message));
      return report.error();
    }
    ImportItem item;
    item.source_path = input.string();
    item.findings = report->findings;
    item.unreadable = report->unreadable();
    item.book = report->book;
    item.digest = report->scan.manifest_sha256;
    item.bytes = report->scan.unpacked_bytes - report->scan.manifest_size;
    if (sink && item.book && !has_errors(item.findings)) {
      // Keep one staged blob per listed file; everything else is dropped with the sink.
      for (const FileDecl& f : item.book->files) {
        auto it = sink->staged().find(report->scan.root_prefix + f.path);
        if (it != sink->staged().end()) item.blobs.push_back(std::move(it->second));
      }
    }
    return one_item(std::move(item));
  }

 private:
  // (An initializer list would copy; items own move-only staged blobs.)
  static std::vector<ImportItem> one_item(ImportItem item) {
    std::vector<ImportItem> v;
    v.push_back(std::move(item));
    return v;
  }
};

}  // namespace

std::unique_ptr<Importer> make_textbook_package_importer() { return std::make_unique<TextbookPackageImporter>(); }

}  // namespace eductl
