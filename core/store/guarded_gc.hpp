// store gc with its guard, for every caller: the references come from a catalogue that
// opens, passes SQLite's quick check and is at the current schema, since an empty or
// damaged one would make every object look unreferenced; one that references nothing
// beside a store that holds something needs `force`.
#pragma once
#include <set>
#include <string>

#include "core/data/data_folder.hpp"
#include "core/store/blob_store.hpp"
#include "core/util/result.hpp"

namespace eductl {

// The blobs the catalogue references, or an error that says why nothing may be removed:
// the catalogue's own error (bad_input, locked, ...) or usage when it references none
// and `force` is not given.
Result<std::set<std::string>> trusted_references(const DataFolder& data, const BlobStore& store, bool force);

// Needs the writer lock held. trusted_references(), then BlobStore::gc.
Result<BlobStore::GcResult> guarded_gc(const DataFolder& data, bool dry_run, bool force);

}  // namespace eductl
