// The catalogue's model of one textbook (one 册): what every importer produces and the
// catalogue stores. Enumerated fields hold the spec's codes ("junior", "upper",
// "elective-2"); core/package/vocab.hpp maps codes to their Chinese labels and back.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace eductl {

struct GradeSpan {
  int from = 0;
  int to = 0;  // == from for a single grade
  bool operator==(const GradeSpan&) const = default;
};

struct BookMeta {
  std::string publisher_code;  // "PEP"; empty when the source does not say (listings)
  std::string publisher_name;  // "人民教育出版社"
  std::string title;
  std::string isbn;            // normalised: digits (and X) only; empty if unknown
  std::string stage;           // primary | junior | senior | special
  std::string school_system;   // "6-3" | "5-4"; empty for senior/special
  std::string special_school;  // blind | deaf | intellectual; only with stage special
  std::optional<GradeSpan> grade;
  std::string subject;         // spec subject code
  std::string kind = "student";  // student | teacher | reader | atlas | practice
  std::string edition;         // 版本 as named by the platform, e.g. "人教版"
  std::string volume;          // upper | lower | full | compulsory-N | elective-N | level-N
  std::string volume_title;    // e.g. "分子与细胞"
  std::string language = "zh-CN";
  std::string published;       // YYYY-MM
};

struct FileDecl {
  std::string path;
  std::string sha256;  // 64 lowercase hex; empty when the source has no file bytes yet
  std::uint64_t size = 0;
  std::string media_type;
  std::string role;  // "textbook" for the book itself, else empty
};

struct ResourceDecl {
  std::string kind;   // video | task_sheet | exercise | textbook_pages | courseware | audio | subtitle
  std::string file;   // a FileDecl::path
  std::string pages;  // "N" or "N-M", textbook_pages only
};

struct LessonDecl {
  std::string id;
  std::string title;
  std::vector<ResourceDecl> resources;
};

struct UnitDecl {
  std::string title;
  std::vector<LessonDecl> lessons;
};

// One book as delivered: identity, revision, metadata, files and table of contents.
struct BookRecord {
  std::string package_id;  // stable id; for platform listings the platform UUID
  std::int64_t revision = 1;
  std::string source;      // which importer produced it: "textbook-package/1", ...
  BookMeta meta;
  std::vector<FileDecl> files;
  std::vector<UnitDecl> contents;
};

}  // namespace eductl
