// Findings are the data every check produces: a stable rule code, its severity, where
// (package, entry) and a message with the specifics. Renderers (text, JSON) live in
// commands/; the rule table (rules.hpp) is the single source for codes and docs.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace eductl {

enum class Severity { warning, error };

std::string_view to_string(Severity s);

struct Finding {
  std::string code;      // stable identifier, e.g. "MAN-ISBN-CHECKDIGIT"
  Severity severity = Severity::error;
  std::string entry;     // entry path inside the package, or JSON pointer into the manifest
  std::string message;   // specifics of this occurrence
};

using Findings = std::vector<Finding>;

// Builds a finding for a rule of the table; its severity comes from the table.
// An unknown code is a programming error and throws std::logic_error.
Finding make_finding(std::string_view code, std::string entry, std::string message);

bool has_errors(const Findings& findings);
std::size_t count(const Findings& findings, Severity severity);

}  // namespace eductl
