// A plain folder of PDFs/EPUBs with a books.csv sidecar (what small publishers send):
// each row is a book whose single file is hashed and staged while it is read once.
#include <fcntl.h>
#include <unistd.h>

#include <map>

#include "core/util/cancel.hpp"
#include "core/util/fs.hpp"
#include "core/util/sha256.hpp"
#include "importers/importer.hpp"
#include "importers/pdf_folder.hpp"
#include "importers/registry_entries.hpp"

namespace eductl {
namespace fs = std::filesystem;

namespace {

// Hashes a file and, when a store is given, stages it in the same read.
Status hash_and_stage(const fs::path& file, const ImporterContext& ctx, FileDecl& decl, std::vector<StagedBlob>& blobs) {
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return make_error(ErrorKind::bad_input, "cannot read: " + errno_text(errno), file.string());
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  std::optional<StagedBlob> staged;
  if (ctx.store) {
    auto s = ctx.store->stage();
    if (!s) {
      ::close(fd);
      return s.error();
    }
    staged.emplace(std::move(s).value());
  }
  Sha256 hash;
  std::vector<char> buf(1 << 20);
  std::uint64_t size = 0;
  for (;;) {
    if (interrupted()) {
      ::close(fd);
      return make_error(ErrorKind::interrupted, "interrupted");
    }
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return make_error(ErrorKind::bad_input, "cannot read: " + errno_text(err), file.string());
    }
    if (n == 0) break;
    hash.update(buf.data(), static_cast<std::size_t>(n));
    size += static_cast<std::uint64_t>(n);
    if (staged) {
      if (auto st = staged->write(buf.data(), static_cast<std::size_t>(n)); !st) {
        ::close(fd);
        return st;
      }
    }
    if (ctx.progress) ctx.progress(static_cast<std::uint64_t>(n));
  }
  ::close(fd);
  decl.sha256 = hash.finish_hex();
  decl.size = size;
  if (staged) {
    if (auto st = staged->finish(decl.sha256, size); !st) return st;
    blobs.push_back(std::move(*staged));
  }
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
    auto folder = read_pdf_folder(input);
    if (!folder) {
      items.push_back(unreadable_item(input.string(), folder.error().message));
      return items;
    }
    for (auto& book : folder->books) {
      ImportItem item;
      item.source_path = (input / (book.files.empty() ? std::string() : book.files.front().path)).string();
      for (auto& f : book.files) {
        if (auto st = hash_and_stage(input / f.path, ctx, f, item.blobs); !st) {
          if (st.error().kind != ErrorKind::bad_input) return st.error();
          item.unreadable = true;
          item.error = st.error().describe();
        }
        item.bytes += f.size;
      }
      item.digest = book_digest(book);
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
