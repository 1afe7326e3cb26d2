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

class Catalog {
 public:
  // Opens (creating if needed) <data>/catalog.sqlite and runs pending migrations.
  static Result<Catalog> open(const std::filesystem::path& data_dir, bool read_only = false);
  Catalog(Catalog&&) noexcept;
  Catalog& operator=(Catalog&&) noexcept;
  ~Catalog();

  int schema_version() const;
  static int latest_schema_version();
  // Runs migrations not yet applied; returns how many ran.
  Result<int> migrate();

  std::optional<std::vector<RevisionInfo>> revisions_of(const BookKey& key) const;
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

  std::vector<BookSummary> list_books(const BookFilter& filter) const;
  // BOOK is "CODE/package_id", a bare package_id when unique, or a platform id.
  Result<BookDetail> show_book(const std::string& book) const;
  CatalogStats stats() const;
  // Every blob hash any revision references (for gc) and with sizes (for verify).
  std::set<std::string> referenced_blobs() const;
  std::vector<std::pair<std::string, std::uint64_t>> referenced_blob_sizes() const;

 private:
  explicit Catalog(std::unique_ptr<SQLite::Database> db);
  std::unique_ptr<SQLite::Database> m_db;
};

}  // namespace eductl
