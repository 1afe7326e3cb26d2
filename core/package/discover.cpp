#include "core/package/discover.hpp"

#include <algorithm>

#include "core/util/text.hpp"

namespace eductl {
namespace fs = std::filesystem;

bool looks_like_archive(const fs::path& file) {
  std::string name = to_lower_ascii(file.filename().string());
  for (const char* ext : {".zip", ".tar", ".tar.gz", ".tgz", ".tar.zst", ".tar.xz"})
    if (name.ends_with(ext)) return true;
  return false;
}

namespace {

std::uint64_t tree_size(const fs::path& dir) {
  std::uint64_t total = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_regular_file(ec)) total += it->file_size(ec);
  return total;
}

// Why a batch folder's child is no package, for the report.
std::string skip_reason(const fs::path& child, const fs::file_status& st, bool recursive) {
  if (fs::is_symlink(st)) return "symbolic link; links are not followed inside a batch folder";
  if (fs::is_directory(st))
    return recursive ? "" : "folder without manifest.json; give --recursive to look for packages inside";
  if (!fs::is_regular_file(st)) return "not a regular file (FIFO, socket or device)";
  const std::string ext = to_lower_ascii(child.extension().string());
  for (const char* archive : {".rar", ".7z", ".bz2", ".tbz", ".tbz2", ".lz", ".lzma", ".z", ".cab", ".arj", ".iso"})
    if (ext == archive)
      return "unsupported archive format " + ext + "; re-pack as zip, tar, tar.gz, tar.zst or tar.xz";
  return "not a package (not a zip or tar archive, nor a folder with manifest.json)";
}

void collect_batch(const fs::path& dir, bool recursive, std::vector<PackageInput>& out, std::size_t& found) {
  std::vector<fs::path> children;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) children.push_back(it->path());
  if (ec) {
    out.push_back({dir, make_error(ErrorKind::bad_input, ec.message(), dir.string()), 0, {}});
    return;
  }
  std::sort(children.begin(), children.end());
  for (const auto& child : children) {
    std::error_code sec;
    auto st = fs::symlink_status(child, sec);
    if (fs::is_regular_file(st) && looks_like_archive(child)) {
      out.push_back({child, std::nullopt, fs::file_size(child, sec), {}});
      ++found;
    } else if (fs::is_directory(st) && fs::exists(child / "manifest.json")) {
      out.push_back({child, std::nullopt, tree_size(child), {}});
      ++found;
    } else if (fs::is_directory(st) && recursive) {
      collect_batch(child, recursive, out, found);
    } else {
      out.push_back({child, std::nullopt, 0, skip_reason(child, st, recursive)});
    }
  }
}

// "no such file or directory" only when that is what happened: a symbolic link loop or
// a permission problem says so.
std::string status_problem(const std::error_code& ec) {
  if (!ec || ec == std::errc::no_such_file_or_directory) return "no such file or directory";
  if (ec == std::errc::too_many_symbolic_link_levels) return "symbolic link loop (too many levels of symbolic links)";
  return ec.message();
}

}  // namespace

std::vector<PackageInput> discover_packages(const std::vector<fs::path>& inputs, bool recursive) {
  std::vector<PackageInput> out;
  for (const auto& in : inputs) {
    std::error_code ec;
    auto st = fs::status(in, ec);
    if (ec || !fs::exists(st)) {
      out.push_back({in, make_error(ErrorKind::bad_input, status_problem(ec), in.string()), 0, {}});
    } else if (fs::is_regular_file(st)) {
      out.push_back({in, std::nullopt, fs::file_size(in, ec), {}});
    } else if (fs::is_directory(st)) {
      if (fs::exists(in / "manifest.json")) {
        out.push_back({in, std::nullopt, tree_size(in), {}});
      } else {
        std::vector<PackageInput> batch;
        std::size_t found = 0;
        collect_batch(in, recursive, batch, found);
        if (found == 0 && !recursive) {
          // Maybe an unpacked package without its manifest: judge it as a package.
          out.push_back({in, std::nullopt, tree_size(in), {}});
          continue;
        }
        out.insert(out.end(), batch.begin(), batch.end());
        if (found == 0)
          out.push_back({in, make_error(ErrorKind::bad_input, "no packages found in this folder", in.string()), 0, {}});
      }
    } else {
      out.push_back({in, make_error(ErrorKind::bad_input, "not a regular file or directory", in.string()), 0, {}});
    }
  }
  return out;
}

}  // namespace eductl
