#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "importers/pdf_folder.hpp"

using namespace eductl;
namespace fs = std::filesystem;

namespace {

// A fresh folder under the system temp directory, removed again at scope end.
class TempFolder {
 public:
  TempFolder() {
    std::random_device rd;
    m_path = fs::temp_directory_path() / ("eductl-pdf-folder-" + std::to_string(rd()));
    fs::create_directories(m_path);
  }
  ~TempFolder() {
    std::error_code ec;
    fs::remove_all(m_path, ec);
  }
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;

  const fs::path& path() const { return m_path; }
  void write(const std::string& name, const std::string& bytes) const {
    fs::create_directories((m_path / name).parent_path());
    std::ofstream(m_path / name, std::ios::binary) << bytes;
  }

 private:
  fs::path m_path;
};

const std::string k_pdf = "%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
const std::string k_header =
    "file,title,publisher_code,publisher_name,isbn,stage,school_system,special_school,grade,subject,kind,"
    "edition,volume,volume_title,published,package_id,revision\n";

std::size_t count_code(const Findings& findings, std::string_view code) {
  std::size_t n = 0;
  for (const auto& f : findings) n += f.code == code ? 1 : 0;
  return n;
}

const Finding* find_code(const Findings& findings, std::string_view code) {
  for (const auto& f : findings) {
    if (f.code == code) return &f;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("a folder with books.csv in codes and in Chinese labels", "[pdf-folder]") {
  TempFolder dir;
  dir.write("数学七上.pdf", k_pdf);
  dir.write("bio/分子与细胞.epub", "PK fake epub");
  dir.write("体育五六.pdf", k_pdf + k_pdf);
  dir.write("books.csv",
            "\xEF\xBB\xBF" + k_header +
                "数学七上.pdf,义务教育教科书·数学 七年级 上册,HNEP,湖南教育出版社,978-7-5355-0000-7,junior,,,7,math,,"
                "湘教版,upper,,2024-06,hnep-math-7a,2\n"
                "bio/分子与细胞.epub,\"普通高中教科书·生物学 必修1 分子与细胞\",HNEP,湖南教育出版社,9787535500007,"
                "高中,,,,生物学,学生用书,湘教版,\"选择性必修1 分子与细胞\",,2024-07,hnep-bio-e1,\n"
                "体育五六.pdf,体育与健康 五至六年级,HNEP,湖南教育出版社,9787535500007,小学（五•四学制）,,,五,"
                "体育与健康,教师用书,湘教版,水平三,,,hnep-pe-l3,\n");
  auto result = read_pdf_folder(dir.path());
  REQUIRE(result);
  INFO((result->findings.empty() ? std::string() : result->findings.front().message));
  CHECK(result->findings.empty());
  CHECK(result->rows == 3);
  REQUIRE(result->books.size() == 3);

  const BookRecord& math = result->books[0];
  CHECK(math.source == "pdf-folder");
  CHECK(math.package_id == "hnep-math-7a");
  CHECK(math.revision == 2);
  CHECK(math.meta.isbn == "9787535500007");
  CHECK(math.meta.stage == "junior");
  CHECK(math.meta.school_system == "6-3");
  CHECK(math.meta.grade == GradeSpan{7, 7});
  CHECK(math.meta.volume == "upper");
  CHECK(math.meta.published == "2024-06");
  REQUIRE(math.files.size() == 1);
  CHECK(math.files[0].path == "数学七上.pdf");
  CHECK(math.files[0].size == k_pdf.size());
  CHECK(math.files[0].media_type == "application/pdf");
  CHECK(math.files[0].role == "textbook");
  CHECK(math.files[0].sha256.empty());

  const BookRecord& bio = result->books[1];
  CHECK(bio.revision == 1);
  CHECK(bio.meta.stage == "senior");
  CHECK(bio.meta.school_system.empty());
  CHECK(bio.meta.subject == "biology");
  CHECK(bio.meta.volume == "elective-1");
  CHECK(bio.meta.volume_title == "分子与细胞");
  CHECK_FALSE(bio.meta.grade);
  REQUIRE(bio.files.size() == 1);
  CHECK(bio.files[0].path == "bio/分子与细胞.epub");
  CHECK(bio.files[0].media_type == "application/epub+zip");

  const BookRecord& pe = result->books[2];
  CHECK(pe.meta.school_system == "5-4");
  CHECK(pe.meta.kind == "teacher");
  CHECK(pe.meta.volume == "level-3");
  CHECK(pe.meta.grade == GradeSpan{5, 5});
}

TEST_CASE("special education rows need a special school", "[pdf-folder]") {
  TempFolder dir;
  dir.write("a.pdf", k_pdf);
  dir.write("b.pdf", k_pdf);
  dir.write("books.csv", k_header +
                             "a.pdf,生活适应 一年级 下册,PEP,人民教育出版社,9787107000003,特殊教育,,培智学校,1,"
                             "生活适应,,人教版,下册,,,,\n"
                             "b.pdf,生活数学 一年级 下册,PEP,人民教育出版社,9787107000010,special,,,1,"
                             "life-math,,人教版,lower,,,,\n");
  auto result = read_pdf_folder(dir.path());
  REQUIRE(result);
  REQUIRE(result->books.size() == 1);
  CHECK(result->books[0].meta.special_school == "intellectual");
  CHECK(result->books[0].meta.school_system.empty());
  CHECK(result->books[0].package_id == "9787107000003");  // from the ISBN
  const Finding* f = find_code(result->findings, "CSV-REQUIRED");
  REQUIRE(f);
  CHECK(f->entry == "books.csv:3");
  CHECK(f->message.find("special_school") != std::string::npos);
}

TEST_CASE("a folder without books.csv", "[pdf-folder]") {
  TempFolder dir;
  dir.write("a.pdf", k_pdf);
  auto result = read_pdf_folder(dir.path());
  REQUIRE(result);
  CHECK(result->books.empty());
  REQUIRE(result->findings.size() == 1);
  CHECK(result->findings[0].code == "CSV-SIDECAR-MISSING");
  CHECK(result->findings[0].severity == Severity::error);
}

TEST_CASE("not a directory is bad input", "[pdf-folder]") {
  auto result = read_pdf_folder(fs::temp_directory_path() / "eductl-no-such-folder-4711");
  REQUIRE_FALSE(result);
  CHECK(result.error().kind == ErrorKind::bad_input);
}

TEST_CASE("header problems: unknown, missing and duplicate columns", "[pdf-folder]") {
  SECTION("an unknown column is ignored with a warning") {
    TempFolder dir;
    dir.write("a.pdf", k_pdf);
    dir.write("books.csv",
              "file,title,publisher_code,publisher_name,isbn,stage,subject,edition,volume,grade,remark\n"
              "a.pdf,数学,PEP,人民教育出版社,9787107000003,primary,math,人教版,upper,1,校对中\n");
    auto result = read_pdf_folder(dir.path());
    REQUIRE(result);
    CHECK(result->books.size() == 1);
    REQUIRE(result->findings.size() == 1);
    CHECK(result->findings[0].code == "CSV-COLUMN-UNKNOWN");
    CHECK(result->findings[0].severity == Severity::warning);
  }
  SECTION("a missing required column stops every row") {
    TempFolder dir;
    dir.write("a.pdf", k_pdf);
    dir.write("books.csv", "file,title,publisher_code,publisher_name,isbn,stage,edition,volume\n"
                           "a.pdf,数学,PEP,人民教育出版社,9787107000003,primary,人教版,upper\n");
    auto result = read_pdf_folder(dir.path());
    REQUIRE(result);
    CHECK(result->books.empty());
    CHECK(count_code(result->findings, "CSV-COLUMN-MISSING") == 1);
    CHECK(count_code(result->findings, "CSV-FILE-UNLISTED") == 0);
  }
  SECTION("a column given twice") {
    TempFolder dir;
    dir.write("books.csv", "file,title,publisher_code,publisher_name,isbn,stage,subject,edition,volume,Stage\n");
    auto result = read_pdf_folder(dir.path());
    REQUIRE(result);
    CHECK(count_code(result->findings, "CSV-COLUMN-DUPLICATE") == 1);
  }
}

TEST_CASE("row problems: required value, enum, grade, value, files", "[pdf-folder]") {
  TempFolder dir;
  dir.write("ok.pdf", k_pdf);
  dir.write("enum.pdf", k_pdf);
  dir.write("grade.pdf", k_pdf);
  dir.write("range.pdf", k_pdf);
  dir.write("value.pdf", k_pdf);
  dir.write("stray.pdf", k_pdf);
  dir.write("notes.txt", "not a book");
  dir.write("books.csv", k_header +
                             "ok.pdf,数学,PEP,人民教育出版社,9787107000003,primary,,,1,math,,人教版,upper,,,,\n"  // 2
                             ",无文件,PEP,人民教育出版社,9787107000010,primary,,,1,math,,人教版,upper,,,,\n"      // 3
                             "enum.pdf,数学,PEP,人民教育出版社,9787107000027,幼儿园,,,1,math,,人教版,中册,,,,\n"  // 4
                             "grade.pdf,数学,PEP,人民教育出版社,9787107000034,primary,,,十三,math,,人教版,upper,,,,\n"  // 5
                             "range.pdf,数学,PEP,人民教育出版社,9787107000041,primary,5-4,,6,math,,人教版,upper,,,,\n"  // 6
                             "value.pdf,数学,pep,人民教育出版社,9787107000040,primary,,,1,math,,人教版,upper,,2024-13,Bad Id,0\n"  // 7
                             "gone.pdf,数学,PEP,人民教育出版社,9787107000058,primary,,,1,math,,人教版,upper,,,,\n"  // 8
                             "ok.pdf,数学,PEP,人民教育出版社,9787107000065,primary,,,1,math,,人教版,upper,,,,\n"  // 9
                             "../x.pdf,数学,PEP,人民教育出版社,9787107000072,primary,,,1,math,,人教版,upper,,,,\n"  // 10
                             "notes.txt,数学,PEP,人民教育出版社,9787107000089,primary,,,1,math,,人教版,upper,,,,\n"  // 11
                             "ok.pdf,数学,PEP,人民教育出版社,9787107000003,primary,,,1,math,,人教版,upper,,,,\n");  // 12
  auto result = read_pdf_folder(dir.path());
  REQUIRE(result);
  CHECK(result->rows == 11);
  REQUIRE(result->books.size() == 1);
  CHECK(result->books[0].files[0].path == "ok.pdf");

  auto entry_of = [&](std::string_view code) {
    const Finding* f = find_code(result->findings, code);
    return f ? f->entry : std::string("(none)");
  };
  CHECK(entry_of("CSV-REQUIRED") == "books.csv:3");
  CHECK(entry_of("CSV-ENUM") == "books.csv:4");
  CHECK(count_code(result->findings, "CSV-ENUM") == 2);  // stage and volume
  CHECK(entry_of("CSV-GRADE") == "books.csv:5");
  CHECK(count_code(result->findings, "CSV-GRADE") == 2);  // 十三, and 6 in a 5-4 primary
  // row 7: publisher_code, isbn check digit, published, package_id, revision
  CHECK(entry_of("CSV-VALUE") == "books.csv:7");
  CHECK(count_code(result->findings, "CSV-VALUE") == 5);
  CHECK(entry_of("CSV-FILE-MISSING") == "books.csv:8");
  CHECK(entry_of("CSV-FILE-DUPLICATE") == "books.csv:9");
  CHECK(entry_of("CSV-FILE-PATH") == "books.csv:10");
  CHECK(entry_of("CSV-FILE-TYPE") == "books.csv:11");
  CHECK(count_code(result->findings, "CSV-FILE-DUPLICATE") == 2);  // rows 9 and 12
  CHECK(entry_of("CSV-FILE-UNLISTED") == "stray.pdf");
  CHECK(count_code(result->findings, "CSV-FILE-UNLISTED") == 1);  // not notes.txt, not named ones
  CHECK(find_code(result->findings, "CSV-FILE-UNLISTED")->severity == Severity::warning);
}

TEST_CASE("RFC 4180 quoting, CRLF, and syntax errors", "[pdf-folder]") {
  SECTION("quoted commas, doubled quotes and line breaks") {
    TempFolder dir;
    dir.write("a,b.pdf", k_pdf);
    dir.write("books.csv",
              "file,title,publisher_code,publisher_name,isbn,stage,subject,edition,volume\r\n"
              "\"a,b.pdf\",\"数学 \"\"新编\"\"\r\n第二行\",PEP,人民教育出版社,9787107000003,primary,math,人教版,upper\r\n"
              "\r\n");
    auto result = read_pdf_folder(dir.path());
    REQUIRE(result);
    CHECK(result->findings.empty());
    REQUIRE(result->books.size() == 1);
    CHECK(result->books[0].meta.title == "数学 \"新编\"\r\n第二行");
    CHECK(result->books[0].files[0].path == "a,b.pdf");
  }
  SECTION("wrong field count, text after a quote, unterminated quote") {
    TempFolder dir;
    dir.write("a.pdf", k_pdf);
    dir.write("books.csv",
              "file,title,publisher_code,publisher_name,isbn,stage,subject,edition,volume\n"
              "a.pdf,数学,PEP,人民教育出版社,9787107000003,primary,math,人教版\n"
              "a.pdf,\"数学\"x,PEP,人民教育出版社,9787107000003,primary,math,人教版,upper\n"
              "a.pdf,\"数学,PEP\n");
    auto result = read_pdf_folder(dir.path());
    REQUIRE(result);
    CHECK(result->books.empty());
    CHECK(count_code(result->findings, "CSV-SYNTAX") == 3);
    CHECK(find_code(result->findings, "CSV-SYNTAX")->entry == "books.csv:2");
    CHECK(count_code(result->findings, "CSV-FILE-UNLISTED") == 0);  // a.pdf is named
  }
}

TEST_CASE("encodings: GBK is read with a warning, garbage is refused", "[pdf-folder]") {
  SECTION("GBK") {
    TempFolder dir;
    dir.write("a.pdf", k_pdf);
    // 数学 in GBK is CA FD D1 A7; 人教版 is C8 CB BD CC B0 E6.
    dir.write("books.csv",
              "file,title,publisher_code,publisher_name,isbn,stage,subject,edition,volume\n"
              "a.pdf,\xCA\xFD\xD1\xA7,PEP,PEP,9787107000003,primary,math,\xC8\xCB\xBD\xCC\xB0\xE6,upper\n");
    auto result = read_pdf_folder(dir.path());
    REQUIRE(result);
    REQUIRE(result->books.size() == 1);
    CHECK(result->books[0].meta.edition == "人教版");
    CHECK(count_code(result->findings, "CSV-ENCODING-GBK") == 1);
  }
  SECTION("neither UTF-8 nor GBK") {
    TempFolder dir;
    dir.write("books.csv", std::string("file,title\n\xFF\xFF\xFF,x\n"));
    auto result = read_pdf_folder(dir.path());
    REQUIRE(result);
    CHECK(result->books.empty());
    CHECK(count_code(result->findings, "CSV-ENCODING") == 1);
  }
}

TEST_CASE("a books.csv that is no regular file, or too large, is never read", "[pdf-folder]") {
  auto only_code = [](const Result<PdfFolderReadResult>& r) {
    REQUIRE(r);
    CHECK(r->books.empty());
    REQUIRE(r->findings.size() == 1);
    CHECK(r->findings[0].message.find("books.csv") != std::string::npos);
    return r->findings[0].code;
  };
  SECTION("a FIFO does not block") {
    TempFolder dir;
    dir.write("a.pdf", k_pdf);
    REQUIRE(::mkfifo((dir.path() / "books.csv").c_str(), 0600) == 0);
    CHECK(only_code(read_pdf_folder(dir.path())) == "CSV-SIDECAR-TYPE");
  }
  SECTION("a symbolic link, even to /dev/zero, is not followed") {
    TempFolder dir;
    fs::create_symlink("/dev/zero", dir.path() / "books.csv");
    CHECK(only_code(read_pdf_folder(dir.path())) == "CSV-SIDECAR-TYPE");
  }
  SECTION("over the cap") {
    TempFolder dir;
    dir.write("books.csv", "file,title\n" + std::string(4096, 'x') + "\n");
    CHECK(only_code(read_pdf_folder(dir.path(), 1024)) == "CSV-SIDECAR-TOO-LARGE");
    auto raised = read_pdf_folder(dir.path(), 1 << 20);
    REQUIRE(raised);
    CHECK(std::none_of(raised->findings.begin(), raised->findings.end(),
                       [](const Finding& f) { return f.code == "CSV-SIDECAR-TOO-LARGE"; }));
  }
}
