// The catalogue: books, their revisions (metadata, files, units, lessons, resources) and
// import runs, in SQLite (WAL). One writer at a time (the data folder lock); readers
// may run alongside. Every change is one SQLite transaction.
#pragma once
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/util/access.hpp"
#include "core/package/book.hpp"
#include "core/util/result.hpp"

namespace SQLite {
class Database;
}

namespace eductl {

struct RevisionInfo {
  std::int64_t revision = 0;
  std::string digest;
  std::string imported_at;
  std::uint64_t bytes = 0;
  std::uint64_t files = 0;
};

struct BookKey {
  std::string publisher_code;
  std::string package_id;
};
// "CODE/package_id", or the bare id for sources without publisher codes (listings).
inline std::string book_ref(const BookKey& k) {
  return k.publisher_code.empty() ? k.package_id : k.publisher_code + "/" + k.package_id;
}

struct BookSummary {
  std::int64_t id = 0;
  std::string source;
  std::int64_t current_revision = 0;
  BookRecord record;  // metadata of the current revision (files and contents left empty)
  std::uint64_t bytes = 0;
  std::uint64_t files = 0;
  std::uint64_t lessons = 0;
};

struct BookFilter {
  std::string publisher, stage, subject, edition, kind;  // exact codes; edition matches as a substring
  std::optional<int> grade;                              // books whose grade span contains it
  std::string text;                                      // substring of title / package id
};

struct BookDetail {
  BookSummary summary;
  BookRecord current;  // with files and contents
  std::vector<RevisionInfo> revisions;
};

struct CatalogStats {
  std::uint64_t books = 0, revisions = 0, files = 0, lessons = 0;
  std::uint64_t referenced_bytes = 0;  // sum over revisions' files
  std::uint64_t unique_bytes = 0;      // distinct blobs: what the store holds
  std::vector<std::pair<std::string, std::uint64_t>> by_stage, by_subject, by_edition, by_publisher;
};

struct RunCounts {
  std::uint64_t imported = 0, unchanged = 0, refused = 0, failed = 0;
};

// A book revision that references a blob: who is affected when the blob is damaged.
struct BlobUse {
  std::string sha256;
  BookKey book;
  std::int64_t revision = 0;
  std::string path;         // the file's path in the book
  std::string source_path;  // where the revision was imported from
};

// A book's current revision by its manifest digest: what the search index compares to
// know which books changed since it was built.
struct BookDigest {
  BookKey key;
  std::string digest;
};

// ffprobe's facts about a video or audio blob.
struct VideoFacts {
  std::string sha256;
  double duration = 0;  // seconds
  int width = 0, height = 0;
  std::string video_codec, audio_codec;  // empty when the stream is absent
  std::int64_t bitrate = 0;              // bits per second; 0 unknown
};

// One file of a rendition tree (playlist, segment, poster), stored as a blob.
struct RenditionFile {
  std::string rendition;  // "720p", "audio", "master", "poster"
  std::string path;       // relative: "720p/index.m3u8"
  std::string sha256;
  std::uint64_t size = 0;
};

struct TranscodeJob {
  std::int64_t id = 0;
  std::string input_sha256, profile, status;  // pending | running | done | failed
  int attempts = 0;
  std::string log;
};

// A rendition blob of a book's video resource: what a mirror copies (and filters by
// profile and rendition name).
struct RenditionBlob {
  BookKey book;
  std::string resource_path;  // the video file's path in the book
  std::string input_sha256, profile, rendition, path, sha256;
  std::uint64_t size = 0;
};

// Which signed snapshot a mirror's catalogue was built from (migration 3).
struct MirrorSnapshotInfo {
  std::int64_t version = 0;
  std::string upstream, index_sha256, created, expires, synced_at;
};

// What usage reports need of a catalogue file or book: the current revision's dimensions
// and, for a blob, the lesson that uses it and the resource kind.
struct UsageFacts {
  std::string subject, grade, stage, edition, publisher_code, package_id, title;
  std::string lesson_key;     // a blob used by exactly one lesson; "" otherwise
  std::string resource_kind;  // a blob: its lesson resources' kind when they agree, else its role
};


class Catalog {
 public:
  // read_write opens (creating if needed) the file and runs pending migrations;
  // read_only never writes (works on a read-only mount) and says "no catalogue yet"
  // when there is none, or only an empty or half-created one.
  static Result<Catalog> open(const std::filesystem::path& file, Access access);
  Catalog(Catalog&&) noexcept;
  Catalog& operator=(Catalog&&) noexcept;
  ~Catalog();

  // True for open()'s "no catalogue yet" error (no file, or one not yet created).
  static bool is_absent(const Error& e);

  int schema_version() const;
  static int latest_schema_version();
  // "ok", or the first problem SQLite's quick_check finds.
  std::string quick_check() const;

  // Revisions of a book, oldest first; empty when the book is unknown.
  Result<std::vector<RevisionInfo>> revisions_of(const BookKey& key) const;
  // Adds a revision of a book (creating the book and publisher as needed) in one
  // transaction, and makes it current when it is the highest.
  Result<std::int64_t> add_revision(const BookRecord& book, const std::string& digest, std::uint64_t bytes,
                                    const std::string& source_path, std::int64_t run_id);
  // Deletes all but the newest `keep` revisions of a book; returns how many went.
  Result<int> prune_revisions(const BookKey& key, int keep);

  Result<std::int64_t> begin_run(const std::string& command);
  Status record_item(std::int64_t run, int position, const std::string& path, const BookKey& key,
                     std::optional<std::int64_t> revision, const std::string& outcome, const std::string& detail);
  Status finish_run(std::int64_t run, const RunCounts& counts, const std::string& status);

  Result<std::vector<BookSummary>> list_books(const BookFilter& filter) const;
  // BOOK is "CODE/package_id", a bare package_id when unique, or a platform id.
  Result<BookDetail> show_book(const std::string& book) const;
  Result<CatalogStats> stats() const;
  // Every blob hash any revision references (for gc) and with sizes (for verify).
  Result<std::set<std::string>> referenced_blobs() const;
  Result<std::vector<std::pair<std::string, std::uint64_t>>> referenced_blob_sizes() const;
  // The revisions that reference any of these blobs.
  Result<std::vector<BlobUse>> blob_uses(const std::vector<std::string>& sha256s) const;
  // Media (catalog_media.cpp). Jobs are keyed by (input blob, profile).
  Result<TranscodeJob> job_for(const std::string& input_sha256, const std::string& profile);  // creates a pending one
  Status start_job(std::int64_t job);
  Status fail_job(std::int64_t job, const std::string& log);
  // Back to pending: the run that took the job up was interrupted before it finished.
  Status requeue_job(std::int64_t job);
  // One transaction: the facts, the rendition rows (replacing older ones) and status done.
  Status finish_job(std::int64_t job, const VideoFacts& facts, const std::vector<RenditionFile>& files);
  Status record_facts(const VideoFacts& facts);
  Result<std::vector<RenditionFile>> rendition_files(const std::string& input_sha256, const std::string& profile) const;
  Result<std::optional<VideoFacts>> media_facts(const std::string& sha256) const;
  // The rendition blobs of the current revisions of these books (all books when empty).
  Result<std::vector<RenditionBlob>> rendition_blobs(const std::vector<BookKey>& books) const;

  // Every book with its current revision's digest.
  Result<std::vector<BookDigest>> current_digests() const;

  // A mirror's catalogue (catalog_mirror.cpp): the snapshot it was built from, as its
  // one row of mirror_snapshot; nullopt on an editor's catalogue.
  Status record_mirror_snapshot(const MirrorSnapshotInfo& info);
  Result<std::optional<MirrorSnapshotInfo>> mirror_snapshot() const;
  // Leaves WAL for a rollback journal and flushes the file: a catalogue built aside
  // then stands alone (no -wal to pair with the wrong file) when renamed into place.
  Status seal_standalone();
  // Usage (catalog_usage.cpp). A blob several books share counts for the current
  // revision of the oldest book; nullopt when no revision has the blob / no such book.
  Result<std::optional<UsageFacts>> usage_facts_of_blob(const std::string& sha256) const;
  // BOOK is "CODE/package_id", or a bare package_id of a book without publisher code.
  Result<std::optional<UsageFacts>> usage_facts_of_book(const std::string& book) const;

 private:
  Catalog(std::unique_ptr<SQLite::Database> db, std::filesystem::path file);
  template <class F>
  auto guarded(std::string_view what, F&& body) const -> decltype(body());
  std::int64_t upsert_book(const BookRecord& book);
  std::int64_t insert_revision(std::int64_t book_id, const BookRecord& book, const std::string& digest, std::uint64_t bytes,
                               const std::string& source_path, std::int64_t run_id);
  void insert_files(std::int64_t revision_id, const std::vector<FileDecl>& files);
  void insert_contents(std::int64_t revision_id, const std::vector<UnitDecl>& contents);
  std::unique_ptr<SQLite::Database> m_db;
  std::filesystem::path m_file;
};

}  // namespace eductl
