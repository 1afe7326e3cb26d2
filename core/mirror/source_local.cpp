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
#include "core/util/parallel.hpp"
#include "core/util/sha256.hpp"

namespace eductl::mirror {
namespace fs = std::filesystem;

namespace {

class LocalSource final : public Source {
 public:
  LocalSource(fs::path root, unsigned jobs) : m_root(std::move(root)), m_jobs(std::max(1u, jobs)) {}
  std::string describe() const override { return m_root.string(); }
  bool is_remote() const override { return false; }
  std::uint64_t requests_made() const override { return m_reads; }

  Result<SmallFile> get_small(const std::string& name, std::uint64_t max_bytes, const Conditional*) override {
    ++m_reads;
    auto read = read_untrusted_file(m_root / name, max_bytes);
    if (read.refusal == FileRefusal::too_large) {
      SmallFile f;
      f.too_large = true;
      return f;
    }
    if (read.refusal != FileRefusal::none)
      return make_error(ErrorKind::bad_input, read.detail.empty() ? "cannot be read" : read.detail, (m_root / name).string());
    SmallFile f;
    f.body = std::move(read.data);
    return f;
  }

  // Files are copied by `jobs` threads (hashing is the bottleneck of a local copy, so
  // both cores work); results are taken in order on the calling thread.
  Result<FetchReport> get_many(const std::vector<Wanted>& wanted, const fs::path& work_dir,
                               const FetchProgress& progress) override {
    struct One {
      std::optional<Error> error;
      std::optional<Finding> finding;
      Fetched fetched;
      std::uint64_t bytes = 0;
    };
    FetchReport report;
    std::uint64_t done_bytes = 0, done_files = 0;
    std::optional<Error> first_error;
    m_reads += wanted.size();
    parallel_ordered<One>(
        wanted.size(), m_jobs,
        [&](std::size_t i) {
          One one;
          if (interrupted()) {
            one.error = make_error(ErrorKind::interrupted, "interrupted");
            return one;
          }
          auto got = copy_one(wanted[i], work_dir);
          if (!got) {
            one.error = got.error();
            return one;
          }
          one.bytes = got->received;
          if (got->verdict.finding) one.finding = got->verdict.finding;
          else one.fetched = Fetched{i, std::move(got->verdict.body), got->verdict.file};
          return one;
        },
        [&](std::size_t, One one) {
          if (one.error) {
            if (!first_error) first_error = one.error;
            return;
          }
          report.bytes_transferred += one.bytes;
          done_bytes += one.bytes;
          if (one.finding) {
            report.findings.push_back(*one.finding);
            return;
          }
          report.done.push_back(std::move(one.fetched));
          ++done_files;
          if (progress) progress(done_bytes, done_files);
        });
    if (first_error) return *first_error;
    return report;
  }

 private:
  struct Copied {
    VerifiedSink::Verdict verdict;
    std::uint64_t received = 0;
  };
  Result<Copied> copy_one(const Wanted& w, const fs::path& work_dir) const {
    fs::path src = m_root / w.name;
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
    VerifiedSink sink(w, work_dir);
    if (auto opened = sink.open_fresh(); !opened) {
      ::close(in);
      return opened.error();
    }
    std::vector<char> buf(1 << 20);
    bool too_long = false;
    std::optional<Error> err;
    for (;;) {
      ssize_t n = ::read(in, buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        err = make_error(ErrorKind::bad_input, "read error: " + errno_text(errno), src.string());
        break;
      }
      if (n == 0) break;
      if (!sink.accept(buf.data(), static_cast<std::size_t>(n))) {
        too_long = true;
        break;
      }
    }
    ::close(in);
    if (err) return *err;
    Copied c;
    c.received = sink.received();
    auto verdict = sink.finish(too_long);
    if (!verdict) return verdict.error();
    c.verdict = std::move(*verdict);
    return c;
  }


  fs::path m_root;
  unsigned m_jobs = 1;
  std::uint64_t m_reads = 0;
};

}  // namespace

std::unique_ptr<Source> make_local_source(const fs::path& root, unsigned jobs) {
  return std::make_unique<LocalSource>(root, jobs);
}

}  // namespace eductl::mirror
