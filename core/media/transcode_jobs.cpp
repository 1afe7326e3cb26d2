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
  ErrorKind failure = ErrorKind::findings;
  VideoFacts facts;
  std::vector<std::string> renditions;
  std::vector<RenditionFile> files;
  std::vector<StagedBlob> staged;
};

struct Plan {
  std::vector<JobReport> settled;  // failed before starting, skipped, or planned (dry run)
  std::vector<Planned> todo;
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

// Reads `file` in pieces, handing each to `sink`: an output of ffmpeg may be large.
Status read_pieces(const fs::path& file, const std::function<Status(const char*, std::size_t)>& sink) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return make_error(ErrorKind::internal, "cannot read: " + errno_text(errno), file.string());
  std::vector<char> buf(1 << 16);
  Status st = ok_status();
  for (ssize_t n; st && (n = ::read(fd, buf.data(), buf.size())) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) st = make_error(ErrorKind::internal, "cannot read: " + errno_text(errno), file.string());
    else st = sink(buf.data(), static_cast<std::size_t>(n));
  }
  ::close(fd);
  return st;
}

// Two passes, never the whole file in memory: the hash the blob must have, then the
// bytes streamed through a BlobWriter (which hashes them again as it writes).
Result<StagedBlob> stage_file(BlobStore& store, const fs::path& file) {
  Sha256 h;
  std::uint64_t size = 0;
  if (auto st = read_pieces(file, [&](const char* p, std::size_t n) { return h.update(p, n), size += n, ok_status(); }); !st)
    return st.error();
  auto writer = store.begin(h.finish_hex(), size);
  if (!writer) return writer.error();
  if (auto st = read_pieces(file, [&](const char* p, std::size_t n) { return writer->write(p, n); }); !st) {
    // The file changed between the passes: eductl owns the work folder, so this is internal.
    return make_error(ErrorKind::internal, st.error().message, file.string());
  }
  auto staged = writer->finish();
  if (!staged) return make_error(ErrorKind::internal, staged.error().message, file.string());
  return staged;
}

std::string rendition_of(const std::string& rel) {
  if (rel == "master.m3u8" || rel == "profile.json") return "master";  // shared by the tree
  if (rel == "poster.jpg") return "poster";
  return rel.substr(0, rel.find('/'));
}

// Every file ffmpeg left in `work`, staged (not committed) with its rendition row.
Status stage_outputs(const fs::path& work, BlobStore& store, Made& m) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(work, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_regular_file()) files.push_back(it->path());
  if (ec) return make_error(ErrorKind::internal, "cannot list the work folder: " + ec.message(), work.string());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    if (interrupted()) return make_error(ErrorKind::interrupted, "interrupted");
    auto staged = stage_file(store, f);
    if (!staged) return staged.error();
    const std::string rel = fs::relative(f, work).generic_string();
    m.files.push_back({rendition_of(rel), rel, staged->sha256(), staged->size()});
    m.staged.push_back(std::move(*staged));
  }
  return ok_status();
}

// Runs on a worker thread: ffprobe, ffmpeg, then every output file staged (not committed).
Made make_renditions(const Planned& p, const fs::path& input, const fs::path& work, BlobStore& store,
                     const std::function<void(const std::string&, double)>& progress) {
  Made m;
  auto fail = [&m](const Error& e, std::string log) -> Made {
    m.interrupted = e.kind == ErrorKind::interrupted;
    m.failure = e.kind == ErrorKind::bad_input ? ErrorKind::findings : ErrorKind::internal;
    m.log = std::move(log);
    return std::move(m);
  };
  auto facts = probe(input, p.input.sha256);
  if (!facts) return fail(facts.error(), "does not decode: " + facts.error().message);
  m.facts = *facts;
  std::error_code ec;
  fs::remove_all(work, ec);
  if (auto st = make_dirs(work); !st) return fail(st.error(), st.error().describe());
  auto out = transcode(input, m.facts, *p.profile, work, progress);
  if (!out) return fail(out.error(), out.error().describe());
  m.interrupted = out->interrupted;
  m.failure = out->failure;
  m.log = out->log;
  if (!out->ok) return m;
  m.renditions = out->renditions;
  if (auto st = stage_outputs(work, store, m); !st) return fail(st.error(), st.error().describe());
  m.ok = true;
  return m;
}

// transcode-<job>-<attempt>: each attempt writes its own folder, which the next run
// removes (an ffmpeg child dies with eductl, even on kill -9: see util/subprocess).
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

// The profiles the request names, from the built-ins and its file; usage error for an unknown one.
Result<std::map<std::string, Profile>> requested_profiles(const TranscodeRequest& r) {
  auto profiles = load_profiles(r.profiles_file);
  if (!profiles) return profiles.error();
  for (const auto& name : r.profiles)
    if (!profiles->count(name)) {
      std::string known;
      for (const auto& [n, p] : *profiles) known += (known.empty() ? "" : ", ") + n;
      return make_error(ErrorKind::usage, "no transcode profile '" + name + "'; known: " + known);
    }
  return profiles;
}

JobReport job_report(const Input& in, const std::string& profile, std::string outcome, std::string message = {}) {
  JobReport jr;
  jr.book = in.book;
  jr.file = in.file;
  jr.input_sha256 = in.sha256;
  jr.profile = profile;
  jr.outcome = std::move(outcome);
  jr.message = std::move(message);
  return jr;
}

void count_files(JobReport& jr, const std::vector<RenditionFile>& files) {
  for (const auto& f : files) {
    ++jr.files;
    jr.bytes += f.size;
    if (f.rendition != "master" && f.rendition != "poster" &&
        std::find(jr.renditions.begin(), jr.renditions.end(), f.rendition) == jr.renditions.end())
      jr.renditions.push_back(f.rendition);
  }
}

// A done job is skipped when its files are all in the store and it was made with this
// profile's content (its profile.json); nullopt when it must run (again).
Result<std::optional<JobReport>> skip_if_done(const Catalog& cat, const BlobStore& store, const Input& in, const Profile& prof,
                                              const TranscodeJob& job, bool force) {
  if (job.status != "done" || force) return std::optional<JobReport>();
  auto files = cat.rendition_files(in.sha256, prof.name);
  if (!files) return files.error();
  const bool complete = !files->empty() && std::all_of(files->begin(), files->end(), [&](const RenditionFile& f) {
    return store.has(f.sha256, f.size);
  });
  const std::string digest = sha256_hex(profile_json(prof));
  const bool same_profile = std::any_of(files->begin(), files->end(), [&](const RenditionFile& f) {
    return f.path == "profile.json" && f.sha256 == digest;
  });
  if (!complete || !same_profile) return std::optional<JobReport>();
  JobReport jr = job_report(in, prof.name, "skipped", "done before");
  count_files(jr, *files);
  return std::optional<JobReport>(std::move(jr));
}

// Every (input, profile) pair: failed at once (input not in the store), planned (dry
// run), skipped (done with this content) or to run.
Result<Plan> plan_jobs(Catalog& cat, const BlobStore& store, const std::vector<Input>& inputs,
                       const std::map<std::string, Profile>& profiles, const TranscodeRequest& r) {
  Plan plan;
  for (const auto& in : inputs)
    for (const auto& name : r.profiles) {
      const Profile& prof = profiles.at(name);
      if (!store.has(in.sha256, in.size)) {
        plan.settled.push_back(job_report(in, name, "failed", "the video is not in the content store (run 'eductl store verify')"));
        continue;
      }
      if (r.dry_run) {
        const fs::path file = fs::absolute(store.object_path(in.sha256));
        auto facts = probe(file, in.sha256);
        if (!facts && facts.error().kind != ErrorKind::bad_input) return facts.error();
        plan.settled.push_back(job_report(in, name, facts ? "planned" : "failed", facts ? "" : facts.error().message));
        if (facts) plan.settled.back().commands = hls_commands(file, *facts, prof);
        continue;
      }
      auto job = cat.job_for(in.sha256, name);
      if (!job) return job.error();
      auto skipped = skip_if_done(cat, store, in, prof, *job, r.force);
      if (!skipped) return skipped.error();
      if (*skipped) plan.settled.push_back(std::move(**skipped));
      else plan.todo.push_back({in, &prof, *job});
    }
  return plan;
}

// On the calling thread, in job order: commits a made job (blobs first, then the rows
// in one transaction: a crash between the two leaves unreferenced blobs, which gc
// removes, and a job that is not done), or records why it failed, or puts an
// interrupted one back to pending. A store or catalogue failure fails the job too.
JobReport record_job(Catalog& cat, BlobStore& store, const Planned& p, Made m) {
  JobReport jr = job_report(p.input, p.profile->name, "", m.log);
  jr.renditions = m.renditions;
  if (m.interrupted || interrupted()) {
    jr.outcome = "interrupted";
    jr.message.clear();
    if (auto st = cat.requeue_job(p.job.id); !st) {
      jr.outcome = "failed";
      jr.failure = ErrorKind::internal;
      jr.message = st.error().describe();
    }
    return jr;
  }
  Status st = ok_status();
  if (m.ok) {
    CommitStats stats;
    std::set<fs::path> dirs;
    for (auto& b : m.staged)
      if (st) st = store.commit(b, stats, &dirs);
    if (st) st = store.sync_dirs(dirs);
    if (st) st = cat.finish_job(p.job.id, m.facts, m.files);
    if (st) {
      jr.outcome = "done";
      count_files(jr, m.files);
      jr.renditions = m.renditions;
      return jr;
    }
    m.failure = ErrorKind::internal;
    m.log = st.error().describe();
  }
  jr.outcome = "failed";
  jr.failure = m.failure;
  jr.message = m.log;
  if (auto failed = cat.fail_job(p.job.id, m.log); !failed) {
    jr.failure = ErrorKind::internal;
    jr.message += "; " + failed.error().describe();
  }
  return jr;
}

// Runs the planned jobs on `jobs` threads; results are recorded in order.
void run_jobs(const DataFolder& data, Catalog& cat, BlobStore& store, const std::vector<Planned>& todo, unsigned jobs,
              const TranscodeProgress& progress, TranscodeReport& report) {
  std::uint64_t total = 0;
  for (const auto& p : todo) total += p.input.size;
  if (progress.start) progress.start(todo.size(), total);
  std::mutex progress_mu;
  std::vector<double> done_fraction(todo.size(), 0.0);
  parallel_ordered<Made>(
      todo.size(), jobs,
      [&](std::size_t i) -> Made {
        Made m;
        m.interrupted = interrupted();
        if (m.interrupted) return m;
        const Planned& p = todo[i];
        return make_renditions(p, fs::absolute(store.object_path(p.input.sha256)), work_dir(data, p), store,
                               [&](const std::string&, double f) {
                                 std::lock_guard lock(progress_mu);
                                 const double step = std::max(0.0, f - done_fraction[i]);
                                 done_fraction[i] = std::max(f, done_fraction[i]);
                                 if (progress.advance && step > 0)
                                   progress.advance(static_cast<std::uint64_t>(step * static_cast<double>(p.input.size)));
                               });
      },
      [&](std::size_t i, Made m) {
        // The outputs are staged copies by now: their folder goes first, so a full disk
        // has room again for the catalogue to record the job.
        std::error_code ec;
        fs::remove_all(work_dir(data, todo[i]), ec);
        report.jobs.push_back(record_job(cat, store, todo[i], std::move(m)));
        if (progress.job_done) progress.job_done();
      });
}

}  // namespace

Result<TranscodeReport> run_transcode(const DataFolder& data, const TranscodeRequest& r, const TranscodeProgress& progress) {
  if (auto st = tools_available(); !st) return st.error();
  auto profiles = requested_profiles(r);
  if (!profiles) return profiles.error();
  if (auto st = check_database_files(data.catalog_file()); !st) return st.error();
  auto cat = data.catalog(r.dry_run ? Access::read_only : Access::read_write);
  if (!cat) return cat.error();
  auto store = data.store(r.dry_run ? Access::read_only : Access::read_write);
  if (!store) return store.error();
  auto inputs = select_inputs(*cat, r);
  if (!inputs) return inputs.error();
  TranscodeReport report;
  if (!r.dry_run) report.stale_work_dirs = remove_stale_work_dirs(data.tmp_dir());
  auto plan = plan_jobs(*cat, *store, *inputs, *profiles, r);
  if (!plan) return plan.error();
  report.jobs = std::move(plan->settled);
  if (r.dry_run) return report;
  // Attempts count the runs that took the job up; a crash leaves it 'running' (redone
  // next time), an interrupt puts it back to 'pending'.
  for (const auto& p : plan->todo)
    if (auto st = cat->start_job(p.job.id); !st) return st.error();
  run_jobs(data, *cat, *store, plan->todo, r.jobs, progress, report);
  if (interrupted()) report.interrupted = true;
  return report;
}

}  // namespace eductl::media
