#include "core/usage/resolve.hpp"

#include <optional>

#include "core/catalog/catalog.hpp"

namespace eductl::usage {
namespace {

constexpr std::string_view k_mapping_keys[] = {"book",    "lesson", "kind",      "subject",
                                               "grade",   "stage",  "edition",   "publisher"};

bool is_hex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

// The catalogue's facts into an entity; `book` is the reference as the catalogue spells it.
void fill(Entity& e, const UsageFacts& f) {
  e.subject = f.subject;
  e.grade = f.grade;
  e.stage = f.stage;
  e.edition = f.edition;
  e.publisher = f.publisher_code;
  e.book = book_ref({f.publisher_code, f.package_id});
  e.title = f.title;
}

}  // namespace

std::string_view blob_sha(std::string_view path) {
  // ".../objects/ab/cd/<64 hex>": 9 + 3 + 3 + 64 characters at the end.
  constexpr std::size_t k_tail = 9 + 3 + 3 + 64;
  if (path.size() < k_tail) return {};
  const std::string_view t = path.substr(path.size() - k_tail);
  if (t.substr(0, 9) != "/objects/" || t[11] != '/' || t[14] != '/') return {};
  const std::string_view sha = t.substr(15);
  if (!is_hex(sha) || t.substr(9, 2) != sha.substr(0, 2) || t.substr(12, 2) != sha.substr(2, 2)) return {};
  return sha;
}

Result<std::vector<MappingRule>> parse_mapping(std::string_view text, const std::string& file) {
  std::vector<MappingRule> rules;
  std::size_t line_no = 0;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line[0] == '#') continue;
    MappingRule r;
    r.line = line_no;
    std::size_t tab = line.find('\t');
    r.pattern = std::string(line.substr(0, tab));
    if (r.pattern.empty() || r.pattern[0] != '/')
      return make_error(ErrorKind::bad_input, "line " + std::to_string(line_no) + ": the pattern must start with '/'", file);
    if (r.pattern.back() == '*') {
      r.pattern.pop_back();
      r.prefix = true;
    } else if (r.pattern.back() == '/') {
      r.prefix = true;
    }
    while (tab != std::string_view::npos) {
      line = line.substr(tab + 1);
      tab = line.find('\t');
      const std::string_view kv = line.substr(0, tab);
      const std::size_t eq = kv.find('=');
      const std::string_view key = kv.substr(0, eq);
      bool known = false;
      for (std::string_view k : k_mapping_keys) known = known || k == key;
      if (eq == std::string_view::npos || !known)
        return make_error(ErrorKind::bad_input,
                          "line " + std::to_string(line_no) + ": expected KEY=VALUE with KEY one of book, lesson, kind, "
                          "subject, grade, stage, edition, publisher",
                          file);
      r.fields[std::string(key)] = std::string(kv.substr(eq + 1));
    }
    if (r.fields.empty())
      return make_error(ErrorKind::bad_input, "line " + std::to_string(line_no) + ": a pattern without fields", file);
    rules.push_back(std::move(r));
  }
  return rules;
}

struct Resolver::Impl {
  std::optional<Catalog> catalog;
  std::vector<MappingRule> mapping;

  // "@event<TAB>book<TAB>lesson<TAB>kind": the event's own names, completed by the catalogue.
  Result<Entity> resolve_event(std::string_view rest) {
    Entity e;
    const std::size_t t1 = rest.find('\t'), t2 = rest.find('\t', t1 == std::string_view::npos ? rest.size() : t1 + 1);
    e.book = std::string(rest.substr(0, t1));
    const std::string lesson = t1 == std::string_view::npos ? std::string() : std::string(rest.substr(t1 + 1, t2 - t1 - 1));
    e.resource_kind = t2 == std::string_view::npos ? std::string() : std::string(rest.substr(t2 + 1));
    if (catalog) {
      auto f = catalog->usage_facts_of_book(e.book);
      if (!f) return f.error();
      if (*f) {
        const std::string book = e.book;
        fill(e, **f);
        e.book = book.find('/') == std::string::npos ? e.book : book;
      }
    }
    if (!lesson.empty()) e.lesson = e.book + "#" + lesson;
    return e;
  }

  // The longest matching mapping rule; its fields win over what the catalogue says.
  Result<Entity> resolve_mapped(std::string_view path) {
    Entity e;
    const MappingRule* best = nullptr;
    for (const MappingRule& r : mapping) {
      const bool hit = r.prefix ? path.substr(0, r.pattern.size()) == r.pattern : path == r.pattern;
      if (hit && (!best || r.pattern.size() > best->pattern.size())) best = &r;
    }
    if (!best) return e;
    auto get = [&](const char* k) -> std::string {
      auto it = best->fields.find(k);
      return it == best->fields.end() ? std::string() : it->second;
    };
    if (const std::string book = get("book"); !book.empty()) {
      e.book = book;
      if (catalog) {
        auto f = catalog->usage_facts_of_book(book);
        if (!f) return f.error();
        if (*f) fill(e, **f);
      }
    }
    if (const std::string lesson = get("lesson"); !lesson.empty()) e.lesson = e.book.empty() ? lesson : e.book + "#" + lesson;
    for (auto [key, field] : {std::pair{"kind", &e.resource_kind}, {"subject", &e.subject}, {"grade", &e.grade},
                              {"stage", &e.stage}, {"edition", &e.edition}, {"publisher", &e.publisher}})
      if (const std::string v = get(key); !v.empty()) *field = v;
    return e;
  }
};

Resolver::Resolver() : m(std::make_unique<Impl>()) {}
Resolver::Resolver(Resolver&&) noexcept = default;
Resolver& Resolver::operator=(Resolver&&) noexcept = default;
Resolver::~Resolver() = default;
bool Resolver::has_catalog() const { return m->catalog.has_value(); }

Result<Resolver> Resolver::open(const std::filesystem::path& catalog_file, std::vector<MappingRule> mapping) {
  Resolver r;
  r.m->mapping = std::move(mapping);
  if (catalog_file.empty()) return r;
  auto c = Catalog::open(catalog_file, Access::read_only);
  if (!c) {
    if (Catalog::is_absent(c.error())) return r;  // no catalogue: region and time dimensions only
    return c.error();
  }
  r.m->catalog.emplace(std::move(c).value());
  return r;
}

Result<Entity> Resolver::resolve(std::string_view path) {
  if (m->catalog) {
    if (const std::string_view sha = blob_sha(path); !sha.empty()) {
      auto f = m->catalog->usage_facts_of_blob(std::string(sha));
      if (!f) return f.error();
      if (*f) {
        Entity e;
        fill(e, **f);
        e.resource_kind = (*f)->resource_kind;
        if (!(*f)->lesson_key.empty()) e.lesson = e.book + "#" + (*f)->lesson_key;
        return e;
      }
    }
  }
  if (path.starts_with(k_event_prefix)) return m->resolve_event(path.substr(k_event_prefix.size()));
  return m->resolve_mapped(path);
}

}  // namespace eductl::usage
