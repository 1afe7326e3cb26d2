// A log file's content as a byte stream: plain or gzip (multi-member, as logrotate's
// delaycompress leaves them), or standard input for "-", read in large chunks through
// zlib, with the first bytes available for recognising a file read before.
#pragma once
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "core/util/result.hpp"

namespace eductl::usage {

class LogSource {
 public:
  // "-" is standard input. Error bad_input naming the file when it cannot be opened.
  static Result<LogSource> open(const std::string& name);
  LogSource(LogSource&&) noexcept;
  LogSource& operator=(LogSource&&) noexcept;
  ~LogSource();

  bool is_stdin() const { return m_stdin; }
  std::uint64_t device() const { return m_device; }
  std::uint64_t inode() const { return m_inode; }
  std::uint64_t file_size() const { return m_size; }  // on disk (compressed size for .gz)
  // Up to n content bytes from the start (n <= 4096), read once and replayed by read().
  Result<std::string> head(std::size_t n);
  // Skips content bytes (decompressing as needed). Error when the content is shorter.
  Status skip(std::uint64_t n);
  // Reads up to `cap` content bytes into buf; 0 at the end. Error bad_input when the
  // compressed data is corrupt or truncated.
  Result<std::size_t> read(char* buf, std::size_t cap);
  // Bytes of the file on disk consumed so far (for progress).
  std::uint64_t raw_position() const;

 private:
  LogSource() = default;
  struct Impl;
  std::unique_ptr<Impl> m;
  bool m_stdin = false;
  std::uint64_t m_device = 0, m_inode = 0, m_size = 0;
  std::string m_name;
};

}  // namespace eductl::usage
