#include "core/mirror/sync.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <fcntl.h>
#include <unistd.h>

#include <ctime>
#include <fstream>
#include <map>
#include <thread>
#include <variant>

#include "core/db/sqlite.hpp"
#include "core/mirror/export.hpp"
#include "core/mirror/snapshot.hpp"
#include "core/mirror/state.hpp"
#include "core/mirror/tree.hpp"
#include "core/util/cancel.hpp"
#include "core/util/fs.hpp"
#include "core/util/sha256.hpp"

namespace eductl::mirror {
namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t k_max_signature_bytes = 64 * 1024;

struct Verified {
  snapshot::Index index;
  std::string index_text, signature_text;
  std::string etag, last_modified;
  minisign::PublicKey signer;
  bool rotated = false;
};

// The data folder must be a mirror already, or hold nothing a mirror would replace.
Status check_folder_is_mirrorable(const DataFolder& data) {
  std::error_code ec;
  auto pub = fs::symlink_status(data.public_dir(), ec);
  if (fs::exists(pub) && !fs::is_symlink(pub))
    return make_error(ErrorKind::usage,
                      "this data folder publishes its own snapshots (public/ is a folder); a mirror needs a data folder of its own",
                      data.root().string());
  if (fs::exists(data.catalog_file(), ec)) {
    auto cat = data.catalog(Access::read_only);
    if (cat) {
      auto books = cat->list_books({});
      if (books && !books->empty())
        return make_error(ErrorKind::usage,
                          "this data folder has its own catalogue (" + std::to_string(books->size()) +
                              " books imported); a mirror needs a data folder of its own",
                          data.root().string());
    }
  }
  return ok_status();
}

// Fetches the index and its signature and checks the signature: against the trusted
// key, or against a next key the last verified index named (rotation). One retry covers
// a publisher replacing both files between our two requests.
Result<std::variant<Verified, Findings, SmallFile>> fetch_verified_index(Source& src, const minisign::PublicKey& trusted,
                                                                         const std::vector<std::string>& next_keys,
                                                                         const Conditional* cond) {
  for (int attempt = 0;; ++attempt) {
    auto index = src.get_small(std::string(snapshot::k_index_file), snapshot::k_max_index_bytes, attempt ? nullptr : cond);
    if (!index) return index.error();
    if (index->not_modified) return std::variant<Verified, Findings, SmallFile>(std::move(*index));
    auto sig = src.get_small(std::string(snapshot::k_signature_file), k_max_signature_bytes, nullptr);
    if (!sig) return sig.error();
    auto v = minisign::verify(index->body, sig->body, trusted, std::string(snapshot::k_signature_file));
    minisign::PublicKey signer = trusted;
    bool rotated = false;
    if (!v.ok() && v.finding->code == "MIR-SIG-KEY-MISMATCH") {
      for (const auto& k : next_keys) {
        auto key = minisign::parse_public_key(k, "next key");
        if (!key) continue;
        auto v2 = minisign::verify(index->body, sig->body, *key, std::string(snapshot::k_signature_file));
        if (v2.ok()) {
          v = v2;
          signer = *key;
          rotated = true;
          break;
        }
      }
    }
    if (v.ok()) {
      auto parsed = snapshot::parse_index(index->body);
      if (!parsed.index) return std::variant<Verified, Findings, SmallFile>(parsed.findings);
      Verified out{std::move(*parsed.index), std::move(index->body), std::move(sig->body), index->etag, index->last_modified,
                   signer, rotated};
      return std::variant<Verified, Findings, SmallFile>(std::move(out));
    }
    if (attempt >= 1) return std::variant<Verified, Findings, SmallFile>(Findings{*v.finding});
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

// Unique per sync: the same version may be served again with another choice of books.
std::string snapshot_name(const fs::path& dir, std::int64_t version, const std::string& index_sha, std::int64_t now) {
  std::string base = "v" + std::to_string(version) + "-" + index_sha.substr(0, 12) + "-" + std::to_string(now);
  std::string name = base;
  std::error_code ec;
  for (int i = 1; fs::exists(fs::symlink_status(dir / name, ec)); ++i) name = base + "-" + std::to_string(i);
  return name;
}

// The folder is a staging one, renamed into place when whole: its files need no atomic
// replace, only one flush of the file system before that rename.
Status write_tree(const fs::path& dir, const Verified& v, const std::map<std::string, std::string>& parts) {
  std::error_code ec;
  fs::remove_all(dir, ec);
  if (auto s = make_dirs(dir / "parts"); !s) return s;
  auto put = [](const fs::path& file, const std::string& text) -> Status {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.close();
    if (!out) return make_error(ErrorKind::internal, "cannot write: " + errno_text(errno), file.string());
    return ok_status();
  };
  for (const auto& [sha, text] : parts)
    if (auto s = put(dir / snapshot::part_path(sha), text); !s) return s;
  if (auto s = put(dir / snapshot::k_signature_file, v.signature_text); !s) return s;
  if (auto s = put(dir / snapshot::k_index_file, v.index_text); !s) return s;
  // The mirror serves its content store's blobs by hash: one copy of each on disk.
  fs::create_symlink("../../objects", dir / "objects", ec);
  if (ec) return make_error(ErrorKind::internal, "cannot link objects/: " + ec.message(), dir.string());
  return sync_file_system(dir);
}

// The mirror's catalogue, built aside in DELETE journal mode (no -wal to pair with the
// wrong file) and renamed into place by the switch.
// The chosen renditions of the books' videos, with their ffprobe facts, as finished
// transcode jobs: `catalog show` on the mirror lists what it serves.
// A video several books share is one job, whichever part names it.
Status add_renditions(Catalog& cat, const std::vector<snapshot::Part>& parts, const snapshot::Selection& selection) {
  std::map<std::pair<std::string, std::string>, std::map<std::string, RenditionFile>> jobs;  // by path
  std::map<std::string, VideoFacts> facts;
  for (const auto& p : parts) {
    for (const auto& r : p.renditions)
      if (selection.takes_rendition(r.rendition))
        jobs[{r.input_sha256, r.profile}].emplace(r.path, RenditionFile{r.rendition, r.path, r.sha256, r.size});
    for (const auto& m : p.media)
      facts.emplace(m.sha256, VideoFacts{m.sha256, m.duration, m.width, m.height, m.video_codec, m.audio_codec, m.bitrate});
  }
  for (const auto& [key, by_path] : jobs) {
    VideoFacts f;
    f.sha256 = key.first;
    if (auto it = facts.find(key.first); it != facts.end()) f = it->second;
    std::vector<RenditionFile> files;
    for (const auto& [path, file] : by_path) files.push_back(file);
    auto job = cat.job_for(key.first, key.second);
    if (!job) return job.error();
    if (auto s = cat.finish_job(job->id, f, files); !s) return s;
  }
  return ok_status();
}

Status build_catalog(const fs::path& file, const std::vector<snapshot::Part>& parts, const std::string& upstream,
                     const Verified& v, const std::string& synced_at, const snapshot::Selection& selection) {
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) fs::remove(file.string() + suffix, ec);
  {
    auto cat = Catalog::open(file, CatalogAccess::read_write);
    if (!cat) return cat.error();
    auto run = cat->begin_run("mirror sync " + upstream + " version " + std::to_string(v.index.version));
    if (!run) return run.error();
    for (const auto& p : parts) {
      std::uint64_t bytes = 0;
      for (const auto& f : p.record.files) bytes += f.size;
      auto added = cat->add_revision(p.record, p.digest, bytes, upstream + snapshot::part_path(sha256_hex(snapshot::part_json(p))), *run);
      if (!added) return added.error();
    }
    if (auto s = add_renditions(*cat, parts, selection); !s) return s;
    RunCounts counts;
    counts.imported = parts.size();
    if (auto s = cat->finish_run(*run, counts, "done"); !s) return s;
  }
  try {
    SQLite::Database db(file.string(), SQLite::OPEN_READWRITE);
    db.exec("CREATE TABLE mirror_snapshot (version INTEGER NOT NULL, upstream TEXT NOT NULL, index_sha256 TEXT NOT NULL, "
            "created TEXT NOT NULL, expires TEXT NOT NULL, synced_at TEXT NOT NULL)");
    SQLite::Statement q(db, "INSERT INTO mirror_snapshot VALUES (?, ?, ?, ?, ?, ?)");
    q.bind(1, static_cast<std::int64_t>(v.index.version));
    q.bind(2, upstream);
    q.bind(3, sha256_hex(v.index_text));
    q.bind(4, v.index.created);
    q.bind(5, v.index.expires);
    q.bind(6, synced_at);
    q.exec();
    db.exec("PRAGMA journal_mode=DELETE");
  } catch (const std::exception& e) {
    return make_error(ErrorKind::internal, std::string("cannot finish the mirror's catalogue: ") + e.what(), file.string());
  }
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    if (fd >= 0) ::close(fd);
    return make_error(ErrorKind::internal, "cannot flush the mirror's catalogue", file.string());
  }
  ::close(fd);
  return ok_status();
}

Status switch_to(const DataFolder& data, const fs::path& new_catalog, const std::string& snapshot_dir_name) {
  // Catalogue first, then the served tree: a crash between leaves the old tree served
  // (never a mix) and the next sync completes the switch.
  std::error_code ec;
  for (const char* suffix : {"-wal", "-shm"}) fs::remove(data.catalog_file().string() + suffix, ec);
  if (::rename(new_catalog.c_str(), data.catalog_file().c_str()) != 0)
    return make_error(ErrorKind::internal, "cannot switch the catalogue: " + errno_text(errno), data.catalog_file().string());
  fs::path link_tmp = data.root() / "public.new";
  fs::remove(link_tmp, ec);
  fs::create_symlink(fs::path("snapshots") / snapshot_dir_name, link_tmp, ec);
  if (ec) return make_error(ErrorKind::internal, "cannot link public/: " + ec.message(), link_tmp.string());
  if (::rename(link_tmp.c_str(), data.public_dir().c_str()) != 0)
    return make_error(ErrorKind::internal, "cannot switch public/: " + errno_text(errno), data.public_dir().string());
  return fsync_dir(data.root());
}

std::string now_text(std::int64_t now) { return snapshot::format_utc(now); }

}  // namespace

Result<SyncResult> sync(const DataFolder& data, const SyncOptions& o) {
  SyncResult r;
  std::int64_t now = o.now ? o.now : static_cast<std::int64_t>(std::time(nullptr));
  if (auto s = make_dirs(data.root()); !s) return s.error();
  auto lock = data.lock("mirror sync");
  if (!lock) return lock.error();
  auto loaded = load_state(data.root());
  if (!loaded) return loaded.error();
  std::optional<MirrorState> state = std::move(*loaded);
  if (!state) {
    if (!o.trust)
      return make_error(ErrorKind::usage, "the first sync of a mirror needs --trust PUBKEY (the upstream's public key, "
                                          "obtained through a channel you trust)");
    if (auto s = check_folder_is_mirrorable(data); !s) return s.error();
  }
  minisign::PublicKey trusted;
  if (state) {
    auto k = minisign::parse_public_key(state->trusted_key, "mirror.json");
    if (!k) return k.error();
    trusted = *k;
    if (o.trust && o.trust->base64() != trusted.base64()) {
      if (!o.retrust)
        return make_error(ErrorKind::usage, "this mirror trusts key " + minisign::key_id_hex(trusted.key_id) +
                                                " (remembered from its first sync), not " +
                                                minisign::key_id_hex(o.trust->key_id) +
                                                "; keys move by a signed rotation (docs/mirror.md), or pass --retrust to "
                                                "replace the trusted key deliberately");
      trusted = *o.trust;
    }
  } else {
    trusted = *o.trust;
  }
  auto src = open_source(o.source, o.http);
  if (!src) return src.error();
  Source& source = **src;
  snapshot::Selection selection = o.selection ? *o.selection : (state ? state->selection : snapshot::Selection{});
  // An export on a disk holds the books it was written for: with no filters given, a
  // mirror without a selection of its own takes those.
  if (!o.selection && selection.empty() && !source.is_remote()) {
    auto info = source.get_small(k_export_info, 1 << 20, nullptr);
    if (info) {
      auto j = nlohmann::json::parse(info->body, nullptr, false);
      if (!j.is_discarded() && j.is_object() && j.contains("selection"))
        selection = snapshot::selection_from_json(j["selection"]);
    }
  }
  r.upstream = source.describe();
  r.previous_version = state ? state->version : 0;
  r.trusted_key_id = minisign::key_id_hex(trusted.key_id);

  // A no-change sync is one conditional request, when nothing local asks for more.
  Conditional cond;
  // A catalogue an older eductl built (an older schema) cannot be migrated in place (a
  // mirror's catalogue is read-only): the sync rebuilds it even when nothing changed.
  const bool catalog_current = state && data.catalog(Access::read_only).ok();
  const bool same_ask = state && catalog_current && state->upstream == r.upstream &&
                        state->selection.describe() == selection.describe() && !o.retrust;
  if (same_ask) cond = Conditional{state->etag, state->last_modified};
  auto got = fetch_verified_index(source, trusted, state ? state->next_keys : std::vector<std::string>{},
                                  same_ask && source.is_remote() ? &cond : nullptr);
  if (!got) return got.error();
  if (std::holds_alternative<SmallFile>(*got)) {
    r.outcome = SyncOutcome::unchanged;
    r.version = state->version;
    r.expires = state->expires;
    r.books = state->books;
    r.blobs = state->blobs;
    r.bytes = state->bytes;
    r.requests = source.requests_made();
    return r;
  }
  // A refusal: the findings, and the mirror still at its previous version.
  auto refuse = [&](Findings findings) {
    r.outcome = SyncOutcome::refused;
    r.findings = std::move(findings);
    r.version = r.previous_version;
    r.requests = source.requests_made();
    return r;
  };
  if (std::holds_alternative<Findings>(*got)) return refuse(std::get<Findings>(*got));
  Verified v = std::move(std::get<Verified>(*got));
  r.bytes_transferred += v.index_text.size() + v.signature_text.size();
  r.key_rotated = v.rotated;
  if (v.rotated) r.trusted_key_id = minisign::key_id_hex(v.signer.key_id);
  const std::string index_sha = sha256_hex(v.index_text);
  if (state && v.index.version < state->version)
    return refuse(Findings{make_finding("MIR-ROLLBACK", "index.json",
                               "the upstream offers version " + std::to_string(v.index.version) + ", older than this mirror's " +
                                   std::to_string(state->version))});
  if (state && v.index.version == state->version && index_sha != state->index_sha256)
    return refuse(Findings{make_finding("MIR-VERSION-REUSED", "index.json",
                               "version " + std::to_string(v.index.version) + " was synced before with other content")});
  auto expires = snapshot::parse_utc(v.index.expires);
  if (!o.allow_expired && expires && *expires <= now)
    return refuse(Findings{make_finding("MIR-EXPIRED", "index.json",
                               "the snapshot (version " + std::to_string(v.index.version) + ") expired at " + v.index.expires)});

  // Parts: those of the chosen books; reused from the served tree when held already.
  auto store = data.store(Access::read_write);
  if (!store) return store.error();
  if (auto s = make_dirs(data.tmp_dir()); !s) return s.error();
  std::vector<const snapshot::PartEntry*> chosen;
  for (const auto& e : v.index.parts)
    if (selection.matches(e.facts)) chosen.push_back(&e);
  std::map<std::string, std::string> part_texts;  // sha -> verified text
  std::vector<Wanted> want_parts;
  for (const auto* e : chosen) {
    if (part_texts.count(e->sha256)) continue;
    if (state && !state->snapshot_dir.empty()) {
      auto held = read_file(data.snapshots_dir() / state->snapshot_dir / snapshot::part_path(e->sha256), snapshot::k_max_part_bytes);
      if (held && held->size() == e->size && sha256_hex(*held) == e->sha256) {
        part_texts[e->sha256] = std::move(*held);
        continue;
      }
    }
    want_parts.push_back(Wanted{snapshot::part_path(e->sha256), e->sha256, e->size, true});
  }
  if (!want_parts.empty()) {
    auto fetched = source.get_many(want_parts, data.tmp_dir(), {});
    if (!fetched) return fetched.error();
    r.bytes_transferred += fetched->bytes_transferred;
    if (!fetched->findings.empty()) return refuse(fetched->findings);
    for (auto& f : fetched->done) part_texts[want_parts[f.index].sha256] = std::move(f.body);
    r.parts_fetched = fetched->done.size();
  }
  std::vector<snapshot::Part> parts;
  std::map<std::string, std::uint64_t> blob_sizes;
  for (const auto* e : chosen) {
    auto parsed = snapshot::parse_part(part_texts[e->sha256], snapshot::part_path(e->sha256));
    if (!parsed.part) {
      return refuse(parsed.findings);
    }
    if (parsed.part->book != e->facts.book)
      return refuse(Findings{make_finding("MIR-PART-MISMATCH", snapshot::part_path(e->sha256),
                                 "the index names this part for " + e->facts.book + ", but it describes " + parsed.part->book)});
    for (const auto& [sha, size] : snapshot::part_blobs(*parsed.part, selection)) {
      auto [it, fresh] = blob_sizes.emplace(sha, size);
      if (!fresh && it->second != size)
        return refuse(Findings{make_finding("MIR-PART-MALFORMED", snapshot::part_path(e->sha256),
                                   "blob " + sha + " is given two sizes")});
    }
    parts.push_back(std::move(*parsed.part));
  }

  // Blobs: only those the store lacks.
  std::vector<Wanted> want_blobs;
  std::uint64_t want_bytes = 0;
  for (const auto& [sha, size] : blob_sizes) {
    r.blobs++;
    r.bytes += size;
    if (store->has(sha, size)) continue;
    want_blobs.push_back(Wanted{snapshot::object_path(sha), sha, size, false});
    want_bytes += size;
  }
  if (o.on_plan) o.on_plan(want_blobs.size(), want_bytes);
  if (!want_blobs.empty()) {
    auto fetched = source.get_many(want_blobs, data.tmp_dir(), o.progress);
    if (!fetched) return fetched.error();
    r.bytes_transferred += fetched->bytes_transferred;
    // What did arrive verified goes into the store even when some blob was refused:
    // it is named by hash, served by no index yet, and the next sync need not fetch it.
    // One flush of the file system for the whole batch, instead of one per blob.
    if (auto s = sync_file_system(data.tmp_dir()); !s) return s.error();
    CommitStats stats;
    std::set<fs::path> dirs;
    for (auto& f : fetched->done) {
      const Wanted& w = want_blobs[f.index];
      StagedBlob staged = BlobStore::adopt_verified(f.file, w.sha256, w.size);
      if (auto s = store->commit(staged, stats, &dirs, /*bytes_synced=*/true); !s) return s.error();
      r.blobs_fetched++;
      r.bytes_fetched += w.size;
    }
    // The renames' directories, flushed by one syncfs too (a mirror commits thousands).
    if (auto s = sync_file_system(data.objects_dir()); !s) return s.error();
    if (!fetched->findings.empty()) return refuse(fetched->findings);
  }
  if (interrupted()) return make_error(ErrorKind::interrupted, "interrupted before the switch; the mirror is unchanged");
  // Nothing is switched to unless every blob it names is in the store.
  for (const auto& [sha, size] : blob_sizes)
    if (!store->has(sha, size))
      return make_error(ErrorKind::internal, "blob " + sha + " was not fetched; the mirror is unchanged (run the sync again)");
  // The snapshot the mirror serves already, for the same books: the fetch above repaired
  // whatever blobs were missing, and there is nothing to switch.
  if (state && catalog_current && state->index_sha256 == index_sha && state->selection.describe() == selection.describe() &&
      !state->snapshot_dir.empty() && fs::exists(data.snapshots_dir() / state->snapshot_dir / snapshot::k_index_file) &&
      !v.rotated && (!o.trust || !o.retrust)) {
    r.outcome = SyncOutcome::unchanged;
    r.version = state->version;
    r.expires = state->expires;
    r.books = parts.size();
    r.requests = source.requests_made();
    return r;
  }

  // Build the new snapshot aside, then switch.
  const std::string name = snapshot_name(data.snapshots_dir(), v.index.version, index_sha, now);
  const fs::path staging = data.snapshots_dir() / (".staging-" + name);
  if (auto s = make_dirs(data.snapshots_dir()); !s) return s.error();
  std::map<std::string, std::string> kept_parts;
  for (const auto* e : chosen) kept_parts[e->sha256] = part_texts[e->sha256];
  if (auto s = write_tree(staging, v, kept_parts); !s) return s.error();
  const fs::path new_catalog = data.tmp_dir() / ("catalog-" + name + ".sqlite");
  const std::string synced_at = now_text(now);
  if (auto s = build_catalog(new_catalog, parts, r.upstream, v, synced_at, selection); !s) return s.error();
  if (::rename(staging.c_str(), (data.snapshots_dir() / name).c_str()) != 0)
    return make_error(ErrorKind::internal, "cannot finish the snapshot folder: " + errno_text(errno), staging.string());
  if (auto s = fsync_dir(data.snapshots_dir()); !s) return s.error();
  if (interrupted()) return make_error(ErrorKind::interrupted, "interrupted before the switch; the mirror is unchanged");
  if (auto s = switch_to(data, new_catalog, name); !s) return s.error();

  MirrorState next;
  next.upstream = r.upstream;
  next.trusted_key = (v.rotated ? v.signer : trusted).base64();
  next.next_keys = v.index.next_keys;
  next.version = v.index.version;
  next.index_sha256 = index_sha;
  next.created = v.index.created;
  next.expires = v.index.expires;
  next.origin = v.index.origin;
  next.snapshot_dir = name;
  next.previous_snapshot_dir = state ? state->snapshot_dir : "";
  next.etag = v.etag;
  next.last_modified = v.last_modified;
  next.synced_at = synced_at;
  next.selection = selection;
  next.books = parts.size();
  next.blobs = r.blobs;
  next.bytes = r.bytes;
  if (auto s = save_state(data.root(), next); !s) return s.error();

  // Clean-up after the switch: snapshots older than the previous one, and blobs that
  // neither the new nor the previous snapshot names.
  std::set<std::string> keep_blobs;
  for (const auto& [sha, size] : blob_sizes) keep_blobs.insert(sha);
  std::error_code ec;
  if (!next.previous_snapshot_dir.empty()) {
    fs::path prev = data.snapshots_dir() / next.previous_snapshot_dir;
    if (auto idx = read_index_unverified(prev)) {
      std::vector<snapshot::PartEntry> held;
      for (const auto& e : idx->parts)
        if (fs::exists(prev / snapshot::part_path(e.sha256), ec)) held.push_back(e);
      idx->parts = held;
      keep_blobs.merge(blobs_named(prev, *idx));
    }
  }
  for (fs::directory_iterator it(data.snapshots_dir(), ec), end; !ec && it != end; it.increment(ec)) {
    std::string n = it->path().filename().string();
    if (n == name || n == next.previous_snapshot_dir) continue;
    std::error_code rm;
    fs::remove_all(it->path(), rm);
  }
  auto gc = store->gc(keep_blobs, false);
  if (gc) r.removed_blobs = gc->objects;
  for (fs::directory_iterator it(data.tmp_dir(), ec), end; !ec && it != end; it.increment(ec)) {
    std::string n = it->path().filename().string();
    if (n.rfind("dl-", 0) == 0 || (n.rfind("catalog-", 0) == 0 && n.size() > 7)) {
      std::error_code rm;
      fs::remove(it->path(), rm);
    }
  }
  r.outcome = SyncOutcome::updated;
  r.version = v.index.version;
  r.expires = v.index.expires;
  r.books = parts.size();
  r.requests = source.requests_made();
  return r;
}

}  // namespace eductl::mirror
