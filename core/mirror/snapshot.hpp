// The published snapshot format (docs/formats/snapshot.md): a small signed index that
// names, by hash and size, one catalogue part per book; blobs live by hash under
// objects/. Everything here parses bytes a mirror has not yet trusted, so every field is
// type-checked and bounded, and a malformed document is a finding, never a crash.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/findings/finding.hpp"
#include "core/package/book.hpp"
#include "core/util/time.hpp"

namespace eductl::snapshot {

constexpr std::string_view k_index_schema = "eductl.snapshot/1";
constexpr std::string_view k_part_schema = "eductl.snapshot-part/1";
constexpr std::string_view k_index_file = "index.json";
constexpr std::string_view k_signature_file = "index.json.minisig";
constexpr std::uint64_t k_max_index_bytes = 64ull << 20;  // ~200,000 books
constexpr std::uint64_t k_max_part_bytes = 16ull << 20;

// What a mirror filters on, copied from the part into the index so that a partial
// mirror chooses its books without fetching the others' parts.
struct PartFacts {
  std::string book;  // "CODE/package_id"
  std::string publisher, stage, subject, edition, kind;
  std::optional<GradeSpan> grade;
  std::string title;
};

struct PartEntry {
  PartFacts facts;
  std::string sha256;  // of the part file; its path is parts/<sha256>.json
  std::uint64_t size = 0;
  std::uint64_t blobs = 0, bytes = 0;  // what the book's files add up to
};

struct Index {
  std::int64_t version = 0;  // only grows; a mirror refuses a lower one (rollback)
  std::string created, expires;  // UTC, "YYYY-MM-DDTHH:MM:SSZ"
  std::string origin;            // free text naming the publishing site
  std::vector<std::string> next_keys;  // minisign public keys (base64) that may sign later snapshots
  std::vector<PartEntry> parts;
};

// One file of a transcoded rendition of one of the book's videos (playlist, segment,
// poster): mirrors carry them, filtered by rendition name.
struct Rendition {
  std::string input_sha256, profile, rendition, path, sha256;
  std::uint64_t size = 0;
};

// ffprobe's facts of a video, as the catalogue records them.
struct Media {
  std::string sha256;
  double duration = 0;
  int width = 0, height = 0;
  std::string video_codec, audio_codec;
  std::int64_t bitrate = 0;
};

// One book's current revision, as the catalogue holds it.
struct Part {
  BookRecord record;
  std::string digest;         // the revision's manifest digest
  std::string book;           // "CODE/package_id"
  std::vector<Rendition> renditions;
  std::vector<Media> media;
};

std::string part_path(const std::string& sha256);    // parts/<sha256>.json
std::string object_path(const std::string& sha256);  // objects/ab/cd/<sha256>

std::string index_json(const Index& index);
std::string part_json(const Part& part);
PartFacts facts_of(const Part& part);

// Parsing yields the document or findings (MIR-INDEX-MALFORMED / MIR-PART-MALFORMED)
// naming the JSON pointer of the first bad field.
struct IndexParse {
  std::optional<Index> index;
  Findings findings;
};
IndexParse parse_index(std::string_view text);
struct PartParse {
  std::optional<Part> part;
  Findings findings;
};
PartParse parse_part(std::string_view text, const std::string& origin);

// Seconds since the epoch for "YYYY-MM-DDTHH:MM:SSZ"; nullopt when malformed.
// Timestamps are core/util/time's (one strict parser, one formatter for the whole program).
using eductl::format_utc;
using eductl::parse_utc;

}  // namespace eductl::snapshot
