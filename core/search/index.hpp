// Builds and updates the search index (<data>/index.sqlite) from the catalogue and the
// content store: book metadata, unit and lesson titles, the text of task sheets,
// exercises and subtitles, and the textbook page by page. Incremental by revision
// digest; the whole update is one transaction, so an interrupted run leaves the
// previous index.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/data/data_folder.hpp"
#include "core/util/result.hpp"

namespace eductl::search {

enum class IndexMode { incremental, rebuild };

struct IndexProblem {
  std::string book, file, message;  // a file whose text could not be read (its book is still indexed)
};

struct IndexStats {
  std::uint64_t added = 0, updated = 0, removed = 0, unchanged = 0;
  std::uint64_t documents = 0;  // rows written in this run
  std::uint64_t files_read = 0;
  bool rebuilt = false;         // everything redone (asked for, or the tokenizer changed)
  std::vector<IndexProblem> problems;
};

using IndexProgress = std::function<void(std::size_t done, std::size_t total)>;

Result<IndexStats> update_index(const DataFolder& data, IndexMode mode, unsigned jobs, const IndexProgress& progress = {});

}  // namespace eductl::search
