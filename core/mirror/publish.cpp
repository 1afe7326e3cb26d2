#include "core/mirror/publish.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <optional>
#include <set>
#include <tuple>

#include "core/mirror/tree.hpp"
#include "core/util/cancel.hpp"
#include "core/util/fs.hpp"
#include "core/util/sha256.hpp"

namespace eductl::mirror {
namespace fs = std::filesystem;


Result<Placed> place_file(VerifiedCopier& copier, const fs::path& src, const fs::path& dst, const std::string& sha,
                          std::uint64_t size) {
  struct stat st {};
  if (::lstat(dst.c_str(), &st) == 0 && S_ISREG(st.st_mode) && static_cast<std::uint64_t>(st.st_size) == size)
    return Placed::present;
  auto dirs = make_dirs(dst.parent_path());
  if (!dirs) return dirs.error();
  ::unlink(dst.c_str());  // a wrong-size leftover or a link planted there
  if (::link(src.c_str(), dst.c_str()) == 0) return Placed::linked;
  if (errno != EXDEV && errno != EPERM && errno != EMLINK)
    return make_error(ErrorKind::internal, "cannot link " + src.string() + ": " + errno_text(errno), dst.string());
  auto copied = copier.copy(src, dst, sha, size);
  if (!copied) return copied.error();
  if (*copied == CopyOutcome::source_corrupt || *copied == CopyOutcome::source_missing)
    return make_error(ErrorKind::bad_input, "the content store's object is damaged or missing; run `eductl store verify`",
                      src.string());
  return Placed::copied;
}

namespace {

// One book's part, as the catalogue holds its current revision: files, contents, and
// the renditions of its videos with their ffprobe facts.
Result<snapshot::Part> book_part(const Catalog& catalog, const BookSummary& summary) {
  BookKey key_of{summary.record.meta.publisher_code, summary.record.package_id};
  auto detail = catalog.show_book(book_ref(key_of));
  if (!detail) return detail.error();
  snapshot::Part part;
  part.record = detail->current;
  part.book = book_ref(key_of);
  for (const auto& rev : detail->revisions)
    if (rev.revision == detail->current.revision) part.digest = rev.digest;
  auto renditions = catalog.rendition_blobs({key_of});
  if (!renditions) return renditions.error();
  std::set<std::string> inputs;
  std::set<std::tuple<std::string, std::string, std::string>> seen;  // a video at two paths: once
  for (const auto& rb : *renditions) {
    if (!seen.emplace(rb.input_sha256, rb.profile, rb.path).second) continue;
    part.renditions.push_back(snapshot::Rendition{rb.input_sha256, rb.profile, rb.rendition, rb.path, rb.sha256, rb.size});
    inputs.insert(rb.input_sha256);
  }
  for (const auto& input : inputs) {
    auto m = catalog.media_facts(input);
    if (m && *m)
      part.media.push_back(snapshot::Media{(*m)->sha256, (*m)->duration, (*m)->width, (*m)->height, (*m)->video_codec,
                                           (*m)->audio_codec, (*m)->bitrate});
  }
  return part;
}

// Puts a part's blobs and the part itself into the tree; its index entry.
Result<snapshot::PartEntry> place_part(const BlobStore& store, VerifiedCopier& copier, const fs::path& out,
                                       const snapshot::Part& part, PublishResult& r) {
  std::string text = snapshot::part_json(part);
  snapshot::PartEntry entry{snapshot::facts_of(part), sha256_hex(text), text.size()};
  for (const auto& [sha, size] : snapshot::part_blobs(part, {})) {
    if (!store.has(sha, size))
      return make_error(ErrorKind::bad_input,
                        "the content store lacks " + sha + " (of " + part.book +
                            "); run `eductl store verify` and import (or transcode) the book again before publishing");
    auto placed = place_file(copier, store.object_path(sha), out / snapshot::object_path(sha), sha, size);
    if (!placed) return placed.error();
    ++entry.blobs;
    entry.bytes += size;
    if (*placed == Placed::linked) ++r.blobs_linked;
    if (*placed == Placed::copied) ++r.blobs_copied;
  }
  fs::path part_file = out / snapshot::part_path(entry.sha256);
  std::error_code ec;
  if (!fs::exists(part_file, ec)) {
    if (auto w = write_file_atomic(part_file, text); !w) return w.error();
    ++r.parts_written;
  }
  r.books++;
  r.blobs += entry.blobs;
  r.bytes += entry.bytes;
  return entry;
}

// Writes the signature, then the index (the previous one kept beside as the grace list),
// each by atomic rename.
Status write_signed_index(const fs::path& out, const std::string& text, const minisign::Signature& sig,
                          const std::optional<snapshot::Index>& previous) {
  if (previous)
    if (auto kept = write_file_atomic(out / "index.previous.json", snapshot::index_json(*previous)); !kept) return kept;
  struct stat old_index {};
  const bool had_index = ::stat((out / snapshot::k_index_file).c_str(), &old_index) == 0;
  if (auto ws = write_file_atomic(out / snapshot::k_signature_file, sig.file_text()); !ws) return ws;
  if (auto wi = write_file_atomic(out / snapshot::k_index_file, text); !wi) return wi;
  // HTTP servers derive validators from mtime and size (nginx's ETag, Last-Modified): two
  // publishes in one second with indexes of one length would look unchanged to a
  // mirror's conditional request. The new index's mtime is made later than the old one's.
  struct stat new_index {};
  if (had_index && ::stat((out / snapshot::k_index_file).c_str(), &new_index) == 0 &&
      new_index.st_mtim.tv_sec <= old_index.st_mtim.tv_sec) {
    struct timespec times[2] = {{0, UTIME_OMIT}, {old_index.st_mtim.tv_sec + 1, 0}};
    ::utimensat(AT_FDCWD, (out / snapshot::k_index_file).c_str(), times, 0);
  }
  return ok_status();
}

}  // namespace

Result<PublishResult> publish(const DataFolder& data, const minisign::SecretKey& key, const PublishOptions& o) {
  PublishResult r;
  r.out = o.out;
  r.key_id = minisign::key_id_hex(key.key_id());
  auto catalog = data.catalog(Access::read_only);
  if (!catalog) return catalog.error();
  auto store = data.store(Access::read_only);
  if (!store) return store.error();
  if (auto made = make_dirs(o.out / "parts"); !made) return made.error();
  auto lock = WriterLock::acquire(o.out / ".publish.lock", "mirror publish");
  if (!lock) return lock.error();
  auto previous = read_index_unverified(o.out);  // names files a reader may still fetch
  const std::int64_t now = o.now ? o.now : static_cast<std::int64_t>(std::time(nullptr));

  auto books = catalog->list_books({});
  if (!books) return books.error();
  snapshot::Index index;
  VerifiedCopier copier;
  for (const auto& summary : *books) {
    if (interrupted()) return make_error(ErrorKind::interrupted, "interrupted; the published tree is unchanged");
    auto part = book_part(*catalog, summary);
    if (!part) return part.error();
    if (!o.selection.matches(snapshot::facts_of(*part))) continue;
    auto entry = place_part(*store, copier, o.out, *part, r);
    if (!entry) return entry.error();
    index.parts.push_back(std::move(*entry));
  }
  // One flush for every link, copy and part, before the index that names them.
  if (auto s = sync_file_system(o.out); !s) return s.error();

  index.version = std::max((previous ? previous->version : 0) + 1, now);
  index.created = snapshot::format_utc(now);
  index.expires = snapshot::format_utc(now + o.expires_seconds);
  index.origin = o.origin;
  for (const auto& k : o.next_keys) index.next_keys.push_back(k.base64());
  r.version = index.version;
  r.created = index.created;
  r.expires = index.expires;
  std::string text = snapshot::index_json(index);
  std::string comment = "eductl snapshot version " + std::to_string(index.version) + " created " + index.created +
                        " expires " + index.expires;
  auto sig = minisign::sign(text, key, comment, "signature from eductl secret key " + r.key_id);
  if (!sig) return sig.error();
  if (interrupted()) return make_error(ErrorKind::interrupted, "interrupted; the published tree is unchanged");
  if (auto s = write_signed_index(o.out, text, *sig, previous); !s) return s.error();
  auto removed = remove_unnamed(o.out, index, previous ? &*previous : nullptr);
  if (!removed) return removed.error();
  r.removed = *removed;
  return r;
}

}  // namespace eductl::mirror
