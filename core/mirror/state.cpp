#include "core/mirror/state.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "core/data/data_folder.hpp"
#include "core/util/fs.hpp"

namespace eductl::mirror {
namespace fs = std::filesystem;
using nlohmann::json;

fs::path state_file(const fs::path& data_root) { return DataFolder(data_root).mirror_state_file(); }

Status check_mirror_folder(const DataFolder& data) {
  if (data.is_mirror()) return ok_status();
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(data.root(), ec))) return ok_status();
  if (!fs::is_directory(fs::symlink_status(data.root(), ec)))
    return make_error(ErrorKind::usage, "is not a folder; a mirror needs an empty data folder of its own", data.root().string());
  std::vector<std::string> held;
  for (fs::directory_iterator it(data.root(), ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (it->path() == data.lock_file()) continue;  // a writer's lock holds no data
    held.push_back(name);
  }
  if (ec) return make_error(ErrorKind::bad_input, "cannot list the data folder: " + ec.message(), data.root().string());
  if (held.empty()) return ok_status();
  std::sort(held.begin(), held.end());
  std::string list;
  for (std::size_t i = 0; i < held.size() && i < 4; ++i) list += (i ? ", " : "") + held[i];
  if (held.size() > 4) list += ", ...";
  return make_error(ErrorKind::usage,
                    "this data folder is not a mirror's (it has no " + data.mirror_marker_file().filename().string() +
                        ") and holds " + list +
                        "; a sync would replace its catalogue. A mirror needs an empty data folder of its own (--data DIR)",
                    data.root().string());
}

Status mark_mirror_folder(const DataFolder& data) {
  std::error_code ec;
  if (fs::exists(fs::symlink_status(data.mirror_marker_file(), ec))) return ok_status();
  return write_file_atomic(data.mirror_marker_file(),
                           "eductl mirror: this folder's catalogue and public/ come from an upstream's signed snapshot "
                           "(eductl mirror sync); nothing else writes them.\n");
}


Result<std::optional<MirrorState>> load_state(const fs::path& root) {
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(state_file(root), ec))) return std::optional<MirrorState>{};
  auto text = read_file(state_file(root), 1 << 20);
  if (!text) return text.error();
  try {
    json j = json::parse(*text);
    MirrorState s;
    s.upstream = j.at("upstream").get<std::string>();
    s.trusted_key = j.at("trusted_key").get<std::string>();
    s.next_keys = j.value("next_keys", std::vector<std::string>{});
    s.version = j.value("version", std::int64_t{0});
    s.index_sha256 = j.value("index_sha256", "");
    s.created = j.value("created", "");
    s.expires = j.value("expires", "");
    s.origin = j.value("origin", "");
    s.snapshot_dir = j.value("snapshot_dir", "");
    s.previous_snapshot_dir = j.value("previous_snapshot_dir", "");
    s.etag = j.value("etag", "");
    s.last_modified = j.value("last_modified", "");
    s.synced_at = j.value("synced_at", "");
    s.books = j.value("books", std::uint64_t{0});
    s.blobs = j.value("blobs", std::uint64_t{0});
    s.bytes = j.value("bytes", std::uint64_t{0});
    if (j.contains("selection")) s.selection = snapshot::selection_from_json(j.at("selection"));
    return std::optional<MirrorState>(std::move(s));
  } catch (const std::exception& e) {
    return make_error(ErrorKind::bad_input, std::string("the mirror's state file is damaged: ") + e.what(),
                      state_file(root).string());
  }
}

Status save_state(const fs::path& root, const MirrorState& s) {
  json j = {{"schema", "eductl.mirror-state/1"},
            {"upstream", s.upstream},
            {"trusted_key", s.trusted_key},
            {"next_keys", s.next_keys},
            {"version", s.version},
            {"index_sha256", s.index_sha256},
            {"created", s.created},
            {"expires", s.expires},
            {"origin", s.origin},
            {"snapshot_dir", s.snapshot_dir},
            {"previous_snapshot_dir", s.previous_snapshot_dir},
            {"etag", s.etag},
            {"last_modified", s.last_modified},
            {"synced_at", s.synced_at},
            {"books", s.books},
            {"blobs", s.blobs},
            {"bytes", s.bytes},
            {"selection", snapshot::selection_to_json(s.selection)}};
  return write_file_atomic(state_file(root), j.dump(2) + "\n");
}

}  // namespace eductl::mirror
