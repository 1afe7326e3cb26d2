// The second read of an import. Once an input was judged valid (reading it once, writing
// nothing), the files whose content the store lacks, or holds truncated or damaged, are
// read again through this sink and written into staging, each hashed as it is written
// and checked against its declaration. Unchanged re-deliveries and refused inputs never
// come here, so they cost no disk; content already stored is counted, not written.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/package/book.hpp"
#include "core/package/scan.hpp"
#include "core/store/blob_store.hpp"

namespace eductl {

class StagingSink final : public BlobSink {
 public:
  // `root_prefix` is what the scan strips from names (a zipped top folder).
  StagingSink(BlobStore& store, const std::vector<FileDecl>& files, const std::string& root_prefix = {});

  // True when every declared file is already stored: no second read is needed.
  bool nothing_wanted() const { return m_wanted.empty(); }
  // Content the store already holds (or that appears twice in the input).
  std::uint64_t present_blobs() const { return m_present_blobs; }
  std::uint64_t present_bytes() const { return m_present_bytes; }

  Status begin_file(const std::string& raw_path) override;
  Status write(const void* data, std::size_t size) override;
  Status end_file(const std::string& sha256, std::uint64_t size) override;
  void abort_file() override { m_current.reset(); }
  bool copy_only() const override { return true; }
  bool wants(const std::string& raw_path) const override { return m_wanted.count(raw_path) > 0; }

  // The staged blobs; bad_input when a wanted file did not come by (the input changed
  // since it was judged).
  Result<std::vector<StagedBlob>> take();

 private:
  struct Want {
    std::string sha256;
    std::uint64_t size = 0;
  };
  BlobStore& m_store;
  std::map<std::string, Want> m_wanted;  // by name as the scan gives it
  std::optional<BlobWriter> m_current;
  std::string m_current_name;
  std::vector<StagedBlob> m_staged;
  std::uint64_t m_present_blobs = 0, m_present_bytes = 0;
};

}  // namespace eductl
