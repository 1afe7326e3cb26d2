// manifest.json of a textbook package: parsing (with positions for syntax errors) and the
// lenient mapping onto BookRecord. Judging it is core/validate's job.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/package/book.hpp"
#include "core/util/result.hpp"

namespace eductl {

inline constexpr std::string_view k_package_format = "textbook-package/1";
inline constexpr std::string_view k_manifest_schema = "textbook-package-v1.schema.json";

// Parses manifest text; Error::message says where the syntax breaks (line, column).
Result<nlohmann::json> parse_manifest_text(std::string_view text);

// Maps what is present and of the right type; defaults per the contract (kind student,
// school_system 6-3 for primary/junior, language zh-CN). Never fails.
BookRecord manifest_to_record(const nlohmann::json& manifest);

// ISBN-13 or ISBN-10 without hyphens/spaces, upper-case X. Empty if not ISBN-shaped.
std::string normalise_isbn(std::string_view isbn);
bool isbn_check_digit_ok(std::string_view normalised);
// The check digit the first 12 (or 9) digits call for: '0'-'9' or 'X'.
char isbn_expected_check_digit(std::string_view normalised);

}  // namespace eductl
