// A validator for the subset of JSON Schema draft 2020-12 that schemas/ uses. A schema
// is compiled once (regexes, local $refs) and then validates instances into a list of
// violations; each violation carries the "x-finding" annotation of the innermost
// subschema that produced it, so callers can map it onto a finding code.
#pragma once
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/util/result.hpp"

namespace eductl {

struct SchemaViolation {
  std::string pointer;  // JSON pointer of the offending instance value ("" = root); for
                        // `required`, the pointer of the missing member
  std::string keyword;  // the schema keyword that failed: "type", "required", ...
  std::string message;  // specifics, e.g. "\"PEP-1\" does not match ^[A-Z0-9]{2,16}$"
  std::string finding;  // the nearest "x-finding" annotation, or "" if none
};

// Supported: type, properties, required, additionalProperties, enum, const, pattern,
// minLength/maxLength (code points), minimum/maximum, minItems/maxItems, items,
// prefixItems, allOf/anyOf/oneOf, not, if/then/else, local $ref ("#", "#/...", a URI
// fragment: percent-decoded before it is read as a JSON pointer), $defs.
// Other keywords are ignored. Departures from the draft, on purpose: "integer" accepts
// JSON integers only (2.0 is a number); a value that fails `type` gets only that
// violation; a string over 1 KiB fails any `pattern` (std::regex recurses per character);
// subschemas nested over 256 deep (a recursive $ref) end in a "$ref" violation.
class JsonSchema {
 public:
  // Error kind internal on a malformed schema (bad regex, unresolvable $ref, a keyword
  // with a value of the wrong shape); the message names the schema location.
  static Result<JsonSchema> parse(const nlohmann::json& schema);
  static Result<JsonSchema> parse_text(std::string_view text);

  // Thread-safe: the compiled schema is immutable.
  std::vector<SchemaViolation> validate(const nlohmann::json& instance) const;

 private:
  struct Compiled;
  explicit JsonSchema(std::shared_ptr<const Compiled> compiled) : m_compiled(std::move(compiled)) {}
  std::shared_ptr<const Compiled> m_compiled;
};

}  // namespace eductl
