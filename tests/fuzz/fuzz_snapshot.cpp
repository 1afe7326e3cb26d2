// Feeds arbitrary bytes to the snapshot parsers as a mirror meets them after a signature
// held (a buggy or compromised publisher) or a hash matched: index.json and a part.
// Whatever the bytes: a document or findings, never a crash; and what parses must
// render and parse again to the same thing (the publisher's writer and the mirror's
// reader agree).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/mirror/snapshot.hpp"

namespace sn = eductl::snapshot;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto index = sn::parse_index(text);
  if (index.index.has_value() == !index.findings.empty()) __builtin_trap();
  if (index.index) {
    auto again = sn::parse_index(sn::index_json(*index.index));
    if (!again.index || again.index->parts.size() != index.index->parts.size() || again.index->version != index.index->version)
      __builtin_trap();
  }
  auto part = sn::parse_part(text, "fuzz.json");
  if (part.part.has_value() == !part.findings.empty()) __builtin_trap();
  if (part.part) {
    auto again = sn::parse_part(sn::part_json(*part.part), "again.json");
    if (!again.part || again.part->record.files.size() != part.part->record.files.size() || again.part->book != part.part->book)
      __builtin_trap();
  }
  (void)sn::parse_utc(text);
  return 0;
}
