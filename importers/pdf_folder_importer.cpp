// A plain folder of PDFs/EPUBs with a books.csv sidecar (what small publishers send):
// each row is a book whose file is judged in one read; a valid book whose content the
// store lacks is read a second time to stage it.
#include "core/package/media.hpp"
#include "core/package/scan.hpp"
#include "importers/importer.hpp"
#include "importers/pdf_folder.hpp"
#include "importers/registry_entries.hpp"
#include "importers/staging_sink.hpp"

namespace eductl {
namespace fs = std::filesystem;

namespace {

// Hashes and checks one book file exactly as a package entry is: the same media checks
// (PDF trailer and encryption, EPUB structure) judge a bare PDF as one inside a package.
Status scan_book_file(const fs::path& dir, const ImporterContext& ctx, FileDecl& decl, ImportItem& item) {
  auto scanned = scan_file(dir / decl.path, decl.path, ctx.limits, item.findings, nullptr, ctx.progress);
  if (!scanned) return scanned.error();
  decl.sha256 = scanned->sha256;
  decl.size = scanned->size;
  if (!scanned->complete) return ok_status();  // a corruption or limit finding says why
  Findings media = check_media(decl.path, decl.media_type, scanned->media);
  item.findings.insert(item.findings.end(), media.begin(), media.end());
  return ok_status();
}

// The second read, for a valid book only: stages the files the store lacks.
Status stage_book_files(const fs::path& dir, const ImporterContext& ctx, const BookRecord& book, ImportItem& item) {
  StagingSink sink(*ctx.store, book.files);
  item.present_blobs = sink.present_blobs();
  item.present_bytes = sink.present_bytes();
  if (sink.nothing_wanted()) return ok_status();
  Findings ignored;  // the first read judged the file
  for (const auto& f : book.files)
    if (auto again = scan_file(dir / f.path, f.path, ctx.limits, ignored, &sink); !again) return again.error();
  auto blobs = sink.take();
  if (!blobs) return blobs.error();
  item.blobs = std::move(blobs).value();
  return ok_status();
}

class PdfFolderImporter final : public Importer {
 public:
  std::string_view name() const override { return k_pdf_folder_source; }
  std::string_view description() const override { return "a folder of PDF/EPUB books with a books.csv sidecar"; }
  bool accepts(const fs::path& input) const override {
    std::error_code ec;
    return fs::is_directory(input, ec) && fs::exists(input / std::string(k_pdf_folder_sidecar), ec);
  }
  Result<std::vector<ImportItem>> read(const fs::path& input, const ImporterContext& ctx) const override {
    std::vector<ImportItem> items;
    auto folder = read_pdf_folder(input, ctx.limits.max_sidecar);
    if (!folder) {
      items.push_back(unreadable_item(input.string(), folder.error().message));
      return items;
    }
    for (auto& book : folder->books) {
      ImportItem item;
      item.source_path = (input / (book.files.empty() ? std::string() : book.files.front().path)).string();
      for (auto& f : book.files) {
        if (auto st = scan_book_file(input, ctx, f, item); !st) {
          if (st.error().kind != ErrorKind::bad_input) return st.error();
          item.unreadable = true;
          item.error = st.error().describe();
        }
        item.bytes += f.size;
      }
      // Corrupt or unreadable content is bad input, as for a package.
      for (const auto& f : item.findings)
        if (f.code == "PKG-CORRUPT") item.unreadable = true, item.error = f.entry + ": " + f.message;
      item.digest = book_digest(book);
      if (ctx.store && !item.unreadable && !has_errors(item.findings)) {
        if (auto st = stage_book_files(input, ctx, book, item); !st) {
          if (st.error().kind != ErrorKind::bad_input) return st.error();
          item.unreadable = true;
          item.error = st.error().describe();
        }
      }
      item.book = std::move(book);
      items.push_back(std::move(item));
    }
    add_finding_items(items, folder->findings, [&](const std::string& entry) { return (input / entry).string(); });
    return items;
  }
};

}  // namespace

std::unique_ptr<Importer> make_pdf_folder_importer() { return std::make_unique<PdfFolderImporter>(); }

}  // namespace eductl
