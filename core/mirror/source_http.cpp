// An http(s):// upstream through libcurl's multi interface: up to `jobs` transfers at
// once over kept-alive (or HTTP/2-multiplexed) connections, Range resume guarded by
// If-Range, retries with backoff, and a hard stop at the declared size.
#include <curl/curl.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>

#include "core/mirror/rate_budget.hpp"
#include "core/mirror/source.hpp"
#include "core/mirror/source_impl.hpp"
#include "core/util/cancel.hpp"
#include "core/util/fs.hpp"

#ifndef EDUCTL_VERSION
#define EDUCTL_VERSION "dev"
#endif

namespace eductl::mirror {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

bool header_is(std::string_view line, std::string_view name, std::string& value) {
  if (line.size() <= name.size() || line[name.size()] != ':') return false;
  for (std::size_t i = 0; i < name.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(line[i])) != name[i]) return false;
  std::string_view v = line.substr(name.size() + 1);
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' ')) v.remove_suffix(1);
  value.assign(v);
  return true;
}

// One file's transfer, across its attempts.
struct Transfer {
  std::size_t index = 0;
  VerifiedSink sink;
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  int attempt = 0;
  std::uint64_t offset = 0;  // where this attempt's body starts
  bool range_requested = false, started = false, too_long = false, bad_status = false, range_broken = false;
  bool paused = false;             // waiting for the shared --limit-rate budget
  RateBudget* budget = nullptr;    // none for the index and signature
  long status = 0;
  std::string etag, last_modified, content_range;
  Clock::time_point not_before{};
  char errbuf[CURL_ERROR_SIZE] = {};

  std::string etag_file;  // the validator kept beside a partial file, for a resume in a later run

  Transfer(std::size_t i, const Wanted& w, const fs::path& work) : index(i), sink(w, work) {
    if (!w.to_memory) etag_file = download_path(work, w.sha256).string() + ".etag";
  }
};

void remember_validator(const Transfer& t) {
  const std::string& v = t.etag.empty() ? t.last_modified : t.etag;
  if (t.etag_file.empty() || v.empty()) return;
  int fd = ::open(t.etag_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) return;
  ssize_t w = ::write(fd, v.data(), v.size());
  (void)w;
  ::close(fd);
}

std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * n);
  if (line.rfind("HTTP/", 0) == 0) {  // a new response (after a redirect or 100)
    t->etag.clear();
    t->last_modified.clear();
    t->content_range.clear();
  }
  std::string v;
  if (header_is(line, "etag", v)) t->etag = v;
  else if (header_is(line, "last-modified", v)) t->last_modified = v;
  else if (header_is(line, "content-range", v)) t->content_range = v;
  return size * n;
}

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::size_t len = size * n;
  if (!t->started) {
    t->started = true;
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &t->status);
    if (t->status == 206 && t->range_requested) {
      std::string want = "bytes " + std::to_string(t->offset) + "-";
      if (t->content_range.rfind(want, 0) != 0) {
        t->range_broken = true;  // a range we did not ask for: start over next attempt
        return 0;
      }
    } else if (t->status == 200) {
      // A server that ignores Range (or whose If-Range no longer matches) sends it all.
      if (t->range_requested && !t->sink.restart()) return 0;
      t->offset = 0;
    } else {
      t->bad_status = true;
      return 0;
    }
    remember_validator(*t);
  }
  if (t->budget && t->budget->limited()) {
    t->budget->refill();
    if (!t->budget->available()) {
      t->paused = true;  // curl keeps these bytes and hands them over again on unpause
      return CURL_WRITEFUNC_PAUSE;
    }
    t->budget->spend(len);
  }
  if (!t->sink.accept(data, len)) {
    t->too_long = true;
    return 0;
  }
  return len;
}

class HttpSource final : public Source {
 public:
  HttpSource(std::string base, HttpOptions o)
      : m_base(std::move(base)), m_o(o), m_budget(o.limit_rate), m_deadline(Clock::now() + std::chrono::seconds(o.deadline)) {
    global_init();
    m_multi = curl_multi_init();
    curl_multi_setopt(m_multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
    curl_multi_setopt(m_multi, CURLMOPT_MAX_HOST_CONNECTIONS, static_cast<long>(std::max(1, m_o.jobs)));
    curl_multi_setopt(m_multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, static_cast<long>(std::max(1, m_o.jobs)));
  }
  ~HttpSource() override { curl_multi_cleanup(m_multi); }
  std::string describe() const override { return m_base; }
  bool is_remote() const override { return true; }
  std::uint64_t requests_made() const override { return m_requests; }

  Result<SmallFile> get_small(const std::string& name, std::uint64_t max_bytes, const Conditional* cond) override {
    Wanted w{name, std::string(64, '0'), max_bytes, true};
    for (int attempt = 0;; ++attempt) {
      if (past_deadline()) return deadline_error(name);
      Transfer t(0, w, fs::path());
      (void)t.sink.open_fresh();
      curl_slist* extra = nullptr;
      if (cond && !cond->etag.empty()) extra = curl_slist_append(extra, ("If-None-Match: " + cond->etag).c_str());
      if (cond && !cond->last_modified.empty())
        extra = curl_slist_append(extra, ("If-Modified-Since: " + cond->last_modified).c_str());
      CURL* easy = make_easy(t, name, extra);
      // A 304 has no body: the write callback never runs, so judge by the code.
      curl_multi_add_handle(m_multi, easy);
      CURLcode code = run_one(easy);
      long status = 0;
      curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
      curl_multi_remove_handle(m_multi, easy);
      curl_easy_cleanup(easy);
      curl_slist_free_all(extra);
      if (interrupted()) return make_error(ErrorKind::interrupted, "interrupted");
      if (code == CURLE_OK && status == 304) {
        SmallFile f;
        f.not_modified = true;
        f.etag = t.etag.empty() && cond ? cond->etag : t.etag;
        f.last_modified = t.last_modified.empty() && cond ? cond->last_modified : t.last_modified;
        return f;
      }
      if (t.too_long) {
        SmallFile f;
        f.too_large = true;
        return f;
      }
      if (code == CURLE_OK && status == 200) {
        SmallFile f;
        f.body = t.sink.release_body();
        f.etag = t.etag;
        f.last_modified = t.last_modified;
        return f;
      }
      std::string why = code != CURLE_OK ? std::string(t.errbuf[0] ? t.errbuf : curl_easy_strerror(code))
                                         : "HTTP " + std::to_string(status);
      if (!retryable(code, status) || attempt >= m_o.retries)
        return make_error(ErrorKind::network, why + (attempt ? " (after " + std::to_string(attempt + 1) + " tries)" : ""),
                          url(name));
      sleep_backoff(attempt);
    }
  }

  Result<FetchReport> get_many(const std::vector<Wanted>& wanted, const fs::path& work_dir,
                               const FetchProgress& progress) override {
    Batch b(wanted, work_dir, progress);
    for (std::size_t i = 0; i < wanted.size(); ++i) b.queue.push_back(std::make_unique<Transfer>(i, wanted[i], work_dir));
    std::optional<Error> fatal;
    while ((!b.queue.empty() || !b.active.empty()) && !fatal) {
      if (interrupted())
        fatal = make_error(ErrorKind::interrupted, "interrupted; partial downloads are kept for the next sync");
      else if (past_deadline())
        fatal = deadline_error(wanted[b.active.empty() ? b.queue.front()->index : b.active.front()->index].name);
      else
        fatal = step(b);
    }
    suspend_active(b);
    if (fatal) return *fatal;
    return std::move(b.report);
  }

 private:
  // One get_many call's transfers and results, passed between its phases.
  struct Batch {
    Batch(const std::vector<Wanted>& w, const fs::path& dir, const FetchProgress& p) : wanted(w), work_dir(dir), progress(p) {}
    const std::vector<Wanted>& wanted;
    const fs::path& work_dir;
    const FetchProgress& progress;
    std::deque<std::unique_ptr<Transfer>> queue;
    std::vector<std::unique_ptr<Transfer>> active;
    FetchReport report;
    std::uint64_t done_bytes = 0, done_files = 0;
  };

  // Stops the running transfers, keeping what arrived for a resume.
  void suspend_active(Batch& b) {
    for (auto& t : b.active) {
      curl_multi_remove_handle(m_multi, t->easy);
      curl_easy_cleanup(t->easy);
      curl_slist_free_all(t->headers);
      t->sink.suspend();
    }
    b.active.clear();
  }

  // One round: start what may start, let curl move bytes, take the finished, wait.
  std::optional<Error> step(Batch& b) {
    if (auto e = start_ready(b)) return e;
    int running = 0;
    curl_multi_perform(m_multi, &running);
    int left = 0;
    bool finished_any = false;
    while (CURLMsg* msg = curl_multi_info_read(m_multi, &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      finished_any = true;
      CURL* easy = msg->easy_handle;
      const CURLcode code = msg->data.result;
      auto it = std::find_if(b.active.begin(), b.active.end(), [&](auto& t) { return t->easy == easy; });
      if (it == b.active.end()) continue;
      std::unique_ptr<Transfer> t = std::move(*it);
      b.active.erase(it);
      if (auto e = on_finished(b, std::move(t), code)) return e;
    }
    if (finished_any && !b.queue.empty()) return std::nullopt;  // start the next transfers before waiting
    const auto wait = resume_paused(b.active);
    if (!b.active.empty())
      curl_multi_poll(m_multi, nullptr, 0, static_cast<int>(std::clamp<long>(wait.count(), 1, 100)), nullptr);
    else if (!b.queue.empty())
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // all waiting out a backoff
    return std::nullopt;
  }

  // Starts queued transfers, up to --jobs, except those waiting out a backoff.
  std::optional<Error> start_ready(Batch& b) {
    const std::size_t jobs = static_cast<std::size_t>(std::max(1, m_o.jobs));
    const auto now = Clock::now();
    for (std::size_t k = b.queue.size(); k > 0 && b.active.size() < jobs; --k) {
      auto t = std::move(b.queue.front());
      b.queue.pop_front();
      if (t->not_before > now) {
        b.queue.push_back(std::move(t));
        continue;
      }
      t->budget = &m_budget;
      if (auto started = start(*t, b.work_dir); !started) return started.error();
      b.active.push_back(std::move(t));
    }
    return std::nullopt;
  }

  // A finished attempt: taken, queued again, refused (a finding), or a fatal error.
  std::optional<Error> on_finished(Batch& b, std::unique_ptr<Transfer> t, CURLcode code) {
    curl_off_t got = 0;
    curl_easy_getinfo(t->easy, CURLINFO_SIZE_DOWNLOAD_T, &got);
    b.report.bytes_transferred += static_cast<std::uint64_t>(got);
    if (!t->started) curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &t->status);
    curl_multi_remove_handle(m_multi, t->easy);
    curl_easy_cleanup(t->easy);
    t->easy = nullptr;
    curl_slist_free_all(t->headers);
    t->headers = nullptr;
    const Wanted& w = b.wanted[t->index];
    if ((code == CURLE_OK && (t->status == 200 || t->status == 206)) || t->too_long) {
      auto verdict = t->sink.finish(t->too_long);
      if (!verdict) return verdict.error();
      if (verdict->finding || t->too_long) {
        if (retry_later(*t)) b.queue.push_back(std::move(t));
        else if (verdict->finding) refuse(*t, *verdict->finding, b.report);
        return std::nullopt;
      }
      ::unlink(t->etag_file.c_str());
      b.report.done.push_back(Fetched{t->index, std::move(verdict->body), verdict->file});
      ++b.done_files;
      b.done_bytes += w.size;
      if (b.progress) b.progress(b.done_bytes, b.done_files);
      return std::nullopt;
    }
    if (t->range_broken) {  // a Content-Range other than the one asked for: start over
      t->sink.suspend();
      ::unlink(download_path(b.work_dir, w.sha256).c_str());
      t->etag.clear();
      t->last_modified.clear();
      ::unlink(t->etag_file.c_str());
      if (retry_later(*t)) {
        b.queue.push_back(std::move(t));
        return std::nullopt;
      }
    }
    t->sink.suspend();  // keep the bytes that did arrive: the next attempt resumes
    if (!retryable(code, t->status) || !retry_later(*t)) return transfer_error(*t, code, w);
    b.queue.push_back(std::move(t));
    return std::nullopt;
  }

  Error transfer_error(const Transfer& t, CURLcode code, const Wanted& w) const {
    std::string why = t.bad_status || code == CURLE_OK ? "HTTP " + std::to_string(t.status)
                                                       : std::string(t.errbuf[0] ? t.errbuf : curl_easy_strerror(code));
    if (code == CURLE_OPERATION_TIMEDOUT)
      why += " (limits: --min-rate " + std::to_string(low_speed_limit()) + " bytes/s over --stall-timeout " +
             std::to_string(m_o.stall_timeout) + " s, --transfer-timeout " + std::to_string(m_o.transfer_timeout) + " s)";
    return make_error(ErrorKind::network,
                      why + (t.attempt > 1 ? " (after " + std::to_string(t.attempt) + " tries)" : "") +
                          (t.status == 404 ? "; the upstream does not hold this file (a partial mirror?)" : ""),
                      url(w.name));
  }

  std::string url(const std::string& name) const { return m_base + name; }

  bool past_deadline() const { return Clock::now() >= m_deadline; }
  Error deadline_error(const std::string& name) const {
    return make_error(ErrorKind::network,
                      "the sync ran past its deadline (--deadline " + std::to_string(m_o.deadline) +
                          " s) and was stopped; partial downloads are kept for the next sync",
                      url(name));
  }

  // A refused file: its finding, and no validator left beside a file that is gone.
  static void refuse(const Transfer& t, const Finding& finding, FetchReport& report) {
    if (!t.etag_file.empty()) ::unlink(t.etag_file.c_str());
    report.findings.push_back(finding);
  }

  // Lets paused transfers go on when the shared budget allows, starting each round with
  // another one so that all of them move; returns how long until it allows more.
  std::chrono::milliseconds resume_paused(std::vector<std::unique_ptr<Transfer>>& active) {
    if (!m_budget.limited() || active.empty()) return std::chrono::milliseconds(100);
    m_budget.refill();
    const std::size_t n = active.size();
    m_round = (m_round + 1) % n;
    for (std::size_t k = 0; k < n && m_budget.available(); ++k) {
      Transfer& t = *active[(m_round + k) % n];
      if (!t.paused) continue;
      t.paused = false;
      curl_easy_pause(t.easy, CURLPAUSE_CONT);  // may hand over the held bytes at once
    }
    return m_budget.available() ? std::chrono::milliseconds(100) : m_budget.wait();
  }

  // The lowest speed a transfer may keep for stall_timeout seconds: min_rate, or less
  // when --limit-rate shares out less than that per transfer (never cut off our own
  // throttling).
  long low_speed_limit() const {
    std::uint64_t limit = m_o.min_rate;
    if (m_o.limit_rate > 0)
      limit = std::min<std::uint64_t>(limit, m_o.limit_rate / (2 * static_cast<std::uint64_t>(std::max(1, m_o.jobs))));
    return static_cast<long>(std::max<std::uint64_t>(limit, 1));
  }

  // One attempt may take transfer_timeout seconds, and never past the sync's deadline.
  long attempt_timeout() const {
    const auto left = std::chrono::duration_cast<std::chrono::seconds>(m_deadline - Clock::now()).count();
    long t = m_o.transfer_timeout > 0 ? m_o.transfer_timeout : static_cast<long>(left);
    return std::max<long>(1, std::min<long>(t, static_cast<long>(left)));
  }

  static bool retryable(CURLcode code, long status) {
    if (code == CURLE_OK || code == CURLE_WRITE_ERROR) return status == 0 || status == 408 || status == 429 || status >= 500;
    switch (code) {
      case CURLE_UNSUPPORTED_PROTOCOL:
      case CURLE_URL_MALFORMAT:
      case CURLE_SSL_CACERT_BADFILE:
      case CURLE_PEER_FAILED_VERIFICATION:
      case CURLE_TOO_MANY_REDIRECTS:
        return false;
      default:
        return true;
    }
  }

  bool retry_later(Transfer& t) {
    if (t.attempt > m_o.retries) return false;
    double delay = m_o.backoff;
    for (int i = 1; i < t.attempt; ++i) delay *= 2;
    t.not_before = Clock::now() + std::chrono::milliseconds(static_cast<long>(std::min(delay, 30.0) * 1000));
    return true;
  }

  void sleep_backoff(int attempt) const {
    double delay = m_o.backoff;
    for (int i = 0; i < attempt; ++i) delay *= 2;
    auto until = Clock::now() + std::chrono::milliseconds(static_cast<long>(std::min(delay, 30.0) * 1000));
    while (Clock::now() < until && !interrupted()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }

  CURL* make_easy(Transfer& t, const std::string& name, curl_slist* headers) {
    CURL* e = curl_easy_init();
    t.easy = e;
    t.errbuf[0] = 0;
    curl_easy_setopt(e, CURLOPT_URL, url(name).c_str());
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "eductl/" EDUCTL_VERSION);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    // Large pieces mean fewer callbacks and writes for large blobs; under --limit-rate,
    // pieces small against the budget keep the rate even.
    curl_easy_setopt(e, CURLOPT_BUFFERSIZE, m_budget.piece_bytes());
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t.errbuf);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, m_o.connect_timeout);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, low_speed_limit());
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, m_o.stall_timeout);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, attempt_timeout());
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &t);
    if (headers) curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
    if (!m_o.proxy.empty()) curl_easy_setopt(e, CURLOPT_PROXY, m_o.proxy.c_str());
    if (!m_o.ca_file.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, m_o.ca_file.c_str());
    ++m_requests;
    return e;
  }

  Status start(Transfer& t, const fs::path& work_dir) {
    ++t.attempt;
    t.started = t.too_long = t.bad_status = t.range_broken = t.paused = false;
    t.status = 0;
    const Wanted& w = t.sink.wanted();
    fs::path etag_file = download_path(work_dir, w.sha256).string() + ".etag";
    std::string validator = t.etag.empty() ? t.last_modified : t.etag;
    if (validator.empty() && !w.to_memory) {
      auto saved = read_file(etag_file, 4096);
      if (saved) validator = *saved;
    }
    std::uint64_t offset = 0;
    if (!validator.empty()) {
      auto r = t.sink.open_resume();
      if (!r) return r.error();
      offset = *r;
    } else {
      auto s = t.sink.open_fresh();
      if (!s) return s;
    }
    t.offset = offset;
    t.range_requested = offset > 0;
    if (t.range_requested) t.headers = curl_slist_append(t.headers, ("If-Range: " + validator).c_str());
    CURL* e = make_easy(t, w.name, t.headers);
    // CURLOPT_RANGE, not RESUME_FROM: a 200 answer (Range ignored, If-Range failed) is
    // then the whole file, which on_body takes from the start instead of failing.
    std::string range = std::to_string(offset) + "-";
    if (t.range_requested) curl_easy_setopt(e, CURLOPT_RANGE, range.c_str());
    curl_multi_add_handle(m_multi, e);
    return ok_status();
  }

  CURLcode run_one(CURL* easy) {
    for (;;) {
      int running = 0;
      curl_multi_perform(m_multi, &running);
      int left = 0;
      while (CURLMsg* msg = curl_multi_info_read(m_multi, &left))
        if (msg->msg == CURLMSG_DONE && msg->easy_handle == easy) return msg->data.result;
      if (interrupted()) return CURLE_ABORTED_BY_CALLBACK;
      curl_multi_poll(m_multi, nullptr, 0, 100, nullptr);
    }
  }

  std::string m_base;
  HttpOptions m_o;
  CURLM* m_multi = nullptr;
  std::uint64_t m_requests = 0;
  RateBudget m_budget;  // one for all transfers: --limit-rate is a cap on the sum
  Clock::time_point m_deadline;
  std::size_t m_round = 0;
};

}  // namespace

std::unique_ptr<Source> make_http_source(const std::string& base_url, const HttpOptions& options) {
  return std::make_unique<HttpSource>(base_url, options);
}

}  // namespace eductl::mirror
