#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "core/util/json_schema.hpp"

using eductl::ErrorKind;
using eductl::JsonSchema;
using eductl::SchemaViolation;
using nlohmann::json;

namespace {

JsonSchema compile(const json& schema) {
  auto parsed = JsonSchema::parse(schema);
  if (!parsed) FAIL("schema rejected: " << parsed.error().describe());
  return std::move(parsed).value();
}

std::vector<SchemaViolation> check(const json& schema, const json& instance) {
  return compile(schema).validate(instance);
}

std::string repeat(const std::string& piece, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out += piece;
  return out;
}

}  // namespace

// ---- keyword by keyword ---------------------------------------------------------------

TEST_CASE("type: single names, lists, and integer versus number", "[json_schema]") {
  CHECK(check({{"type", "string"}}, "七年级").empty());
  auto v = check({{"type", "string"}}, 7);
  REQUIRE(v.size() == 1);
  CHECK(v[0].keyword == "type");
  CHECK(v[0].pointer.empty());
  CHECK(v[0].message == "expected string, found integer 7");

  CHECK(check({{"type", json::array({"integer", "null"})}}, nullptr).empty());
  CHECK(check({{"type", json::array({"integer", "null"})}}, 3).size() == 0);
  CHECK(check({{"type", json::array({"integer", "null"})}}, "3").size() == 1);

  CHECK(check({{"type", "integer"}}, 3).empty());
  CHECK(check({{"type", "integer"}}, json::parse("18446744073709551615")).empty());
  CHECK(check({{"type", "integer"}}, 1.5).size() == 1);
  CHECK(check({{"type", "integer"}}, json::parse("2.0")).size() ==
        1);  // JSON floats are not integers here
  CHECK(check({{"type", "number"}}, 1.5).empty());
  CHECK(check({{"type", "number"}}, 2).empty());
  CHECK(check({{"type", "boolean"}}, true).empty());
  CHECK(check({{"type", "object"}}, json::array()).size() == 1);
  CHECK(check({{"type", "array"}}, json::array()).empty());
}

TEST_CASE("type failure suppresses the sibling keywords of that location", "[json_schema]") {
  json schema = {
      {"type", "string"}, {"minLength", 3}, {"pattern", "^a"}, {"enum", json::array({"abc"})}};
  auto v = check(schema, 5);
  REQUIRE(v.size() == 1);
  CHECK(v[0].keyword == "type");

  // Keywords of another type do not apply: a pattern ignores a number.
  CHECK(check({{"pattern", "^a$"}, {"minLength", 9}}, 5).empty());
  CHECK(check({{"required", json::array({"a"})}}, "a string").empty());
  CHECK(check({{"minimum", 10}}, "5").empty());
}

TEST_CASE("properties and required", "[json_schema]") {
  json schema = {{"type", "object"},
                 {"required", json::array({"title", "isbn"})},
                 {"properties", {{"title", {{"type", "string"}}}, {"isbn", {{"type", "string"}}}}}};
  CHECK(check(schema, {{"title", "数学"}, {"isbn", "x"}}).empty());

  auto v = check(schema, {{"title", 5}});
  REQUIRE(v.size() == 2);
  CHECK(v[0].keyword == "required");
  CHECK(v[0].pointer == "/isbn");
  CHECK(v[0].message == "missing required member \"isbn\"");
  CHECK(v[1].keyword == "type");
  CHECK(v[1].pointer == "/title");
}

TEST_CASE("additionalProperties: false and as a schema", "[json_schema]") {
  json closed = {{"properties", {{"name", {{"type", "string"}}}}}, {"additionalProperties", false}};
  CHECK(check(closed, {{"name", "PEP"}}).empty());
  auto v = check(closed, {{"name", "PEP"}, {"colour", "red"}});
  REQUIRE(v.size() == 1);
  CHECK(v[0].keyword == "additionalProperties");
  CHECK(v[0].pointer == "/colour");
  CHECK(v[0].message == "unknown member \"colour\"");

  json typed = {{"properties", {{"name", {{"type", "string"}}}}},
                {"additionalProperties", {{"type", "integer"}}}};
  CHECK(check(typed, {{"name", "PEP"}, {"pages", 320}}).empty());
  v = check(typed, {{"name", "PEP"}, {"pages", "320"}});
  REQUIRE(v.size() == 1);
  CHECK(v[0].keyword == "type");
  CHECK(v[0].pointer == "/pages");
}

TEST_CASE("pointers escape ~ and / in member names", "[json_schema]") {
  auto v = check({{"additionalProperties", false}}, {{"a/b~c", 1}});
  REQUIRE(v.size() == 1);
  CHECK(v[0].pointer == "/a~1b~0c");
}

TEST_CASE("enum and const", "[json_schema]") {
  json stage = {{"enum", {"primary", "junior", "senior", "special"}}};
  CHECK(check(stage, "junior").empty());
  auto v = check(stage, "初中");
  REQUIRE(v.size() == 1);
  CHECK(v[0].keyword == "enum");
  CHECK(v[0].message == "\"初中\" is not one of \"primary\", \"junior\", \"senior\", \"special\"");
  CHECK(check({{"enum", {1, "1", nullptr}}}, 1).empty());
  CHECK(check({{"enum", {1, "1", nullptr}}}, 2).size() == 1);

  json format = {{"const", "textbook-package/1"}};
  CHECK(check(format, "textbook-package/1").empty());
  v = check(format, "textbook-package/2");
  REQUIRE(v.size() == 1);
  CHECK(v[0].keyword == "const");
  CHECK(v[0].message == "expected \"textbook-package/1\", found \"textbook-package/2\"");
  CHECK(check({{"const", {{"a", json::array({1, 2})}}}}, {{"a", json::array({1, 2})}}).empty());
}

TEST_CASE("pattern: ECMAScript, unanchored search, strings only", "[json_schema]") {
  json code = {{"type", "string"}, {"pattern", "^[A-Z0-9]{2,16}$"}};
  CHECK(check(code, "PEP").empty());
  auto v = check(code, "PEP-1");
  REQUIRE(v.size() == 1);
  CHECK(v[0].keyword == "pattern");
  CHECK(v[0].message == "\"PEP-1\" does not match ^[A-Z0-9]{2,16}$");

  CHECK(check({{"pattern", "b"}}, "abc").empty());  // JSON Schema patterns are not anchored
  CHECK(check({{"pattern", "^b"}}, "abc").size() == 1);
}

TEST_CASE("pattern refuses overlong strings instead of overflowing the stack", "[json_schema]") {
  auto v = check({{"pattern", "^[a-z]*$"}}, std::string(200000, 'a'));
  REQUIRE(v.size() == 1);
  CHECK(v[0].keyword == "pattern");
  CHECK_THAT(v[0].message, Catch::Contains("too long"));
  CHECK(check({{"pattern", "^[a-z]*$"}}, std::string(1000, 'a')).empty());
}

TEST_CASE("minLength and maxLength count code points, not bytes", "[json_schema]") {
  const std::string name = "人民教育出版社";  // 7 characters, 21 bytes
  CHECK(check({{"maxLength", 7}}, name).empty());
  CHECK(check({{"minLength", 7}}, name).empty());
  auto v = check({{"maxLength", 6}}, name);
  REQUIRE(v.size() == 1);
  CHECK(v[0].keyword == "maxLength");
  CHECK(v[0].message == "\"人民教育出版社\" has 7 characters, more than the maximum 6");
  v = check({{"minLength", 8}}, name);
  REQUIRE(v.size() == 1);
  CHECK(v[0].keyword == "minLength");
  v = check({{"minLength", 1}}, "");
  REQUIRE(v.size() == 1);
  CHECK(v[0].message == "\"\" has 0 characters, fewer than the minimum 1");
}

TEST_CASE("long strings are shortened in messages on a character boundary", "[json_schema]") {
  auto v = check({{"maxLength", 10}}, repeat("数", 100));
  REQUIRE(v.size() == 1);
  CHECK(v[0].message ==
        "\"" + repeat("数", 60) + "…\" has 100 characters, more than the maximum 10");
}

TEST_CASE("minimum and maximum", "[json_schema]") {
  json grade = {{"minimum", 1}, {"maximum", 12}};
  CHECK(check(grade, 1).empty());
  CHECK(check(grade, 12).empty());
  CHECK(check(grade, 6.5).empty());
  auto v = check(grade, 0);
  REQUIRE(v.size() == 1);
  CHECK(v[0].keyword == "minimum");
  CHECK(v[0].message == "0 is less than the minimum 1");
  v = check(grade, 13);
  REQUIRE(v.size() == 1);
  CHECK(v[0].keyword == "maximum");
  CHECK(v[0].message == "13 is greater than the maximum 12");
  CHECK(check({{"minimum", 0}}, -1).size() == 1);
  CHECK(check({{"maximum", 1.5}}, 2).size() == 1);
}

TEST_CASE("minItems and maxItems", "[json_schema]") {
  json pair = {{"minItems", 2}, {"maxItems", 2}};
  CHECK(check(pair, {5, 6}).empty());
  auto v = check(pair, json::array({5}));
  REQUIRE(v.size() == 1);
  CHECK(v[0].keyword == "minItems");
  v = check(pair, {5, 6, 7});
  REQUIRE(v.size() == 1);
  CHECK(v[0].keyword == "maxItems");
}

TEST_CASE("items and prefixItems (2020-12 meaning)", "[json_schema]") {
  json ints = {{"items", {{"type", "integer"}}}};
  CHECK(check(ints, {1, 2, 3}).empty());
  auto v = check(ints, {1, "2", 3});
  REQUIRE(v.size() == 1);
  CHECK(v[0].pointer == "/1");

  json tuple = {{"prefixItems", {{{"type", "string"}}, {{"type", "integer"}}}}, {"items", false}};
  CHECK(check(tuple, json::array({"a", 1})).empty());
  CHECK(check(tuple, json::array({"a"})).empty());
  v = check(tuple, {1, 1});
  REQUIRE(v.size() == 1);
  CHECK(v[0].pointer == "/0");
  v = check(tuple, {"a", 1, 2});
  REQUIRE(v.size() == 1);
  CHECK(v[0].keyword == "items");
  CHECK(v[0].pointer == "/2");
}

TEST_CASE("allOf", "[json_schema]") {
  json schema = {{"allOf", {{{"type", "string"}}, {{"minLength", 2}}}}};
  CHECK(check(schema, "ab").empty());
  auto v = check(schema, "a");
  REQUIRE(v.size() == 1);
  CHECK(v[0].keyword == "minLength");
}

TEST_CASE("anyOf reports one summarised violation", "[json_schema]") {
  json grade = {{"x-finding", "MAN-GRADE"},
                {"anyOf",
                 {{{"type", "integer"}, {"minimum", 1}, {"maximum", 12}},
                  {{"type", "array"}, {"items", {{"type", "integer"}, {"maximum", 12}}}}}}};
  CHECK(check(grade, 7).empty());
  CHECK(check(grade, {5, 6}).empty());
  auto v = check(grade, "七");
  REQUIRE(v.size() == 1);
  CHECK(v[0].keyword == "anyOf");
  CHECK(v[0].finding == "MAN-GRADE");
  CHECK(v[0].pointer.empty());
  CHECK(v[0].message ==
        "matches none of the alternatives: (1) expected integer, found string \"七\"; "
        "(2) expected array, found string \"七\"");
  v = check(grade, {5, 13, 14});
  REQUIRE(v.size() == 1);
  CHECK_THAT(v[0].message, Catch::Contains("(2) at /1: 13 is greater than the maximum 12"));
  CHECK_THAT(v[0].message, !Catch::Contains("14"));  // only each branch's first error
}

TEST_CASE("oneOf: none and several alternatives fail", "[json_schema]") {
  json schema = {{"oneOf", {{{"type", "integer"}}, {{"minimum", 5}}}}};
  CHECK(check(schema, 3).empty());
  CHECK(check(schema, 5.5).empty());
  auto v = check(schema, 7);
  REQUIRE(v.size() == 1);
  CHECK(v[0].keyword == "oneOf");
  CHECK(v[0].message == "matches alternatives 1, 2, but exactly one is allowed");
  v = check(schema, 2.5);
  REQUIRE(v.size() == 1);
  CHECK(v[0].keyword == "oneOf");
  CHECK_THAT(v[0].message,
             Catch::StartsWith("matches none of the alternatives: (1) expected integer"));
}

TEST_CASE("not", "[json_schema]") {
  json schema = {{"not", {{"const", "manifest.json"}}}};
  CHECK(check(schema, "book.pdf").empty());
  auto v = check(schema, "manifest.json");
  REQUIRE(v.size() == 1);
  CHECK(v[0].keyword == "not");
}

TEST_CASE("if / then / else", "[json_schema]") {
  json schema = {{"if", {{"properties", {{"stage", {{"const", "special"}}}}}}},
                 {"then", {{"required", json::array({"special_school"})}}},
                 {"else", {{"properties", {{"special_school", false}}}}}};
  CHECK(check(schema, {{"stage", "special"}, {"special_school", "deaf"}}).empty());
  CHECK(check(schema, {{"stage", "junior"}}).empty());
  auto v = check(schema, {{"stage", "special"}});
  REQUIRE(v.size() == 1);
  CHECK(v[0].keyword == "required");
  v = check(schema, {{"stage", "junior"}, {"special_school", "deaf"}});
  REQUIRE(v.size() == 1);
  CHECK(v[0].keyword == "properties");
  CHECK(v[0].pointer == "/special_school");
  // then/else without if do nothing
  CHECK(check({{"then", false}}, 1).empty());
}

TEST_CASE("$ref to $defs and to the root", "[json_schema]") {
  json schema = {
      {"$defs", {{"grade", {{"type", "integer"}, {"minimum", 1}, {"maximum", 12}}}}},
      {"properties", {{"from", {{"$ref", "#/$defs/grade"}}}, {"to", {{"$ref", "#/$defs/grade"}}}}}};
  CHECK(check(schema, {{"from", 5}, {"to", 6}}).empty());
  auto v = check(schema, {{"from", 5}, {"to", 13}});
  REQUIRE(v.size() == 1);
  CHECK(v[0].keyword == "maximum");
  CHECK(v[0].pointer == "/to");

  json tree = {
      {"type", "object"},
      {"required", json::array({"name"})},
      {"properties", {{"name", {{"type", "string"}}}, {"children", {{"items", {{"$ref", "#"}}}}}}}};
  CHECK(check(tree, {{"name", "a"}, {"children", {{{"name", "b"}, {"children", json::array()}}}}})
            .empty());
  v = check(tree, {{"name", "a"}, {"children", {{{"name", "b"}}, {{"children", json::array()}}}}});
  REQUIRE(v.size() == 1);
  CHECK(v[0].pointer == "/children/1/name");
}

TEST_CASE("a self-referencing schema ends in a violation, not a crash", "[json_schema]") {
  auto v = check({{"$ref", "#"}}, 1);
  REQUIRE(v.size() == 1);
  CHECK(v[0].keyword == "$ref");

  // A deep instance under a recursive schema is cut off the same way.
  json deep = json::array();
  for (int i = 0; i < 1000; ++i) deep = json::array({deep});
  v = check({{"items", {{"$ref", "#"}}}}, deep);
  REQUIRE(v.size() == 1);
  CHECK(v[0].keyword == "$ref");
}

TEST_CASE("annotations and unknown keywords are ignored", "[json_schema]") {
  json schema = {{"$schema", "https://json-schema.org/draft/2020-12/schema"},
                 {"$id", "x.json"},
                 {"title", "t"},
                 {"description", "d"},
                 {"default", 1},
                 {"examples", {1}},
                 {"$comment", "c"},
                 {"x-whatever", {{"type", "string"}}},
                 {"format", "date"},
                 {"type", "integer"}};
  CHECK(check(schema, 1).empty());
  CHECK(check(true, "anything").empty());
  auto v = check(false, 1);
  REQUIRE(v.size() == 1);
  CHECK(v[0].keyword == "false");
}

TEST_CASE("x-finding: the innermost annotation wins, children inherit", "[json_schema]") {
  json schema = {
      {"x-finding", "OUTER"},
      {"type", "object"},
      {"additionalProperties", false},
      {"properties",
       {{"plain", {{"type", "string"}}},
        {"tagged", {{"x-finding", "INNER"}, {"type", "string"}}},
        {"via_ref", {{"$ref", "#/$defs/code"}}},
        {"ref_with_own", {{"x-finding", "REFERRER"}, {"$ref", "#/$defs/plain"}}}}},
      {"$defs",
       {{"code", {{"x-finding", "TARGET"}, {"type", "string"}}}, {"plain", {{"type", "string"}}}}}};
  auto v = check(schema,
                 {{"plain", 1}, {"tagged", 1}, {"via_ref", 1}, {"ref_with_own", 1}, {"extra", 1}});
  REQUIRE(v.size() == 5);
  std::map<std::string, std::string> by_pointer;
  for (const auto& x : v) by_pointer[x.pointer] = x.finding;
  CHECK(by_pointer["/plain"] == "OUTER");
  CHECK(by_pointer["/tagged"] == "INNER");
  CHECK(by_pointer["/via_ref"] == "TARGET");
  CHECK(by_pointer["/ref_with_own"] == "REFERRER");
  CHECK(by_pointer["/extra"] == "OUTER");

  CHECK(check({{"type", "string"}}, 1).at(0).finding.empty());
}

TEST_CASE("required prefers the x-finding of the missing member's property", "[json_schema]") {
  json schema = {{"x-finding", "MAN-TEXTBOOK"},
                 {"required", json::array({"title", "subject", "edition"})},
                 {"properties",
                  {{"title", {{"x-finding", "MAN-TITLE"}}},
                   {"subject", {{"$ref", "#/$defs/subject"}}},
                   {"edition", {{"type", "string"}}}}},
                 {"$defs", {{"subject", {{"x-finding", "MAN-SUBJECT"}}}}}};
  auto v = check(schema, json::object());
  REQUIRE(v.size() == 3);
  CHECK(v[0].pointer == "/title");
  CHECK(v[0].finding == "MAN-TITLE");
  CHECK(v[1].pointer == "/subject");
  CHECK(v[1].finding == "MAN-SUBJECT");
  CHECK(v[2].pointer == "/edition");
  CHECK(v[2].finding == "MAN-TEXTBOOK");
}

TEST_CASE("malformed schemas are refused with ErrorKind::internal", "[json_schema]") {
  const std::vector<json> bad = {
      {{"pattern", "([a-z"}},       {{"$ref", "#/$defs/missing"}},
      {{"$ref", "other.json#/x"}},  {{"type", "text"}},
      {{"minLength", -1}},          {{"minimum", "1"}},
      {{"required", "title"}},      {{"anyOf", json::array()}},
      {{"properties", {{"a", 5}}}}, {{"$defs", {{"unused", {{"pattern", "("}}}}}},
      {{"x-finding", 5}},           json(5),
  };
  for (const auto& schema : bad) {
    INFO(schema.dump());
    auto parsed = JsonSchema::parse(schema);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().kind == ErrorKind::internal);
  }
  auto parsed = JsonSchema::parse({{"properties", {{"a", {{"pattern", "([a-z"}}}}}});
  REQUIRE_FALSE(parsed.ok());
  CHECK_THAT(parsed.error().message, Catch::Contains("#/properties/a/pattern"));

  auto text = JsonSchema::parse_text("{\"type\": ");
  REQUIRE_FALSE(text.ok());
  CHECK(text.error().kind == ErrorKind::internal);
  auto good = JsonSchema::parse_text(R"({"type": "integer"})");
  REQUIRE(good.ok());
  CHECK(good->validate(1).empty());
}

// ---- the manifest schema ----------------------------------------------------------------

namespace {

const JsonSchema& manifest_schema() {
  static const JsonSchema schema = [] {
    std::ifstream in(EDUCTL_SOURCE_DIR "/schemas/textbook-package-v1.schema.json",
                     std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    auto parsed = JsonSchema::parse_text(text.str());
    if (!parsed) throw std::runtime_error(parsed.error().describe());
    return std::move(parsed).value();
  }();
  return schema;
}

json valid_manifest() {
  return json::parse(R"({
    "format": "textbook-package/1",
    "package_id": "pep-math-7a-2024",
    "revision": 1,
    "publisher": {"code": "PEP", "name": "人民教育出版社"},
    "textbook": {
      "title": "义务教育教科书 数学 七年级 上册",
      "isbn": "978-7-107-31520-6",
      "stage": "junior",
      "school_system": "6-3",
      "grade": 7,
      "subject": "math",
      "kind": "student",
      "edition": "人教版",
      "volume": "upper",
      "language": "zh-CN",
      "published": "2024-07"
    },
    "files": [
      {"path": "textbook/数学七年级上册.pdf",
       "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
       "size": 35651584, "media_type": "application/pdf", "role": "textbook"},
      {"path": "lessons/1.1 正数和负数.mp4",
       "sha256": "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae",
       "size": 104857600, "media_type": "video/mp4"}
    ],
    "contents": [
      {"title": "第一章 有理数",
       "lessons": [
         {"id": "u1-l1", "title": "1.1 正数和负数",
          "resources": [
            {"kind": "video", "file": "lessons/1.1 正数和负数.mp4"},
            {"kind": "textbook_pages", "file": "textbook/数学七年级上册.pdf", "pages": "2-5"}
          ]}
       ]}
    ]
  })");
}

std::string render(const std::vector<SchemaViolation>& violations) {
  std::string out;
  for (const auto& v : violations)
    out += v.pointer + " [" + v.keyword + "] " + v.finding + ": " + v.message + "\n";
  return out;
}

// Applies an RFC 6902 patch to the valid manifest and validates the result.
std::vector<SchemaViolation> validate_patched(const json& patch) {
  return manifest_schema().validate(valid_manifest().patch(patch));
}

json patch_of(const json& operation) {
  json patch = json::array();
  patch.push_back(operation);
  return patch;
}
json replace(const std::string& pointer, const json& value) {
  return patch_of({{"op", "replace"}, {"path", pointer}, {"value", value}});
}
json add(const std::string& pointer, const json& value) {
  return patch_of({{"op", "add"}, {"path", pointer}, {"value", value}});
}
json without(const std::string& pointer) { return patch_of({{"op", "remove"}, {"path", pointer}}); }

}  // namespace

TEST_CASE("manifest schema: a complete valid manifest passes", "[json_schema][manifest]") {
  auto v = manifest_schema().validate(valid_manifest());
  INFO(render(v));
  CHECK(v.empty());
}

TEST_CASE("manifest schema: accepted variants", "[json_schema][manifest]") {
  const std::vector<json> patches = {
      without("/textbook/grade"),
      without("/textbook/school_system"),
      without("/textbook/kind"),
      without("/textbook/language"),
      without("/textbook/published"),
      without("/files/0/role"),
      without("/contents/0/lessons/0/resources/1/pages"),
      replace("/textbook/grade", {5, 6}),
      replace("/textbook/grade", 12),
      replace("/textbook/school_system", "5-4"),
      replace("/textbook/isbn", "9787107315206"),
      replace("/textbook/isbn", "7107315201"),
      replace("/textbook/isbn", "0-306-40615-2"),
      replace("/textbook/isbn", "7-107-31520-X"),
      replace("/textbook/volume", "compulsory-1"),
      replace("/textbook/volume", "elective-3"),
      replace("/textbook/volume", "level-12"),
      replace("/textbook/volume", "full"),
      replace("/textbook/language", "zh-Hans-CN"),
      replace("/textbook/language", "bo"),
      replace("/textbook/subject", "arts-performance"),
      replace("/textbook/title", repeat("数", 200)),
      add("/textbook/volume_title", "分子与细胞"),
      add("/textbook/special_school", "deaf"),
      replace("/contents/0/lessons/0/resources/1/pages", "12"),
      replace("/contents", json::array()),
      replace("/files/1/size", 0),
      replace("/files/1/media_type", "text/vtt"),
  };
  for (const auto& patch : patches) {
    auto v = validate_patched(patch);
    INFO(patch.dump() << "\n" << render(v));
    CHECK(v.empty());
  }
}

TEST_CASE("manifest schema: one mutation per field gives its finding", "[json_schema][manifest]") {
  struct Mutation {
    json patch;
    std::string finding;
  };
  const std::string lesson = "/contents/0/lessons/0";
  const std::string resource = lesson + "/resources/1";
  const std::vector<Mutation> mutations = {
      {replace("/format", "textbook-package/2"), "MAN-FORMAT"},
      {without("/format"), "MAN-FORMAT"},
      {replace("/package_id", "PEP_Math"), "MAN-PACKAGE-ID"},
      {replace("/package_id", "ab"), "MAN-PACKAGE-ID"},
      {replace("/revision", 0), "MAN-REVISION"},
      {replace("/revision", "1"), "MAN-REVISION"},
      {replace("/revision", 1.5), "MAN-REVISION"},
      {replace("/publisher", "人民教育出版社"), "MAN-PUBLISHER"},
      {without("/publisher"), "MAN-PUBLISHER"},
      {replace("/publisher/code", "PEP-1"), "MAN-PUBLISHER-CODE"},
      {replace("/publisher/code", "pep"), "MAN-PUBLISHER-CODE"},
      {without("/publisher/code"), "MAN-PUBLISHER-CODE"},
      {replace("/publisher/name", ""), "MAN-PUBLISHER-NAME"},
      {without("/publisher/name"), "MAN-PUBLISHER-NAME"},
      {replace("/textbook", json::array()), "MAN-TEXTBOOK"},
      {without("/textbook"), "MAN-TEXTBOOK"},
      {replace("/textbook/title", ""), "MAN-TITLE"},
      {replace("/textbook/title", repeat("数", 201)), "MAN-TITLE"},
      {without("/textbook/title"), "MAN-TITLE"},
      {replace("/textbook/isbn", "978-7-107-3152"), "MAN-ISBN-FORMAT"},
      {replace("/textbook/isbn", "ISBN 978-7-107-31520-6"), "MAN-ISBN-FORMAT"},
      {replace("/textbook/isbn", "978--7107315206"), "MAN-ISBN-FORMAT"},
      {replace("/textbook/isbn", 9787107315206), "MAN-ISBN-FORMAT"},
      {without("/textbook/isbn"), "MAN-ISBN-FORMAT"},
      {replace("/textbook/stage", "middle"), "MAN-STAGE"},
      {replace("/textbook/stage", "初中"), "MAN-STAGE"},
      {without("/textbook/stage"), "MAN-STAGE"},
      {replace("/textbook/school_system", "6+3"), "MAN-SCHOOL-SYSTEM"},
      {add("/textbook/special_school", "special"), "MAN-SPECIAL-SCHOOL"},
      {replace("/textbook/grade", 13), "MAN-GRADE"},
      {replace("/textbook/grade", 0), "MAN-GRADE"},
      {replace("/textbook/grade", "七年级"), "MAN-GRADE"},
      {replace("/textbook/grade", 7.0), "MAN-GRADE"},
      {replace("/textbook/grade", json::array({7})), "MAN-GRADE"},
      {replace("/textbook/grade", {7, 8, 9}), "MAN-GRADE"},
      {replace("/textbook/grade", {7, "8"}), "MAN-GRADE"},
      {replace("/textbook/grade", {5, 13}), "MAN-GRADE"},
      {replace("/textbook/subject", "maths"), "MAN-SUBJECT"},
      {without("/textbook/subject"), "MAN-SUBJECT"},
      {replace("/textbook/kind", "workbook"), "MAN-KIND"},
      {replace("/textbook/edition", ""), "MAN-EDITION"},
      {replace("/textbook/edition", 1), "MAN-EDITION"},
      {without("/textbook/edition"), "MAN-EDITION"},
      {replace("/textbook/volume", "middle"), "MAN-VOLUME"},
      {replace("/textbook/volume", "上册"), "MAN-VOLUME"},
      {replace("/textbook/volume", "compulsory-13"), "MAN-VOLUME"},
      {replace("/textbook/volume", "elective-0"), "MAN-VOLUME"},
      {replace("/textbook/volume", "level"), "MAN-VOLUME"},
      {without("/textbook/volume"), "MAN-VOLUME"},
      {add("/textbook/volume_title", 1), "MAN-VOLUME-TITLE"},
      {replace("/textbook/language", "zh_CN"), "MAN-LANGUAGE"},
      {replace("/textbook/language", "中文"), "MAN-LANGUAGE"},
      {replace("/textbook/published", "2024-13"), "MAN-PUBLISHED"},
      {replace("/textbook/published", "2024-7"), "MAN-PUBLISHED"},
      {replace("/textbook/published", "2024年7月"), "MAN-PUBLISHED"},
      {replace("/files", json::object()), "MAN-FILES"},
      {without("/files"), "MAN-FILES"},
      {replace("/files/1", "lessons/1.1.mp4"), "MAN-FILES"},
      {replace("/files/1/path", ""), "MAN-FILE-PATH"},
      {without("/files/1/path"), "MAN-FILE-PATH"},
      {replace("/files/1/sha256",
               "2C26B46B68FFC68FF99B453C1D30413413422D706483BFA0F98A5E886266E7AE"),
       "MAN-FILE-SHA256"},
      {replace("/files/1/sha256", "2c26b46b"), "MAN-FILE-SHA256"},
      {replace("/files/1/size", -1), "MAN-FILE-SIZE"},
      {replace("/files/1/size", "104857600"), "MAN-FILE-SIZE"},
      {without("/files/1/size"), "MAN-FILE-SIZE"},
      {replace("/files/1/media_type", "image/gif"), "MAN-MEDIA-TYPE"},
      {replace("/files/1/media_type", "video/x-flv"), "MAN-MEDIA-TYPE"},
      {without("/files/1/media_type"), "MAN-MEDIA-TYPE"},
      {add("/files/1/role", "cover"), "MAN-FILE-ROLE"},
      {replace("/contents", "第一章"), "MAN-CONTENTS"},
      {without("/contents"), "MAN-CONTENTS"},
      {replace("/contents/0", "第一章"), "MAN-CONTENTS"},
      {replace("/contents/0/title", ""), "MAN-UNIT-TITLE"},
      {without("/contents/0/title"), "MAN-UNIT-TITLE"},
      {replace("/contents/0/lessons", "u1-l1"), "MAN-LESSONS"},
      {without("/contents/0/lessons"), "MAN-LESSONS"},
      {replace(lesson, "u1-l1"), "MAN-LESSONS"},
      {replace(lesson + "/id", "第1课"), "MAN-LESSON-ID"},
      {replace(lesson + "/id", ""), "MAN-LESSON-ID"},
      {replace(lesson + "/id", std::string(65, 'a')), "MAN-LESSON-ID"},
      {without(lesson + "/id"), "MAN-LESSON-ID"},
      {replace(lesson + "/title", ""), "MAN-LESSON-TITLE"},
      {without(lesson + "/title"), "MAN-LESSON-TITLE"},
      {replace(lesson + "/resources", json::array()), "MAN-LESSON-RESOURCES"},
      {without(lesson + "/resources"), "MAN-LESSON-RESOURCES"},
      {replace(resource, "textbook/数学七年级上册.pdf"), "MAN-LESSON-RESOURCES"},
      {replace(resource + "/kind", "pdf"), "MAN-RESOURCE-KIND"},
      {without(resource + "/kind"), "MAN-RESOURCE-KIND"},
      {replace(resource + "/file", ""), "MAN-RESOURCE-FILE"},
      {without(resource + "/file"), "MAN-RESOURCE-FILE"},
      {replace(resource + "/pages", "0-3"), "MAN-RESOURCE-PAGES"},
      {replace(resource + "/pages", "3-"), "MAN-RESOURCE-PAGES"},
      {replace(resource + "/pages", 3), "MAN-RESOURCE-PAGES"},
  };
  for (const auto& m : mutations) {
    auto v = validate_patched(m.patch);
    INFO(m.patch.dump() << "\n" << render(v));
    REQUIRE(v.size() == 1);
    CHECK(v[0].finding == m.finding);
  }
}

TEST_CASE("manifest schema: messages name the offending value and location",
          "[json_schema][manifest]") {
  auto v = validate_patched(replace("/publisher/code", "PEP-1"));
  REQUIRE(v.size() == 1);
  CHECK(v[0].pointer == "/publisher/code");
  CHECK(v[0].keyword == "pattern");
  CHECK(v[0].message == "\"PEP-1\" does not match ^[A-Z0-9]{2,16}$");

  v = validate_patched(without("/textbook/title"));
  REQUIRE(v.size() == 1);
  CHECK(v[0].pointer == "/textbook/title");
  CHECK(v[0].keyword == "required");
  CHECK(v[0].message == "missing required member \"title\"");

  v = validate_patched(replace("/textbook/grade", "七年级"));
  REQUIRE(v.size() == 1);
  CHECK(v[0].pointer == "/textbook/grade");
  CHECK(v[0].keyword == "anyOf");
}

TEST_CASE("manifest schema: a root that is not an object is MAN-STRUCTURE",
          "[json_schema][manifest]") {
  for (const json& root : {json::array(), json("manifest"), json(nullptr)}) {
    auto v = manifest_schema().validate(root);
    REQUIRE(v.size() == 1);
    CHECK(v[0].keyword == "type");
    CHECK(v[0].finding == "MAN-STRUCTURE");
  }
  auto v = manifest_schema().validate(json::object());
  CHECK(v.size() == 7);  // the seven required root members
}

TEST_CASE("manifest schema: unknown members fail additionalProperties", "[json_schema][manifest]") {
  struct Extra {
    std::string pointer;
    std::string finding;
  };
  const std::vector<Extra> extras = {
      {"/colour", "MAN-STRUCTURE"},
      {"/publisher/colour", "MAN-PUBLISHER"},
      {"/textbook/colour", "MAN-TEXTBOOK"},
      {"/files/0/colour", "MAN-FILES"},
      {"/contents/0/colour", "MAN-CONTENTS"},
      {"/contents/0/lessons/0/colour", "MAN-LESSONS"},
      {"/contents/0/lessons/0/resources/0/colour", "MAN-LESSON-RESOURCES"},
  };
  for (const auto& extra : extras) {
    auto v = validate_patched(add(extra.pointer, "red"));
    INFO(extra.pointer << "\n" << render(v));
    REQUIRE(v.size() == 1);
    CHECK(v[0].keyword == "additionalProperties");
    CHECK(v[0].pointer == extra.pointer);
    CHECK(v[0].message == "unknown member \"colour\"");
    CHECK(v[0].finding == extra.finding);
  }
}
