#include "core/media/transcode_jobs.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <set>
#include <mutex>

#include "core/util/cancel.hpp"
#include "core/util/fs.hpp"
#include "core/util/parallel.hpp"
#include "core/util/sha256.hpp"

namespace eductl::media {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view k_work_prefix = "transcode-";

struct Input {
  std::string book, file, sha256;
  std::uint64_t size = 0;
};

struct Planned {
  Input input;
  const Profile* profile = nullptr;
  TranscodeJob job;
};

struct Made {
  bool ok = false, interrupted = false;
  std::string log;
  VideoFacts facts;
  std::vector<std::string> renditions;
  std::vector<RenditionFile> files;
  std::vector<StagedBlob> staged;
};

// Stale work folders: every transcode-* folder, since the caller holds the lock.
std::uint64_t remove_stale_work_dirs(const fs::path& tmp) {
  std::uint64_t n = 0;
  std::error_code ec;
  for (fs::directory_iterator it(tmp, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind(k_work_prefix, 0) != 0 || it->is_symlink() || !it->is_directory()) continue;
    std::error_code rm;
    fs::remove_all(it->path(), rm);
    if (!rm) ++n;
  }
  return n;
}

Result<std::pair<std::string, std::uint64_t>> hash_file(const fs::path& file) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return make_error(ErrorKind::internal, "cannot read: " + errno_text(errno), file.string());
  Sha256 h;
  std::uint64_t size = 0;
  char buf[1 << 16];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) != 0;) {
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      return make_error(ErrorKind::internal, "cannot read: " + errno_text(errno), file.string());
    }
    h.update(buf, static_cast<std::size_t>(n));
    size += static_cast<std::uint64_t>(n);
  }
  ::close(fd);
  return std::make_pair(h.finish_hex(), size);
}

Result<StagedBlob> stage_file(BlobStore& store, const fs::path& file) {
  auto hashed = hash_file(file);
  if (!hashed) return hashed.error();
  auto writer = store.begin(hashed->first, hashed->second);
  if (!writer) return writer.error();
  auto bytes = read_file(file, hashed->second + 1);
  if (!bytes) return bytes.error();
  if (auto st = writer->write(bytes->data(), bytes->size()); !st) return st.error();
  return writer->finish();
}

std::string rendition_of(const std::string& rel) {
  if (rel == "master.m3u8") return "master";
  if (rel == "poster.jpg") return "poster";
  return rel.substr(0, rel.find('/'));
}

// Runs on a worker thread: ffprobe, ffmpeg, then every output file staged (not committed).
Made make_renditions(const Planned& p, const fs::path& input, const fs::path& work, BlobStore& store,
                     const std::function<void(const std::string&, double)>& progress) {
  Made m;
  auto fail = [&m](std::string log) -> Made {
    m.log = std::move(log);
    return std::move(m);
  };
  auto stop = [&m]() -> Made {
    m.interrupted = true;
    return std::move(m);
  };
  auto facts = probe(input, p.input.sha256);
  if (!facts) {
    if (facts.error().kind == ErrorKind::interrupted) return stop();
    return fail("does not decode: " + facts.error().message);
  }
  m.facts = *facts;
  std::error_code ec;
  fs::remove_all(work, ec);
  if (auto st = make_dirs(work); !st) return fail(st.error().describe());
  auto out = transcode(input, m.facts, *p.profile, work, progress);
  if (!out) return fail(out.error().describe());
  if (out->interrupted) return stop();
  if (!out->ok) return fail(out->log);
  m.renditions = out->renditions;
  std::vector<fs::path> files;
  for (fs::recursive_directory_iterator it(work, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_regular_file()) files.push_back(it->path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    if (interrupted()) return stop();
    auto staged = stage_file(store, f);
    if (!staged) return fail(staged.error().describe());
    const std::string rel = fs::relative(f, work).generic_string();
    m.files.push_back({rendition_of(rel), rel, staged->sha256(), staged->size()});
    m.staged.push_back(std::move(*staged));
  }
  m.ok = true;
  return m;
}

// transcode-<job>-<attempt>: an ffmpeg orphaned by a kill -9 of eductl (it runs in its
// own process group) can only write into its own attempt's folder, which the next run
// removes; it dies itself on its next -progress write to the closed pipe.
fs::path work_dir(const DataFolder& data, const Planned& p) {
  return data.tmp_dir() / (std::string(k_work_prefix) + std::to_string(p.job.id) + "-" + std::to_string(p.job.attempts + 1));
}

Result<std::vector<Input>> select_inputs(const Catalog& cat, const TranscodeRequest& r) {
  std::vector<std::string> refs = r.books;
  if (refs.empty()) {
    auto books = cat.list_books(r.filter);
    if (!books) return books.error();
    for (const auto& b : *books) refs.push_back(book_ref(BookKey{b.record.meta.publisher_code, b.record.package_id}));
  }
  std::vector<Input> inputs;
  std::set<std::string> seen;
  for (const auto& ref : refs) {
    auto d = cat.show_book(ref);
    if (!d) return d.error();
    for (const auto& f : d->current.files)
      if (f.media_type.rfind("video/", 0) == 0 && !f.sha256.empty() && seen.insert(f.sha256).second)
        inputs.push_back({ref, f.path, f.sha256, f.size});
  }
  return inputs;
}

}  // namespace

Result<TranscodeReport> run_transcode(const DataFolder& data, const TranscodeRequest& r, const TranscodeProgress& progress) {
  if (auto st = tools_available(); !st) return st.error();
  auto profiles = load_profiles(r.profiles_file);
  if (!profiles) return profiles.error();
  for (const auto& name : r.profiles)
    if (!profiles->count(name)) {
      std::string known;
      for (const auto& [n, p] : *profiles) known += (known.empty() ? "" : ", ") + n;
      return make_error(ErrorKind::usage, "no transcode profile '" + name + "'; known: " + known);
    }
  auto cat = data.catalog(r.dry_run ? Access::read_only : Access::read_write);
  if (!cat) return cat.error();
  auto store = data.store(r.dry_run ? Access::read_only : Access::read_write);
  if (!store) return store.error();
  auto inputs = select_inputs(*cat, r);
  if (!inputs) return inputs.error();

  TranscodeReport report;
  if (!r.dry_run) report.stale_work_dirs = remove_stale_work_dirs(data.tmp_dir());

  std::vector<Planned> todo;
  for (const auto& in : *inputs)
    for (const auto& name : r.profiles) {
      const Profile& prof = profiles->at(name);
      JobReport jr{in.book, in.file, in.sha256, name, "", "", {}, 0, 0, {}};
      if (!store->has(in.sha256, in.size)) {
        jr.outcome = "failed";
        jr.message = "the video is not in the content store (run 'eductl store verify')";
        report.jobs.push_back(std::move(jr));
        continue;
      }
      if (r.dry_run) {
        auto facts = probe(fs::absolute(store->object_path(in.sha256)), in.sha256);
        jr.outcome = facts ? "planned" : "failed";
        if (facts) jr.commands = hls_commands(fs::absolute(store->object_path(in.sha256)), *facts, prof);
        else jr.message = facts.error().message;
        report.jobs.push_back(std::move(jr));
        continue;
      }
      auto job = cat->job_for(in.sha256, name);
      if (!job) return job.error();
      if (job->status == "done") {
        auto files = cat->rendition_files(in.sha256, name);
        if (!files) return files.error();
        const bool complete = !files->empty() && std::all_of(files->begin(), files->end(), [&](const RenditionFile& f) {
          return store->has(f.sha256, f.size);
        });
        if (complete) {
          jr.outcome = "skipped";
          jr.message = "done before";
          for (const auto& f : *files) {
            ++jr.files;
            jr.bytes += f.size;
            if (std::find(jr.renditions.begin(), jr.renditions.end(), f.rendition) == jr.renditions.end() &&
                f.rendition != "master" && f.rendition != "poster")
              jr.renditions.push_back(f.rendition);
          }
          report.jobs.push_back(std::move(jr));
          continue;
        }
      }
      todo.push_back({in, &prof, *job});
    }
  if (r.dry_run) return report;

  // Attempts count the runs that took the job up; a crash leaves it 'running', redone next time.
  for (const auto& p : todo)
    if (auto st = cat->start_job(p.job.id); !st) return st.error();

  std::mutex progress_mu;
  parallel_ordered<Made>(
      todo.size(), r.jobs,
      [&](std::size_t i) -> Made {
        if (interrupted()) return Made{false, true, "", {}, {}, {}, {}};
        const Planned& p = todo[i];
        const fs::path work = work_dir(data, p);
        return make_renditions(p, fs::absolute(store->object_path(p.input.sha256)), work, *store, [&](const std::string& rendition, double f) {
          if (!progress) return;
          std::lock_guard lock(progress_mu);
          progress(i, todo.size(), rendition, f);
        });
      },
      [&](std::size_t i, Made m) {
        const Planned& p = todo[i];
        JobReport jr{p.input.book, p.input.file, p.input.sha256, p.profile->name, "", "", m.renditions, 0, 0, {}};
        const fs::path work = work_dir(data, p);
        if (m.interrupted || interrupted()) {
          jr.outcome = "interrupted";
          report.interrupted = true;
        } else if (!m.ok) {
          jr.outcome = "failed";
          jr.message = m.log;
          if (auto st = cat->fail_job(p.job.id, m.log); !st) jr.message += "; " + st.error().message;
        } else {
          // Blobs first, then the rows in one transaction: a crash between the two leaves
          // unreferenced blobs (gc removes them) and a job that is not done.
          CommitStats stats;
          std::set<fs::path> dirs;
          Status st = ok_status();
          for (auto& b : m.staged)
            if (st) st = store->commit(b, stats, &dirs);
          if (st) st = store->sync_dirs(dirs);
          if (st) st = cat->finish_job(p.job.id, m.facts, m.files);
          if (!st) {
            jr.outcome = "failed";
            jr.message = st.error().describe();
          } else {
            jr.outcome = "done";
            for (const auto& f : m.files) {
              ++jr.files;
              jr.bytes += f.size;
            }
          }
        }
        std::error_code ec;
        fs::remove_all(work, ec);
        report.jobs.push_back(std::move(jr));
      });
  if (interrupted()) report.interrupted = true;
  return report;
}

}  // namespace eductl::media
