#include "importers/platform_listing.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string_view>

#include "core/package/vocab.hpp"
#include "core/util/fs.hpp"

namespace eductl {
namespace {

using nlohmann::json;

constexpr std::string_view k_source = "platform-listing";

// Tag dimensions (tag_list[].tag_dimension_id) the mapping reads.
constexpr std::string_view k_dim_stage = "zxxxd";
constexpr std::string_view k_dim_grade = "zxxnj";
constexpr std::string_view k_dim_volume = "zxxcc";
constexpr std::string_view k_dim_edition = "zxxbb";
constexpr std::string_view k_dim_subject = "zxxxk";
constexpr std::string_view k_dim_special = "zxxlb";

// Dimensions that carry nothing the catalogue keeps: the platform's resource category
// (电子教材), difficulty (简单), navigation view (同步课资源视图), new/old curriculum.
constexpr std::array<std::string_view, 4> k_ignored_dimensions{"5036342742", "5036342744",
                                                               "tagView", "zxxxjjc"};
// The category tag that marks an e-textbook whatever its resource type.
constexpr std::string_view k_textbook_category_dim = "5036342742";
constexpr std::string_view k_textbook_category = "电子教材";

// Resource types: 教材 (a catalogue entry), 文档 (a book's PDF), 专题课 (a course; a
// compound textbook's parent record has this type too).
enum class RecordType { book, maybe_book, other };
struct TypeRow {
  std::string_view code;
  RecordType type;
};
constexpr std::array k_types{
    TypeRow{"teachingmaterials", RecordType::book},
    TypeRow{"assets_document", RecordType::book},
    TypeRow{"thematic_course", RecordType::maybe_book},
};

// Grade-tag values that state "no particular grade".
constexpr std::array<std::string_view, 1> k_gradeless{"高中年级"};

constexpr std::string_view k_special_stage_label = "特殊教育";

std::string str(const json& obj, std::string_view key) {
  if (!obj.is_object()) return {};
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

std::string compound_node(const json& record) {
  auto it = record.find("resource_custom_properties");
  return it == record.end() ? std::string() : str(*it, "compound_node");
}

bool is_document_part(const json& record) {
  return str(record, "resource_type_code") == "assets_document" &&
         compound_node(record) == "sub";
}

std::vector<std::string> parent_ids(const json& record) {
  std::vector<std::string> out;
  auto it = record.find("teachmeterial_ids");  // sic: the platform's spelling
  if (it == record.end() || !it->is_array()) return out;
  for (const auto& v : *it) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

// The record's tags by dimension, distinct values in order of appearance.
using TagMap = std::map<std::string, std::vector<std::string>, std::less<>>;

struct Mapper {
  const std::string& id;
  Findings& findings;
  bool failed = false;

  void report(std::string_view code, const std::string& message) {
    Finding f = make_finding(code, id, "record " + id + ": " + message);
    if (f.severity == Severity::error) failed = true;
    findings.push_back(std::move(f));
  }

  // The one value of a single-valued dimension; "" when absent; reports a conflict.
  std::string single(const TagMap& tags, std::string_view dim, std::string_view what) {
    auto it = tags.find(dim);
    if (it == tags.end() || it->second.empty()) return {};
    if (it->second.size() > 1) {
      std::string values;
      for (const auto& v : it->second) values += (values.empty() ? "'" : ", '") + v + "'";
      report("LST-TAG-CONFLICT", std::string(what) + " tags " + values + " (" + std::string(dim) +
                                     ") disagree");
    }
    return it->second.front();
  }
};

std::optional<TagMap> read_tags(const json& record, Mapper& m) {
  TagMap tags;
  auto it = record.find("tag_list");
  if (it == record.end() || it->is_null()) return tags;
  if (!it->is_array()) {
    m.report("LST-RECORD", "tag_list is not an array");
    return std::nullopt;
  }
  std::size_t n = 0;
  for (const auto& tag : *it) {
    const std::string dim = str(tag, "tag_dimension_id");
    const std::string name = str(tag, "tag_name");
    if (dim.empty() || name.empty()) {
      m.report("LST-RECORD", "tag_list[" + std::to_string(n) + "] lacks tag_dimension_id or tag_name");
    } else {
      auto& values = tags[dim];
      if (std::find(values.begin(), values.end(), name) == values.end()) values.push_back(name);
    }
    ++n;
  }
  return tags;
}

bool has_textbook_category(const TagMap& tags) {
  auto it = tags.find(k_textbook_category_dim);
  return it != tags.end() &&
         std::find(it->second.begin(), it->second.end(), k_textbook_category) != it->second.end();
}

void map_stage(const TagMap& tags, BookMeta& meta, Mapper& m) {
  auto it = tags.find(k_dim_stage);
  if (it == tags.end() || it->second.empty()) {
    m.report("LST-STAGE", "has no stage tag (zxxxd)");
    return;
  }
  // Special-education books carry 特殊教育 next to the ordinary stage (小学, 初中) whose
  // grades they follow; the special stage wins.
  std::vector<std::string> values = it->second;
  if (values.size() > 1) {
    auto special = std::find(values.begin(), values.end(), k_special_stage_label);
    if (special != values.end()) values = {*special};
  }
  std::optional<StageMatch> stage;
  for (const auto& v : values) {
    stage = parse_stage_label(v);
    if (!stage) {
      m.report("LST-STAGE", "stage tag '" + v + "' (zxxxd) is not a known stage");
      return;
    }
  }
  if (values.size() > 1) {
    m.single(tags, k_dim_stage, "stage");
    return;
  }
  meta.stage = stage->stage;
  if (meta.stage == "primary" || meta.stage == "junior") {
    meta.school_system = stage->school_system.empty() ? "6-3" : stage->school_system;
  }
}

void map_special_school(const TagMap& tags, BookMeta& meta, Mapper& m) {
  const std::string value = m.single(tags, k_dim_special, "special school");
  if (value.empty()) {
    if (meta.stage == "special") m.report("LST-SPECIAL-SCHOOL", "special-education record has no special-school tag (zxxlb)");
    return;
  }
  auto code = special_school_code(value);
  if (!code) {
    m.report("LST-SPECIAL-SCHOOL", "special-school tag '" + value + "' (zxxlb) is not a known school");
    return;
  }
  // A school tag makes the book a special-education one even when the stage tag forgot.
  meta.stage = "special";
  meta.school_system.clear();
  meta.special_school = *code;
}

// Grade tag: a grade or span, a book kind (教师用书), or a part of the subject (中国历史).
// Returns the text that names a part of the subject, for the volume title.
std::string map_grade(const TagMap& tags, BookMeta& meta, Mapper& m) {
  const std::string value = m.single(tags, k_dim_grade, "grade");
  if (value.empty()) return {};
  if (auto grade = parse_grade_label(value)) {
    meta.grade = *grade;
  } else if (auto kind = kind_code(value)) {
    meta.kind = *kind;
  } else if (std::find(k_gradeless.begin(), k_gradeless.end(), value) != k_gradeless.end()) {
    // no grade
  } else if (auto subject = subject_code(value); subject && *subject == meta.subject) {
    return value;
  } else {
    m.report("LST-GRADE", "grade tag '" + value + "' (zxxnj) is neither a grade nor a book kind");
  }
  return {};
}

void map_volume(const TagMap& tags, BookMeta& meta, std::string_view subject_part, Mapper& m) {
  const std::string value = m.single(tags, k_dim_volume, "volume");
  std::string title;
  if (value.empty()) {
    // nothing: a listing may leave the volume out
  } else if (auto volume = parse_volume_label(value)) {
    meta.volume = volume->volume;
    title = volume->volume_title;
    if (volume->grade) {
      if (!meta.grade) {
        meta.grade = volume->grade;
      } else if (!(*meta.grade == *volume->grade)) {
        m.report("LST-TAG-CONFLICT", "volume tag '" + value + "' (zxxcc) names grade " +
                                         grade_label(*volume->grade) + " but the grade tag says " +
                                         grade_label(*meta.grade));
      }
    }
  } else if (auto grade = parse_grade_label(value)) {
    if (!meta.grade) meta.grade = *grade;
    m.report("LST-VOLUME", "volume tag '" + value + "' (zxxcc) names a grade, not a volume; volume left empty");
  } else {
    title = value;
    m.report("LST-VOLUME", "volume tag '" + value + "' (zxxcc) is no volume code; kept as volume_title");
  }
  if (!subject_part.empty()) title = title.empty() ? std::string(subject_part) : std::string(subject_part) + " " + title;
  meta.volume_title = title;
}

void map_subject(const TagMap& tags, BookMeta& meta, std::string& edition_note, Mapper& m) {
  const std::string value = m.single(tags, k_dim_subject, "subject");
  if (value.empty()) {
    m.report("LST-SUBJECT", "has no subject tag (zxxxk)");
    return;
  }
  auto subject = parse_subject_label(value);
  if (!subject) {
    m.report("LST-SUBJECT", "subject tag '" + value + "' (zxxxk) is not a known subject");
    return;
  }
  meta.subject = subject->code;
  if (!subject->kind.empty()) meta.kind = subject->kind;
  edition_note = subject->edition_note;
}

void report_unknown_dimensions(const TagMap& tags, Mapper& m) {
  static constexpr std::array<std::string_view, 6> k_known{k_dim_stage,   k_dim_grade,
                                                           k_dim_volume,  k_dim_edition,
                                                           k_dim_subject, k_dim_special};
  for (const auto& [dim, values] : tags) {
    const bool known = std::find(k_known.begin(), k_known.end(), dim) != k_known.end() ||
                       std::find(k_ignored_dimensions.begin(), k_ignored_dimensions.end(), dim) !=
                           k_ignored_dimensions.end();
    if (!known) m.report("LST-TAG-DIMENSION", "tag dimension '" + dim + "' ('" + values.front() + "') is not known; ignored");
  }
}

// The book file a record declares through custom_properties.format/size, if any.
std::optional<FileDecl> file_of(const json& record, const std::string& file_id, Mapper& m) {
  auto it = record.find("custom_properties");
  if (it == record.end() || !it->is_object()) return std::nullopt;
  const std::string format = str(*it, "format");
  if (format.empty()) return std::nullopt;
  const std::string_view media_type = textbook_media_type(format);
  if (media_type.empty()) {
    m.report("LST-FORMAT", "file format '" + format + "' of " + file_id + " is neither pdf nor epub; no file declared");
    return std::nullopt;
  }
  FileDecl file;
  file.path = file_id + "." + format;
  file.media_type = media_type;
  file.role = "textbook";
  // The catalogue keeps sizes as int64: a larger one would wrap to a negative size.
  constexpr std::uint64_t k_max_size = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (auto size = it->find("size"); size != it->end() && size->is_number_unsigned()) {
    if (size->get<std::uint64_t>() > k_max_size) {
      m.report("LST-RECORD", "file size " + size->dump() + " of " + file_id + " is beyond 2^63-1 bytes");
      return std::nullopt;
    }
    file.size = size->get<std::uint64_t>();
  } else if (size != it->end() && size->is_number_integer() && size->get<std::int64_t>() >= 0) {
    file.size = static_cast<std::uint64_t>(size->get<std::int64_t>());
  }
  return file;
}

std::string publisher_of(const json& record) {
  std::vector<std::string> names;
  auto it = record.find("provider_list");
  if (it == record.end() || !it->is_array()) return {};
  for (const auto& p : *it) {
    const std::string name = str(p, "name");
    if (!name.empty() && std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : "、") + n;
  return out;
}

std::string title_of(const json& record) {
  std::string title = str(record, "title");
  if (title.empty()) {
    if (auto it = record.find("global_title"); it != record.end()) title = str(*it, "zh-CN");
  }
  return title;
}

}  // namespace

ListingReadResult map_platform_listing(const json& records) {
  ListingReadResult out;
  if (!records.is_array()) {
    out.findings.push_back(make_finding("LST-RECORD", "", "the listing is not a JSON array of records"));
    return out;
  }
  out.records = records.size();

  // Compound textbooks: a parent record holds the tags, document parts hold the file.
  std::set<std::string, std::less<>> ids;
  std::map<std::string, std::vector<const json*>, std::less<>> parts_of;
  for (const auto& r : records) {
    if (!r.is_object()) continue;
    if (const std::string id = str(r, "id"); !id.empty()) ids.insert(id);
    if (is_document_part(r)) {
      for (const auto& parent : parent_ids(r)) parts_of[parent].push_back(&r);
    }
  }

  std::set<std::string, std::less<>> seen;
  for (std::size_t n = 0; n < records.size(); ++n) {
    const json& r = records[n];
    const std::string index_name = "record[" + std::to_string(n) + "]";
    if (!r.is_object()) {
      out.findings.push_back(make_finding("LST-RECORD", index_name, index_name + " is not a JSON object"));
      continue;
    }
    const std::string id = str(r, "id");
    if (id.empty()) {
      out.findings.push_back(make_finding("LST-NO-ID", index_name, index_name + " ('" + title_of(r) + "') has no id"));
      continue;
    }
    Mapper m{id, out.findings};
    if (!seen.insert(id).second) {
      m.report("LST-DUPLICATE-ID", "appears more than once in the listing; later copy skipped");
      continue;
    }
    if (is_document_part(r)) {
      const auto parents = parent_ids(r);
      const bool joined = std::any_of(parents.begin(), parents.end(),
                                      [&](const std::string& p) { return ids.contains(p); });
      if (!joined) {
        m.report("LST-PART-ORPHAN", "document part of compound textbook " +
                                        (parents.empty() ? std::string("(none named)") : parents.front()) +
                                        ", which is not in this listing; skipped");
      }
      continue;  // joined parts are declared as files of their parent below
    }

    auto tags = read_tags(r, m);
    if (!tags) continue;
    const std::string type = str(r, "resource_type_code");
    auto row = std::find_if(k_types.begin(), k_types.end(), [&](const TypeRow& t) { return t.code == type; });
    const auto parts = parts_of.find(id);
    const bool is_book = row != k_types.end() &&
                         (row->type == RecordType::book ||
                          has_textbook_category(*tags) || parts != parts_of.end());
    if (!is_book) {
      m.report("LST-NOT-A-BOOK", "resource type '" + type + "' ('" + title_of(r) + "') is no textbook; skipped");
      continue;
    }

    BookRecord book;
    book.package_id = id;
    book.revision = 1;
    book.source = std::string(k_source);
    BookMeta& meta = book.meta;
    meta.title = title_of(r);
    if (meta.title.empty()) m.report("LST-TITLE", "has no title");
    meta.publisher_name = publisher_of(r);
    if (const std::string language = str(r, "language"); !language.empty()) meta.language = language;

    std::string edition_note;
    map_stage(*tags, meta, m);
    map_special_school(*tags, meta, m);
    map_subject(*tags, meta, edition_note, m);
    const std::string subject_part = map_grade(*tags, meta, m);
    map_volume(*tags, meta, subject_part, m);
    meta.edition = m.single(*tags, k_dim_edition, "edition");
    if (!edition_note.empty() && meta.edition.find(edition_note) == std::string::npos) {
      meta.edition += edition_note;
    }
    report_unknown_dimensions(*tags, m);
    if (meta.grade && !meta.stage.empty() && !grade_fits_stage(*meta.grade, meta.stage, meta.school_system)) {
      m.report("LST-GRADE-RANGE", "grade " + grade_label(*meta.grade) + " lies outside stage " +
                                      std::string(stage_label(meta.stage)) +
                                      (meta.school_system == "5-4" ? "（五•四学制）" : ""));
    }

    if (auto file = file_of(r, id, m)) book.files.push_back(std::move(*file));
    if (parts != parts_of.end()) {
      for (const json* part : parts->second) {
        Mapper pm{id, out.findings};
        if (auto file = file_of(*part, str(*part, "id"), pm)) {
          if (!book.files.empty()) file->role.clear();  // one textbook file per book
          book.files.push_back(std::move(*file));
        }
      }
    }
    if (!m.failed) out.books.push_back(std::move(book));
  }
  return out;
}

Result<ListingReadResult> read_platform_listing(const std::filesystem::path& file, std::uint64_t max_bytes) {
  BoundedRead text = read_untrusted_file(file, max_bytes);
  const std::string name = file.filename().string();
  auto refused = [&](std::string_view code, std::string why) {
    ListingReadResult out;
    out.findings.push_back(make_finding(code, "", "the listing " + name + " " + std::move(why) + "; not read"));
    return out;
  };
  switch (text.refusal) {
    case FileRefusal::none:
      break;
    case FileRefusal::symlink:
    case FileRefusal::not_regular:
      return refused("LST-FILE-TYPE", text.detail);
    case FileRefusal::too_large:
      return refused("LST-FILE-TOO-LARGE", text.detail + " (--max-sidecar)");
    case FileRefusal::missing:
    case FileRefusal::unreadable:
      return make_error(ErrorKind::bad_input, "the listing " + text.detail, file.string());
  }
  json records = json::parse(text.data, nullptr, /*allow_exceptions=*/false);
  if (records.is_discarded()) {
    return make_error(ErrorKind::bad_input, "the listing is not valid JSON", file.string());
  }
  if (!records.is_array()) {
    return make_error(ErrorKind::bad_input,
                      "the listing is not a JSON array of records (a tchMaterial or syncClassroom part)",
                      file.string());
  }
  return map_platform_listing(records);
}

}  // namespace eductl
