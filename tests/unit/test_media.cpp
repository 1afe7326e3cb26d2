#include <catch2/catch.hpp>

#include "core/package/epub.hpp"
#include "core/package/epub_url.hpp"
#include "core/package/media.hpp"
#include "core/package/ocf_names.hpp"
#include "core/package/zip_inspect.hpp"
#include "tests/fixtures/media_writer.hpp"

using namespace eductl;

namespace {
std::vector<std::string> codes(const Findings& fs) {
  std::vector<std::string> out;
  for (const auto& f : fs) out.push_back(f.code);
  return out;
}
// A package document's opening: the package element and the metadata EPUB 3.3 requires.
const std::string k_opf_head =
    R"(<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="uid">)"
    R"(<metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:identifier id="uid">urn:isbn:9787107315206</dc:identifier>)"
    R"(<dc:title>数学</dc:title><dc:language>zh-CN</dc:language><meta property="dcterms:modified">2024-09-01T00:00:00Z</meta>)"
    R"(</metadata>)";
// Runs the streaming EPUB reading over zip bytes held in memory, as scan.cpp does over
// an entry of a package.
Findings inspect_epub(const std::string& bytes) {
  bool given = false;
  ReadCallback read = [&](const void** data, std::size_t* size) -> Result<bool> {
    if (given) return false;
    given = true;
    *data = bytes.data();
    *size = bytes.size();
    return true;
  };
  return inspect_nested_zip("book.epub", std::string_view(bytes).substr(0, 4096), read, ZipInspectLimits{}).epub;
}
Findings epub_with(fixtures::EpubDefect defect) {
  return inspect_epub(fixtures::make_epub({.title = "数学", .identifier = "urn:isbn:9787107315206",
                                           .chapters = {"第一章", "第二章"}, .defect = defect}));
}
MediaFacts facts(const std::string& head, const std::string& tail = {}) {
  MediaFacts f;
  summarise_media(head, tail.empty() ? head : tail, f);
  return f;
}
}  // namespace

TEST_CASE("PDF scanner finds page count and encryption across block boundaries", "[media][pdf]") {
  const std::string pdf =
      "%PDF-1.7\n1 0 obj <</Type/Pages/Count 12/Kids[]>> endobj\n3 0 obj <</Type /Page>> endobj\n"
      "trailer <</Root 1 0 R /Encrypt 9 0 R>>\n%%EOF";
  for (std::size_t split : {std::size_t{1}, std::size_t{20}, std::size_t{33}, std::size_t{60}, pdf.size()}) {
    PdfScanner s;
    for (std::size_t i = 0; i < pdf.size(); i += split) s.feed(pdf.data() + i, std::min(split, pdf.size() - i));
    s.finish();
    CHECK(s.pages() == 12);
    CHECK(s.encrypted());
  }
  PdfScanner plain;
  std::string p = "%PDF-1.4 <</Type /Page>> <</Type /Page >> <</Type /Pages>> <</EncryptMetadata false>>";
  plain.feed(p.data(), p.size());
  plain.finish();
  CHECK(plain.pages() == 2);
  CHECK_FALSE(plain.encrypted());
}

TEST_CASE("content must agree with the declared media type", "[media]") {
  CHECK(check_media("a.pdf", "application/pdf", facts("%PDF-1.4 x", "%%EOF\n")).size() == 1);  // pages unknown: warning
  MediaFacts pdf = facts("%PDF-1.4", "xx\n%%EOF \r\n");
  pdf.pdf_pages = 3;
  CHECK(check_media("a.pdf", "application/pdf", pdf).empty());
  MediaFacts cut = facts("%PDF-1.4", "truncated");
  cut.pdf_pages = 3;
  CHECK(codes(check_media("a.pdf", "application/pdf", cut)) == std::vector<std::string>{"PDF-TRAILER"});
  CHECK(codes(check_media("a.pdf", "application/pdf", facts("<html>"))) == std::vector<std::string>{"PDF-HEADER"});
  CHECK(check_media("v.mp4", "video/mp4", facts(std::string("\0\0\0\x18" "ftypisom", 12))).empty());
  CHECK(codes(check_media("v.mp4", "video/mp4", facts("\x89PNG\r\n\x1a\n"))) == std::vector<std::string>{"MEDIA-MISMATCH"});
  CHECK(check_media("p.png", "image/png", facts("\x89PNG\r\n\x1a\nrest")).empty());
  CHECK(check_media("j.jpg", "image/jpeg", facts("\xFF\xD8\xFF\xE0")).empty());
  CHECK(check_media("a.mp3", "audio/mpeg", facts("ID3\x04")).empty());
  CHECK(check_media("s.vtt", "text/vtt", facts("\xEF\xBB\xBFWEBVTT\n\n00:00.000 --> 00:01.000\n字幕")).empty());
  CHECK(codes(check_media("s.vtt", "text/vtt", facts("WEBVTTX"))) == std::vector<std::string>{"MEDIA-MISMATCH"});
  CHECK(check_media("e.json", "application/json", facts(" {\"题\": 1}")).empty());
  CHECK(codes(check_media("e.json", "application/json", facts("\xff\xfe{"))) == std::vector<std::string>{"MEDIA-MISMATCH"});
  CHECK(check_media("c.html", "text/html", facts("<!DOCTYPE html>")).empty());
  CHECK(codes(check_media("b.zip", "application/zip", facts("%PDF"))) == std::vector<std::string>{"MEDIA-MISMATCH"});
  CHECK(is_accepted_media_type("text/vtt"));
  CHECK_FALSE(is_accepted_media_type("image/gif"));
  CHECK_FALSE(is_accepted_media_type(""));
}

TEST_CASE("EPUB structure: container, OPF, manifest items, spine", "[media][epub]") {
  const std::string container =
      R"(<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">)"
      R"(<rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles></container>)";
  const std::string opf =
      R"(<?xml version="1.0"?>)" + k_opf_head + "<manifest>" +
      R"(<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>)"
      R"(<item id="c1" href="text/%E7%AC%AC1%E7%AB%A0.xhtml" media-type="application/xhtml+xml"/>)"
      R"(</manifest><spine><itemref idref="c1"/></spine></package>)";
  std::vector<std::string> names = {"mimetype", "META-INF/container.xml", "OEBPS/content.opf", "OEBPS/nav.xhtml",
                                    "OEBPS/text/第1章.xhtml"};
  auto lookup = [&](const std::string& text) {
    return [&, text](const std::string& path) -> const std::string* { return path == "OEBPS/content.opf" ? &text : nullptr; };
  };
  CHECK(check_epub_structure("b.epub", names, &container, lookup(opf)).empty());
  CHECK(codes(check_epub_structure("b.epub", names, nullptr, lookup(opf))) == std::vector<std::string>{"EPUB-CONTAINER"});
  std::string broken_container = "<container><rootfiles>";
  CHECK(codes(check_epub_structure("b.epub", names, &broken_container, lookup(opf))) ==
        std::vector<std::string>{"EPUB-CONTAINER"});
  auto no_opf = [](const std::string&) -> const std::string* { return nullptr; };
  CHECK(codes(check_epub_structure("b.epub", names, &container, no_opf)) == std::vector<std::string>{"EPUB-OPF"});
  auto missing = names;
  missing.pop_back();
  auto f = check_epub_structure("b.epub", missing, &container, lookup(opf));
  REQUIRE(codes(f) == std::vector<std::string>{"EPUB-MANIFEST-ITEM"});
  CHECK(f[0].entry == "b.epub!OEBPS/text/第1章.xhtml");
  std::string bad_spine = opf;
  bad_spine.replace(bad_spine.find("idref=\"c1\""), 10, "idref=\"zz\"");
  CHECK(codes(check_epub_structure("b.epub", names, &container, lookup(bad_spine))) == std::vector<std::string>{"EPUB-SPINE"});
}

TEST_CASE("OCF file names: forbidden characters, trailing full stop, length", "[media][epub][ocf]") {
  CHECK(forbidden_ocf_char("第1章 正数和负数-1_a.xhtml") == -1);
  for (char c : std::string_view("\x01\"*:<>?\\|\x7F")) CHECK(forbidden_ocf_char(std::string("a") + c + "b") == c);
  CHECK(forbidden_ocf_char(std::string("a\0b", 3)) == 0);
  CHECK(forbidden_ocf_char("a\xC2\x85" "b") == 0x85);            // C1 NEL
  CHECK(forbidden_ocf_char("a\xE2\x80\xA8") == 0x2028);          // line separator
  CHECK(forbidden_ocf_char("\xEE\x80\x80.png") == 0xE000);       // private use
  CHECK(forbidden_ocf_char("\xEF\xB7\x90") == 0xFDD0);           // non-character
  CHECK(forbidden_ocf_char("\xEF\xBF\xB9") == 0xFFF9);           // specials
  CHECK(forbidden_ocf_char("\xF0\x9F\xBF\xBE") == 0x1FFFE);      // plane-end non-character
  CHECK(forbidden_ocf_char("\xF3\xA0\x80\x81") == 0xE0001);      // language tag
  CHECK(forbidden_ocf_char("\xF3\xB0\x80\x80") == 0xF0000);      // supplementary private use
  CHECK(forbidden_ocf_char("\xEF\xBF\xBD") == 0xFFFD);           // the replacement character is a special
  CHECK(forbidden_ocf_char("\xEF\xBF\xAE") == -1);               // U+FFEE, just below the specials

  auto f = check_ocf_names("b.epub", {"OEBPS/chap:1.xhtml"});
  REQUIRE(codes(f) == std::vector<std::string>{"EPUB-FILENAME-CHAR"});
  CHECK(f[0].entry == "b.epub!OEBPS/chap:1.xhtml");
  CHECK(f[0].message == "file name contains ':' which OCF forbids");
  CHECK(check_ocf_names("b.epub", {"OEBPS/\xEE\x80\x80.png"})[0].message.find("U+E000 (a private use character)") !=
        std::string::npos);
  CHECK(codes(check_ocf_names("b.epub", {"OEBPS/notes."})) == std::vector<std::string>{"EPUB-FILENAME-DOT"});
  CHECK(codes(check_ocf_names("b.epub", {"OEBPS./a.xhtml"})) == std::vector<std::string>{"EPUB-FILENAME-DOT"});
  CHECK(codes(check_ocf_names("b.epub", {"OEBPS/" + std::string(256, 'a')})) ==
        std::vector<std::string>{"EPUB-FILENAME-LENGTH"});
  // A long path is fine as long as each name is at most 255 bytes.
  CHECK(check_ocf_names("b.epub", {std::string(200, 'a') + "/" + std::string(255, 'b')}).empty());
}

TEST_CASE("OCF file names: duplicates and names equal after case folding", "[media][epub][ocf]") {
  CHECK(check_ocf_names("b.epub", {"mimetype", "OEBPS/a.xhtml", "OEBPS/b.xhtml"}).empty());
  CHECK(codes(check_ocf_names("b.epub", {"OEBPS/a.xhtml", "OEBPS/a.xhtml"})) ==
        std::vector<std::string>{"EPUB-DUPLICATE-ENTRY"});
  CHECK(codes(check_ocf_names("b.epub", {"OEBPS/a.xhtml", "OEBPS/A.XHTML"})) ==
        std::vector<std::string>{"EPUB-CASE-COLLISION"});
  // Full case folding: ß folds to ss, so STRASSE and straße are one name.
  CHECK(codes(check_ocf_names("b.epub", {"OEBPS/stra\xC3\x9F" "e.xhtml", "OEBPS/STRASSE.xhtml"})) ==
        std::vector<std::string>{"EPUB-CASE-COLLISION"});
  // Canonical equivalence: é precomposed and e + combining acute.
  CHECK(codes(check_ocf_names("b.epub", {"OEBPS/caf\xC3\xA9.xhtml", "OEBPS/cafe\xCC\x81.xhtml"})) ==
        std::vector<std::string>{"EPUB-CASE-COLLISION"});
  // Two folders that collide, even though no two files do.
  auto f = check_ocf_names("b.epub", {"OEBPS/Images/a.png", "OEBPS/images/b.png"});
  REQUIRE(codes(f) == std::vector<std::string>{"EPUB-CASE-COLLISION"});
  CHECK(f[0].entry == "b.epub!OEBPS/images");
  CHECK(check_ocf_names("b.epub", {"OEBPS/a", "OEBPS/a/b.xhtml"})[0].message == "a file and a folder share this path");
  CHECK(check_ocf_names("b.epub", {"OEBPS/a/b.xhtml", "OEBPS/a"})[0].message == "a file and a folder share this path");
  CHECK(check_ocf_names("b.epub", {"OEBPS/a", "OEBPS/a/b.xhtml", "OEBPS/a/c.xhtml"}).size() == 1);
}

TEST_CASE("EPUB hrefs resolve inside the container or are named as leaving it", "[media][epub]") {
  CHECK(resolve_href("OEBPS/", "text/%E7%AC%AC1%E7%AB%A0.xhtml#p1").target == "OEBPS/text/第1章.xhtml");
  CHECK(resolve_href("OEBPS/", "../images/a.png").target == "images/a.png");
  CHECK(resolve_href("OEBPS/", "chap%3A1.xhtml").kind == HrefKind::local);
  CHECK(resolve_href("OEBPS/", "../../secret.xhtml").kind == HrefKind::outside);
  CHECK(resolve_href("OEBPS/", "/OEBPS/a.xhtml").kind == HrefKind::outside);
  CHECK(resolve_href("OEBPS/", "file:///etc/passwd").kind == HrefKind::outside);
  CHECK(resolve_href("OEBPS/", "data:text/plain,x").kind == HrefKind::outside);
  CHECK(resolve_href("OEBPS/", "https://cdn.example.com/a.mp4").kind == HrefKind::remote);
  CHECK(resolve_href("OEBPS/", "//cdn.example.com/a.mp4").kind == HrefKind::remote);
}

TEST_CASE("EPUB package document: manifest, ids and spine rules", "[media][epub]") {
  const std::string container =
      R"(<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>)"
      R"(<rootfile full-path="book/package.xml" media-type="application/oebps-package+xml"/></rootfiles></container>)";
  auto opf_with = [](const std::string& items, const std::string& spine) {
    return k_opf_head + "<manifest>" +
           R"(<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>)" +
           items + "</manifest><spine>" + spine + "</spine></package>";
  };
  const std::vector<std::string> names = {"mimetype", "META-INF/container.xml", "book/package.xml", "book/nav.xhtml",
                                          "book/c1.xhtml"};
  auto run = [&](const std::string& opf) {
    return check_epub_structure("b.epub", names, &container,
                                [&](const std::string& p) { return p == "book/package.xml" ? &opf : nullptr; });
  };
  const std::string c1 = R"(<item id="c1" href="c1.xhtml" media-type="application/xhtml+xml"/>)";
  // The package document need not end in .opf; ids are whitespace-normalised.
  CHECK(run(opf_with(c1, R"(<itemref idref="c1"/>)")).empty());
  CHECK(run(opf_with(R"(<item id=" c1 " href="c1.xhtml" media-type="application/xhtml+xml"/>)",
                     "<itemref idref=\"\tc1 \"/>")).empty());
  CHECK(run(opf_with(c1 + R"(<item id="v" href="https://cdn.example.com/v.mp4" media-type="video/mp4"/>)",
                     R"(<itemref idref="c1"/>)")).empty());
  CHECK(codes(run(opf_with(c1 + R"(<item id="w" href="https://cdn.example.com/w.xhtml" media-type="application/xhtml+xml"/>)",
                           R"(<itemref idref="c1"/>)"))) == std::vector<std::string>{"EPUB-REMOTE-RESOURCE"});
  CHECK(codes(run(opf_with(c1 + R"(<item id="x" href="../../x.xhtml" media-type="application/xhtml+xml"/>)",
                           R"(<itemref idref="c1"/>)"))) == std::vector<std::string>{"EPUB-HREF-OUTSIDE"});
  CHECK(codes(run(opf_with(c1 + R"(<item id="c1b" href="./c1.xhtml#top" media-type="application/xhtml+xml"/>)",
                           R"(<itemref idref="c1"/>)"))) == std::vector<std::string>{"EPUB-MANIFEST-DUPLICATE"});
  CHECK(codes(run(opf_with(c1 + R"(<item id="c1 " href="nav.xhtml#x" media-type="application/xhtml+xml"/>)",
                           R"(<itemref idref="c1"/>)"))) ==
        std::vector<std::string>{"EPUB-ID-DUPLICATE", "EPUB-MANIFEST-DUPLICATE"});
  CHECK(codes(run(opf_with(c1, R"(<itemref idref="c1"/><itemref idref="c1"/>)"))) ==
        std::vector<std::string>{"EPUB-SPINE-DUPLICATE"});
  CHECK(codes(run(opf_with(c1, R"(<itemref idref="nav" linear="no"/><itemref idref="c1" linear=" no"/>)"))) ==
        std::vector<std::string>{"EPUB-SPINE-LINEAR"});
  CHECK(run(opf_with(c1, R"(<itemref idref="nav" linear="no"/><itemref idref="c1"/>)")).empty());
  CHECK(codes(run(opf_with(c1 + R"(<item id="p" href="package.xml" media-type="application/oebps-package+xml"/>)",
                           R"(<itemref idref="c1"/>)"))) == std::vector<std::string>{"EPUB-MANIFEST-SELF"});
}

TEST_CASE("EPUB package element and required metadata", "[media][epub]") {
  const std::vector<std::string> names = {"p.opf", "nav.xhtml"};
  const std::string body = R"(<manifest><item id="n" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>)"
                           R"(</manifest><spine><itemref idref="n"/></spine></package>)";
  const std::string container =
      R"(<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>)"
      R"(<rootfile full-path="p.opf" media-type="application/oebps-package+xml"/></rootfiles></container>)";
  auto run = [&](std::string head) {
    const std::string opf = head + body;
    return codes(check_epub_structure("b.epub", names, &container,
                                      [&](const std::string& p) { return p == "p.opf" ? &opf : nullptr; }));
  };
  auto edit = [](std::string s, const std::string& from, const std::string& to) {
    return s.replace(s.find(from), from.size(), to);
  };
  CHECK(run(k_opf_head).empty());
  CHECK(run(edit(k_opf_head, "unique-identifier=\"uid\"", "unique-identifier=\"isbn\"")) ==
        std::vector<std::string>{"EPUB-PACKAGE"});
  CHECK(run(edit(k_opf_head, " version=\"3.0\"", "")) == std::vector<std::string>{"EPUB-PACKAGE"});
  CHECK(run(edit(k_opf_head, "<dc:title>数学</dc:title>", "")) == std::vector<std::string>{"EPUB-METADATA"});
  CHECK(run(edit(k_opf_head, "<dc:language>zh-CN</dc:language>", "")) == std::vector<std::string>{"EPUB-METADATA"});
  CHECK(run(edit(k_opf_head, "property=\"dcterms:modified\"", "property=\"dcterms:created\"")) ==
        std::vector<std::string>{"EPUB-METADATA"});
  // An EPUB 2 package document needs neither dcterms:modified nor a nav document.
  CHECK(run(edit(edit(k_opf_head, "version=\"3.0\"", "version=\"2.0\""), "property=\"dcterms:modified\"",
                 "property=\"x\"")).empty());
  const std::string no_nav_opf = k_opf_head + edit(body, " properties=\"nav\"", "");
  CHECK(codes(check_epub_structure("b.epub", names, &container, [&](const std::string&) { return &no_nav_opf; })) ==
        std::vector<std::string>{"EPUB-NAV"});
}

TEST_CASE("EPUB container.xml content model", "[media][epub]") {
  const std::vector<std::string> names = {"mimetype", "META-INF/container.xml", "p.opf", "c.xhtml"};
  const std::string opf = k_opf_head +
                          R"(<manifest><item id="c" href="c.xhtml" media-type="application/xhtml+xml" properties="nav"/>)"
                          R"(</manifest><spine><itemref idref="c"/></spine></package>)";
  auto run = [&](const std::string& container) {
    return check_epub_structure("b.epub", names, &container,
                                [&](const std::string& p) { return p == "p.opf" ? &opf : nullptr; });
  };
  const std::string ns = R"(xmlns="urn:oasis:names:tc:opendocument:xmlns:container")";
  const std::string rf = R"(<rootfile full-path="p.opf" media-type="application/oebps-package+xml"/>)";
  CHECK(run("<container version=\"1.0\" " + ns + "><rootfiles>" + rf + "</rootfiles></container>").empty());
  CHECK(rootfile_path("<container version=\"1.0\" " + ns + "><rootfiles>" + rf + "</rootfiles></container>") == "p.opf");
  const std::vector<std::string> model = {"EPUB-CONTAINER-MODEL"};
  CHECK(codes(run("<container " + ns + "><rootfiles>" + rf + "</rootfiles></container>")) == model);
  CHECK(codes(run("<container version=\"1.0\"><rootfiles>" + rf + "</rootfiles></container>")) == model);
  CHECK(codes(run("<box version=\"1.0\" " + ns + "><rootfiles>" + rf + "</rootfiles></box>")) == model);
  CHECK(codes(run("<container version=\"1.0\" " + ns + "><rootfiles>" + rf + "</rootfiles><rootfiles/></container>")) ==
        model);
  CHECK(codes(run("<container version=\"1.0\" " + ns +
                  R"(><rootfiles><rootfile full-path="p.pdf" media-type="application/pdf"/>)" + rf +
                  "</rootfiles></container>")) == model);
  CHECK(codes(run("<container version=\"1.0\" " + ns + "><rootfiles/></container>")) ==
        std::vector<std::string>{"EPUB-CONTAINER-MODEL", "EPUB-CONTAINER"});
  CHECK(codes(run("<container version=\"1.0\" " + ns +
                  R"(><rootfiles><rootfile full-path="../p.opf" media-type="application/oebps-package+xml"/></rootfiles></container>)")) ==
        std::vector<std::string>{"EPUB-HREF-OUTSIDE"});
}

TEST_CASE("EPUB read from a zip stream: each defect gives its code", "[media][epub]") {
  using fixtures::EpubDefect;
  CHECK(epub_with(EpubDefect::none).empty());
  CHECK(epub_with(EpubDefect::ids_with_spaces).empty());
  CHECK(epub_with(EpubDefect::opf_not_named_opf).empty());
  const std::pair<EpubDefect, const char*> cases[] = {
      {EpubDefect::mimetype_extra, "EPUB-MIMETYPE-EXTRA"}, {EpubDefect::container_model, "EPUB-CONTAINER-MODEL"},
      {EpubDefect::forbidden_char, "EPUB-FILENAME-CHAR"},   {EpubDefect::trailing_dot, "EPUB-FILENAME-DOT"},
      {EpubDefect::long_name, "EPUB-FILENAME-LENGTH"},      {EpubDefect::duplicate_entry, "EPUB-DUPLICATE-ENTRY"},
      {EpubDefect::case_collision, "EPUB-CASE-COLLISION"},  {EpubDefect::href_outside, "EPUB-HREF-OUTSIDE"},
      {EpubDefect::remote_resource, "EPUB-REMOTE-RESOURCE"}, {EpubDefect::manifest_duplicate, "EPUB-MANIFEST-DUPLICATE"},
      {EpubDefect::id_duplicate, "EPUB-ID-DUPLICATE"},      {EpubDefect::spine_duplicate, "EPUB-SPINE-DUPLICATE"},
      {EpubDefect::no_nav, "EPUB-NAV"},                     {EpubDefect::no_title, "EPUB-METADATA"},
      {EpubDefect::bad_unique_id, "EPUB-PACKAGE"},         {EpubDefect::manifest_self, "EPUB-MANIFEST-SELF"},
      {EpubDefect::spine_nonlinear, "EPUB-SPINE-LINEAR"},   {EpubDefect::gbk_name, "EPUB-FILENAME-ENCODING"},
  };
  for (const auto& [defect, code] : cases) {
    INFO(code);
    CHECK(codes(epub_with(defect)) == std::vector<std::string>{code});
  }
  auto f = epub_with(EpubDefect::forbidden_char);
  CHECK(f[0].entry == "book.epub!OEBPS/chap:1.xhtml");
}

TEST_CASE("EPUB package document stored before container.xml, under any name", "[media][epub]") {
  fixtures::ZipWriter zip;
  auto add = [&](std::string name, std::string data, fixtures::ZipMethod m = fixtures::ZipMethod::deflate) {
    zip.add({.name = std::move(name), .data = std::move(data), .method = m});
  };
  add("mimetype", "application/epub+zip", fixtures::ZipMethod::stored);
  add("c.xhtml", "<html/>");
  add("pkg/book.package", k_opf_head +
                              R"(<manifest><item id="c" href="../c.xhtml" media-type="application/xhtml+xml" properties="nav"/>)"
                              R"(</manifest><spine><itemref idref="c"/></spine></package>)");
  add("META-INF/container.xml",
      R"(<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>)"
      R"(<rootfile full-path="pkg/book.package" media-type="application/oebps-package+xml"/></rootfiles></container>)");
  CHECK(inspect_epub(zip.finish()).empty());
}

TEST_CASE("EPUB entry names are judged by OCF's rules, not the package path rules", "[media][epub][ocf]") {
  auto epub_holding = [](const std::string& extra_name) {
    fixtures::ZipWriter zip;
    auto add = [&](std::string name, std::string data, fixtures::ZipMethod m = fixtures::ZipMethod::deflate) {
      zip.add({.name = std::move(name), .data = std::move(data), .method = m});
    };
    add("mimetype", "application/epub+zip", fixtures::ZipMethod::stored);
    add("META-INF/container.xml",
        R"(<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>)"
        R"(<rootfile full-path="p.opf" media-type="application/oebps-package+xml"/></rootfiles></container>)");
    add("p.opf", k_opf_head +
                     R"(<manifest><item id="c" href="c.xhtml" media-type="application/xhtml+xml" properties="nav"/>)"
                     R"(</manifest><spine><itemref idref="c"/></spine></package>)");
    add("c.xhtml", "<html/>");
    add(extra_name, "<html/>");
    return inspect_epub(zip.finish());
  };
  // NFD is no OCF error (uniqueness is judged after normalisation); a package path must be NFC.
  CHECK(epub_holding("OEBPS/cafe\xCC\x81.xhtml").empty());
  CHECK(codes(epub_holding("OEBPS/x|y.xhtml")) == std::vector<std::string>{"EPUB-FILENAME-CHAR"});
  CHECK(codes(epub_holding("OEBPS/x\x01.xhtml")) == std::vector<std::string>{"EPUB-FILENAME-CHAR"});
  CHECK(epub_holding(std::string(200, 'd') + "/" + std::string(200, 'e')).empty());
  CHECK(codes(epub_holding("../x.xhtml")) == std::vector<std::string>{"EPUB-CORRUPT"});
}

TEST_CASE("EPUB container.xml: elements the OCF schema does not allow", "[media][epub][container]") {
  const std::vector<std::string> names = {"mimetype", "META-INF/container.xml", "p.opf", "c.xhtml"};
  const std::string opf = k_opf_head +
                          R"(<manifest><item id="c" href="c.xhtml" media-type="application/xhtml+xml" properties="nav"/>)"
                          R"(</manifest><spine><itemref idref="c"/></spine></package>)";
  auto run = [&](const std::string& inner) {
    const std::string container =
        R"(<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">)" + inner + "</container>";
    return check_epub_structure("b.epub", names, &container,
                                [&](const std::string& p) { return p == "p.opf" ? &opf : nullptr; });
  };
  const std::string rootfiles =
      R"(<rootfiles><rootfile full-path="p.opf" media-type="application/oebps-package+xml"/></rootfiles>)";
  const std::string links = R"(<links><link href="meta.xml" rel="metadata"/></links>)";
  const std::vector<std::string> model = {"EPUB-CONTAINER-MODEL"};
  CHECK(run(rootfiles).empty());
  CHECK(run("\n  " + rootfiles + "\n  " + links + "\n<!-- a comment -->").empty());
  auto f = run("<foo/>" + rootfiles);  // EPUBCheck's ocf-container-content-model-error
  REQUIRE(codes(f) == model);
  CHECK(f[0].entry == "b.epub!META-INF/container.xml");
  CHECK(f[0].message.find("<foo>") != std::string::npos);
  CHECK(codes(run(rootfiles + "<x:foo xmlns:x=\"urn:x\"/>")) == model);
  CHECK(codes(run(R"(<rootfiles><rootfile full-path="p.opf" media-type="application/oebps-package+xml"/><foo/></rootfiles>)")) ==
        model);
  CHECK(codes(run(R"(<rootfiles><rootfile full-path="p.opf" media-type="application/oebps-package+xml"><x/></rootfile></rootfiles>)")) ==
        model);
  CHECK(codes(run(rootfiles + "stray text")) == model);
  CHECK(codes(run(links + rootfiles)) == model);
  CHECK(codes(run(rootfiles + "<links/>")) == model);
  CHECK(codes(run(rootfiles + R"(<links><link href="meta.xml"/></links>)")) == model);
}

TEST_CASE("OCF file names: tag characters only inside an emoji tag sequence", "[media][epub][ocf]") {
  const std::string flag = "\xF0\x9F\x8F\xB4";  // U+1F3F4 black flag
  const std::string tags = "\xF3\xA0\x81\xA7\xF3\xA0\x81\xA2\xF3\xA0\x81\xA5\xF3\xA0\x81\xAE\xF3\xA0\x81\xA7";  // gbeng
  const std::string cancel = "\xF3\xA0\x81\xBF";  // U+E007F
  CHECK(forbidden_ocf_char("content_" + flag + tags + cancel + ".xhtml") == -1);  // EPUBCheck's emoji tag fixture
  CHECK(forbidden_ocf_char(flag + tags + cancel + flag + tags + cancel) == -1);
  CHECK(forbidden_ocf_char(flag + tags + ".xhtml") == 0xE0067);           // no CANCEL TAG
  CHECK(forbidden_ocf_char("a" + tags + cancel) == 0xE0067);              // no emoji base
  CHECK(forbidden_ocf_char(flag + cancel) == 0xE007F);                    // no tag spec
  CHECK(forbidden_ocf_char(flag + "\xF3\xA0\x80\x81" + cancel) == 0xE0001);  // LANGUAGE TAG is no tag spec
  CHECK(check_ocf_names("b.epub", {"EPUB/content_" + flag + tags + cancel + ".xhtml"}).empty());
}

TEST_CASE("EPUB remote references: how content documents use remote URLs", "[media][epub][remote]") {
  RemoteUses u;
  u.scan_css("/* url(https://x.example/comment) */ @import url(\"https://css.example/a.css\");\n"
             "@import 'https://css.example/b.css';\n"
             "@font-face { font-family: K; src: url(https://f.example/k) format('woff2'), local(K); }\n"
             "@media print { @font-face { src: url( 'https://f.example/p' ); } h1 { background: url(https://i.example/bg.png); } }\n"
             "p { background: url(images/local.png); }");
  CHECK(u.of("https://css.example/a.css") == k_remote_other);
  CHECK(u.of("https://css.example/b.css") == k_remote_other);
  CHECK(u.of("https://f.example/k") == k_remote_font);
  CHECK(u.of("https://f.example/p") == k_remote_font);
  CHECK(u.of("https://i.example/bg.png") == k_remote_other);
  CHECK(u.of("https://x.example/comment") == 0);
  CHECK(u.by_url.size() == 5);
  CHECK_FALSE(u.scripts);

  RemoteUses m;
  m.scan_markup(R"~(<?xml-stylesheet href="https://css.example/svg.css"?>)~"
                R"~(<html xmlns="http://www.w3.org/1999/xhtml"><head><link rel="stylesheet" href="https://css.example/h.css"/>)~"
                R"~(<link rel="author" href="https://people.example/me"/>)~"
                R"~(<style>@font-face { src: url(https://f.example/in-style); }</style></head><body>&nbsp;)~"
                R"~(<a href="https://web.example/">web</a><img src="https://i.example/a.png#x" alt=""/>)~"
                R"~(<audio src="https://m.example/a.mp3"/><video poster="https://i.example/p.jpg"><source src="https://m.example/v.mp4"/></video>)~"
                R"~(<object data="https://o.example/o"><param name="movie" value="https://o.example/m.swf"/></object>)~"
                R"~(<p style="background: url(https://i.example/s.png)">x</p><script>var u = "https://s.example/d";</script>)~"
                R"~(<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><font-face><font-face-src>)~"
                R"~(<font-face-uri xlink:href="https://f.example/svg-font"/></font-face-src></font-face></svg></body></html>)~");
  CHECK(m.scripts);
  CHECK(m.of("https://css.example/svg.css") == k_remote_other);
  CHECK(m.of("https://css.example/h.css") == k_remote_other);
  CHECK(m.of("https://people.example/me") == 0);
  CHECK(m.of("https://f.example/in-style") == k_remote_font);
  CHECK(m.of("https://web.example/") == 0);
  CHECK(m.of("https://i.example/a.png") == k_remote_other);
  CHECK(m.of("https://m.example/a.mp3") == k_remote_media);
  CHECK(m.of("https://i.example/p.jpg") == k_remote_other);
  CHECK(m.of("https://m.example/v.mp4") == k_remote_media);
  CHECK(m.of("https://o.example/o") == k_remote_other);
  CHECK(m.of("https://o.example/m.swf") == k_remote_param);
  CHECK(m.of("https://i.example/s.png") == k_remote_other);
  CHECK(m.of("https://s.example/d") == 0);
  CHECK(m.of("https://f.example/svg-font") == k_remote_font);
  CHECK(content_kind("OEBPS/Style.CSS") == ContentKind::css);
  CHECK(content_kind("OEBPS/c.xhtml") == ContentKind::markup);
  CHECK(content_kind("OEBPS/cover.svg") == ContentKind::markup);
  CHECK(content_kind("OEBPS/a.png") == ContentKind::none);
}

TEST_CASE("EPUB remote manifest items: allowed by use, refused by use", "[media][epub][remote]") {
  const std::string container =
      R"(<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>)"
      R"(<rootfile full-path="p.opf" media-type="application/oebps-package+xml"/></rootfiles></container>)";
  const std::vector<std::string> names = {"p.opf", "c.xhtml"};
  auto run = [&](const std::string& items, const RemoteUses& uses, const std::string& c_props = "nav") {
    const std::string opf = k_opf_head + R"(<manifest><item id="c" href="c.xhtml" media-type="application/xhtml+xml" properties=")" +
                            c_props + "\"/>" + items + R"(</manifest><spine><itemref idref="c"/></spine></package>)";
    return codes(check_epub_structure("b.epub", names, &container,
                                      [&](const std::string& p) { return p == "p.opf" ? &opf : nullptr; }, uses));
  };
  const std::string font = R"(<item id="f" href="https://f.example/k" media-type="application/vnd.dafont"/>)";
  const std::string svg = R"(<item id="f" href="https://f.example/k" media-type="image/svg+xml"/>)";
  RemoteUses none, as_font, as_font_and_img, as_param, as_media, scripted;
  as_font.by_url["https://f.example/k"] = k_remote_font;
  as_font_and_img.by_url["https://f.example/k"] = k_remote_font | k_remote_other;
  as_param.by_url["https://f.example/k"] = k_remote_param;
  as_media.by_url["https://f.example/k"] = k_remote_media;
  scripted.scripts = true;
  const std::vector<std::string> refused = {"EPUB-REMOTE-RESOURCE"}, unverified = {"EPUB-REMOTE-UNVERIFIED"};
  CHECK(run(font, as_font).empty());
  CHECK(run(svg, as_font).empty());
  CHECK(run(svg, as_media).empty());
  CHECK(run(R"(<item id="w" href="https://f.example/w.woff2" media-type="font/woff2"/>)", none).empty());
  CHECK(run(svg, none) == refused);
  CHECK(run(svg, as_font_and_img) == refused);
  CHECK(run(svg, as_param) == unverified);
  CHECK(run(svg, scripted) == unverified);
  CHECK(run(svg, none, "nav scripted") == unverified);
  // A remote item in the spine is refused whatever uses it.
  const std::string opf = k_opf_head + R"(<manifest><item id="c" href="c.xhtml" media-type="application/xhtml+xml" properties="nav scripted"/>)"
                          R"(<item id="r" href="https://w.example/r.xhtml" media-type="application/xhtml+xml"/>)"
                          R"(</manifest><spine><itemref idref="c"/><itemref idref="r"/></spine></package>)";
  CHECK(codes(check_epub_structure("b.epub", names, &container,
                                   [&](const std::string& p) { return p == "p.opf" ? &opf : nullptr; }, scripted)) == refused);
}

TEST_CASE("EPUB read from a zip stream: remote resources and tag sequences", "[media][epub][remote]") {
  using fixtures::EpubDefect;
  CHECK(epub_with(EpubDefect::remote_font_css).empty());
  CHECK(epub_with(EpubDefect::remote_font_svg).empty());
  CHECK(epub_with(EpubDefect::remote_svg_font).empty());
  CHECK(epub_with(EpubDefect::emoji_tag_name).empty());
  const std::pair<EpubDefect, std::vector<std::string>> cases[] = {
      {EpubDefect::remote_font_also_img, {"EPUB-REMOTE-RESOURCE"}},
      {EpubDefect::remote_img_scripted, {"EPUB-REMOTE-RESOURCE"}},
      {EpubDefect::remote_for_script, {"EPUB-REMOTE-UNVERIFIED"}},
      {EpubDefect::remote_object_param, {"EPUB-REMOTE-UNVERIFIED"}},
      {EpubDefect::tag_char_name, {"EPUB-FILENAME-CHAR"}},
      {EpubDefect::container_unknown_element, {"EPUB-CONTAINER-MODEL"}},
      {EpubDefect::container_no_rootfiles, {"EPUB-CONTAINER-MODEL", "EPUB-CONTAINER-MODEL", "EPUB-CONTAINER"}},
      {EpubDefect::container_empty_rootfiles, {"EPUB-CONTAINER-MODEL", "EPUB-CONTAINER"}},
  };
  for (const auto& [defect, want] : cases) {
    INFO(static_cast<int>(defect));
    CHECK(codes(epub_with(defect)) == want);
  }
}
