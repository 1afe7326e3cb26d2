// "Did you mean ...": the closest known word to one the user typed, by edit distance over
// Unicode code points (case-insensitive for ASCII), so a typo in a code, a subject or a
// Chinese name gets a useful hint instead of an empty result.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace eductl {

// Optimal string alignment distance (Levenshtein plus adjacent transpositions) between A and B.
std::size_t edit_distance(std::string_view a, std::string_view b);
// The candidate closest to WORD, when it is within a third of WORD's length (at least 1, at
// most 3 edits) and closer than any other; nothing when no candidate is near enough.
std::optional<std::string> closest_match(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace eductl
