// Test support: temporary folders, small files, and a valid unpacked package to mutate.
#pragma once
#include <archive.h>
#include <archive_entry.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "core/findings/finding.hpp"
#include "core/util/sha256.hpp"

namespace eductl::test {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "eductl-test-XXXXXX").string();
    m_path = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return m_path; }
  std::filesystem::path operator/(const std::string& rel) const { return m_path / rel; }

 private:
  std::filesystem::path m_path;
};

// tests/rules_covered.sh counts a rule as covered only when some test input produces it:
// with EDUCTL_PRODUCED_CODES naming a file, the codes a test observes are appended to it.
inline void record_produced(const Findings& findings) {
  const char* file = std::getenv("EDUCTL_PRODUCED_CODES");
  if (!file || !*file) return;
  std::ofstream out(file, std::ios::app);
  for (const auto& f : findings) out << f.code << '\n';
}

inline void write_file(const std::filesystem::path& p, const std::string& data) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << data;
}

inline std::string tiny_pdf(int pages) {
  std::string s = "%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n";
  s += "2 0 obj << /Type /Pages /Count " + std::to_string(pages) + " /Kids [] >> endobj\n";
  for (int i = 0; i < pages; ++i) s += std::to_string(3 + i) + " 0 obj << /Type /Page /Parent 2 0 R >> endobj\n";
  s += "trailer << /Root 1 0 R >>\n%%EOF\n";
  return s;
}

inline std::string tiny_mp4() { return std::string("\0\0\0\x18" "ftypisom\0\0\x02\0isomiso2", 24) + std::string(64, 'x'); }

// Writes a valid textbook-package/1 folder (PDF textbook + one lesson video) and
// returns its manifest, so tests can mutate and rewrite it.
inline nlohmann::json write_valid_package(const std::filesystem::path& dir, const std::string& id = "pep-math-7a",
                                          int revision = 1) {
  const std::string pdf = tiny_pdf(4), mp4 = tiny_mp4();
  write_file(dir / "课本/数学.pdf", pdf);
  write_file(dir / "第1单元/视频.mp4", mp4);
  nlohmann::json m = {
      {"format", "textbook-package/1"},
      {"package_id", id},
      {"revision", revision},
      {"publisher", {{"code", "PEP"}, {"name", "人民教育出版社"}}},
      {"textbook",
       {{"title", "数学 七年级 上册"}, {"isbn", "978-7-107-31520-6"}, {"stage", "junior"}, {"grade", 7},
        {"subject", "math"}, {"edition", "人教版"}, {"volume", "upper"}, {"published", "2024-07"}}},
      {"files",
       {{{"path", "课本/数学.pdf"}, {"sha256", sha256_hex(pdf)}, {"size", pdf.size()}, {"media_type", "application/pdf"},
         {"role", "textbook"}},
        {{"path", "第1单元/视频.mp4"}, {"sha256", sha256_hex(mp4)}, {"size", mp4.size()}, {"media_type", "video/mp4"}}}},
      {"contents",
       {{{"title", "第一章 有理数"},
         {"lessons",
          {{{"id", "m7a-1-1"},
            {"title", "1.1 正数和负数"},
            {"resources",
             {{{"kind", "video"}, {"file", "第1单元/视频.mp4"}},
              {{"kind", "textbook_pages"}, {"file", "课本/数学.pdf"}, {"pages", "1-2"}}}}}}}}}}};
  write_file(dir / "manifest.json", m.dump(2));
  return m;
}

// Packs a folder into an archive with libarchive ("zip", "tar", "tar.gz", "tar.zst").
inline void pack(const std::filesystem::path& dir, const std::filesystem::path& out, const std::string& kind) {
  archive* a = archive_write_new();
  if (kind == "zip" || kind == "stored.zip") archive_write_set_format_zip(a);
  else archive_write_set_format_pax_restricted(a);
  if (kind == "stored.zip") archive_write_set_options(a, "zip:compression=store");
  if (kind == "tar.gz") archive_write_add_filter_gzip(a);
  if (kind == "tar.zst") archive_write_add_filter_zstd(a);
  archive_write_open_filename(a, out.c_str());
  std::vector<std::filesystem::path> files;
  for (auto& e : std::filesystem::recursive_directory_iterator(dir))
    if (e.is_regular_file()) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::string data((std::istreambuf_iterator<char>(in)), {});
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname_utf8(e, f.lexically_relative(dir).generic_string().c_str());
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, static_cast<la_int64_t>(data.size()));
    archive_write_header(a, e);
    archive_write_data(a, data.data(), data.size());
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
}

}  // namespace eductl::test
