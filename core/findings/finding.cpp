#include "core/findings/finding.hpp"

#include <algorithm>
#include <stdexcept>

#include "core/findings/rules.hpp"

namespace eductl {

std::string_view to_string(Severity s) { return s == Severity::error ? "error" : "warning"; }

Finding make_finding(std::string_view code, std::string entry, std::string message) {
  const Rule* rule = find_rule(code);
  if (!rule) throw std::logic_error("unknown finding code " + std::string(code));
  return Finding{std::string(code), rule->severity, std::move(entry), std::move(message)};
}

bool has_errors(const Findings& findings) {
  return std::any_of(findings.begin(), findings.end(),
                     [](const Finding& f) { return f.severity == Severity::error; });
}

std::size_t count(const Findings& findings, Severity severity) {
  return static_cast<std::size_t>(std::count_if(
      findings.begin(), findings.end(), [&](const Finding& f) { return f.severity == severity; }));
}

}  // namespace eductl
