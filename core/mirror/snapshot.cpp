#include "core/mirror/snapshot.hpp"

#include "core/store/blob_store.hpp"
#include "core/util/embedded.hpp"
#include "core/util/json_schema.hpp"
#include "core/util/sha256.hpp"
#include "core/util/time.hpp"

#include <ctime>
#include <stdexcept>
#include <limits>
#include <nlohmann/json.hpp>
#include <map>
#include <set>

namespace eductl::snapshot {
namespace {

using nlohmann::json;

// A field-by-field reader that remembers the first problem as a JSON pointer and a
// reason; the caller turns it into one finding.
class Reader {
 public:
  explicit Reader(std::string code) : m_code(std::move(code)) {}
  bool failed() const { return !m_where.empty() || !m_why.empty(); }
  void fail(std::string where, std::string why) {
    if (failed()) return;
    m_where = where.empty() ? "/" : std::move(where);
    m_why = std::move(why);
  }
  Finding finding(const std::string& origin) const {
    return make_finding(m_code, m_where, (origin.empty() ? "" : origin + ": ") + m_why);
  }

  const json* field(const json& obj, const std::string& at, const char* key, bool required = true) {
    if (!obj.is_object()) {
      fail(at, "is not a JSON object");
      return nullptr;
    }
    auto it = obj.find(key);
    if (it == obj.end()) {
      if (required) fail(at + "/" + key, "is missing");
      return nullptr;
    }
    return &*it;
  }
  std::string text(const json& obj, const std::string& at, const char* key, std::size_t max = 4096, bool required = true) {
    const json* v = field(obj, at, key, required);
    if (!v) return {};
    if (!v->is_string()) {
      fail(at + "/" + key, "must be a string");
      return {};
    }
    const auto& s = v->get_ref<const std::string&>();
    if (s.size() > max) fail(at + "/" + key, "is longer than " + std::to_string(max) + " bytes");
    return s;
  }
  std::int64_t integer(const json& obj, const std::string& at, const char* key, std::int64_t min, bool required = true) {
    const json* v = field(obj, at, key, required);
    if (!v) return min;
    if (!v->is_number_integer()) {
      fail(at + "/" + key, "must be an integer");
      return min;
    }
    if (v->is_number_unsigned() && v->get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      fail(at + "/" + key, "is out of range");
      return min;
    }
    auto n = v->get<std::int64_t>();
    if (n < min) fail(at + "/" + key, "must be at least " + std::to_string(min));
    return n;
  }
  std::string sha(const json& obj, const std::string& at, const char* key, bool allow_empty = false) {
    auto s = text(obj, at, key, 64);
    if (!failed() && !(allow_empty && s.empty()) && !is_sha256_hex(s)) fail(at + "/" + key, "is not 64 lowercase hex digits");
    return s;
  }
  const json* array(const json& obj, const std::string& at, const char* key, std::size_t max, bool required = true) {
    const json* v = field(obj, at, key, required);
    if (!v) return nullptr;
    if (!v->is_array()) {
      fail(at + "/" + key, "must be an array");
      return nullptr;
    }
    if (v->size() > max) {
      fail(at + "/" + key, "has more than " + std::to_string(max) + " items");
      return nullptr;
    }
    return v;
  }
  std::optional<GradeSpan> grade(const json& obj, const std::string& at) {
    const json* v = field(obj, at, "grade", false);
    if (!v || v->is_null()) return std::nullopt;
    if (!v->is_array() || v->size() != 2 || !(*v)[0].is_number_integer() || !(*v)[1].is_number_integer()) {
      fail(at + "/grade", "must be null or [from, to]");
      return std::nullopt;
    }
    auto from = (*v)[0].get<std::int64_t>(), to = (*v)[1].get<std::int64_t>();
    if (from < 0 || to < from || to > 20) {
      fail(at + "/grade", "is not a grade span");
      return std::nullopt;
    }
    return GradeSpan{static_cast<int>(from), static_cast<int>(to)};
  }

 private:
  std::string m_code, m_where, m_why;
};

json grade_json(const std::optional<GradeSpan>& g) { return g ? json::array({g->from, g->to}) : json(nullptr); }

json facts_json(const PartFacts& f) {
  return {{"book", f.book},       {"publisher", f.publisher}, {"stage", f.stage}, {"subject", f.subject},
          {"edition", f.edition}, {"kind", f.kind},           {"grade", grade_json(f.grade)}, {"title", f.title}};
}

std::optional<json> parse_json(std::string_view text) {
  json doc = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return std::nullopt;
  return doc;
}

}  // namespace

std::string part_path(const std::string& sha256) { return "parts/" + sha256 + ".json"; }
std::string object_path(const std::string& sha256) { return "objects/" + object_relpath(sha256); }

PartFacts facts_of(const Part& p) {
  const auto& m = p.record.meta;
  return PartFacts{p.book, m.publisher_code, m.stage, m.subject, m.edition, m.kind, m.grade, m.title};
}

std::string index_json(const Index& index) {
  json parts = json::array();
  for (const auto& e : index.parts) {
    json j = facts_json(e.facts);
    j["sha256"] = e.sha256;
    j["size"] = e.size;
    j["blobs"] = e.blobs;
    j["bytes"] = e.bytes;
    parts.push_back(std::move(j));
  }
  json doc = {{"schema", k_index_schema}, {"version", index.version}, {"created", index.created},
              {"expires", index.expires}, {"origin", index.origin},   {"next_keys", index.next_keys},
              {"parts", std::move(parts)}};
  // One part per line: a diff of two indexes reads book by book.
  std::string out = doc.dump();
  return out + "\n";
}

std::string part_json(const Part& p) {
  const auto& r = p.record;
  const auto& m = r.meta;
  json files = json::array();
  for (const auto& f : r.files)
    files.push_back({{"path", f.path}, {"sha256", f.sha256}, {"size", f.size}, {"media_type", f.media_type}, {"role", f.role}});
  json contents = json::array();
  for (const auto& u : r.contents) {
    json lessons = json::array();
    for (const auto& l : u.lessons) {
      json res = json::array();
      for (const auto& x : l.resources) res.push_back({{"kind", x.kind}, {"file", x.file}, {"pages", x.pages}});
      lessons.push_back({{"id", l.id}, {"title", l.title}, {"resources", std::move(res)}});
    }
    contents.push_back({{"title", u.title}, {"lessons", std::move(lessons)}});
  }
  json meta = {{"publisher_code", m.publisher_code}, {"publisher_name", m.publisher_name}, {"title", m.title},
               {"isbn", m.isbn}, {"stage", m.stage}, {"school_system", m.school_system},
               {"special_school", m.special_school}, {"grade", grade_json(m.grade)}, {"subject", m.subject},
               {"kind", m.kind}, {"edition", m.edition}, {"volume", m.volume}, {"volume_title", m.volume_title},
               {"language", m.language}, {"published", m.published}};
  json doc = {{"schema", k_part_schema}, {"book", p.book},     {"package_id", r.package_id}, {"revision", r.revision},
              {"source", r.source},      {"digest", p.digest}, {"meta", std::move(meta)},    {"files", std::move(files)},
              {"contents", std::move(contents)}};
  // Only books with transcoded videos carry these, so other parts keep their bytes.
  if (!p.renditions.empty()) {
    json rs = json::array();
    for (const auto& x : p.renditions)
      rs.push_back({{"input_sha256", x.input_sha256}, {"profile", x.profile}, {"rendition", x.rendition},
                    {"path", x.path}, {"sha256", x.sha256}, {"size", x.size}});
    doc["renditions"] = std::move(rs);
  }
  if (!p.media.empty()) {
    json ms = json::array();
    for (const auto& m : p.media)
      ms.push_back({{"sha256", m.sha256}, {"duration", m.duration}, {"width", m.width}, {"height", m.height},
                    {"video_codec", m.video_codec}, {"audio_codec", m.audio_codec}, {"bitrate", m.bitrate}});
    doc["media"] = std::move(ms);
  }
  return doc.dump() + "\n";
}

IndexParse parse_index(std::string_view text) {
  IndexParse out;
  Reader rd("MIR-INDEX-MALFORMED");
  auto doc = parse_json(text);
  if (!doc) {
    out.findings.push_back(make_finding("MIR-INDEX-MALFORMED", "/", "index.json is not valid JSON"));
    return out;
  }
  Index index;
  auto schema = rd.text(*doc, "", "schema", 64);
  if (!rd.failed() && schema != k_index_schema) {
    out.findings.push_back(make_finding("MIR-FORMAT", "/schema",
                                        "index.json is format '" + schema + "'; this eductl reads " + std::string(k_index_schema)));
    return out;
  }
  index.version = rd.integer(*doc, "", "version", 1);
  index.created = rd.text(*doc, "", "created", 32);
  index.expires = rd.text(*doc, "", "expires", 32);
  if (!rd.failed() && !parse_utc(index.created)) rd.fail("/created", "is not a UTC time YYYY-MM-DDTHH:MM:SSZ");
  if (!rd.failed() && !parse_utc(index.expires)) rd.fail("/expires", "is not a UTC time YYYY-MM-DDTHH:MM:SSZ");
  index.origin = rd.text(*doc, "", "origin", 1000, false);
  if (const json* keys = rd.array(*doc, "", "next_keys", 8, false)) {
    for (std::size_t i = 0; i < keys->size() && !rd.failed(); ++i) {
      if (!(*keys)[i].is_string() || (*keys)[i].get_ref<const std::string&>().size() > 200)
        rd.fail("/next_keys/" + std::to_string(i), "must be a minisign public key string");
      else
        index.next_keys.push_back((*keys)[i].get<std::string>());
    }
  }
  std::set<std::string> books;
  if (const json* parts = rd.array(*doc, "", "parts", 1'000'000)) {
    index.parts.reserve(parts->size());
    for (std::size_t i = 0; i < parts->size() && !rd.failed(); ++i) {
      const json& j = (*parts)[i];
      std::string at = "/parts/" + std::to_string(i);
      PartEntry e;
      e.facts.book = rd.text(j, at, "book", 300);
      e.facts.publisher = rd.text(j, at, "publisher", 64);
      e.facts.stage = rd.text(j, at, "stage", 64);
      e.facts.subject = rd.text(j, at, "subject", 64);
      e.facts.edition = rd.text(j, at, "edition", 300);
      e.facts.kind = rd.text(j, at, "kind", 64);
      e.facts.title = rd.text(j, at, "title", 1000);
      e.facts.grade = rd.grade(j, at);
      e.sha256 = rd.sha(j, at, "sha256");
      e.size = static_cast<std::uint64_t>(rd.integer(j, at, "size", 1));
      e.blobs = static_cast<std::uint64_t>(rd.integer(j, at, "blobs", 0));
      e.bytes = static_cast<std::uint64_t>(rd.integer(j, at, "bytes", 0));
      if (!rd.failed() && e.size > k_max_part_bytes) rd.fail(at + "/size", "is larger than a part may be");
      if (!rd.failed() && e.facts.book.empty()) rd.fail(at + "/book", "is empty");
      if (!rd.failed() && !books.insert(e.facts.book).second) rd.fail(at + "/book", "names a book listed twice");
      index.parts.push_back(std::move(e));
    }
  }
  if (rd.failed()) {
    out.findings.push_back(rd.finding("index.json"));
    return out;
  }
  out.index = std::move(index);
  return out;
}

namespace {

void read_meta(Reader& rd, const json& doc, BookMeta& meta) {
  const json* m = rd.field(doc, "", "meta");
  if (!m) return;
  meta.publisher_code = rd.text(*m, "/meta", "publisher_code", 64);
  meta.publisher_name = rd.text(*m, "/meta", "publisher_name", 300);
  meta.title = rd.text(*m, "/meta", "title", 1000);
  meta.isbn = rd.text(*m, "/meta", "isbn", 32);
  meta.stage = rd.text(*m, "/meta", "stage", 64);
  meta.school_system = rd.text(*m, "/meta", "school_system", 16);
  meta.special_school = rd.text(*m, "/meta", "special_school", 64);
  meta.grade = rd.grade(*m, "/meta");
  meta.subject = rd.text(*m, "/meta", "subject", 64);
  meta.kind = rd.text(*m, "/meta", "kind", 64);
  meta.edition = rd.text(*m, "/meta", "edition", 300);
  meta.volume = rd.text(*m, "/meta", "volume", 64);
  meta.volume_title = rd.text(*m, "/meta", "volume_title", 300);
  meta.language = rd.text(*m, "/meta", "language", 32);
  meta.published = rd.text(*m, "/meta", "published", 32);
}

void read_files(Reader& rd, const json& doc, std::vector<FileDecl>& out) {
  const json* files = rd.array(doc, "", "files", 200'000);
  if (!files) return;
  std::set<std::string> paths;
  for (std::size_t i = 0; i < files->size() && !rd.failed(); ++i) {
    const json& j = (*files)[i];
    std::string at = "/files/" + std::to_string(i);
    FileDecl f;
    f.path = rd.text(j, at, "path", 4096);
    f.sha256 = rd.sha(j, at, "sha256", /*allow_empty=*/true);
    f.size = static_cast<std::uint64_t>(rd.integer(j, at, "size", 0));
    f.media_type = rd.text(j, at, "media_type", 200);
    f.role = rd.text(j, at, "role", 64);
    if (!rd.failed() && (f.path.empty() || !paths.insert(f.path).second)) rd.fail(at + "/path", "is empty or listed twice");
    out.push_back(std::move(f));
  }
}

LessonDecl read_lesson(Reader& rd, const json& j, const std::string& at) {
  LessonDecl lesson;
  lesson.id = rd.text(j, at, "id", 300);
  lesson.title = rd.text(j, at, "title", 1000);
  if (const json* res = rd.array(j, at, "resources", 1000)) {
    for (std::size_t k = 0; k < res->size() && !rd.failed(); ++k) {
      std::string rat = at + "/resources/" + std::to_string(k);
      ResourceDecl x;
      x.kind = rd.text((*res)[k], rat, "kind", 64);
      x.file = rd.text((*res)[k], rat, "file", 4096);
      x.pages = rd.text((*res)[k], rat, "pages", 32);
      lesson.resources.push_back(std::move(x));
    }
  }
  return lesson;
}

void read_contents(Reader& rd, const json& doc, std::vector<UnitDecl>& out) {
  const json* units = rd.array(doc, "", "contents", 10'000);
  if (!units) return;
  for (std::size_t u = 0; u < units->size() && !rd.failed(); ++u) {
    std::string at = "/contents/" + std::to_string(u);
    UnitDecl unit;
    unit.title = rd.text((*units)[u], at, "title", 1000);
    if (const json* lessons = rd.array((*units)[u], at, "lessons", 10'000))
      for (std::size_t l = 0; l < lessons->size() && !rd.failed(); ++l)
        unit.lessons.push_back(read_lesson(rd, (*lessons)[l], at + "/lessons/" + std::to_string(l)));
    out.push_back(std::move(unit));
  }
}

void read_renditions(Reader& rd, const json& doc, std::vector<Rendition>& out) {
  const json* rs = rd.array(doc, "", "renditions", 100'000, false);
  if (!rs) return;
  for (std::size_t i = 0; i < rs->size() && !rd.failed(); ++i) {
    const json& j = (*rs)[i];
    std::string at = "/renditions/" + std::to_string(i);
    Rendition x;
    x.input_sha256 = rd.sha(j, at, "input_sha256");
    x.profile = rd.text(j, at, "profile", 64);
    x.rendition = rd.text(j, at, "rendition", 64);
    x.path = rd.text(j, at, "path", 1024);
    x.sha256 = rd.sha(j, at, "sha256");
    x.size = static_cast<std::uint64_t>(rd.integer(j, at, "size", 0));
    out.push_back(std::move(x));
  }
}

void read_media(Reader& rd, const json& doc, std::vector<Media>& out) {
  const json* ms = rd.array(doc, "", "media", 100'000, false);
  if (!ms) return;
  for (std::size_t i = 0; i < ms->size() && !rd.failed(); ++i) {
    const json& j = (*ms)[i];
    std::string at = "/media/" + std::to_string(i);
    Media m;
    m.sha256 = rd.sha(j, at, "sha256");
    if (const json* d = rd.field(j, at, "duration"); d && !d->is_number()) rd.fail(at + "/duration", "must be a number");
    else if (d) m.duration = d->get<double>();
    m.width = static_cast<int>(rd.integer(j, at, "width", 0));
    m.height = static_cast<int>(rd.integer(j, at, "height", 0));
    m.video_codec = rd.text(j, at, "video_codec", 64);
    m.audio_codec = rd.text(j, at, "audio_codec", 64);
    m.bitrate = rd.integer(j, at, "bitrate", 0);
    if (!rd.failed() && (m.width > 100000 || m.height > 100000)) rd.fail(at, "has an impossible frame size");
    out.push_back(std::move(m));
  }
}

// The published part schema (schemas/eductl.snapshot-part-1.schema.json), compiled once:
// a part is checked against it before the hand parse reads its fields.
const JsonSchema& part_schema() {
  static const JsonSchema k_schema = [] {
    auto text = embedded_schema("eductl.snapshot-part-1.schema.json");
    if (!text) throw std::logic_error("snapshot part schema not embedded");
    auto schema = JsonSchema::parse_text(*text);
    if (!schema) throw std::logic_error("snapshot part schema: " + schema.error().message);
    return std::move(schema).value();
  }();
  return k_schema;
}

// A store holds one object per hash: a part that gives one blob two sizes (two files,
// or a file and a rendition) cannot be held whole, whichever size is true.
void check_blob_sizes(Reader& rd, const Part& p) {
  std::map<std::string, std::pair<std::uint64_t, std::string>> seen;  // sha -> size, where
  auto check = [&](const std::string& sha, std::uint64_t size, const std::string& at) {
    if (rd.failed() || sha.empty()) return;
    auto [it, fresh] = seen.emplace(sha, std::make_pair(size, at));
    if (!fresh && it->second.first != size)
      rd.fail(at + "/size", "gives blob " + sha + " the size " + std::to_string(size) + ", but " + it->second.second +
                                " gives it " + std::to_string(it->second.first) + " (one blob, two sizes)");
  };
  for (std::size_t i = 0; i < p.record.files.size(); ++i)
    check(p.record.files[i].sha256, p.record.files[i].size, "/files/" + std::to_string(i));
  for (std::size_t i = 0; i < p.renditions.size(); ++i)
    check(p.renditions[i].sha256, p.renditions[i].size, "/renditions/" + std::to_string(i));
}

}  // namespace

PartParse parse_part(std::string_view text, const std::string& origin) {
  PartParse out;
  Reader rd("MIR-PART-MALFORMED");
  auto doc = parse_json(text);
  if (!doc) {
    out.findings.push_back(make_finding("MIR-PART-MALFORMED", "/", origin + ": is not valid JSON"));
    return out;
  }
  if (auto violations = part_schema().validate(*doc); !violations.empty()) {
    const auto& v = violations.front();
    out.findings.push_back(make_finding("MIR-PART-MALFORMED", v.pointer.empty() ? "/" : v.pointer,
                                        origin + ": " + v.message + " (schema eductl.snapshot-part/1, " + v.keyword + ")"));
    return out;
  }
  Part p;
  auto schema = rd.text(*doc, "", "schema", 64);
  if (!rd.failed() && schema != k_part_schema) rd.fail("/schema", "is '" + schema + "', not " + std::string(k_part_schema));
  p.book = rd.text(*doc, "", "book", 300);
  auto& r = p.record;
  r.package_id = rd.text(*doc, "", "package_id", 300);
  r.revision = rd.integer(*doc, "", "revision", 1);
  r.source = rd.text(*doc, "", "source", 100);
  p.digest = rd.text(*doc, "", "digest", 128);
  read_meta(rd, *doc, r.meta);
  read_files(rd, *doc, r.files);
  read_contents(rd, *doc, r.contents);
  read_renditions(rd, *doc, p.renditions);
  read_media(rd, *doc, p.media);
  if (!rd.failed() && p.book.empty()) rd.fail("/book", "is empty");
  check_blob_sizes(rd, p);
  if (rd.failed()) {
    out.findings.push_back(rd.finding(origin));
    return out;
  }
  out.part = std::move(p);
  return out;
}

}  // namespace eductl::snapshot
