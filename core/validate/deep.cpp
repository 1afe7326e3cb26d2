#include "core/validate/deep.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <set>

#include "core/media/ffmpeg.hpp"
#include "core/package/entry_source.hpp"
#include "core/util/fs.hpp"
#include "core/util/text.hpp"

namespace eductl {
namespace fs = std::filesystem;

namespace {

bool is_video(const FileDecl& f) {
  if (f.media_type.rfind("video/", 0) == 0) return true;
  for (const char* ext : {".mp4", ".m4v", ".mov", ".mkv", ".webm", ".flv", ".ts"})
    if (f.path.size() > std::strlen(ext) && f.path.compare(f.path.size() - std::strlen(ext), std::string::npos, ext) == 0)
      return true;
  return false;
}

// An archive may hold the package under one top folder: an entry matches a declared
// path when it is that path or ends with "/" + path.
const std::string* declared(const std::set<std::string>& videos, const std::string& entry) {
  for (const auto& v : videos)
    if (entry == v || (entry.size() > v.size() && entry.compare(entry.size() - v.size(), v.size(), v) == 0 &&
                       entry[entry.size() - v.size() - 1] == '/'))
      return &v;
  return nullptr;
}

}  // namespace

Status deep_tools_available() { return media::tools_available(); }

Status check_videos_decode(const fs::path& package, PackageReport& report, int seconds) {
  if (!report.book || report.unreadable()) return ok_status();
  std::set<std::string> videos;
  for (const auto& f : report.book->files)
    if (!f.sha256.empty() && is_video(f)) videos.insert(f.path);
  if (videos.empty()) return ok_status();
  auto source = open_entry_source(package);
  if (!source) return source.error();
  const char* tmpdir = std::getenv("TMPDIR");
  const fs::path dir = tmpdir && *tmpdir ? fs::path(tmpdir) : fs::temp_directory_path();
  std::set<std::string> checked;
  return (*source)->walk([&](const RawEntry& e, EntryData& data) -> Status {
    if (e.type != EntryType::file) return ok_status();
    const std::string* path = declared(videos, e.name);
    if (!path || !checked.insert(*path).second) return ok_status();
    std::string tmpl = (dir / "eductl-deep-XXXXXX").string();
    int fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
    if (fd < 0) return make_error(ErrorKind::internal, "cannot make a temp file: " + errno_text(errno), dir.string());
    Status st = ok_status();
    for (;;) {
      const void* block = nullptr;
      std::size_t size = 0;
      auto more = data.next_block(&block, &size);
      if (!more) {
        st = more.error();
        break;
      }
      if (!*more) break;
      for (std::size_t off = 0; off < size;) {
        ssize_t w = ::write(fd, static_cast<const char*>(block) + off, size - off);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) {
          st = make_error(ErrorKind::internal, "cannot write a temp file: " + errno_text(errno), tmpl);
          break;
        }
        off += static_cast<std::size_t>(w);
      }
      if (!st) break;
    }
    ::close(fd);
    if (st) {
      auto decoded = media::decode_check(tmpl, seconds);
      if (!decoded) {
        if (decoded.error().kind != ErrorKind::bad_input) st = decoded.error();  // ffmpeg missing, interrupted
        else {
          std::string why = decoded.error().message;
          report.findings.push_back(make_finding("MED-VIDEO-UNDECODABLE", *path, printable(why)));
        }
      }
    }
    ::unlink(tmpl.c_str());
    return st;
  });
}

}  // namespace eductl
