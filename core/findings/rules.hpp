// The rule table: every finding code the tool can emit, with severity, one-line meaning
// and how to fix it. docs/findings.md is generated from it (`eductl rules --markdown`).
#pragma once
#include <span>
#include <string_view>

#include "core/findings/finding.hpp"

namespace eductl {

struct Rule {
  std::string_view code;
  Severity severity;
  std::string_view group;    // "package", "manifest", "media", "listing", ...
  std::string_view summary;  // what the rule says
  std::string_view fix;      // what the publisher or editor should do
};

std::span<const Rule> all_rules();
const Rule* find_rule(std::string_view code);

}  // namespace eductl
