// The official JSON-Schema-Test-Suite (Debian package json-schema-test-suite, a declared
// dependency in scripts/deps.sh) run against core/util/json_schema. The validator
// implements a subset of draft 2020-12; the suite's draft2020-12 folder is used when the
// installed suite has one, else draft7, whose required keywords the subset shares with
// 2020-12 unchanged. Every file of the folder is either run or skipped here by name with
// a reason, so a new suite version cannot slip files past unseen; a missing suite fails.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <string>

#include "core/util/json_schema.hpp"

using eductl::JsonSchema;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

fs::path suite_root() {
  if (const char* env = std::getenv("EDUCTL_JSON_SCHEMA_SUITE")) return env;
  return "/usr/share/json-schema-test-suite/tests";
}

// Files of the suite's folder that are not run, and why.
const std::map<std::string, std::string> k_skipped_files = {
    {"additionalItems.json", "additionalItems is draft 7 only (2020-12: prefixItems + items)"},
    {"contains.json", "contains: not supported, schemas/ do not use it"},
    {"definitions.json", "validates against the remote draft-07 meta-schema (no network $ref)"},
    {"dependencies.json", "dependencies is draft 7 only (2020-12: dependentRequired/dependentSchemas, unsupported)"},
    {"exclusiveMaximum.json", "exclusiveMaximum: not supported, schemas/ do not use it"},
    {"exclusiveMinimum.json", "exclusiveMinimum: not supported, schemas/ do not use it"},
    {"maxProperties.json", "maxProperties: not supported, schemas/ do not use it"},
    {"minProperties.json", "minProperties: not supported, schemas/ do not use it"},
    {"multipleOf.json", "multipleOf: not supported, schemas/ do not use it"},
    {"patternProperties.json", "patternProperties: not supported, schemas/ do not use it"},
    {"propertyNames.json", "propertyNames: not supported, schemas/ do not use it"},
    {"refRemote.json", "remote $ref (a network fetch): only local $refs are supported"},
    {"uniqueItems.json", "uniqueItems: not supported, schemas/ do not use it"},
};

// Test groups (by file and description) of run files that are not run, and why.
const std::map<std::pair<std::string, std::string>, std::string> k_skipped_groups = {
    {{"items.json", "an array of schemas for items"}, "array-form items is draft 7 only (2020-12: prefixItems)"},
    {{"items.json", "items with boolean schemas"}, "array-form items is draft 7 only (2020-12: prefixItems)"},
    {{"ref.json", "relative pointer ref to array"}, "uses array-form items, draft 7 only"},
    {{"ref.json", "ref overrides any sibling keywords"}, "draft 7 ignores a $ref's siblings; 2020-12 applies them"},
    {{"ref.json", "remote ref, containing refs itself"}, "remote $ref to the draft-07 meta-schema (no network)"},
    {{"ref.json", "Recursive references between schemas"}, "$id-based $ref resolution: not supported"},
    {{"additionalProperties.json", "additionalProperties being false does not allow other properties"},
     "uses patternProperties: not supported"},
    {{"additionalProperties.json", "non-ASCII pattern with additionalProperties"}, "uses patternProperties: not supported"},
    {{"properties.json", "properties, patternProperties, additionalProperties interaction"},
     "uses patternProperties: not supported"},
    {{"if-then-else.json", "if and then without else"}, "uses exclusiveMaximum: not supported"},
    {{"if-then-else.json", "if and else without then"}, "uses exclusiveMaximum and multipleOf: not supported"},
    {{"if-then-else.json", "validate against correct branch, then vs else"},
     "uses exclusiveMaximum and multipleOf: not supported"},
    {{"if-then-else.json", "non-interference across combined schemas"},
     "uses exclusiveMaximum and multipleOf: not supported"},
};

struct Tally {
  int run = 0;
  int skipped = 0;
  std::set<std::string> skipped_reasons;
};

void run_file(const fs::path& file, Tally& tally) {
  std::ifstream in(file);
  const json groups = json::parse(in);
  const std::string name = file.filename().string();
  for (const auto& group : groups) {
    const std::string description = group.at("description").get<std::string>();
    if (auto it = k_skipped_groups.find({name, description}); it != k_skipped_groups.end()) {
      tally.skipped += static_cast<int>(group.at("tests").size());
      tally.skipped_reasons.insert(name + " / " + description + ": " + it->second);
      continue;
    }
    auto schema = JsonSchema::parse(group.at("schema"));
    INFO(name << " / " << description);
    REQUIRE(schema);
    for (const auto& test : group.at("tests")) {
      const std::string id = name + " / " + description + " / " + test.at("description").get<std::string>();
      INFO(id << "\n  instance " << test.at("data").dump());
      CHECK(schema->validate(test.at("data")).empty() == test.at("valid").get<bool>());
      ++tally.run;
    }
  }
}

}  // namespace

TEST_CASE("JSON-Schema-Test-Suite: every case of the supported keywords", "[json_schema][suite]") {
  const fs::path root = suite_root();
  const fs::path draft = fs::is_directory(root / "draft2020-12") ? root / "draft2020-12" : root / "draft7";
  INFO("suite folder " << draft.string() << " (install json-schema-test-suite: scripts/deps.sh)");
  REQUIRE(fs::is_directory(draft));
  std::set<fs::path> files;
  for (const auto& e : fs::directory_iterator(draft))
    if (e.is_regular_file() && e.path().extension() == ".json") files.insert(e.path());
  REQUIRE(files.size() > 20);
  Tally tally;
  for (const auto& file : files) {
    const std::string name = file.filename().string();
    if (auto it = k_skipped_files.find(name); it != k_skipped_files.end()) {
      std::ifstream in(file);
      for (const auto& group : json::parse(in)) tally.skipped += static_cast<int>(group.at("tests").size());
      tally.skipped_reasons.insert(name + ": " + it->second);
      continue;
    }
    run_file(file, tally);
  }
  std::cout << "JSON-Schema-Test-Suite " << draft.string() << ": " << tally.run << " cases run, " << tally.skipped
            << " skipped (optional/ not run: optional by the suite, format assertions are off)\n";
  for (const auto& reason : tally.skipped_reasons) std::cout << "  SKIP " << reason << "\n";
  CHECK(tally.run > 200);
}
