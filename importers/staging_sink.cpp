#include "importers/staging_sink.hpp"

#include <set>

namespace eductl {

StagingSink::StagingSink(BlobStore& store, const std::vector<FileDecl>& files, const std::string& root_prefix)
    : m_store(store) {
  std::set<std::string> seen;
  for (const FileDecl& f : files) {
    if (f.sha256.empty()) continue;  // metadata-only sources carry no content
    if (!seen.insert(f.sha256).second || m_store.has(f.sha256, f.size)) {
      ++m_present_blobs;
      m_present_bytes += f.size;
      continue;
    }
    m_wanted.emplace(root_prefix + f.path, Want{f.sha256, f.size});
  }
}

Status StagingSink::begin_file(const std::string& raw_path) {
  m_current.reset();
  auto it = m_wanted.find(raw_path);
  if (it == m_wanted.end()) return ok_status();
  auto writer = m_store.begin(it->second.sha256, it->second.size);
  if (!writer) return writer.error();
  m_current.emplace(std::move(writer).value());
  m_current_name = raw_path;
  return ok_status();
}

Status StagingSink::write(const void* data, std::size_t size) {
  if (!m_current) return ok_status();
  return m_current->write(data, size);
}

Status StagingSink::end_file(const std::string&, std::uint64_t) {
  if (!m_current) return ok_status();
  auto staged = m_current->finish();  // checks the hash it computed itself
  m_current.reset();
  if (!staged) return make_error(staged.error().kind, m_current_name + ": " + staged.error().message);
  m_wanted.erase(m_current_name);
  m_staged.push_back(std::move(staged).value());
  return ok_status();
}

Result<std::vector<StagedBlob>> StagingSink::take() {
  if (!m_wanted.empty())
    return make_error(ErrorKind::bad_input, m_wanted.begin()->first + " is gone or changed since the input was checked");
  return std::move(m_staged);
}

}  // namespace eductl
