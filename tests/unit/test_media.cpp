#include <catch2/catch.hpp>

#include "core/package/media.hpp"
#include "core/package/zip_inspect.hpp"

using namespace eductl;

namespace {
std::vector<std::string> codes(const Findings& fs) {
  std::vector<std::string> out;
  for (const auto& f : fs) out.push_back(f.code);
  return out;
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
      R"(<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0"><manifest>)"
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
