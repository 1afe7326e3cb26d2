// Shared by the local and HTTP sources: where fetched bytes go while they are checked.
#pragma once
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "core/mirror/source.hpp"
#include "core/util/sha256.hpp"

namespace eductl::mirror {

// Takes the bytes of one wanted file, hashing them as they come and refusing any byte
// beyond the declared size; finish() says whether the result is exactly what the
// signed index names. Files go to <work_dir>/dl-<sha256>, memory bodies stay in memory.
class VerifiedSink {
 public:
  VerifiedSink(const Wanted& wanted, std::filesystem::path work_dir);
  VerifiedSink(VerifiedSink&&) noexcept;
  VerifiedSink& operator=(VerifiedSink&&) = delete;
  ~VerifiedSink();

  Status open_fresh();
  // Continues a partial file left by an earlier attempt or run: hashes what is there
  // and returns its length (0 when there is nothing usable).
  Result<std::uint64_t> open_resume();
  // Drops what was received (a server that ignored Range sends the whole file).
  Status restart();
  // False when the bytes would exceed the declared size (the rest is refused).
  bool accept(const void* data, std::size_t size);
  std::uint64_t received() const { return m_received; }
  const Wanted& wanted() const { return m_wanted; }

  struct Verdict {
    std::optional<Finding> finding;
    std::string body;
    std::filesystem::path file;
  };
  // `too_long`: the source sent more than declared. A refused file is deleted.
  Result<Verdict> finish(bool too_long);
  // The bytes of a memory sink, unchecked (documents whose hash nothing declares yet).
  std::string release_body() { return std::move(m_body); }
  // Leaves a partial file for a later resume (network failure), closing it.
  void suspend();

 private:
  Wanted m_wanted;
  std::filesystem::path m_work_dir, m_file;
  int m_fd = -1;
  Sha256 m_hash;
  std::uint64_t m_received = 0;
  std::string m_body;
  bool m_write_failed = false;
  int m_write_errno = 0;
};

// `jobs` threads copy at once (at most the cores: a local copy is bound by hashing).
std::unique_ptr<Source> make_local_source(const std::filesystem::path& root, unsigned jobs);
std::unique_ptr<Source> make_http_source(const std::string& base_url, const HttpOptions& options);

}  // namespace eductl::mirror
