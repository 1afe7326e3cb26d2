#include "core/data/data_folder.hpp"

#include "core/util/fs.hpp"

namespace eductl {

Result<WriterLock> DataFolder::lock(const char* purpose) const {
  if (auto st = make_dirs(m_root); !st) return st.error();
  return WriterLock::acquire(lock_file(), purpose);
}

bool DataFolder::is_mirror() const {
  std::error_code ec;
  return std::filesystem::exists(std::filesystem::symlink_status(mirror_state_file(), ec)) ||
         std::filesystem::exists(std::filesystem::symlink_status(mirror_marker_file(), ec));
}

Result<Catalog> DataFolder::catalog(Access access) const {
  if (access == Access::read_write && is_mirror())
    return make_error(ErrorKind::usage,
                      "this data folder is a mirror: its catalogue is the upstream's signed snapshot and is read-only "
                      "(import into the upstream and publish; `eductl mirror status` names it)",
                      m_root.string());
  return Catalog::open(catalog_file(), access);
}

Result<BlobStore> DataFolder::store(Access access) const {
  return BlobStore::open(objects_dir(), tmp_dir(), access);
}

}  // namespace eductl
