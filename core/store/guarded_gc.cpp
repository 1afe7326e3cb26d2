#include "core/store/guarded_gc.hpp"

#include "core/util/fs.hpp"

namespace eductl {

Result<std::set<std::string>> trusted_references(const DataFolder& data, const BlobStore& store, bool force) {
  auto refuse = [](Error e) {
    e.message = "refusing to remove anything: " + e.message;
    return e;
  };
  if (auto st = check_database_files(data.catalog_file()); !st) return refuse(st.error());
  auto cat = data.catalog(Access::read_only);
  if (!cat) return refuse(cat.error());
  if (const std::string check = cat->quick_check(); check != "ok")
    return make_error(ErrorKind::bad_input, "refusing to remove anything: the catalogue fails SQLite's quick check (" + check + ")",
                      data.catalog_file().string());
  auto refs = cat->referenced_blobs();
  if (!refs) return refs.error();
  if (refs->empty() && !force) {
    const auto objects = store.list_objects();
    if (!objects.empty())
      return make_error(ErrorKind::usage,
                        "refusing to remove all " + std::to_string(objects.size()) +
                            " objects: the catalogue references none; if that is what you want, run 'eductl store gc --force'",
                        data.catalog_file().string());
  }
  return refs;
}

Result<BlobStore::GcResult> guarded_gc(const DataFolder& data, bool dry_run, bool force) {
  auto store = data.store(Access::read_only);  // gc creates nothing
  if (!store) return store.error();
  auto refs = trusted_references(data, *store, force);
  if (!refs) return refs.error();
  return store->gc(*refs, dry_run);
}

}  // namespace eductl
