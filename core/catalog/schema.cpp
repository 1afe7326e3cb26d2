#include "core/catalog/schema.hpp"

namespace eductl {
namespace {

// Column names follow BookMeta / FileDecl; codes are the contract's codes.
constexpr std::string_view k_migrations[] = {
    // 1: books, revisions, contents, content references, import runs
    R"sql(
CREATE TABLE publishers (
  code TEXT PRIMARY KEY,            -- 'PEP'; '' for sources without codes (platform listings)
  name TEXT NOT NULL
);
CREATE TABLE books (
  id INTEGER PRIMARY KEY,
  publisher_code TEXT NOT NULL REFERENCES publishers(code),
  package_id TEXT NOT NULL,
  source TEXT NOT NULL,             -- importer: textbook-package/1, platform-listing, pdf-folder
  current_revision INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  UNIQUE (publisher_code, package_id)
);
CREATE TABLE revisions (
  id INTEGER PRIMARY KEY,
  book_id INTEGER NOT NULL REFERENCES books(id),
  revision INTEGER NOT NULL,
  digest TEXT NOT NULL,             -- sha256 of the delivered manifest: same digest = same bytes
  title TEXT NOT NULL, isbn TEXT NOT NULL, stage TEXT NOT NULL, school_system TEXT NOT NULL,
  special_school TEXT NOT NULL, grade_from INTEGER, grade_to INTEGER, subject TEXT NOT NULL,
  kind TEXT NOT NULL, edition TEXT NOT NULL, volume TEXT NOT NULL, volume_title TEXT NOT NULL,
  language TEXT NOT NULL, published TEXT NOT NULL, publisher_name TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  source_path TEXT NOT NULL,
  import_run INTEGER REFERENCES import_runs(id),
  imported_at TEXT NOT NULL,
  UNIQUE (book_id, revision)
);
CREATE TABLE files (
  revision_id INTEGER NOT NULL REFERENCES revisions(id) ON DELETE CASCADE,
  path TEXT NOT NULL,
  sha256 TEXT NOT NULL,             -- '' when the source delivered metadata only
  size INTEGER NOT NULL,
  media_type TEXT NOT NULL,
  role TEXT NOT NULL,
  PRIMARY KEY (revision_id, path)
);
CREATE INDEX files_sha256 ON files(sha256);
CREATE TABLE units (
  id INTEGER PRIMARY KEY,
  revision_id INTEGER NOT NULL REFERENCES revisions(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  title TEXT NOT NULL
);
CREATE TABLE lessons (
  id INTEGER PRIMARY KEY,
  unit_id INTEGER NOT NULL REFERENCES units(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  lesson_key TEXT NOT NULL,
  title TEXT NOT NULL
);
CREATE TABLE resources (
  lesson_id INTEGER NOT NULL REFERENCES lessons(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  kind TEXT NOT NULL,
  file_path TEXT NOT NULL,
  pages TEXT NOT NULL,
  PRIMARY KEY (lesson_id, position)
);
CREATE TABLE import_runs (
  id INTEGER PRIMARY KEY,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  user TEXT NOT NULL,
  host TEXT NOT NULL,
  command TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'running',   -- running | done | interrupted (a crash leaves running)
  imported INTEGER NOT NULL DEFAULT 0,
  unchanged INTEGER NOT NULL DEFAULT 0,
  refused INTEGER NOT NULL DEFAULT 0,
  failed INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE import_items (
  run_id INTEGER NOT NULL REFERENCES import_runs(id),
  position INTEGER NOT NULL,
  source_path TEXT NOT NULL,
  publisher_code TEXT NOT NULL,
  package_id TEXT NOT NULL,
  revision INTEGER,
  outcome TEXT NOT NULL,            -- imported | unchanged | refused | failed
  detail TEXT NOT NULL,             -- findings JSON or error message
  PRIMARY KEY (run_id, position)
);
CREATE INDEX revisions_meta ON revisions(stage, subject, edition);
)sql",
    // 2: media facts (ffprobe), transcode jobs and the renditions they made
    R"sql(
CREATE TABLE media_facts (
  sha256 TEXT PRIMARY KEY,          -- the probed blob
  duration REAL NOT NULL,           -- seconds
  width INTEGER NOT NULL, height INTEGER NOT NULL,   -- 0 without video
  video_codec TEXT NOT NULL, audio_codec TEXT NOT NULL,  -- '' when absent
  bitrate INTEGER NOT NULL,         -- bits per second, 0 when unknown
  probed_at TEXT NOT NULL
);
CREATE TABLE transcode_jobs (
  id INTEGER PRIMARY KEY,
  input_sha256 TEXT NOT NULL,
  profile TEXT NOT NULL,
  status TEXT NOT NULL,             -- pending | running | done | failed (a crash leaves running: redone)
  attempts INTEGER NOT NULL DEFAULT 0,
  started_at TEXT, finished_at TEXT,
  log TEXT NOT NULL DEFAULT '',     -- ffmpeg's messages of the last failed attempt
  UNIQUE (input_sha256, profile)
);
CREATE TABLE rendition_files (
  input_sha256 TEXT NOT NULL,
  profile TEXT NOT NULL,
  rendition TEXT NOT NULL,          -- '720p', 'audio', ... ; 'master' and 'poster' for the shared files
  path TEXT NOT NULL,               -- relative name in the rendition tree: 720p/index.m3u8, 720p/seg_00000.ts
  sha256 TEXT NOT NULL,             -- the blob in the content store
  size INTEGER NOT NULL,
  PRIMARY KEY (input_sha256, profile, path)
);
CREATE INDEX rendition_files_sha256 ON rendition_files(sha256);
)sql",
    // 3: which signed snapshot a mirror's catalogue was built from (one row; empty on
    // an editor's site). IF NOT EXISTS: mirror catalogues built before this migration
    // created the table by hand.
    R"sql(
CREATE TABLE IF NOT EXISTS mirror_snapshot (
  version INTEGER NOT NULL,
  upstream TEXT NOT NULL,
  index_sha256 TEXT NOT NULL,
  created TEXT NOT NULL,
  expires TEXT NOT NULL,
  synced_at TEXT NOT NULL
);
)sql",
};

}  // namespace

std::span<const std::string_view> catalog_migrations() { return k_migrations; }

}  // namespace eductl
