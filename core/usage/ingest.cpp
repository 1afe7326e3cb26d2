#include "core/usage/ingest.hpp"

#include <sodium.h>

#include <algorithm>
#include <cstring>
#include <unordered_map>

#include "core/usage/event.hpp"
#include "core/usage/geoip.hpp"
#include "core/usage/log_source.hpp"
#include "core/usage/regions.hpp"
#include "core/usage/resolve.hpp"
#include "core/util/cancel.hpp"
#include "core/util/sha256.hpp"
#include "core/util/text.hpp"

namespace eductl::usage {
namespace {

constexpr std::size_t k_head = 4096;
constexpr std::size_t k_chunk = 1 << 20;
constexpr std::size_t k_flush_visitors = 1 << 18;  // entries buffered before they go to the store
constexpr std::size_t k_prune_every = 1 << 20;     // lines between window prunes
constexpr std::size_t k_ip_cache = 1 << 16;

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

struct CellHash {
  std::size_t operator()(const CellKey& k) const {
    std::uint64_t h = static_cast<std::uint64_t>(k.day) * 0x9E3779B97F4A7C15ull;
    h ^= (static_cast<std::uint64_t>(k.province) << 20 ^ k.city) + 0x7F4A7C15ull + (h << 6) + (h >> 2);
    h ^= static_cast<std::uint64_t>(k.path_id) * 0xC2B2AE3D27D4EB4Full + (h << 6) + (h >> 2);
    return static_cast<std::size_t>(h);
  }
};

struct WindowKey {
  std::uint64_t client;
  std::int64_t path_id;
  bool operator==(const WindowKey&) const = default;
};
struct WindowHash {
  std::size_t operator()(const WindowKey& k) const {
    return static_cast<std::size_t>(k.client ^ (static_cast<std::uint64_t>(k.path_id) * 0x9E3779B97F4A7C15ull));
  }
};

struct ClientInfo {
  std::uint64_t hash;
  Region region;
};

std::string head_hash(std::string_view head) {
  Sha256 h;
  h.update(head);
  return h.finish_hex();
}

void add_to_summary(IngestSummary& summary, FileOutcome out) {
  for (std::size_t i = 0; i < out.classes.size(); ++i) summary.classes[i] += out.classes[i];
  summary.lines += out.lines;
  summary.views += out.views;
  summary.bytes += out.bytes;
  summary.files.push_back(std::move(out));
}

}  // namespace

struct Ingester::State {
  AggregateStore* store = nullptr;
  IngestOptions opts;
  LogFormat format;
  BotMatcher bots;
  AddressSet trusted;
  std::optional<GeoIp> geoip;
  std::array<unsigned char, crypto_shorthash_KEYBYTES> secret{};
  std::int64_t newest = 0;
  std::unordered_map<WindowKey, std::int64_t, WindowHash> windows;
  std::unordered_map<std::string, std::int64_t, StringHash, std::equal_to<>> paths;
  std::unordered_map<std::string, ClientInfo, StringHash, std::equal_to<>> clients;
  std::vector<FileRecord> files;

  // Per-file buffers, flushed into the file's transaction.
  std::unordered_map<CellKey, CellValues, CellHash> cells;
  std::vector<VisitorKey> visitors;
  std::unordered_map<std::int64_t, LineCounts> line_counts;

  ClientInfo client_info(std::string_view ip) {
    if (auto it = clients.find(ip); it != clients.end()) return it->second;
    if (clients.size() >= k_ip_cache) clients.clear();
    ClientInfo info{};
    // IPv4 and IPv6 are hashed in their canonical 16-byte form where they parse, so
    // "::ffff:1.2.3.4" and "1.2.3.4" are one client.
    in6_addr a;
    if (parse_ip(ip, a))
      crypto_shorthash(reinterpret_cast<unsigned char*>(&info.hash), a.s6_addr, sizeof a.s6_addr, secret.data());
    else
      crypto_shorthash(reinterpret_cast<unsigned char*>(&info.hash), reinterpret_cast<const unsigned char*>(ip.data()),
                       ip.size(), secret.data());
    if (opts.region) info.region = Region{*opts.region, 0};
    else if (geoip) info.region = geoip->lookup(ip);
    clients.emplace(std::string(ip), info);
    return info;
  }

  Result<std::int64_t> path_id(std::string_view path) {
    if (auto it = paths.find(path); it != paths.end()) return it->second;
    auto id = store->add_path(path);
    if (!id) return id.error();
    paths.emplace(std::string(path), *id);
    return *id;
  }

  // The view rule: a counted line starts a view unless its (client, path) had a counted
  // line at most 1800 s before; every counted line extends the window. Returns true
  // when the line starts a view.
  bool starts_view(std::uint64_t client, std::int64_t path, std::int64_t t) {
    auto [it, inserted] = windows.try_emplace(WindowKey{client, path}, t);
    bool fresh = inserted;
    if (!inserted) {
      std::int64_t& last = it->second;
      // Windows are pruned once the newest line is k_disorder past their end; a line that
      // could still join a pruned window would be more than k_disorder older than the
      // newest line, so for logs in time order (within k_disorder) where a log was cut
      // never changes the outcome.
      if (t - last > k_view_window) {
        fresh = true;
        last = t;
      } else {
        last = std::max(last, t);
      }
    }
    newest = std::max(newest, t);
    return fresh;
  }

  void prune_windows() {
    const std::int64_t horizon = newest - k_view_window - k_disorder;
    std::erase_if(windows, [&](const auto& kv) { return kv.second < horizon; });
  }

  Status flush() {
    if (!cells.empty()) {
      std::vector<std::pair<CellKey, CellValues>> v(cells.begin(), cells.end());
      if (auto st = store->add_cells(v); !st) return st;
      cells.clear();
    }
    if (!visitors.empty()) {
      std::sort(visitors.begin(), visitors.end());
      visitors.erase(std::unique(visitors.begin(), visitors.end()), visitors.end());
      if (auto st = store->add_visitors(visitors); !st) return st;
      visitors.clear();
    }
    if (!line_counts.empty()) {
      std::vector<std::pair<std::int64_t, LineCounts>> v(line_counts.begin(), line_counts.end());
      if (auto st = store->add_line_counts(v); !st) return st;
      line_counts.clear();
    }
    return ok_status();
  }

  // The record of a file read before whose head this content starts with (the one read
  // furthest), or an empty record.
  FileRecord known_record(std::string_view head) const {
    FileRecord best;
    for (const FileRecord& r : files) {
      if (r.head_len == 0 || r.head_len > head.size() || r.offset <= best.offset) continue;
      if (head_hash(head.substr(0, r.head_len)) == r.head_hash) best = r;
    }
    return best;
  }

  // The end of a file's transaction: buffered figures, the open windows and the file's
  // progress, then the commit.
  Status save_and_commit(const std::optional<FileRecord>& record) {
    prune_windows();
    std::vector<WindowEntry> open;
    open.reserve(windows.size());
    for (const auto& [k, last] : windows) open.push_back({k.client, k.path_id, last});
    if (auto st = flush(); !st) return st;
    if (auto st = store->replace_windows(open, newest); !st) return st;
    if (record)
      if (auto st = store->save_file(*record); !st) return st;
    if (auto st = store->commit(); !st) return st;
    if (record)
      if (auto f = store->files()) files = std::move(f).value();
    return ok_status();
  }

  void discard_buffers() {
    cells.clear();
    visitors.clear();
    line_counts.clear();
  }
};

Ingester::Ingester() : m(std::make_unique<State>()) {}
Ingester::Ingester(Ingester&&) noexcept = default;
Ingester& Ingester::operator=(Ingester&&) noexcept = default;
Ingester::~Ingester() = default;

Result<Ingester> Ingester::create(AggregateStore& store, const IngestOptions& opts) {
  Ingester ing;
  State& s = *ing.m;
  s.store = &store;
  s.opts = opts;
  auto fmt = LogFormat::compile(opts.format);
  if (!fmt) return fmt.error();
  s.format = std::move(fmt).value();
  s.bots = BotMatcher(opts.bot_patterns);
  for (const std::string& p : opts.trusted_proxies)
    if (auto st = s.trusted.add(p); !st) return st.error();
  if (!s.trusted.empty() && !s.format.has(Field::http_x_forwarded_for))
    return make_error(ErrorKind::usage, "--trusted-proxy needs $http_x_forwarded_for in the log format (--format)");
  if (!opts.geoip.empty() && !opts.region) {
    auto g = GeoIp::open(opts.geoip);
    if (!g) return g.error();
    s.geoip = std::move(g).value();
  }
  if (sodium_init() < 0) return make_error(ErrorKind::internal, "libsodium failed to initialise");
  auto key = store.secret();
  if (!key) return key.error();
  static_assert(crypto_shorthash_KEYBYTES == 16);
  std::memcpy(s.secret.data(), key->data(), s.secret.size());
  auto newest = store.newest_time();
  if (!newest) return newest.error();
  s.newest = *newest;
  auto windows = store.windows();
  if (!windows) return windows.error();
  for (const WindowEntry& w : *windows) s.windows.emplace(WindowKey{w.client, w.path_id}, w.last);
  auto paths = store.paths();
  if (!paths) return paths.error();
  for (auto& [p, id] : *paths) s.paths.emplace(std::move(p), id);
  auto files = store.files();
  if (!files) return files.error();
  s.files = std::move(files).value();
  return ing;
}

bool is_event_file_name(std::string_view name) {
  if (name.ends_with(".gz")) name.remove_suffix(3);
  return name.ends_with(".jsonl") || name.ends_with(".ndjson");
}


Status Ingester::ingest_file(const std::string& name, IngestSummary& summary, const ProgressFn& progress) {
  State& s = *m;
  auto src_r = LogSource::open(name);
  if (!src_r) return src_r.error();
  LogSource& src = *src_r;
  FileOutcome out;
  out.file = name;
  out.status = "ingested";

  // Which file is this? The longest head of a file read before that this content starts with.
  FileRecord record;
  std::string head;
  if (!src.is_stdin()) {
    auto h = src.head(k_head);
    if (!h) return h.error();
    head = std::move(h).value();
    record = s.known_record(head);
    if (record.id) {
      if (auto st = src.skip(record.offset); !st) return st;
      out.skipped_bytes = record.offset;
      out.status = "continued";
    }
  }
  const std::uint64_t first_line = record.lines;

  if (auto st = s.store->begin(); !st) return st;
  const std::int64_t newest_before = s.newest;
  auto windows_before = s.windows;  // restored when the file fails: it must leave no trace
  auto fail = [&](Error e) -> Status {
    s.store->rollback();
    s.discard_buffers();
    s.windows = std::move(windows_before);
    s.newest = newest_before;
    s.paths.clear();  // ids of paths added in the rolled-back transaction are gone
    if (auto p = s.store->paths()) for (auto& [path, id] : *p) s.paths.emplace(std::move(path), id);
    return e;
  };

  std::vector<char> buf(k_chunk + k_max_line + 1);
  std::size_t have = 0;          // bytes in buf
  std::uint64_t consumed = record.offset;  // content bytes up to the last line end
  std::uint64_t line_no = first_line;
  bool skipping_long = false;    // inside a line longer than k_max_line
  bool eof = false;
  std::size_t since_prune = 0;
  LogLine line;

  auto count_class = [&](std::int64_t day, LineClass c) {
    ++s.line_counts[day][static_cast<std::size_t>(c)];
    ++out.classes[static_cast<std::size_t>(c)];
  };
  auto malformed = [&](Malformed why) -> Status {
    count_class(k_no_day, LineClass::malformed);
    if (summary.samples.size() < k_max_samples)
      summary.samples.push_back({name, line_no, std::string(malformed_code(why)), std::string(describe(why))});
    if (s.opts.strict)
      return make_error(ErrorKind::bad_input,
                        "line " + std::to_string(line_no) + ": " + std::string(malformed_code(why)) + ": " +
                            std::string(describe(why)) + " (--strict)",
                        name);
    return ok_status();
  };
  auto process = [&](std::string_view text) -> Status {
    ++line_no;
    ++out.lines;
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    const Malformed why = parse_line(text, s.format, line);
    if (why != Malformed::none) return malformed(why);
    const LineClass c = classify(line, s.bots);
    const std::int64_t day = line.local_day();
    count_class(day, c);
    if (c != LineClass::counted) return ok_status();
    const ClientInfo ci = s.client_info(client_address(line.client, line.forwarded, s.trusted));
    auto pid = s.path_id(line.path);
    if (!pid) return pid.error();
    const CellKey key{day, ci.region.province, ci.region.city, *pid};
    CellValues& cell = s.cells[key];
    cell.bytes += line.bytes;
    ++cell.lines;
    out.bytes += line.bytes;
    if (s.starts_view(ci.hash, *pid, line.time)) {
      ++cell.views;  // the view's day is its first line's day: this one
      ++out.views;
    }
    s.visitors.push_back({key, ci.hash});
    if (s.visitors.size() >= k_flush_visitors) return s.flush();
    return ok_status();
  };

  // A player event (schemas/eductl.event-1.schema.json): play and download are views,
  // every event adds its seconds watched; region from the event, else from the client.
  const bool events = s.opts.events || is_event_file_name(name);
  auto process_event = [&](std::string_view text) -> Status {
    ++line_no;
    ++out.lines;
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    PlayerEvent ev;
    if (const Malformed why = parse_event(text, ev); why != Malformed::none) return malformed(why);
    LogLine at;
    at.time = ev.time;
    at.utc_offset = ev.utc_offset;
    const std::int64_t day = at.local_day();
    count_class(day, LineClass::counted);
    ClientInfo ci = s.client_info(ev.client);
    if (ev.province) ci.region = Region{*ev.province, 0};
    auto pid = s.path_id(std::string(k_event_prefix) + ev.book + "\t" + ev.lesson + "\t" + ev.resource);
    if (!pid) return pid.error();
    const CellKey key{day, ci.region.province, ci.region.city, *pid};
    CellValues& cell = s.cells[key];
    ++cell.lines;
    cell.watch_seconds += ev.seconds;
    if (ev.action != EventAction::complete) {
      ++cell.views;
      ++out.views;
    }
    s.visitors.push_back({key, ci.hash});
    if (s.visitors.size() >= k_flush_visitors) return s.flush();
    return ok_status();
  };

  while (!eof) {
    if (interrupted()) return fail(make_error(ErrorKind::interrupted, "interrupted; nothing of this file was kept", name));
    auto n = src.read(buf.data() + have, k_chunk);
    if (!n) return fail(n.error());
    if (*n == 0) eof = true;
    have += *n;
    if (progress) progress(src.raw_position());
    std::size_t start = 0;
    while (true) {
      const char* nl = static_cast<const char*>(std::memchr(buf.data() + start, '\n', have - start));
      if (!nl) break;
      const std::size_t end = static_cast<std::size_t>(nl - buf.data());
      if (skipping_long) {
        skipping_long = false;  // the rest of an over-long line, already counted
      } else if (auto st = events ? process_event(std::string_view(buf.data() + start, end - start))
                                  : process(std::string_view(buf.data() + start, end - start));
                 !st) {
        return fail(st.error());
      }
      consumed += end + 1 - start;
      start = end + 1;
      if (++since_prune >= k_prune_every) {
        s.prune_windows();
        since_prune = 0;
      }
    }
    // Keep the unfinished line; one longer than the limit is malformed and skipped.
    std::size_t rest = have - start;
    if (rest > k_max_line) {
      if (!skipping_long) {
        ++line_no;
        ++out.lines;
        if (auto st = malformed(Malformed::too_long); !st) return fail(st.error());
        skipping_long = true;
      }
      consumed += rest;
      rest = 0;
    }
    std::memmove(buf.data(), buf.data() + start, rest);
    have = rest;
  }
  if (have > 0 && !skipping_long) {
    if (src.is_stdin()) {
      // Standard input is read whole: its last line counts even without a newline.
      const std::string_view last(buf.data(), have);
      if (auto st = events ? process_event(last) : process(last); !st) return fail(st.error());
    } else {
      // A file may still be written to: an unfinished last line waits for the next ingest.
      out.pending_tail = true;
    }
  }
  if (out.lines == 0 && record.id) out.status = "unchanged";

  std::optional<FileRecord> progress_record;
  if (!src.is_stdin() && !head.empty()) {
    FileRecord r = record;
    r.head_len = head.size();
    r.head_hash = head_hash(head);
    r.offset = consumed;
    r.lines = line_no;
    r.device = src.device();
    r.inode = src.inode();
    r.size = src.file_size();
    r.name = name;
    progress_record = std::move(r);
  }
  if (auto st = s.save_and_commit(progress_record); !st) return fail(st.error());
  add_to_summary(summary, std::move(out));
  return ok_status();
}

std::optional<std::int64_t> Ingester::first_line_time(const std::string& name) {
  if (name == "-") return std::nullopt;
  auto src = LogSource::open(name);
  if (!src) return std::nullopt;
  auto head = src->head(k_head);
  if (!head) return std::nullopt;
  const bool events = m->opts.events || is_event_file_name(name);
  std::string_view rest = *head;
  while (!rest.empty()) {
    const std::size_t nl = rest.find('\n');
    if (nl == std::string_view::npos) break;  // only whole lines
    std::string_view text = rest.substr(0, nl);
    rest.remove_prefix(nl + 1);
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    if (events) {
      PlayerEvent ev;
      if (parse_event(text, ev) == Malformed::none) return ev.time;
    } else {
      LogLine line;
      if (parse_line(text, m->format, line) == Malformed::none) return line.time;
    }
  }
  return std::nullopt;
}

}  // namespace eductl::usage
