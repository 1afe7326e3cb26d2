// Walks the entries of a package container, archive or directory, in one streaming pass.
// Archives are read with libarchive and never extracted to disk; a directory is walked
// without following links. Entry data is handed out block by block (zero-copy where the
// reader allows), so memory stays bounded whatever the package size.
#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "core/util/result.hpp"

namespace eductl {

enum class EntryType { file, directory, symlink, hardlink, special };

struct RawEntry {
  std::string raw_name;  // bytes as stored in the container
  std::string name;      // UTF-8 name (decoded from GBK where needed); printable raw if undecodable
  bool name_decoded = true;
  EntryType type = EntryType::file;
  std::string link_target;          // symlink / hardlink target, for messages
  std::int64_t header_size = -1;    // size the header claims, -1 if unknown
};

// Hands out the data of the current entry.
class EntryData {
 public:
  virtual ~EntryData() = default;
  // Next block of data: false at the end of the entry. Errors (corrupt data) are returned.
  virtual Result<bool> next_block(const void** data, std::size_t* size) = 0;
  // Bytes of the container consumed so far (compressed side), for ratio checks; -1 if unknown.
  virtual std::int64_t packed_position() const = 0;
};

// The visitor may read all, part or none of an entry's data; the rest is skipped.
// Returning an error stops the walk with that error.
using EntryVisitor = std::function<Status(const RawEntry&, EntryData&)>;

enum class ContainerKind { directory, archive };

class EntrySource {
 public:
  virtual ~EntrySource() = default;
  virtual ContainerKind kind() const = 0;
  // Error kinds: bad_input when the container is corrupt or truncated (entries visited
  // before that point stay valid), interrupted, or whatever the visitor returned.
  virtual Status walk(const EntryVisitor& visit) = 0;
};

// Opens a directory or an archive file. bad_input when it is neither or unreadable.
Result<std::unique_ptr<EntrySource>> open_entry_source(const std::filesystem::path& path);

// Opens an archive held by a caller-driven stream (a zip inside a package).
using ReadCallback = std::function<Result<bool>(const void** data, std::size_t* size)>;
Result<std::unique_ptr<EntrySource>> open_nested_archive(ReadCallback read);

// Entry data read from an open file descriptor (not owned), in 1 MiB blocks.
std::unique_ptr<EntryData> open_file_data(int fd);

// Decodes a stored name: UTF-8 if valid, else GBK/CP936, else marked undecodable.
void decode_entry_name(RawEntry& e);

}  // namespace eductl
