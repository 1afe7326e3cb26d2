// The catalogue's media rows (migration 2): ffprobe facts per blob, transcode jobs keyed
// by (input blob, profile), and the files of the renditions they made.
#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>

#include "core/catalog/catalog.hpp"
#include "core/db/sqlite.hpp"
#include "core/util/time.hpp"

namespace eductl {

namespace {


void upsert_facts(SQLite::Database& db, const VideoFacts& f) {
  SQLite::Statement q(db,
                      "INSERT OR REPLACE INTO media_facts (sha256, duration, width, height, video_codec, audio_codec, bitrate, probed_at) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  db::bind_all(q, f.sha256, f.duration, f.width, f.height, f.video_codec, f.audio_codec,
               static_cast<std::int64_t>(f.bitrate), now_utc());
  q.exec();
}

}  // namespace

Result<TranscodeJob> Catalog::job_for(const std::string& input, const std::string& profile) {
  return db::guarded("cannot write to the catalogue", m_file, [&]() -> Result<TranscodeJob> {
    SQLite::Statement ins(*m_db, "INSERT OR IGNORE INTO transcode_jobs (input_sha256, profile, status) VALUES (?, ?, 'pending')");
    ins.bind(1, input);
    ins.bind(2, profile);
    ins.exec();
    SQLite::Statement q(*m_db, "SELECT id, status, attempts, log FROM transcode_jobs WHERE input_sha256 = ? AND profile = ?");
    q.bind(1, input);
    q.bind(2, profile);
    if (!q.executeStep()) return make_error(ErrorKind::internal, "transcode job row vanished", m_file.string());
    return TranscodeJob{q.getColumn(0).getInt64(), input, profile, q.getColumn(1).getString(), q.getColumn(2).getInt(),
                        q.getColumn(3).getString()};
  });
}

Status Catalog::start_job(std::int64_t job) {
  return db::guarded("cannot write to the catalogue", m_file, [&]() -> Status {
    SQLite::Statement q(*m_db, "UPDATE transcode_jobs SET status = 'running', attempts = attempts + 1, started_at = ?, "
                               "finished_at = NULL WHERE id = ?");
    q.bind(1, now_utc());
    q.bind(2, job);
    q.exec();
    return ok_status();
  });
}

Status Catalog::fail_job(std::int64_t job, const std::string& log) {
  return db::guarded("cannot write to the catalogue", m_file, [&]() -> Status {
    SQLite::Statement q(*m_db, "UPDATE transcode_jobs SET status = 'failed', finished_at = ?, log = ? WHERE id = ?");
    q.bind(1, now_utc());
    q.bind(2, log);
    q.bind(3, job);
    q.exec();
    return ok_status();
  });
}

Status Catalog::requeue_job(std::int64_t job) {
  return db::guarded("cannot write to the catalogue", m_file, [&]() -> Status {
    SQLite::Statement q(*m_db, "UPDATE transcode_jobs SET status = 'pending', finished_at = NULL WHERE id = ? AND status = 'running'");
    q.bind(1, job);
    q.exec();
    return ok_status();
  });
}

Status Catalog::finish_job(std::int64_t job, const VideoFacts& facts, const std::vector<RenditionFile>& files) {
  return db::guarded("cannot write to the catalogue", m_file, [&]() -> Status {
    SQLite::Transaction tx(*m_db);
    SQLite::Statement key(*m_db, "SELECT input_sha256, profile FROM transcode_jobs WHERE id = ?");
    key.bind(1, job);
    if (!key.executeStep()) return make_error(ErrorKind::internal, "no transcode job " + std::to_string(job), m_file.string());
    const std::string input = key.getColumn(0).getString(), profile = key.getColumn(1).getString();
    SQLite::Statement del(*m_db, "DELETE FROM rendition_files WHERE input_sha256 = ? AND profile = ?");
    del.bind(1, input);
    del.bind(2, profile);
    del.exec();
    SQLite::Statement ins(*m_db, "INSERT INTO rendition_files (input_sha256, profile, rendition, path, sha256, size) VALUES (?, ?, ?, ?, ?, ?)");
    for (const auto& f : files) {
      ins.bind(1, input);
      ins.bind(2, profile);
      ins.bind(3, f.rendition);
      ins.bind(4, f.path);
      ins.bind(5, f.sha256);
      ins.bind(6, static_cast<std::int64_t>(f.size));
      ins.exec();
      ins.reset();
    }
    upsert_facts(*m_db, facts);
    SQLite::Statement done(*m_db, "UPDATE transcode_jobs SET status = 'done', finished_at = ?, log = '' WHERE id = ?");
    done.bind(1, now_utc());
    done.bind(2, job);
    done.exec();
    tx.commit();
    return ok_status();
  });
}

Status Catalog::record_facts(const VideoFacts& facts) {
  return db::guarded("cannot write to the catalogue", m_file, [&]() -> Status {
    upsert_facts(*m_db, facts);
    return ok_status();
  });
}

Result<std::vector<RenditionFile>> Catalog::rendition_files(const std::string& input, const std::string& profile) const {
  return db::guarded("cannot read the catalogue", m_file, [&]() -> Result<std::vector<RenditionFile>> {
    SQLite::Statement q(*m_db, "SELECT rendition, path, sha256, size FROM rendition_files WHERE input_sha256 = ? AND profile = ? "
                               "ORDER BY path");
    q.bind(1, input);
    q.bind(2, profile);
    std::vector<RenditionFile> out;
    while (q.executeStep())
      out.push_back({q.getColumn(0).getString(), q.getColumn(1).getString(), q.getColumn(2).getString(),
                     static_cast<std::uint64_t>(q.getColumn(3).getInt64())});
    return out;
  });
}

Result<std::optional<VideoFacts>> Catalog::media_facts(const std::string& sha256) const {
  return db::guarded("cannot read the catalogue", m_file, [&]() -> Result<std::optional<VideoFacts>> {
    SQLite::Statement q(*m_db, "SELECT duration, width, height, video_codec, audio_codec, bitrate FROM media_facts WHERE sha256 = ?");
    q.bind(1, sha256);
    if (!q.executeStep()) return std::optional<VideoFacts>{};
    return std::optional<VideoFacts>{VideoFacts{sha256, q.getColumn(0).getDouble(), q.getColumn(1).getInt(), q.getColumn(2).getInt(),
                                                q.getColumn(3).getString(), q.getColumn(4).getString(), q.getColumn(5).getInt64()}};
  });
}

Result<std::vector<RenditionBlob>> Catalog::rendition_blobs(const std::vector<BookKey>& books) const {
  return db::guarded("cannot read the catalogue", m_file, [&]() -> Result<std::vector<RenditionBlob>> {
    SQLite::Statement q(*m_db,
                        "SELECT b.publisher_code, b.package_id, f.path, rf.input_sha256, rf.profile, rf.rendition, rf.path, rf.sha256, rf.size "
                        "FROM books b JOIN revisions r ON r.book_id = b.id AND r.revision = b.current_revision "
                        "JOIN files f ON f.revision_id = r.id JOIN rendition_files rf ON rf.input_sha256 = f.sha256 "
                        "ORDER BY b.publisher_code, b.package_id, f.path, rf.profile, rf.path");
    std::vector<RenditionBlob> out;
    while (q.executeStep()) {
      BookKey key{q.getColumn(0).getString(), q.getColumn(1).getString()};
      const bool wanted = books.empty() || std::any_of(books.begin(), books.end(), [&](const BookKey& k) {
                            return k.publisher_code == key.publisher_code && k.package_id == key.package_id;
                          });
      if (!wanted) continue;
      out.push_back({key, q.getColumn(2).getString(), q.getColumn(3).getString(), q.getColumn(4).getString(),
                     q.getColumn(5).getString(), q.getColumn(6).getString(), q.getColumn(7).getString(),
                     static_cast<std::uint64_t>(q.getColumn(8).getInt64())});
    }
    return out;
  });
}

}  // namespace eductl
