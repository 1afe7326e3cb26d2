// The catalogue's mirror row (migration 3): which signed snapshot a mirror's catalogue
// was built from, and the sealing that lets a catalogue built aside be renamed into place.
#include <SQLiteCpp/SQLiteCpp.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "core/catalog/catalog.hpp"
#include "core/db/sqlite.hpp"
#include "core/util/fs.hpp"

namespace eductl {

Status Catalog::record_mirror_snapshot(const MirrorSnapshotInfo& info) {
  return db::guarded("cannot write to the catalogue", m_file, [&]() -> Status {
    SQLite::Transaction tx(*m_db);
    m_db->exec("DELETE FROM mirror_snapshot");
    SQLite::Statement q(*m_db,
                        "INSERT INTO mirror_snapshot (version, upstream, index_sha256, created, expires, synced_at) "
                        "VALUES (?, ?, ?, ?, ?, ?)");
    db::bind_all(q, info.version, info.upstream, info.index_sha256, info.created, info.expires, info.synced_at);
    q.exec();
    tx.commit();
    return ok_status();
  });
}

Result<std::optional<MirrorSnapshotInfo>> Catalog::mirror_snapshot() const {
  return db::guarded("cannot read the catalogue", m_file, [&]() -> Result<std::optional<MirrorSnapshotInfo>> {
    SQLite::Statement q(*m_db, "SELECT version, upstream, index_sha256, created, expires, synced_at FROM mirror_snapshot");
    if (!q.executeStep()) return std::optional<MirrorSnapshotInfo>{};
    MirrorSnapshotInfo i;
    i.version = q.getColumn(0).getInt64();
    i.upstream = q.getColumn(1).getString();
    i.index_sha256 = q.getColumn(2).getString();
    i.created = q.getColumn(3).getString();
    i.expires = q.getColumn(4).getString();
    i.synced_at = q.getColumn(5).getString();
    return std::optional<MirrorSnapshotInfo>(std::move(i));
  });
}

Status Catalog::seal_standalone() {
  auto switched = db::guarded("cannot finish the catalogue", m_file, [&]() -> Status {
    m_db->exec("PRAGMA journal_mode=DELETE");
    return ok_status();
  });
  if (!switched) return switched;
  int fd = ::open(m_file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    int e = errno;
    if (fd >= 0) ::close(fd);
    return make_error(ErrorKind::internal, "cannot flush the catalogue: " + errno_text(e), m_file.string());
  }
  ::close(fd);
  return ok_status();
}

}  // namespace eductl
