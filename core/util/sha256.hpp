// Incremental SHA-256 over OpenSSL's EVP (uses SHA-NI / AVX2 where the CPU has them,
// which the throughput target against sha256sum needs).
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/util/result.hpp"

struct evp_md_ctx_st;

namespace eductl {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;

  void update(const void* data, std::size_t size);
  void update(std::string_view s) { update(s.data(), s.size()); }
  // Returns the digest as 64 lowercase hex digits and resets for reuse.
  std::string finish_hex();

 private:
  struct Deleter {
    void operator()(evp_md_ctx_st* ctx) const;
  };
  std::unique_ptr<evp_md_ctx_st, Deleter> m_ctx;
};

std::string sha256_hex(std::string_view data);

// A whole file's digest and length.
struct FileDigest {
  std::string sha256;
  std::uint64_t size = 0;
};
// Called with the size of each piece read; returning false stops the read (Ctrl-C).
using HashProgress = std::function<bool(std::uint64_t)>;

// The one whole-file hash loop: reads FD from its position to the end. A read error is an
// error (never taken for the end of the file); a stop asked by ON_PIECE is ErrorKind::interrupted.
// WHAT names the file in errors.
Result<FileDigest> sha256_fd(int fd, const std::string& what, const HashProgress& on_piece = {});
// sha256_fd of FILE, opened without following a final symbolic link.
Result<FileDigest> sha256_file(const std::filesystem::path& file, const HashProgress& on_piece = {});
bool is_sha256_hex(std::string_view s);

}  // namespace eductl
