// A snapshot tree in a local folder: an export on a USB disk, or any published tree.
// The folder is as untrusted as a remote server: files are opened without following
// links, must be regular, and are hashed while they are copied.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "core/mirror/source.hpp"
#include "core/mirror/source_impl.hpp"
#include "core/util/cancel.hpp"
#include "core/util/fs.hpp"
#include "core/util/sha256.hpp"

namespace eductl::mirror {
namespace fs = std::filesystem;

namespace {

class LocalSource final : public Source {
 public:
  explicit LocalSource(fs::path root) : m_root(std::move(root)) {}
  std::string describe() const override { return m_root.string(); }
  bool is_remote() const override { return false; }
  std::uint64_t requests_made() const override { return m_reads; }

  Result<SmallFile> get_small(const std::string& name, std::uint64_t max_bytes, const Conditional*) override {
    ++m_reads;
    auto read = read_untrusted_file(m_root / name, max_bytes);
    if (read.refusal != FileRefusal::none)
      return make_error(ErrorKind::bad_input, read.detail.empty() ? "cannot be read" : read.detail, (m_root / name).string());
    SmallFile f;
    f.body = std::move(read.data);
    return f;
  }

  Result<FetchReport> get_many(const std::vector<Wanted>& wanted, const fs::path& work_dir,
                               const FetchProgress& progress) override {
    FetchReport report;
    std::uint64_t done_bytes = 0, done_files = 0;
    std::vector<char> buf(1 << 20);
    for (std::size_t i = 0; i < wanted.size(); ++i) {
      if (interrupted()) return make_error(ErrorKind::interrupted, "interrupted");
      const Wanted& w = wanted[i];
      fs::path src = m_root / w.name;
      ++m_reads;
      int in = ::open(src.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
      struct stat st {};
      if (in < 0 || ::fstat(in, &st) != 0 || !S_ISREG(st.st_mode)) {
        int e = errno;
        if (in >= 0) ::close(in);
        return make_error(ErrorKind::bad_input,
                          in < 0 ? "cannot be read: " + errno_text(e) + " (an export of fewer books than this sync selects?)"
                                 : "is not a regular file",
                          src.string());
      }
      Sha256 hash;
      VerifiedSink sink(w, work_dir);
      auto opened = sink.open_fresh();
      if (!opened) {
        ::close(in);
        return opened.error();
      }
      Status st_copy = ok_status();
      bool too_long = false;
      for (;;) {
        ssize_t n = ::read(in, buf.data(), buf.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
          st_copy = make_error(ErrorKind::bad_input, "read error: " + errno_text(errno), src.string());
          break;
        }
        if (n == 0) break;
        if (!sink.accept(buf.data(), static_cast<std::size_t>(n))) {
          too_long = true;
          break;
        }
        report.bytes_transferred += static_cast<std::uint64_t>(n);
        done_bytes += static_cast<std::uint64_t>(n);
        if (progress) progress(done_bytes, done_files);
      }
      ::close(in);
      if (!st_copy) return st_copy.error();
      auto verdict = sink.finish(too_long);
      if (!verdict) return verdict.error();
      if (verdict->finding) {
        report.findings.push_back(*verdict->finding);
        continue;
      }
      report.done.push_back(Fetched{i, std::move(verdict->body), verdict->file});
      ++done_files;
      if (progress) progress(done_bytes, done_files);
    }
    return report;
  }

 private:
  fs::path m_root;
  std::uint64_t m_reads = 0;
};

}  // namespace

std::unique_ptr<Source> make_local_source(const fs::path& root) { return std::make_unique<LocalSource>(root); }

}  // namespace eductl::mirror
