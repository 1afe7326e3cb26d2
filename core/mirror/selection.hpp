// Which books a publish, sync or export takes: a primary-school site takes only primary
// books. Matching uses the facts the signed index carries, so a partial mirror never
// fetches the parts of books it does not want.
#pragma once
#include <nlohmann/json.hpp>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/mirror/snapshot.hpp"

namespace eductl::snapshot {

struct Selection {
  std::vector<std::string> stages, subjects, editions, publishers, books, kinds;
  std::vector<int> grades;  // a book is taken when its grade span holds any of these
  // Which renditions of transcoded videos to take ("360p", "audio"; "none" for none);
  // empty: all. A rendition's master playlist and poster come with any of them.
  std::vector<std::string> renditions;

  bool empty() const {
    return stages.empty() && subjects.empty() && editions.empty() && publishers.empty() && books.empty() &&
           kinds.empty() && grades.empty() && renditions.empty();
  }
  // Every non-empty list must match (AND across options, OR within one).
  bool matches(const PartFacts& f) const;
  bool takes_rendition(const std::string& rendition) const;
  // "stage=primary grade=1,2" for logs and status; "all books" when empty.
  std::string describe() const;
};

// The command-line filters that make this selection: "--stage primary --grade 1,2";
// empty when it takes every book.
std::string selection_flags(const Selection& s);

// The blobs (hash -> size) a mirror with this selection holds for a book: its files'
// and the chosen renditions'.
std::map<std::string, std::uint64_t> part_blobs(const Part& part, const Selection& selection);

// {"stage": [...], "grade": [...], ...}: in --json reports, mirror.json and export.json.
nlohmann::json selection_to_json(const Selection& s);
// Missing keys are empty lists; values of the wrong type are ignored.
Selection selection_from_json(const nlohmann::json& j);

}  // namespace eductl::snapshot
