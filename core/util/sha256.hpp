// Incremental SHA-256 over OpenSSL's EVP (uses SHA-NI / AVX2 where the CPU has them,
// which the throughput target against sha256sum needs).
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

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
bool is_sha256_hex(std::string_view s);

}  // namespace eductl
