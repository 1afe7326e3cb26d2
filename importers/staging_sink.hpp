// A BlobSink that stages every file streaming past in the content store (not yet
// committed), keyed by its path in the container. Importers with content use it so
// that validating and storing share one read.
#pragma once
#include <map>
#include <string>

#include "core/package/scan.hpp"
#include "core/store/blob_store.hpp"

namespace eductl {

class StagingSink final : public BlobSink {
 public:
  explicit StagingSink(BlobStore& store) : m_store(store) {}
  Status begin_file(const std::string& raw_path) override {
    auto staged = m_store.stage();
    if (!staged) return staged.error();
    m_current = std::move(staged).value();
    m_path = raw_path;
    return ok_status();
  }
  Status write(const void* data, std::size_t size) override { return m_current.write(data, size); }
  Status end_file(const std::string& sha256, std::uint64_t size) override {
    if (auto st = m_current.finish(sha256, size); !st) return st;
    m_staged.emplace(m_path, std::move(m_current));
    return ok_status();
  }
  void abort_file() override { m_current.discard(); }
  std::map<std::string, StagedBlob>& staged() { return m_staged; }

 private:
  BlobStore& m_store;
  StagedBlob m_current;
  std::string m_path;
  std::map<std::string, StagedBlob> m_staged;  // by path as stored in the container
};

}  // namespace eductl
