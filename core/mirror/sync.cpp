#include "core/mirror/sync.hpp"

#include <unistd.h>

#include <ctime>
#include <fstream>
#include <map>
#include <thread>
#include <variant>

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

using IndexOutcome = std::variant<Verified, Findings, SmallFile>;

// The key this sync checks the index against: the remembered one, or --trust on a first
// sync or with --retrust.
Result<minisign::PublicKey> choose_key(const std::optional<MirrorState>& state, const SyncOptions& o) {
  if (!state) {
    if (!o.trust)
      return make_error(ErrorKind::usage, "the first sync of a mirror needs --trust PUBKEY (the upstream's public key, "
                                          "obtained through a channel you trust)");
    return *o.trust;
  }
  auto k = minisign::parse_public_key(state->trusted_key, "mirror.json");
  if (!k) return k.error();
  if (!o.trust || o.trust->base64() == k->base64()) return *k;
  if (!o.retrust)
    return make_error(ErrorKind::usage, "this mirror trusts key " + minisign::key_id_hex(k->key_id) +
                                            " (remembered from its first sync), not " + minisign::key_id_hex(o.trust->key_id) +
                                            "; keys move by a signed rotation (docs/mirror.md), or pass --retrust to "
                                            "replace the trusted key deliberately");
  return *o.trust;
}

// Checks the signature against the trusted key, or a next key the last verified index
// named (rotation); the verified signer on success.
std::variant<minisign::PublicKey, Finding> check_signature(const std::string& index, const std::string& sig,
                                                           const minisign::PublicKey& trusted,
                                                           const std::vector<std::string>& next_keys) {
  const std::string origin(snapshot::k_signature_file);
  auto v = minisign::verify(index, sig, trusted, origin);
  if (v.ok()) return trusted;
  if (v.finding->code == "MIR-SIG-KEY-MISMATCH") {
    for (const auto& k : next_keys) {
      auto key = minisign::parse_public_key(k, "next key");
      if (key && minisign::verify(index, sig, *key, origin).ok()) return *key;
    }
  }
  return *v.finding;
}

Finding too_large(std::string_view file, std::uint64_t max) {
  return make_finding("MIR-INDEX-TOO-LARGE", std::string(file),
                      std::string(file) + " is larger than " + std::to_string(max >> 10) + " KiB; refused unread");
}

// Fetches the index and its signature and checks the signature. One retry covers a
// publisher replacing both files between our two requests.
Result<IndexOutcome> fetch_verified_index(Source& src, const minisign::PublicKey& trusted,
                                          const std::vector<std::string>& next_keys, const Conditional* cond) {
  for (int attempt = 0;; ++attempt) {
    auto index = src.get_small(std::string(snapshot::k_index_file), snapshot::k_max_index_bytes, attempt ? nullptr : cond);
    if (!index) return index.error();
    if (index->not_modified) return IndexOutcome(std::move(*index));
    if (index->too_large) return IndexOutcome(Findings{too_large(snapshot::k_index_file, snapshot::k_max_index_bytes)});
    auto sig = src.get_small(std::string(snapshot::k_signature_file), k_max_signature_bytes, nullptr);
    if (!sig) return sig.error();
    if (sig->too_large) return IndexOutcome(Findings{too_large(snapshot::k_signature_file, k_max_signature_bytes)});
    auto checked = check_signature(index->body, sig->body, trusted, next_keys);
    if (auto* signer = std::get_if<minisign::PublicKey>(&checked)) {
      auto parsed = snapshot::parse_index(index->body);
      if (!parsed.index) return IndexOutcome(parsed.findings);
      const bool rotated = signer->base64() != trusted.base64();
      return IndexOutcome(Verified{std::move(*parsed.index), std::move(index->body), std::move(sig->body), index->etag,
                                   index->last_modified, *signer, rotated});
    }
    if (attempt >= 1) return IndexOutcome(Findings{std::get<Finding>(checked)});
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

// A verified index a mirror must still refuse: older than what it has, its version
// reused with other content, or expired.
std::optional<Finding> check_version(const std::optional<MirrorState>& state, const snapshot::Index& index,
                                     const std::string& index_sha, std::int64_t now, bool allow_expired) {
  const std::string v = std::to_string(index.version);
  if (state && index.version < state->version)
    return make_finding("MIR-ROLLBACK", "index.json",
                        "the upstream offers version " + v + ", older than this mirror's " + std::to_string(state->version));
  if (state && index.version == state->version && index_sha != state->index_sha256)
    return make_finding("MIR-VERSION-REUSED", "index.json", "version " + v + " was synced before with other content");
  auto expires = snapshot::parse_utc(index.expires);
  if (!allow_expired && expires && *expires <= now)
    return make_finding("MIR-EXPIRED", "index.json", "the snapshot (version " + v + ") expired at " + index.expires);
  return std::nullopt;
}

// Which parts the selection takes, those the served tree holds already, and the rest.
struct PartPlan {
  std::vector<const snapshot::PartEntry*> chosen;
  std::map<std::string, std::string> texts;  // sha -> verified text
  std::vector<Wanted> wanted;
};

PartPlan plan_parts(const DataFolder& data, const std::optional<MirrorState>& state, const snapshot::Index& index,
                    const snapshot::Selection& selection) {
  PartPlan plan;
  for (const auto& e : index.parts)
    if (selection.matches(e.facts)) plan.chosen.push_back(&e);
  for (const auto* e : plan.chosen) {
    if (plan.texts.count(e->sha256)) continue;
    if (state && !state->snapshot_dir.empty()) {
      auto held = read_file(data.snapshots_dir() / state->snapshot_dir / snapshot::part_path(e->sha256), snapshot::k_max_part_bytes);
      if (held && held->size() == e->size && sha256_hex(*held) == e->sha256) {
        plan.texts[e->sha256] = std::move(*held);
        continue;
      }
    }
    plan.wanted.push_back(Wanted{snapshot::part_path(e->sha256), e->sha256, e->size, true});
  }
  return plan;
}

// A folder that lacks a part the mirror's selection takes is an export of other books.
// Its export.json (unsigned) only words the hint: a mirror's books change by its own
// filters, never by a file on a disk.
Error explain_missing_part(Error e, Source& src) {
  if (src.is_remote() || e.kind != ErrorKind::bad_input) return e;
  std::string filters;
  auto info = src.get_small(k_export_info, 1 << 20, nullptr);
  if (info && !info->too_large) {
    auto j = nlohmann::json::parse(info->body, nullptr, false);
    if (!j.is_discarded() && j.is_object() && j.contains("selection"))
      filters = snapshot::selection_flags(snapshot::selection_from_json(j["selection"]));
  }
  e.message += "; this folder does not hold every book this mirror takes, and nothing was changed";
  if (!filters.empty()) e.message += " (its export.json says it was written with " + filters + ": pass those to take it)";
  return e;
}

// Fetches the planned parts; findings when one is refused.
Result<Findings> fetch_parts(Source& src, const DataFolder& data, PartPlan& plan, SyncResult& r) {
  if (plan.wanted.empty()) return Findings{};
  auto fetched = src.get_many(plan.wanted, data.tmp_dir(), {});
  if (!fetched) return explain_missing_part(fetched.error(), src);
  r.bytes_transferred += fetched->bytes_transferred;
  if (!fetched->findings.empty()) return fetched->findings;
  for (auto& f : fetched->done) plan.texts[plan.wanted[f.index].sha256] = std::move(f.body);
  r.parts_fetched = fetched->done.size();
  return Findings{};
}

// The chosen parts, parsed and cross-checked: each describes the book the index names,
// and no blob is given two sizes (a store holds one object per hash).
struct PartSet {
  std::vector<snapshot::Part> parts;
  std::map<std::string, std::uint64_t> blob_sizes;
  Findings findings;
};

PartSet verify_parts(const PartPlan& plan, const snapshot::Selection& selection) {
  PartSet out;
  for (const auto* e : plan.chosen) {
    const std::string name = snapshot::part_path(e->sha256);
    auto parsed = snapshot::parse_part(plan.texts.at(e->sha256), name);
    if (!parsed.part) {
      out.findings = parsed.findings;
      return out;
    }
    if (parsed.part->book != e->facts.book) {
      out.findings.push_back(make_finding("MIR-PART-MISMATCH", name,
                                          "the index names this part for " + e->facts.book + ", but it describes " +
                                              parsed.part->book));
      return out;
    }
    for (const auto& [sha, size] : snapshot::part_blobs(*parsed.part, selection)) {
      auto [it, fresh] = out.blob_sizes.emplace(sha, size);
      if (!fresh && it->second != size) {
        out.findings.push_back(make_finding("MIR-PART-MALFORMED", name,
                                            "blob " + sha + " is given two sizes (" + std::to_string(it->second) + " and " +
                                                std::to_string(size) + ") across the snapshot's parts"));
        return out;
      }
    }
    out.parts.push_back(std::move(*parsed.part));
  }
  return out;
}

// Fetches the blobs the store lacks. What did arrive verified goes into the store even
// when some blob was refused: it is named by hash, served by no index yet, and the next
// sync need not fetch it.
Result<Findings> fetch_blobs(Source& src, BlobStore& store, const DataFolder& data,
                             const std::map<std::string, std::uint64_t>& blob_sizes, const SyncOptions& o, SyncResult& r) {
  std::vector<Wanted> wanted;
  std::uint64_t want_bytes = 0;
  for (const auto& [sha, size] : blob_sizes) {
    r.blobs++;
    r.bytes += size;
    if (store.has(sha, size)) continue;
    wanted.push_back(Wanted{snapshot::object_path(sha), sha, size, false});
    want_bytes += size;
  }
  if (o.on_plan) o.on_plan(wanted.size(), want_bytes);
  if (wanted.empty()) return Findings{};
  auto fetched = src.get_many(wanted, data.tmp_dir(), o.progress);
  if (!fetched) return fetched.error();
  r.bytes_transferred += fetched->bytes_transferred;
  // One flush of the file system for the whole batch, instead of one per blob.
  if (auto s = sync_file_system(data.tmp_dir()); !s) return s.error();
  CommitStats stats;
  std::set<fs::path> dirs;
  for (auto& f : fetched->done) {
    const Wanted& w = wanted[f.index];
    StagedBlob staged = BlobStore::adopt_verified(f.file, w.sha256, w.size);
    if (auto s = store.commit(staged, stats, &dirs, /*bytes_synced=*/true); !s) return s.error();
    r.blobs_fetched++;
    r.bytes_fetched += w.size;
  }
  // The renames' directories, flushed by one syncfs too (a mirror commits thousands).
  if (auto s = sync_file_system(data.objects_dir()); !s) return s.error();
  return fetched->findings;
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

// The mirror's catalogue, built aside through the catalogue's own migrations and sealed
// (no -wal) so that the switch can rename it into place.
Status build_catalog(const fs::path& file, const std::vector<snapshot::Part>& parts, const snapshot::Selection& selection,
                     const MirrorSnapshotInfo& info) {
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) fs::remove(file.string() + suffix, ec);
  auto cat = Catalog::open(file, Access::read_write);
  if (!cat) return cat.error();
  auto run = cat->begin_run("mirror sync " + info.upstream + " version " + std::to_string(info.version));
  if (!run) return run.error();
  for (const auto& p : parts) {
    std::uint64_t bytes = 0;
    for (const auto& f : p.record.files) bytes += f.size;
    auto added = cat->add_revision(p.record, p.digest, bytes, info.upstream + snapshot::part_path(sha256_hex(snapshot::part_json(p))), *run);
    if (!added) return added.error();
  }
  if (auto s = add_renditions(*cat, parts, selection); !s) return s;
  RunCounts counts;
  counts.imported = parts.size();
  if (auto s = cat->finish_run(*run, counts, "done"); !s) return s;
  if (auto s = cat->record_mirror_snapshot(info); !s) return s;
  return cat->seal_standalone();
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

// Builds the new snapshot aside (tree and catalogue), then switches to it.
Status build_and_switch(const DataFolder& data, const Verified& v, const PartPlan& plan, const PartSet& set,
                        const snapshot::Selection& selection, const std::string& name, const MirrorSnapshotInfo& info) {
  const fs::path staging = data.snapshots_dir() / (".staging-" + name);
  if (auto s = make_dirs(data.snapshots_dir()); !s) return s;
  std::map<std::string, std::string> kept_parts;
  for (const auto* e : plan.chosen) kept_parts[e->sha256] = plan.texts.at(e->sha256);
  if (auto s = write_tree(staging, v, kept_parts); !s) return s;
  const fs::path new_catalog = data.tmp_dir() / ("catalog-" + name + ".sqlite");
  if (auto s = build_catalog(new_catalog, set.parts, selection, info); !s) return s;
  if (::rename(staging.c_str(), (data.snapshots_dir() / name).c_str()) != 0)
    return make_error(ErrorKind::internal, "cannot finish the snapshot folder: " + errno_text(errno), staging.string());
  if (auto s = fsync_dir(data.snapshots_dir()); !s) return s;
  if (interrupted()) return make_error(ErrorKind::interrupted, "interrupted before the switch; the mirror is unchanged");
  return switch_to(data, new_catalog, name);
}

MirrorState next_state(const std::optional<MirrorState>& state, const Verified& v, const MirrorSnapshotInfo& info,
                       const minisign::PublicKey& trusted, const std::string& name, const snapshot::Selection& selection,
                       const SyncResult& r) {
  MirrorState next;
  next.upstream = info.upstream;
  next.trusted_key = (v.rotated ? v.signer : trusted).base64();
  next.next_keys = v.index.next_keys;
  next.version = v.index.version;
  next.index_sha256 = info.index_sha256;
  next.created = v.index.created;
  next.expires = v.index.expires;
  next.origin = v.index.origin;
  next.snapshot_dir = name;
  next.previous_snapshot_dir = state ? state->snapshot_dir : "";
  next.etag = v.etag;
  next.last_modified = v.last_modified;
  next.synced_at = info.synced_at;
  next.selection = selection;
  next.books = r.books;
  next.blobs = r.blobs;
  next.bytes = r.bytes;
  return next;
}

// The download work files: what a finished or refused sync leaves in tmp/.
void remove_work_files(const DataFolder& data) {
  std::error_code ec;
  for (fs::directory_iterator it(data.tmp_dir(), ec), end; !ec && it != end; it.increment(ec)) {
    std::string n = it->path().filename().string();
    if (n.rfind("dl-", 0) == 0 || (n.rfind("catalog-", 0) == 0 && n.size() > 7)) {
      std::error_code rm;
      fs::remove(it->path(), rm);
    }
  }
}

// Clean-up after the switch: snapshots older than the previous one, and blobs that
// neither the new nor the previous snapshot names. When the previous snapshot's blobs
// cannot be known for sure, nothing is deleted and the finding says why.
std::optional<Finding> clean_up(const DataFolder& data, BlobStore& store, const MirrorState& next,
                                const std::map<std::string, std::uint64_t>& blob_sizes, SyncResult& r) {
  std::set<std::string> keep;
  for (const auto& [sha, size] : blob_sizes) keep.insert(sha);
  std::error_code ec;
  const fs::path prev = data.snapshots_dir() / next.previous_snapshot_dir;
  if (!next.previous_snapshot_dir.empty() && fs::exists(fs::symlink_status(prev, ec))) {
    auto held = blobs_held(prev);
    if (!held)
      return make_finding("MIR-CLEANUP-SKIPPED", held.error().file.empty() ? prev.string() : held.error().file,
                          "the previous snapshot, kept for readers, " + held.error().message +
                              "; no snapshot or blob was deleted");
    keep.merge(*held);
  }
  for (fs::directory_iterator it(data.snapshots_dir(), ec), end; !ec && it != end; it.increment(ec)) {
    std::string n = it->path().filename().string();
    if (n == next.snapshot_dir || n == next.previous_snapshot_dir) continue;
    std::error_code rm;
    fs::remove_all(it->path(), rm);
  }
  auto gc = store.gc(keep, false);
  if (!gc)
    return make_finding("MIR-CLEANUP-SKIPPED", data.objects_dir().string(),
                        "removing blobs no snapshot names failed: " + gc.error().describe());
  r.removed_blobs = gc->objects;
  return std::nullopt;
}

// The served snapshot is already the verified one for the same books: the blob fetch
// repaired whatever was missing, and there is nothing to switch.
bool serves_already(const DataFolder& data, const std::optional<MirrorState>& state, bool catalog_current,
                    const Verified& v, const std::string& index_sha, const snapshot::Selection& selection,
                    const SyncOptions& o) {
  return state && catalog_current && state->index_sha256 == index_sha &&
         state->selection.describe() == selection.describe() && !state->snapshot_dir.empty() &&
         fs::exists(data.snapshots_dir() / state->snapshot_dir / snapshot::k_index_file) && !v.rotated &&
         (!o.trust || !o.retrust);
}

// What the mirror holds, when it stays as it is.
void report_held(SyncResult& r, const MirrorState& state, SyncOutcome outcome) {
  r.outcome = outcome;
  r.version = state.version;
  r.expires = state.expires;
  r.books = state.books;
  r.blobs = state.blobs;
  r.bytes = state.bytes;
}

// Everything a sync decides before it fetches: the folder's role, the state, the key,
// the source, the books.
struct Prepared {
  std::optional<MirrorState> state;
  minisign::PublicKey trusted;
  std::unique_ptr<Source> source;
  snapshot::Selection selection;
};

Result<Prepared> prepare(const DataFolder& data, const SyncOptions& o) {
  Prepared p;
  auto loaded = load_state(data.root());
  if (!loaded) return loaded.error();
  p.state = std::move(*loaded);
  auto key = choose_key(p.state, o);
  if (!key) return key.error();
  p.trusted = *key;
  auto src = open_source(o.source, o.http);
  if (!src) return src.error();
  p.source = std::move(*src);
  // Only the operator's own filters change which books a mirror holds.
  p.selection = o.selection ? *o.selection : (p.state ? p.state->selection : snapshot::Selection{});
  return p;
}

// Fetches and checks the parts and blobs of a verified index; findings when refused.
Result<Findings> fetch_snapshot(const DataFolder& data, const Prepared& p, BlobStore& store, PartPlan& plan, PartSet& set,
                                const SyncOptions& o, SyncResult& r) {
  auto parts = fetch_parts(*p.source, data, plan, r);
  if (!parts) return parts.error();
  if (!parts->empty()) return *parts;
  set = verify_parts(plan, p.selection);
  if (!set.findings.empty()) return set.findings;
  auto blobs = fetch_blobs(*p.source, store, data, set.blob_sizes, o, r);
  if (!blobs) return blobs.error();
  if (!blobs->empty()) return *blobs;
  if (interrupted()) return make_error(ErrorKind::interrupted, "interrupted before the switch; the mirror is unchanged");
  // Nothing is switched to unless every blob it names is in the store.
  for (const auto& [sha, size] : set.blob_sizes)
    if (!store.has(sha, size))
      return make_error(ErrorKind::internal, "blob " + sha + " was not fetched; the mirror is unchanged (run the sync again)");
  return Findings{};
}

// Switches to the verified snapshot, remembers it, and cleans up after it.
Status switch_and_clean(const DataFolder& data, const Prepared& p, const Verified& v, const PartPlan& plan,
                        const PartSet& set, BlobStore& store, std::int64_t now, SyncResult& r) {
  const std::string index_sha = sha256_hex(v.index_text);
  const MirrorSnapshotInfo info{v.index.version, r.upstream, index_sha, v.index.created, v.index.expires,
                                snapshot::format_utc(now)};
  const std::string name = snapshot_name(data.snapshots_dir(), v.index.version, index_sha, now);
  if (auto s = build_and_switch(data, v, plan, set, p.selection, name, info); !s) return s;
  r.outcome = SyncOutcome::updated;
  r.version = v.index.version;
  r.expires = v.index.expires;
  r.books = set.parts.size();
  MirrorState next = next_state(p.state, v, info, p.trusted, name, p.selection, r);
  if (auto s = save_state(data.root(), next); !s) return s;
  if (auto doubt = clean_up(data, store, next, set.blob_sizes, r)) r.findings.push_back(*doubt);
  return ok_status();
}

}  // namespace

Result<SyncResult> sync(const DataFolder& data, const SyncOptions& o) {
  // The folder's role is decided from its entries before anything is opened or written
  // (the lock file included), and again under the lock.
  if (auto s = check_mirror_folder(data); !s) return s.error();
  if (auto s = make_dirs(data.root()); !s) return s.error();
  auto lock = data.lock("mirror sync");
  if (!lock) return lock.error();
  if (auto s = check_mirror_folder(data); !s) return s.error();
  auto p = prepare(data, o);
  if (!p) return p.error();
  const std::int64_t now = o.now ? o.now : static_cast<std::int64_t>(std::time(nullptr));
  SyncResult r;
  Source& source = *p->source;
  r.upstream = source.describe();
  r.previous_version = p->state ? p->state->version : 0;
  r.trusted_key_id = minisign::key_id_hex(p->trusted.key_id);
  auto finish = [&](SyncResult& out) -> Result<SyncResult> {
    out.requests = source.requests_made();
    if (out.outcome == SyncOutcome::refused) remove_work_files(data);
    return std::move(out);
  };
  auto refuse = [&](Findings findings) {
    r.outcome = SyncOutcome::refused;
    r.findings = std::move(findings);
    r.version = r.previous_version;
    return finish(r);
  };

  // A no-change sync is one conditional request, when nothing local asks for more. A
  // catalogue an older eductl built (an older schema) cannot be migrated in place (a
  // mirror's catalogue is read-only): the sync rebuilds it even when nothing changed.
  const auto& state = p->state;
  const bool catalog_current = state && data.catalog(Access::read_only).ok();
  const bool same_ask = state && catalog_current && state->upstream == r.upstream &&
                        state->selection.describe() == p->selection.describe() && !o.retrust;
  Conditional cond;
  if (same_ask) cond = Conditional{state->etag, state->last_modified};
  auto got = fetch_verified_index(source, p->trusted, state ? state->next_keys : std::vector<std::string>{},
                                  same_ask && source.is_remote() ? &cond : nullptr);
  if (!got) return got.error();
  if (std::holds_alternative<SmallFile>(*got)) {
    report_held(r, *state, SyncOutcome::unchanged);
    return finish(r);
  }
  if (std::holds_alternative<Findings>(*got)) return refuse(std::get<Findings>(*got));
  Verified v = std::move(std::get<Verified>(*got));
  r.bytes_transferred += v.index_text.size() + v.signature_text.size();
  r.key_rotated = v.rotated;
  if (v.rotated) r.trusted_key_id = minisign::key_id_hex(v.signer.key_id);
  const std::string index_sha = sha256_hex(v.index_text);
  if (auto f = check_version(state, v.index, index_sha, now, o.allow_expired)) return refuse(Findings{*f});

  // The folder's role is claimed before its first content is written.
  if (auto s = mark_mirror_folder(data); !s) return s.error();
  auto store = data.store(Access::read_write);
  if (!store) return store.error();
  if (auto s = make_dirs(data.tmp_dir()); !s) return s.error();
  PartPlan plan = plan_parts(data, state, v.index, p->selection);
  PartSet set;
  auto fetched = fetch_snapshot(data, *p, *store, plan, set, o, r);
  if (!fetched) return fetched.error();
  if (!fetched->empty()) return refuse(*fetched);
  if (serves_already(data, state, catalog_current, v, index_sha, p->selection, o)) {
    r.outcome = SyncOutcome::unchanged;
    r.version = state->version;
    r.expires = state->expires;
    r.books = set.parts.size();
    return finish(r);
  }
  if (auto s = switch_and_clean(data, *p, v, plan, set, *store, now, r); !s) return s.error();
  remove_work_files(data);
  return finish(r);
}

}  // namespace eductl::mirror
