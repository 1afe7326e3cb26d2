#include "core/util/json_schema.hpp"
#include "core/util/text.hpp"

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <regex>
#include <tuple>

namespace eductl {

namespace {

using nlohmann::json;

// Type bits; an integer instance carries both k_integer and k_number.
enum TypeBit : unsigned {
  k_null = 1,
  k_boolean = 2,
  k_integer = 4,
  k_number = 8,
  k_string = 16,
  k_array = 32,
  k_object = 64
};

const std::map<std::string, unsigned, std::less<>> k_type_names = {
    {"null", k_null},     {"boolean", k_boolean}, {"integer", k_integer}, {"number", k_number},
    {"string", k_string}, {"array", k_array},     {"object", k_object}};

// Bounds recursion through $ref, so a self-referencing schema or a deeply nested instance
// ends in a violation rather than a stack overflow.
constexpr std::size_t k_max_depth = 256;
// libstdc++'s std::regex matches recursively, about 1 KiB of stack per character under
// ASan; longer strings are refused instead of matched. Patterned fields are all short.
constexpr std::size_t k_max_pattern_subject = 1024;
constexpr std::size_t k_max_shown_chars = 60;
constexpr std::size_t k_max_enum_shown = 12;

std::string escape_token(std::string_view token) {
  std::string out;
  for (char c : token) out += c == '~' ? "~0" : c == '/' ? "~1" : std::string(1, c);
  return out;
}

// Quoted and escaped; invalid UTF-8 (possible in a programmatically built instance) is
// replaced rather than thrown on.
std::string quote(const std::string& text) {
  return json(text).dump(-1, ' ', false, json::error_handler_t::replace);
}

std::size_t count_code_points(std::string_view text) {
  std::size_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

unsigned type_bits(const json& v) {
  switch (v.type()) {
    case json::value_t::null:
      return k_null;
    case json::value_t::boolean:
      return k_boolean;
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return k_integer | k_number;
    case json::value_t::number_float:
      return k_number;
    case json::value_t::string:
      return k_string;
    case json::value_t::array:
      return k_array;
    case json::value_t::object:
      return k_object;
    default:
      return 0;
  }
}

// A short rendering for messages; containers are summarised (never dumped, as a hostile
// instance may be huge or deeply nested).
std::string describe(const json& v) {
  if (v.is_array()) return "an array of " + std::to_string(v.size()) + " items";
  if (v.is_object()) return "an object of " + std::to_string(v.size()) + " members";
  if (!v.is_string()) return v.dump();
  const auto& text = v.get_ref<const std::string&>();
  std::size_t end = 0, chars = 0;
  while (end < text.size() && chars < k_max_shown_chars) {
    ++end;
    while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) ++end;
    ++chars;
  }
  if (end == text.size()) return quote(text);
  return quote(text.substr(0, end) + "…");
}

std::string describe_types(unsigned types) {
  std::string out;
  for (const auto& [name, bit] : k_type_names) {
    if (!(types & bit)) continue;
    if (!out.empty()) out += " or ";
    out += name;
  }
  return out;
}

std::optional<std::size_t> as_count(const json& v) {
  if (v.is_number_unsigned() || (v.is_number_integer() && v.get<std::int64_t>() >= 0))
    return v.get<std::size_t>();
  return std::nullopt;
}

}  // namespace

struct JsonSchema::Compiled {
  // One subschema; children are indices into `nodes`, so $ref cycles are plain indices.
  struct Node {
    bool reject_all = false;  // the boolean schema `false`
    std::string finding;
    unsigned types = 0;  // 0: any type
    std::map<std::string, int, std::less<>> properties;
    std::vector<std::string> required;
    int additional = -1;
    std::optional<json> const_value;
    std::optional<json> enum_values;
    std::optional<std::regex> pattern;
    std::string pattern_text;
    std::optional<std::size_t> min_length, max_length, min_items, max_items;
    std::optional<json> minimum, maximum;
    int items = -1;
    std::vector<int> prefix_items, all_of, any_of, one_of;
    int not_schema = -1, if_schema = -1, then_schema = -1, else_schema = -1, ref = -1;
  };
  std::vector<Node> nodes;  // nodes[0] is the root

  class Compiler;
  void run(int index, const json& v, const std::string& ptr, const std::string& inherited,
           std::string_view via, std::size_t depth, std::vector<SchemaViolation>& out) const;

  // One application of a node to a value: where it is, under which finding, how deep, and
  // where its violations go. run() checks the type, then each group of keywords in turn.
  struct Visit {
    const json& v;
    const std::string& ptr;
    const std::string& finding;
    std::size_t depth;
    std::vector<SchemaViolation>& out;
    void report(std::string_view keyword, std::string message) const {
      out.push_back({ptr, std::string(keyword), std::move(message), finding});
    }
  };
  void check_values(const Node& n, const Visit& at) const;       // const, enum, string, number
  void check_array(const Node& n, const Visit& at) const;        // items, prefixItems, sizes
  void check_object(const Node& n, const Visit& at) const;       // required, properties
  void check_applicators(const Node& n, const Visit& at) const;  // $ref, allOf ... if/then/else
  const std::string& nearest_finding(int index) const;
};

class JsonSchema::Compiled::Compiler {
 public:
  explicit Compiler(const json& root) : m_root(root) {}

  Result<std::vector<Node>> compile_all() {
    compile(m_root, "");
    // Resolving a $ref may compile new subschemas holding further $refs.
    for (std::size_t i = 0; i < m_refs.size(); ++i) {
      auto [index, ref, where] = m_refs[i];
      // The fragment is a URI fragment: "#/percent%25field" names the member "percent%field".
      std::string pointer = ref == "#" ? "" : percent_decode(ref.substr(1));
      if (ref.rfind("#/", 0) != 0 && ref != "#") {
        fail(where, "only local $refs (\"#\" or \"#/...\") are supported, not \"" + ref + "\"");
        continue;
      }
      const json* target = nullptr;
      try {
        json::json_pointer jp(pointer);
        if (m_root.contains(jp)) target = &m_root.at(jp);
      } catch (const json::exception&) {
      }
      if (!target) {
        fail(where, "$ref \"" + ref + "\" does not resolve");
        continue;
      }
      const int target_index = compile(*target, pointer);  // may grow m_nodes
      m_nodes[index].ref = target_index;
    }
    if (!m_error.empty())
      return make_error(ErrorKind::internal, "malformed JSON Schema: " + m_error);
    return std::move(m_nodes);
  }

 private:
  void fail(const std::string& where, const std::string& what) {
    if (m_error.empty()) m_error = "at #" + where + ": " + what;
  }

  std::vector<int> compile_list(const json& list, const std::string& where) {
    std::vector<int> out;
    if (!list.is_array() || list.empty()) {
      fail(where, "expected a non-empty array of schemas");
      return out;
    }
    for (std::size_t i = 0; i < list.size(); ++i)
      out.push_back(compile(list[i], where + "/" + std::to_string(i)));
    return out;
  }

  int compile(const json& s, const std::string& where) {
    if (auto it = m_by_pointer.find(where); it != m_by_pointer.end()) return it->second;
    int index = static_cast<int>(m_nodes.size());
    m_nodes.emplace_back();
    m_by_pointer.emplace(where, index);
    // Built aside: compiling children grows m_nodes and would invalidate a reference.
    Node n;
    if (s.is_boolean()) {
      n.reject_all = !s.get<bool>();
    } else if (!s.is_object()) {
      fail(where, "a schema must be an object or a boolean");
    } else {
      for (const auto& [key, value] : s.items())
        compile_keyword(n, index, key, value, where + "/" + escape_token(key));
    }
    m_nodes[index] = std::move(n);
    return index;
  }

  void compile_keyword(Node& n, int index, const std::string& key, const json& value,
                       const std::string& where) {
    static const std::map<std::string_view, int Node::*> k_subschemas = {
        {"additionalProperties", &Node::additional},
        {"items", &Node::items},
        {"not", &Node::not_schema},
        {"if", &Node::if_schema},
        {"then", &Node::then_schema},
        {"else", &Node::else_schema}};
    static const std::map<std::string_view, std::vector<int> Node::*> k_lists = {
        {"prefixItems", &Node::prefix_items},
        {"allOf", &Node::all_of},
        {"anyOf", &Node::any_of},
        {"oneOf", &Node::one_of}};
    static const std::map<std::string_view, std::optional<std::size_t> Node::*> k_counts = {
        {"minLength", &Node::min_length},
        {"maxLength", &Node::max_length},
        {"minItems", &Node::min_items},
        {"maxItems", &Node::max_items}};
    static const std::map<std::string_view, std::optional<json> Node::*> k_bounds = {
        {"minimum", &Node::minimum}, {"maximum", &Node::maximum}};

    if (auto it = k_subschemas.find(key); it != k_subschemas.end()) {
      n.*(it->second) = compile(value, where);
    } else if (auto it = k_lists.find(key); it != k_lists.end()) {
      n.*(it->second) = compile_list(value, where);
    } else if (auto it = k_counts.find(key); it != k_counts.end()) {
      n.*(it->second) = as_count(value);
      if (!(n.*(it->second))) fail(where, "expected a non-negative integer");
    } else if (auto it = k_bounds.find(key); it != k_bounds.end()) {
      if (!value.is_number()) return fail(where, "expected a number");
      n.*(it->second) = value;
    } else if (key == "x-finding") {
      if (!value.is_string()) return fail(where, "expected a string");
      n.finding = value.get<std::string>();
    } else if (key == "type") {
      for (const auto& name : value.is_array() ? value : json::array({value})) {
        auto it = name.is_string() ? k_type_names.find(name.get_ref<const std::string&>())
                                   : k_type_names.end();
        if (it == k_type_names.end()) return fail(where, "unknown type " + describe(name));
        n.types |= it->second;
      }
    } else if (key == "properties") {
      if (!value.is_object()) return fail(where, "expected an object");
      for (const auto& [name, sub] : value.items())
        n.properties[name] = compile(sub, where + "/" + escape_token(name));
    } else if (key == "required") {
      if (!value.is_array()) return fail(where, "expected an array of strings");
      for (const auto& name : value) {
        if (!name.is_string()) return fail(where, "expected an array of strings");
        n.required.push_back(name.get<std::string>());
      }
    } else if (key == "enum") {
      if (!value.is_array()) return fail(where, "expected an array");
      n.enum_values = value;
    } else if (key == "const") {
      n.const_value = value;
    } else if (key == "pattern") {
      if (!value.is_string()) return fail(where, "expected a string");
      n.pattern_text = value.get<std::string>();
      try {
        n.pattern.emplace(n.pattern_text, std::regex::ECMAScript);
      } catch (const std::regex_error& e) {
        fail(where, "bad regular expression " + value.dump() + ": " + e.what());
      }
    } else if (key == "$ref") {
      if (!value.is_string()) return fail(where, "expected a string");
      m_refs.emplace_back(index, value.get<std::string>(), where);
    } else if (key == "$defs") {
      // Compiled even when unreferenced, so a broken definition is reported at parse time.
      if (!value.is_object()) return fail(where, "expected an object");
      for (const auto& [name, sub] : value.items()) compile(sub, where + "/" + escape_token(name));
    }
    // Anything else ($schema, $id, title, description, default, examples, $comment and
    // unknown keywords) is an annotation without effect on validation.
  }

  const json& m_root;
  std::vector<Node> m_nodes;
  std::map<std::string, int> m_by_pointer;  // schema location -> node, so $refs share nodes
  std::vector<std::tuple<int, std::string, std::string>> m_refs;  // node, $ref, location
  std::string m_error;
};

const std::string& JsonSchema::Compiled::nearest_finding(int index) const {
  // Follows a $ref-only chain a few steps: `properties: {x: {$ref: ...}}` is common.
  for (int hops = 0; index >= 0 && hops < 8; ++hops) {
    if (!nodes[index].finding.empty()) return nodes[index].finding;
    index = nodes[index].ref;
  }
  static const std::string k_none;
  return k_none;
}

namespace {

std::string found(const json& v) {
  if (v.is_array() || v.is_object() || v.is_null()) return describe(v);
  if (v.is_boolean()) return "boolean " + describe(v);
  if (v.is_string()) return "string " + describe(v);
  return (v.is_number_float() ? "number " : "integer ") + describe(v);
}

// "(1) <first violation of branch 1>; (2) ..." for a failed anyOf/oneOf.
std::string summarise_branches(const std::vector<SchemaViolation>& firsts, const std::string& ptr) {
  std::string out;
  for (std::size_t i = 0; i < firsts.size(); ++i) {
    if (i) out += "; ";
    out += "(" + std::to_string(i + 1) + ") ";
    if (firsts[i].pointer != ptr) out += "at " + firsts[i].pointer + ": ";
    out += firsts[i].message;
  }
  return out;
}

}  // namespace

void JsonSchema::Compiled::run(int index, const json& v, const std::string& ptr,
                               const std::string& inherited, std::string_view via,
                               std::size_t depth, std::vector<SchemaViolation>& out) const {
  const Node& n = nodes[index];
  const std::string& finding = n.finding.empty() ? inherited : n.finding;
  const Visit at{v, ptr, finding, depth, out};
  if (depth > k_max_depth) {
    return at.report("$ref", "schema applied more than " + std::to_string(k_max_depth) +
                                 " levels deep (a recursive $ref, or an instance nested too deeply)");
  }
  if (n.reject_all) return at.report(via.empty() ? "false" : via, "no value is allowed here");
  // Keywords of other types would only repeat the same mistake, so stop here.
  if (n.types && !(n.types & type_bits(v)))
    return at.report("type", "expected " + describe_types(n.types) + ", found " + found(v));
  check_values(n, at);
  if (v.is_array()) check_array(n, at);
  if (v.is_object()) check_object(n, at);
  check_applicators(n, at);
}

void JsonSchema::Compiled::check_values(const Node& n, const Visit& at) const {
  const json& v = at.v;
  if (n.const_value && v != *n.const_value)
    at.report("const", "expected " + describe(*n.const_value) + ", found " + describe(v));
  if (n.enum_values &&
      std::find(n.enum_values->begin(), n.enum_values->end(), v) == n.enum_values->end()) {
    std::string allowed;
    for (std::size_t i = 0; i < n.enum_values->size() && i < k_max_enum_shown; ++i)
      allowed += (i ? ", " : "") + describe((*n.enum_values)[i]);
    if (n.enum_values->size() > k_max_enum_shown)
      allowed += " and " + std::to_string(n.enum_values->size() - k_max_enum_shown) + " more";
    at.report("enum", describe(v) + " is not one of " + allowed);
  }
  if (v.is_string()) {
    const auto& text = v.get_ref<const std::string&>();
    const std::size_t chars = count_code_points(text);
    if (n.min_length && chars < *n.min_length)
      at.report("minLength", describe(v) + " has " + std::to_string(chars) +
                                 " characters, fewer than the minimum " + std::to_string(*n.min_length));
    if (n.max_length && chars > *n.max_length)
      at.report("maxLength", describe(v) + " has " + std::to_string(chars) +
                                 " characters, more than the maximum " + std::to_string(*n.max_length));
    if (n.pattern && text.size() > k_max_pattern_subject)
      at.report("pattern", describe(v) + " is " + std::to_string(text.size()) +
                               " bytes long, too long to match " + n.pattern_text);
    else if (n.pattern && !std::regex_search(text, *n.pattern))
      at.report("pattern", describe(v) + " does not match " + n.pattern_text);
  }
  if (v.is_number()) {
    if (n.minimum && v < *n.minimum)
      at.report("minimum", v.dump() + " is less than the minimum " + n.minimum->dump());
    if (n.maximum && v > *n.maximum)
      at.report("maximum", v.dump() + " is greater than the maximum " + n.maximum->dump());
  }
}

void JsonSchema::Compiled::check_array(const Node& n, const Visit& at) const {
  const json& v = at.v;
  if (n.min_items && v.size() < *n.min_items)
    at.report("minItems", describe(v) + ", fewer than the minimum " + std::to_string(*n.min_items));
  if (n.max_items && v.size() > *n.max_items)
    at.report("maxItems", describe(v) + ", more than the maximum " + std::to_string(*n.max_items));
  for (std::size_t i = 0; i < v.size(); ++i) {
    const bool prefixed = i < n.prefix_items.size();
    const int sub = prefixed ? n.prefix_items[i] : n.items;
    if (sub >= 0)
      run(sub, v[i], at.ptr + "/" + std::to_string(i), at.finding, prefixed ? "prefixItems" : "items",
          at.depth + 1, at.out);
  }
}

void JsonSchema::Compiled::check_object(const Node& n, const Visit& at) const {
  const json& v = at.v;
  for (const auto& name : n.required) {
    if (v.contains(name)) continue;
    // The member's own finding says more than the object's ("title missing" -> MAN-TITLE).
    auto it = n.properties.find(name);
    const std::string& member_finding = it == n.properties.end() ? at.finding : nearest_finding(it->second);
    at.out.push_back({at.ptr + "/" + escape_token(name), "required", "missing required member " + quote(name),
                      member_finding.empty() ? at.finding : member_finding});
  }
  for (const auto& [key, member] : v.items()) {
    const std::string child = at.ptr + "/" + escape_token(key);
    if (auto it = n.properties.find(key); it != n.properties.end()) {
      run(it->second, member, child, at.finding, "properties", at.depth + 1, at.out);
    } else if (n.additional >= 0 && nodes[n.additional].reject_all) {
      at.out.push_back({child, "additionalProperties", "unknown member " + quote(key), at.finding});
    } else if (n.additional >= 0) {
      run(n.additional, member, child, at.finding, "additionalProperties", at.depth + 1, at.out);
    }
  }
}

void JsonSchema::Compiled::check_applicators(const Node& n, const Visit& at) const {
  const json& v = at.v;
  const std::string& ptr = at.ptr;
  const std::string& finding = at.finding;
  const std::size_t depth = at.depth;
  if (n.ref >= 0) run(n.ref, v, ptr, finding, "$ref", depth + 1, at.out);
  for (int sub : n.all_of) run(sub, v, ptr, finding, "allOf", depth + 1, at.out);
  if (!n.any_of.empty()) {
    std::vector<SchemaViolation> firsts;
    for (int sub : n.any_of) {
      std::vector<SchemaViolation> branch;
      run(sub, v, ptr, finding, "anyOf", depth + 1, branch);
      if (branch.empty()) break;
      firsts.push_back(std::move(branch.front()));
    }
    if (firsts.size() == n.any_of.size())
      at.report("anyOf", "matches none of the alternatives: " + summarise_branches(firsts, ptr));
  }
  if (!n.one_of.empty()) {
    std::vector<SchemaViolation> firsts;
    std::string matched;
    for (std::size_t i = 0; i < n.one_of.size(); ++i) {
      std::vector<SchemaViolation> branch;
      run(n.one_of[i], v, ptr, finding, "oneOf", depth + 1, branch);
      if (branch.empty())
        matched += (matched.empty() ? "" : ", ") + std::to_string(i + 1);
      else
        firsts.push_back(std::move(branch.front()));
    }
    if (matched.empty())
      at.report("oneOf", "matches none of the alternatives: " + summarise_branches(firsts, ptr));
    else if (firsts.size() + 1 < n.one_of.size())
      at.report("oneOf", "matches alternatives " + matched + ", but exactly one is allowed");
  }
  if (n.not_schema >= 0) {
    std::vector<SchemaViolation> scratch;
    run(n.not_schema, v, ptr, finding, "not", depth + 1, scratch);
    if (scratch.empty()) at.report("not", describe(v) + " matches the schema under \"not\"");
  }
  if (n.if_schema >= 0) {
    std::vector<SchemaViolation> scratch;
    run(n.if_schema, v, ptr, finding, "if", depth + 1, scratch);
    const int next = scratch.empty() ? n.then_schema : n.else_schema;
    if (next >= 0) run(next, v, ptr, finding, scratch.empty() ? "then" : "else", depth + 1, at.out);
  }
}

Result<JsonSchema> JsonSchema::parse(const nlohmann::json& schema) {
  auto nodes = Compiled::Compiler(schema).compile_all();
  if (!nodes) return nodes.error();
  auto compiled = std::make_shared<Compiled>();
  compiled->nodes = std::move(nodes).value();
  return JsonSchema(std::move(compiled));
}

Result<JsonSchema> JsonSchema::parse_text(std::string_view text) {
  json schema;
  try {
    schema = json::parse(text);
  } catch (const json::parse_error& e) {
    return make_error(ErrorKind::internal,
                      std::string("JSON Schema is not valid JSON: ") + e.what());
  }
  return parse(schema);
}

std::vector<SchemaViolation> JsonSchema::validate(const nlohmann::json& instance) const {
  std::vector<SchemaViolation> out;
  m_compiled->run(0, instance, "", "", "", 0, out);
  return out;
}

}  // namespace eductl
