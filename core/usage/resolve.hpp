// Request paths -> catalogue entities (subject, grade, stage, edition, publisher, book,
// lesson, resource kind): blob paths of published trees through the catalogue's files,
// other URL shapes through a mapping file (docs/usage.md). Reads the catalogue only.
#pragma once
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/util/result.hpp"

namespace eductl::usage {

struct Entity {
  std::string subject, grade, stage, edition, publisher, book, lesson, resource_kind;
  std::string title;  // the book's title, for display
};

// One mapping rule: a path (or a prefix when it ends in '/' or '*') -> fields.
struct MappingRule {
  std::string pattern;
  bool prefix = false;
  std::map<std::string, std::string> fields;  // book, lesson, kind, subject, grade, stage, edition, publisher
  std::size_t line = 0;
};

// Parses a mapping file (TSV: PATTERN<TAB>key=value...). Error bad_input naming the line.
Result<std::vector<MappingRule>> parse_mapping(std::string_view text, const std::string& file);

// The path key of player events: "@event<TAB>book<TAB>lesson<TAB>resource kind" (a tab
// never occurs in a logged request path: nginx escapes it).
inline constexpr std::string_view k_event_prefix = "@event\t";

// "/mirror/x/objects/ab/cd/<64 hex>" -> the 64 hex digits; "" when the path is no blob path
// (the two folder levels must be the hash's first two and next two digits).
std::string_view blob_sha(std::string_view path);

class Resolver {
 public:
  // catalog_file may be absent (no catalogue dimensions then); mapping may be empty.
  static Result<Resolver> open(const std::filesystem::path& catalog_file, std::vector<MappingRule> mapping);
  Resolver(Resolver&&) noexcept;
  Resolver& operator=(Resolver&&) noexcept;
  ~Resolver();
  Result<Entity> resolve(std::string_view path);
  bool has_catalog() const;

 private:
  Resolver();
  struct Impl;
  std::unique_ptr<Impl> m;
};

}  // namespace eductl::usage
