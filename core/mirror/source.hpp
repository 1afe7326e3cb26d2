// Where a mirror takes a snapshot from: an http(s):// upstream (libcurl multi: parallel,
// keep-alive, HTTP/2, conditional requests, Range resume, retries) or a local folder (a
// USB disk). Both hand over bytes only after checking them against the size and SHA-256
// that the signed index names, and cut off a body longer than declared.
#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/findings/finding.hpp"
#include "core/util/result.hpp"

namespace eductl::mirror {

struct HttpOptions {
  int jobs = 8;
  std::uint64_t limit_rate = 0;  // bytes/s over all transfers; 0 = none
  std::string proxy;             // as curl's --proxy; empty: the environment's (http_proxy ...)
  std::string ca_file;           // extra trust anchors for https
  long connect_timeout = 15;     // seconds
  long stall_timeout = 60;       // a transfer slower than min_rate for this long is retried
  std::uint64_t min_rate = 1024; // bytes/s a transfer must keep up (a trickling upstream is cut off)
  long transfer_timeout = 3600;  // seconds one attempt at one file may take
  long deadline = 86400;         // seconds the whole sync may take; then it stops (network error)
  int retries = 4;               // per file, with backoff
  double backoff = 1.0;          // first retry delay, doubled each time (seconds)
};

// A small document (index, signature) and what the server said of it.
struct SmallFile {
  bool not_modified = false;  // the conditional request matched: nothing changed
  bool too_large = false;     // longer than max_bytes: refused unread (body empty)
  std::string body;
  std::string etag, last_modified;
};

struct Conditional {
  std::string etag, last_modified;
};

// One file of the tree that must have exactly this size and hash.
struct Wanted {
  std::string name;  // relative to the tree: parts/<sha>.json, objects/ab/cd/<sha>
  std::string sha256;
  std::uint64_t size = 0;
  bool to_memory = false;  // parts: kept in memory; blobs: written to a file
};

struct Fetched {
  std::size_t index = 0;          // into the wanted list
  std::string body;               // to_memory
  std::filesystem::path file;     // otherwise: verified bytes, in the work folder
};

struct FetchReport {
  std::vector<Fetched> done;
  Findings findings;              // MIR-HASH-MISMATCH: refused after retries
  std::uint64_t bytes_transferred = 0;  // what came over the wire (resume makes it less)
  std::uint64_t requests = 0;
};

using FetchProgress = std::function<void(std::uint64_t bytes_done, std::uint64_t files_done)>;

class Source {
 public:
  virtual ~Source() = default;
  virtual std::string describe() const = 0;
  virtual bool is_remote() const = 0;
  // Error network (remote) / bad_input (local) when the file cannot be had.
  virtual Result<SmallFile> get_small(const std::string& name, std::uint64_t max_bytes,
                                      const Conditional* condition) = 0;
  // Fetches every wanted file; files go to `work_dir` as dl-<sha256> (resumable across
  // runs: a partial file is continued with a Range request guarded by If-Range).
  // Error when a file cannot be had after retries; hash/size refusals are findings.
  virtual Result<FetchReport> get_many(const std::vector<Wanted>& wanted, const std::filesystem::path& work_dir,
                                       const FetchProgress& progress) = 0;
  virtual std::uint64_t requests_made() const = 0;
};

// "http://…", "https://…" or a folder; anything else is a usage error.
Result<std::unique_ptr<Source>> open_source(const std::string& source, const HttpOptions& options);

// The work file for a blob: <work_dir>/dl-<sha256> (its ETag beside it as .etag).
std::filesystem::path download_path(const std::filesystem::path& work_dir, const std::string& sha256);

}  // namespace eductl::mirror
