#include "core/util/sha256.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace eductl {

void Sha256::Deleter::operator()(evp_md_ctx_st* ctx) const { EVP_MD_CTX_free(ctx); }

Sha256::Sha256() : m_ctx(EVP_MD_CTX_new()) {
  if (!m_ctx || EVP_DigestInit_ex(m_ctx.get(), EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("OpenSSL: cannot initialise SHA-256");
}
Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::update(const void* data, std::size_t size) {
  if (size) EVP_DigestUpdate(m_ctx.get(), data, size);
}

std::string Sha256::finish_hex() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(m_ctx.get(), digest, &len);
  EVP_DigestInit_ex(m_ctx.get(), EVP_sha256(), nullptr);
  static constexpr char k_hex[] = "0123456789abcdef";
  std::string out(len * 2, '0');
  for (unsigned i = 0; i < len; ++i) {
    out[2 * i] = k_hex[digest[i] >> 4];
    out[2 * i + 1] = k_hex[digest[i] & 15];
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  Sha256 h;
  h.update(data);
  return h.finish_hex();
}

Result<FileDigest> sha256_fd(int fd, const std::string& what, const HashProgress& on_piece) {
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  thread_local std::vector<unsigned char> buf(1 << 20);
  Sha256 h;
  FileDigest d;
  for (;;) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return make_error(ErrorKind::internal, std::string("read error: ") + std::strerror(errno), what);
    if (n == 0) break;
    h.update(buf.data(), static_cast<std::size_t>(n));
    d.size += static_cast<std::uint64_t>(n);
    if (on_piece && !on_piece(static_cast<std::uint64_t>(n))) return make_error(ErrorKind::interrupted, "interrupted", what);
  }
  d.sha256 = h.finish_hex();
  return d;
}

Result<FileDigest> sha256_file(const std::filesystem::path& file, const HashProgress& on_piece) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return make_error(ErrorKind::internal, std::string("cannot read: ") + std::strerror(errno), file.string());
  auto d = sha256_fd(fd, file.string(), on_piece);
  ::close(fd);
  return d;
}

bool is_sha256_hex(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace eductl
