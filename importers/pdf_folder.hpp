// Reads what small publishers send instead of a package: a plain folder of PDF/EPUB
// files plus a CSV sidecar, books.csv, with one row per book. Each row becomes a
// BookRecord whose one file is the row's PDF/EPUB; sha256 is left for the import step.
// The CSV format is documented in docs/formats/pdf-folder.md; problems are CSV-* findings.
#pragma once
#include <cstddef>
#include <filesystem>
#include <string_view>
#include <vector>

#include "core/package/book.hpp"
#include "core/package/scan.hpp"
#include "core/util/result.hpp"
#include "core/findings/finding.hpp"

namespace eductl {

inline constexpr std::string_view k_pdf_folder_sidecar = "books.csv";
inline constexpr std::string_view k_pdf_folder_source = "pdf-folder";

struct PdfFolderReadResult {
  std::size_t rows = 0;           // data rows seen in books.csv
  std::vector<BookRecord> books;  // one per row that maps without errors
  Findings findings;              // entry "books.csv:LINE" for a row, the file's path for a file
};

// Error bad_input when `dir` is not a readable directory or books.csv cannot be read;
// a folder without books.csv is a CSV-SIDECAR-MISSING finding; a books.csv that is no
// regular file or is over `max_sidecar` bytes is never read (CSV-SIDECAR-TYPE, -TOO-LARGE).
Result<PdfFolderReadResult> read_pdf_folder(const std::filesystem::path& dir,
                                            std::uint64_t max_sidecar = k_default_max_sidecar);

}  // namespace eductl
