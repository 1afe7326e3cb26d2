// textbook-package/1: the contract's packages (archives and unpacked folders). The
// package is judged in one read that writes nothing; only a valid package whose content
// the store lacks is read a second time, to stage just that content.
#include "core/package/discover.hpp"
#include "core/package/manifest.hpp"
#include "core/validate/deep.hpp"
#include "core/validate/validator.hpp"
#include "importers/importer.hpp"
#include "importers/registry_entries.hpp"
#include "importers/staging_sink.hpp"

namespace eductl {
namespace fs = std::filesystem;

namespace {

// (An initializer list would copy; items own move-only staged blobs.)
std::vector<ImportItem> one_item(ImportItem item) {
  std::vector<ImportItem> v;
  v.push_back(std::move(item));
  return v;
}

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
    auto report = validate_package(input, ctx.limits, ctx.progress);
    if (!report) {
      if (report.error().kind == ErrorKind::bad_input) return one_item(unreadable_item(input.string(), report.error().message));
      return report.error();
    }
    if (ctx.deep)
      if (auto deep = check_videos_decode(input, *report); !deep) return deep.error();
    ImportItem item;
    item.source_path = input.string();
    item.findings = report->findings;
    item.unreadable = report->unreadable();
    item.book = report->book;
    item.digest = report->scan.manifest_sha256;
    item.bytes = report->scan.unpacked_bytes - report->scan.manifest_size;
    if (ctx.store && item.book && !has_errors(item.findings)) {
      if (auto st = stage_content(input, report->scan, ctx, item); !st) {
        if (st.error().kind != ErrorKind::bad_input) return st.error();
        item.unreadable = true;
        item.error = st.error().message;
      }
    }
    return one_item(std::move(item));
  }

 private:
  static Status stage_content(const fs::path& input, const ScanResult& first, const ImporterContext& ctx, ImportItem& item) {
    StagingSink sink(*ctx.store, item.book->files, first.root_prefix);
    item.present_blobs = sink.present_blobs();
    item.present_bytes = sink.present_bytes();
    if (sink.nothing_wanted()) return ok_status();
    // Every staged byte is checked against the manifest the first read judged, so a
    // package edited in between fails here rather than storing other content.
    auto again = scan_package(input, ctx.limits, &sink);
    if (!again) return again.error();
    auto blobs = sink.take();
    if (!blobs) return blobs.error();
    item.blobs = std::move(blobs).value();
    return ok_status();
  }
};

}  // namespace

std::unique_ptr<Importer> make_textbook_package_importer() { return std::make_unique<TextbookPackageImporter>(); }

}  // namespace eductl
