#include "core/package/scan.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "core/package/path_rules.hpp"
#include "core/package/zip_directory.hpp"
#include "core/package/zip_inspect.hpp"
#include "core/util/cancel.hpp"
#include "core/util/sha256.hpp"
#include "core/util/text.hpp"

namespace eductl {
namespace fs = std::filesystem;

namespace {

// A visitor's way to end the walk early once a limit finding is recorded.
Error stop_walk() { return make_error(ErrorKind::findings, "stopped by a limit"); }
bool is_stop(const Error& e) { return e.kind == ErrorKind::findings; }

std::string container_label(const fs::path& path, ContainerKind kind) {
  if (kind == ContainerKind::directory) return "directory";
  std::string name = to_lower_ascii(path.filename().string());
  for (const char* ext : {".tar.gz", ".tgz", ".tar.zst", ".tar.xz", ".tar", ".zip"})
    if (name.ends_with(ext)) return std::string(ext + 1);
  return "archive";
}

// The first bytes of a zip (local header or end of central directory), gzip, zstd, xz
// or bzip2 stream.
bool has_container_magic(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) return false;
  struct stat st {};
  unsigned char head[6] = {};
  ssize_t n = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? ::read(fd, head, sizeof head) : -1;
  ::close(fd);
  if (n < 4) return false;
  const std::string_view h(reinterpret_cast<const char*>(head), static_cast<std::size_t>(n));
  for (std::string_view magic : {std::string_view("PK\x03\x04"), std::string_view("PK\x05\x06"), std::string_view("\x1f\x8b"),
                                 std::string_view("\x28\xb5\x2f\xfd"), std::string_view("\xfd" "7zXZ"), std::string_view("BZh")})
    if (h.starts_with(magic)) return true;
  return false;
}

bool is_manifest_candidate(const std::string& name) {
  auto slash = name.find('/');
  if (slash == std::string::npos) return name == "manifest.json";
  return name.substr(slash + 1) == "manifest.json";
}

class Scanner {
 public:
  Scanner(const ScanLimits& limits, BlobSink* sink, const ByteProgress& progress)
      : m_limits(limits), m_sink(sink), m_progress(progress) {}

  Result<ScanResult> run(const fs::path& path) {
    auto source = open_entry_source(path);
    if (!source) return source.error();
    EntrySource& src = **source;
    m_r.container = container_label(path, src.kind());
    if (src.kind() == ContainerKind::archive) {
      if (auto dir = read_zip_directory(path)) {
        m_zip_dir = std::move(*dir);
        m_is_zip = true;
      }
    }
    m_solid = src.kind() == ContainerKind::archive && !m_is_zip && m_r.container != "tar";
    // libarchive does not recognise a zip with no entries; it is a readable, empty package.
    const bool empty_zip = m_is_zip && m_zip_dir.empty();
    Status walked = empty_zip ? ok_status() : src.walk([this](const RawEntry& e, EntryData& d) { return visit(e, d); });
    if (!walked) m_r.stopped_early = true;
    if (!walked && !is_stop(walked.error())) {
      const Error& err = walked.error();
      if (err.kind == ErrorKind::interrupted || err.kind == ErrorKind::internal) return err;
      // A file that starts like a zip or a compressed tar but yields nothing was cut short
      // (a broken transfer), which is corruption, not "not an archive".
      if (m_r.entries == 0 && opened_nothing(err) && !has_container_magic(path)) {
        m_r.unreadable = true;
        m_r.findings.push_back(make_finding("PKG-UNREADABLE", "", "not a zip or tar archive (" + err.message + ")"));
        return std::move(m_r);
      }
      m_r.corrupt = true;
      m_r.findings.push_back(make_finding("PKG-CORRUPT", m_last_entry,
                                          m_r.entries == 0 ? "the archive is cut short or damaged before its first entry (" +
                                                                 err.message + ")"
                                                           : "reading stopped: " + err.message));
    }
    finish_layout(src.kind());
    return std::move(m_r);
  }

  // For scan_file: one regular file read as if it were a package's only entry.
  Result<ScannedFile> scan_one(const fs::path& file, const std::string& name) {
    int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return make_error(ErrorKind::bad_input, "cannot read: " + std::string(std::strerror(errno)), file.string());
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    auto data = open_file_data(fd);
    struct stat st {};
    ::fstat(fd, &st);
    Status r = read_file(name, *data, nullptr, st.st_size);
    ::close(fd);
    if (!r && !is_stop(r.error())) return r.error();
    if (m_r.files.empty()) return make_error(ErrorKind::internal, "no scan result", file.string());
    return std::move(m_r.files.back());
  }
  Findings& findings() { return m_r.findings; }

 private:
  static bool opened_nothing(const Error& err) {
    return err.message.find("Unrecognized archive format") != std::string::npos ||
           err.message.find("Truncated input file") != std::string::npos ||
           err.message.find("cannot open") != std::string::npos ||
           err.message.find("Empty file") != std::string::npos;
  }

  Status visit(const RawEntry& e, EntryData& data) {
    ++m_r.entries;
    std::string name = normalise_entry_path(e.name);
    m_last_entry = name;
    if (m_r.entries > m_limits.max_entries) {
      m_r.findings.push_back(make_finding("PKG-TOO-MANY-ENTRIES", name,
                                          "more than " + std::to_string(m_limits.max_entries) + " entries; reading stopped"));
      return stop_walk();
    }
    // libarchive rewrites `\` to `/` in zip names; the central directory has the bytes
    // as stored, which the path rules and the name decoding must see.
    const ZipDirEntry* zip_entry = nullptr;
    if (m_is_zip && m_zip_index < m_zip_dir.size()) {
      // libarchive also folds names to NFC; compare in that form.
      std::string slashed = m_zip_dir[m_zip_index].raw_name;
      std::replace(slashed.begin(), slashed.end(), '\\', '/');
      if (slashed == e.raw_name || (is_valid_utf8(slashed) && to_nfc(slashed) == to_nfc(e.raw_name)))
        zip_entry = &m_zip_dir[m_zip_index];
      ++m_zip_index;
    }
    if (zip_entry && zip_entry->raw_name != e.raw_name) {
      RawEntry raw = e;
      raw.raw_name = zip_entry->raw_name;
      decode_entry_name(raw);
      return visit_named(raw, data, zip_entry);
    }
    return visit_named(e, data, zip_entry);
  }

  Status visit_named(const RawEntry& e, EntryData& data, const ZipDirEntry* zip_entry) {
    std::string name = normalise_entry_path(e.name);
    m_last_entry = name;
    if (!e.name_decoded)
      m_r.findings.push_back(make_finding("PKG-NAME-ENCODING", name, "name bytes are neither UTF-8 nor GBK/CP936"));
    else
      for (const auto& p : path_problems(name)) m_r.findings.push_back(make_finding(p.code, name, p.detail));
    m_names.push_back(name);
    switch (e.type) {
      case EntryType::directory: return ok_status();
      case EntryType::symlink:
        m_r.findings.push_back(make_finding("PKG-SYMLINK", name, "symbolic link to " + printable(e.link_target)));
        return ok_status();
      case EntryType::hardlink:
        m_r.findings.push_back(make_finding("PKG-HARDLINK", name,
                                            e.link_target.empty() ? "file has several hard links"
                                                                  : "hard link to " + printable(e.link_target)));
        return ok_status();
      case EntryType::special:
        m_r.findings.push_back(make_finding("PKG-SPECIAL-FILE", name, "device, FIFO or socket entry"));
        return ok_status();
      case EntryType::file: break;
    }
    if (!m_seen.insert(name).second) {
      m_r.findings.push_back(make_finding("PKG-DUPLICATE-ENTRY", name, "a second entry with this path"));
      return ok_status();
    }
    std::string lower = to_lower_ascii(name);
    if (auto [it, fresh] = m_lower.emplace(lower, name); !fresh)
      m_r.findings.push_back(make_finding("PKG-CASE-COLLISION", name, "differs only by case from " + it->second));
    return read_file(name, data, zip_entry, e.header_size);
  }

  // Import's second read: the wanted entries' bytes go to the sink, within the package
  // limits; nothing is hashed or sniffed (the sink verifies), the rest is not read.
  Status copy_file(const std::string& name, EntryData& data) {
    ScannedFile& f = m_r.files.emplace_back();
    f.path = name;
    f.complete = false;  // not hashed: only the sink knows whether the bytes are right
    if (!m_sink->wants(name)) return ok_status();
    if (auto st = m_sink->begin_file(name); !st) return st;
    const void* block = nullptr;
    std::size_t n = 0;
    for (;;) {
      auto more = data.next_block(&block, &n);
      if (!more) {
        m_sink->abort_file();
        m_r.corrupt = true;
        return more.error();
      }
      if (!*more) break;
      f.size += n;
      m_r.unpacked_bytes += n;
      if (m_r.unpacked_bytes > m_limits.max_unpacked) {
        m_sink->abort_file();
        return make_error(ErrorKind::bad_input, name + ": the package grew past the unpacked-size limit since it was checked");
      }
      if (auto st = m_sink->write(block, n); !st) {
        m_sink->abort_file();
        return st;
      }
      if (m_progress) m_progress(n);
    }
    return m_sink->end_file({}, f.size);
  }

  // What reading one entry builds up as its blocks pass.
  struct FileRead {
    ScannedFile f;
    Sha256 hash;
    PdfScanner pdf;
    bool want_manifest = false;
    std::string manifest;
    std::string head, tail;     // first and last bytes, summarised into f.media at the end
    bool stopped = false;       // the whole walk must stop
    bool entry_cut = false;     // only this entry stops
    Status sink_status = ok_status();
    const ZipDirEntry* zip_entry = nullptr;
  };

  Status read_file(const std::string& name, EntryData& data, const ZipDirEntry* zip_entry, std::int64_t header_size) {
    if (m_sink && m_sink->copy_only()) return copy_file(name, data);
    FileRead fr;
    fr.f.path = name;
    fr.want_manifest = is_manifest_candidate(name);
    fr.zip_entry = zip_entry;
    if (m_sink) {
      if (auto st = m_sink->begin_file(name); !st) return st;
    }
    const void* block = nullptr;
    std::size_t size = 0;
    auto first = data.next_block(&block, &size);
    if (!first) return fail(fr, first.error());
    if (*first) {
      std::string_view peek(static_cast<const char*>(block), size);
      fr.f.media.is_pdf = peek.starts_with("%PDF-");
      if (auto st = consume(fr, data, block, size); !st) return fail(fr, st.error());
      if (peek.starts_with("PK\x03\x04")) {
        if (auto ended = inspect_zip_entry(fr, data, block, size, header_size)) return *ended;
      }
      for (;;) {
        auto more = data.next_block(&block, &size);
        if (!more) return fail(fr, more.error());
        if (!*more) break;
        if (auto st = consume(fr, data, block, size); !st) return fail(fr, st.error());
      }
    }
    return finish_file(fr);
  }

  // One block of an entry: limits first (the zip-bomb guards), then hash, media facts,
  // the manifest text and the sink.
  Status consume(FileRead& fr, EntryData& data, const void* p, std::size_t n) {
    const std::string& name = fr.f.path;
    const char* c = static_cast<const char*>(p);
    fr.f.size += n;
    m_r.unpacked_bytes += n;
    if (m_r.unpacked_bytes > m_limits.max_unpacked) {
      m_r.findings.push_back(make_finding("PKG-TOO-LARGE", name,
                                          "unpacked size passes the limit of " + human_bytes(m_limits.max_unpacked) + "; reading stopped"));
      fr.stopped = true;
      return stop_walk();
    }
    if (fr.f.size > m_limits.ratio_floor && fr.zip_entry &&
        static_cast<double>(fr.f.size) > m_limits.max_ratio * static_cast<double>(std::max<std::uint64_t>(fr.zip_entry->compressed_size, 1))) {
      m_r.findings.push_back(make_finding("PKG-COMPRESSION-RATIO", name,
                                          "unpacks to over " + std::to_string(static_cast<long long>(m_limits.max_ratio)) +
                                              "× its packed size of " + human_bytes(fr.zip_entry->compressed_size) + "; reading stopped"));
      fr.entry_cut = true;
      return stop_walk();
    }
    if (m_solid && m_r.unpacked_bytes > m_limits.ratio_floor) {
      std::int64_t packed = data.packed_position();
      if (packed > 0 && static_cast<double>(m_r.unpacked_bytes) > m_limits.max_ratio * static_cast<double>(packed)) {
        m_r.findings.push_back(make_finding("PKG-COMPRESSION-RATIO", name,
                                            "the archive unpacks to over " + std::to_string(static_cast<long long>(m_limits.max_ratio)) +
                                                "× its compressed size; reading stopped"));
        fr.stopped = true;
        return stop_walk();
      }
    }
    fr.hash.update(c, n);
    if (fr.head.size() < k_head_bytes) fr.head.append(c, std::min(n, k_head_bytes - fr.head.size()));
    if (n >= k_tail_bytes) {
      fr.tail.assign(c + n - k_tail_bytes, k_tail_bytes);
    } else {
      fr.tail.append(c, n);
      if (fr.tail.size() > k_tail_bytes) fr.tail.erase(0, fr.tail.size() - k_tail_bytes);
    }
    if (fr.f.media.is_pdf) fr.pdf.feed(c, n);
    if (fr.want_manifest && fr.manifest.size() <= m_limits.max_manifest)
      fr.manifest.append(c, std::min<std::size_t>(n, m_limits.max_manifest + 1 - fr.manifest.size()));
    if (m_sink) {
      if (auto st = m_sink->write(c, n); !st) {
        fr.sink_status = st;
        return st;
      }
    }
    if (m_progress) m_progress(n);
    return ok_status();
  }

  // Reading an entry broke off: a limit (already a finding), corruption, an interrupt or
  // the sink. Keeps what was learned; says whether the walk goes on.
  Status fail(FileRead& fr, const Error& err) {
    summarise_media(fr.head, fr.tail, fr.f.media);
    if (m_sink) m_sink->abort_file();
    if (!fr.sink_status) return fr.sink_status;
    if (err.kind == ErrorKind::interrupted) return err;
    fr.f.complete = false;
    if (fr.entry_cut) {
      m_r.files.push_back(std::move(fr.f));
      return ok_status();
    }
    if (!fr.stopped) {
      m_r.corrupt = true;
      m_r.findings.push_back(make_finding("PKG-CORRUPT", fr.f.path, "entry data cannot be read: " + err.message));
    }
    m_r.files.push_back(std::move(fr.f));
    return stop_walk();
  }

  // A zip inside the package (an EPUB, a courseware bundle) is inspected as its bytes
  // stream past: the nested reader pulls this entry's blocks, each consumed as it goes.
  // A value when reading this entry ended (what read_file returns); nullopt to go on.
  std::optional<Status> inspect_zip_entry(FileRead& fr, EntryData& data, const void* first_block, std::size_t first_size,
                           std::int64_t header_size) {
    fr.f.media.is_zip = true;
    bool handed_first = false;
    Error pull_error;
    bool pull_failed = false;
    ReadCallback pull = [&](const void** out, std::size_t* out_size) -> Result<bool> {
      if (!handed_first) {
        handed_first = true;
        *out = first_block;
        *out_size = first_size;
        return true;
      }
      auto more = data.next_block(out, out_size);
      if (!more) {
        pull_failed = true;
        pull_error = more.error();
        return more.error();
      }
      if (*more) {
        if (auto st = consume(fr, data, *out, *out_size); !st) {
          pull_failed = true;
          pull_error = st.error();
          return st.error();
        }
      }
      return *more;
    };
    ZipInspectLimits zl;
    zl.max_entries = m_limits.max_entries;
    // The same bomb guard as for the package: the bundle may unpack to at most
    // max_ratio times its own size (and never past the package limit).
    const double own = static_cast<double>(fr.zip_entry ? fr.zip_entry->uncompressed_size : std::max<std::int64_t>(header_size, 0));
    zl.max_unpacked = static_cast<std::uint64_t>(std::min(static_cast<double>(m_limits.max_unpacked),
                                                          m_limits.max_ratio * own + static_cast<double>(m_limits.ratio_floor)));
    // The head at this point is only the first block; the OCF check needs its first ~80 bytes.
    auto inspection = inspect_nested_zip(fr.f.path, fr.head, pull, zl);
    if (pull_failed) return fail(fr, pull_error);
    if (interrupted()) return fail(fr, make_error(ErrorKind::interrupted, "interrupted"));
    fr.f.media.epub_findings = std::move(inspection.epub);
    fr.f.media.zip_findings = std::move(inspection.zip);
    return std::nullopt;
  }

  Status finish_file(FileRead& fr) {
    summarise_media(fr.head, fr.tail, fr.f.media);
    if (fr.f.media.is_pdf) {
      fr.pdf.finish();
      fr.f.media.pdf_encrypted = fr.pdf.encrypted();
      fr.f.media.pdf_pages = fr.pdf.pages();
    }
    fr.f.sha256 = fr.hash.finish_hex();
    if (m_sink) {
      if (auto st = m_sink->end_file(fr.f.sha256, fr.f.size); !st) return st;
    }
    if (fr.want_manifest) m_manifests[fr.f.path] = {std::move(fr.manifest), fr.f.size, fr.f.sha256};
    m_r.files.push_back(std::move(fr.f));
    return ok_status();
  }

  // Applies the single top-folder rule and takes manifest.json out of the file list.
  void finish_layout(ContainerKind kind) {
    std::string prefix;
    if (kind == ContainerKind::archive && !m_names.empty()) {
      const std::string& first = m_names.front();
      std::string top = first.substr(0, first.find('/'));
      bool all_under = !top.empty();
      bool any_file_under = false;
      for (const auto& n : m_names) {
        if (n == top) continue;  // the folder's own entry
        if (!n.starts_with(top + "/")) {
          all_under = false;
          break;
        }
        any_file_under = true;
      }
      if (all_under && any_file_under) prefix = top + "/";
    }
    m_r.root_prefix = prefix;
    if (!prefix.empty())
      for (auto& f : m_r.files) f.path = f.path.substr(prefix.size());
    const std::string manifest_name = prefix + "manifest.json";
    if (auto it = m_manifests.find(manifest_name); it != m_manifests.end()) {
      m_r.manifest_found = true;
      m_r.manifest_size = it->second.size;
      m_r.manifest_sha256 = it->second.sha256;
      if (it->second.size <= m_limits.max_manifest) m_r.manifest_text = std::move(it->second.text);
      std::erase_if(m_r.files, [](const ScannedFile& f) { return f.path == "manifest.json"; });
    }
  }

  struct ManifestCandidate {
    std::string text;
    std::uint64_t size = 0;
    std::string sha256;
  };

  const ScanLimits& m_limits;
  BlobSink* m_sink;
  const ByteProgress& m_progress;
  ScanResult m_r;
  std::vector<ZipDirEntry> m_zip_dir;
  std::size_t m_zip_index = 0;
  bool m_is_zip = false;
  bool m_solid = false;
  std::string m_last_entry;
  std::vector<std::string> m_names;
  std::unordered_set<std::string> m_seen;
  std::unordered_map<std::string, std::string> m_lower;
  std::map<std::string, ManifestCandidate> m_manifests;
};

}  // namespace

Result<ScannedFile> scan_file(const fs::path& file, const std::string& name, const ScanLimits& limits,
                              Findings& findings, BlobSink* sink, const ByteProgress& progress) {
  Scanner scanner(limits, sink, progress);
  auto r = scanner.scan_one(file, name);
  findings.insert(findings.end(), scanner.findings().begin(), scanner.findings().end());
  return r;
}

Result<ScanResult> scan_package(const fs::path& path, const ScanLimits& limits, BlobSink* sink,
                                const ByteProgress& progress) {
  Scanner scanner(limits, sink, progress);
  return scanner.run(path);
}

}  // namespace eductl
