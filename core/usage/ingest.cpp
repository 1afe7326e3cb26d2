#include "core/usage/ingest.hpp"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <ctime>
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

// One view while it can still grow: its first and latest line, its day and region.
struct View {
  std::int64_t first, last, day;
  Region region;
};

// The client as hashed: its canonical 16-byte address where it parses (so "::ffff:1.2.3.4"
// and "1.2.3.4" are one client), else the text; and its region.
struct ClientInfo {
  Region region;
  bool parsed = false;
  std::array<unsigned char, 16> addr{};
};

struct DayKeyState {
  DayKey key{};
  bool saved = false;  // in the store already
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
  summary.bytes = add_saturated(summary.bytes, out.bytes);
  summary.files.push_back(std::move(out));
}

// What one file's reading needs besides the ingester's state.
struct FileRun {
  const std::string& name;
  IngestSummary& summary;
  FileOutcome out;
  std::uint64_t line_no = 0;
  std::int64_t newest = 0;  // newest line time of this file
  bool events = false;
};

}  // namespace

std::int64_t last_closed_day(std::int64_t now, std::int64_t late_grace) {
  const std::int64_t t = now - k_latest_zone - k_view_window - late_grace;
  return (t >= 0 ? t / 86400 : (t - 86399) / 86400) - 1;
}

struct Ingester::State {
  AggregateStore* store = nullptr;
  IngestOptions opts;
  LogFormat format;
  BotMatcher bots;
  AddressSet trusted;
  std::optional<GeoIp> geoip;
  std::int64_t now = 0, last_closed = 0;
  std::unordered_map<std::int64_t, DayKeyState> keys;
  std::int64_t newest = 0;
  std::unordered_map<WindowKey, std::vector<View>, WindowHash> windows;
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
    in6_addr a;
    if (parse_ip(ip, a)) {
      info.parsed = true;
      std::memcpy(info.addr.data(), a.s6_addr, info.addr.size());
    }
    if (opts.region) info.region = Region{*opts.region, 0};
    else if (geoip) info.region = geoip->lookup(ip);
    clients.emplace(std::string(ip), info);
    return info;
  }

  // The key of a day: the stored one, or a new random one (saved at the commit while the
  // day is open; a closed day's stays in memory for this run only).
  const DayKey& key_of(std::int64_t day) {
    auto [it, fresh] = keys.try_emplace(day);
    if (fresh) randombytes_buf(it->second.key.data(), it->second.key.size());
    return it->second.key;
  }

  std::uint64_t client_hash(const ClientInfo& ci, std::string_view ip, std::int64_t day) {
    return hash_with(key_of(day), ci, ip);
  }

  static std::uint64_t hash_with(const DayKey& key, const ClientInfo& ci, std::string_view ip) {
    std::uint64_t h = 0;
    if (ci.parsed)
      crypto_shorthash(reinterpret_cast<unsigned char*>(&h), ci.addr.data(), ci.addr.size(), key.data());
    else
      crypto_shorthash(reinterpret_cast<unsigned char*>(&h), reinterpret_cast<const unsigned char*>(ip.data()), ip.size(),
                       key.data());
    return h;
  }

  Result<std::int64_t> path_id(std::string_view path) {
    if (auto it = paths.find(path); it != paths.end()) return it->second;
    auto id = store->add_path(path);
    if (!id) return id.error();
    paths.emplace(std::string(path), *id);
    return *id;
  }

  void add_views(std::int64_t day, Region r, std::int64_t path, std::int64_t n) {
    cells[CellKey{day, r.province, r.city, path}].views += n;
  }

  // The view rule, in any order of arrival: a counted line joins every view of its
  // client and path within 1800 s of it (a view is filed under the key of its first
  // line's day, so the line looks under its own day's and the two neighbours' keys);
  // none: it starts a view; several: they become one. A view counts on its first line's
  // day, so joining moves or removes counts. Returns true when the line starts a view.
  bool join_view(const ClientInfo& ci, std::string_view ip, std::int64_t path, std::int64_t t, std::int64_t day,
                 Region region) {
    View merged{t, t, day, region};
    const std::uint64_t own_hash = client_hash(ci, ip, day);
    std::uint64_t merged_hash = own_hash;
    bool joined = false;
    for (std::int64_t d = day - 1; d <= day + 1; ++d) {
      const auto key = keys.find(d);  // a day without a key has no views: none is made up for it
      if (key == keys.end()) continue;
      const std::uint64_t h = d == day ? own_hash : hash_with(key->second.key, ci, ip);
      auto it = windows.find(WindowKey{h, path});
      if (it == windows.end()) continue;
      std::erase_if(it->second, [&](const View& v) {
        if (v.day != d || t < v.first - k_view_window || t > v.last + k_view_window) return false;
        add_views(v.day, v.region, path, -1);
        joined = true;
        if (v.first < merged.first) {
          merged.first = v.first;
          merged.day = v.day;
          merged.region = v.region;
          merged_hash = h;
        }
        merged.last = std::max(merged.last, v.last);
        return true;
      });
      if (it->second.empty()) windows.erase(it);
    }
    add_views(merged.day, merged.region, path, 1);
    windows[WindowKey{merged_hash, path}].push_back(merged);
    return !joined;
  }

  // Views of closed days are kept only while lines near them may still come in this file.
  void prune_windows(std::int64_t file_newest) {
    const std::int64_t horizon = file_newest - k_view_window - k_disorder;
    for (auto it = windows.begin(); it != windows.end();) {
      std::erase_if(it->second, [&](const View& v) { return v.day <= last_closed && v.last < horizon; });
      it = it->second.empty() ? windows.erase(it) : std::next(it);
    }
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

  // The keys and views of the open days: what the next ingest needs to join files.
  Status save_open_state() {
    for (auto& [day, k] : keys) {
      if (k.saved || day <= last_closed) continue;
      if (auto st = store->save_day_key(day, k.key); !st) return st;
      k.saved = true;
    }
    std::vector<WindowEntry> open;
    for (const auto& [k, views] : windows)
      for (const View& v : views)
        if (v.day > last_closed) open.push_back({k.client, k.path_id, v.first, v.last, v.day, v.region.province, v.region.city});
    return store->replace_windows(open, newest);
  }

  // The end of a file's transaction: buffered figures, the open days' state and the
  // file's progress, then the commit.
  Status save_and_commit(const std::optional<FileRecord>& record) {
    if (auto st = flush(); !st) return st;
    if (auto st = save_open_state(); !st) return st;
    if (record)
      if (auto st = store->save_file(*record); !st) return st;
    if (auto st = store->commit(); !st) return st;
    if (record)
      if (auto f = store->files()) files = std::move(f).value();
    return ok_status();
  }

  // Reading a file (phases below, each on its own).
  Status take_line(FileRun& run, std::string_view text);
  Status malformed(FileRun& run, Malformed why);
  Status take_log_line(FileRun& run, std::string_view text);
  Status take_event(FileRun& run, std::string_view text);
  Status read_lines(LogSource& src, FileRun& run, std::uint64_t& consumed, const ProgressFn& progress);

  void discard_buffers() {
    cells.clear();
    visitors.clear();
    line_counts.clear();
  }

  Status load(AggregateStore& st) {
    auto keys_r = st.day_keys();
    if (!keys_r) return keys_r.error();
    for (const auto& [day, key] : *keys_r) keys.emplace(day, DayKeyState{key, true});
    auto newest_r = st.newest_time();
    if (!newest_r) return newest_r.error();
    newest = *newest_r;
    auto windows_r = st.windows();
    if (!windows_r) return windows_r.error();
    for (const WindowEntry& w : *windows_r)
      windows[WindowKey{w.client, w.path_id}].push_back({w.first, w.last, w.day, Region{w.province, w.city}});
    auto paths_r = st.paths();
    if (!paths_r) return paths_r.error();
    for (auto& [p, id] : *paths_r) paths.emplace(std::move(p), id);
    auto files_r = st.files();
    if (!files_r) return files_r.error();
    files = std::move(files_r).value();
    return ok_status();
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
  static_assert(crypto_shorthash_KEYBYTES == sizeof(DayKey));
  s.now = opts.now ? opts.now : static_cast<std::int64_t>(std::time(nullptr));
  s.last_closed = last_closed_day(s.now, opts.late_grace);
  if (auto st = s.load(store); !st) return st.error();
  return ing;
}

Status Ingester::close_days() {
  State& s = *m;
  if (auto st = s.store->begin(); !st) return st;
  if (auto st = s.store->close_days_through(s.last_closed); !st) {
    s.store->rollback();
    return st;
  }
  if (auto st = s.store->commit(); !st) {
    s.store->rollback();
    return st;
  }
  std::erase_if(s.keys, [&](const auto& kv) { return kv.first <= s.last_closed; });
  for (auto it = s.windows.begin(); it != s.windows.end();) {
    std::erase_if(it->second, [&](const View& v) { return v.day <= s.last_closed; });
    it = it->second.empty() ? s.windows.erase(it) : std::next(it);
  }
  return ok_status();
}

bool is_event_file_name(std::string_view name) {
  if (name.ends_with(".gz")) name.remove_suffix(3);
  return name.ends_with(".jsonl") || name.ends_with(".ndjson");
}


namespace {

// Which file is this? The longest head of a file read before that this content starts
// with; its reading resumes where it stopped.
Status recognise(LogSource& src, FileRecord& record, std::string& head, FileOutcome& out,
                 const std::function<FileRecord(std::string_view)>& find) {
  if (src.is_stdin()) return ok_status();
  auto h = src.head(k_head);
  if (!h) return h.error();
  head = std::move(h).value();
  record = find(head);
  if (!record.id) return ok_status();
  if (auto st = src.skip(record.offset); !st) return st;
  out.skipped_bytes = record.offset;
  out.status = "continued";
  return ok_status();
}

// The file's progress for the next ingest: its head, how far it was read, where it is.
std::optional<FileRecord> progress_of(const LogSource& src, const std::string& name, const std::string& head,
                                      FileRecord r, std::uint64_t consumed, std::uint64_t lines) {
  if (src.is_stdin() || head.empty()) return std::nullopt;
  r.head_len = head.size();
  r.head_hash = head_hash(head);
  r.offset = consumed;
  r.lines = lines;
  r.device = src.device();
  r.inode = src.inode();
  r.size = src.file_size();
  r.name = name;
  return r;
}

// A new file none of whose lines parses was read with the wrong --format (or is no log):
// remembering it would hide it from the right format. (A file read before that grew by
// a torn line only is not refused for it.)
Status check_parsed(const FileRun& run, const FileRecord& record, const IngestSummary& summary) {
  const std::uint64_t bad = run.out.classes[static_cast<std::size_t>(LineClass::malformed)];
  if (record.id || run.out.lines == 0 || bad < run.out.lines) return ok_status();
  std::string first;
  for (const MalformedSample& m : summary.samples)
    if (m.file == run.name) {
      first = "; line " + std::to_string(m.line) + ": " + m.code + " " + m.reason;
      break;
    }
  return make_error(ErrorKind::bad_input,
                    "none of its " + std::to_string(run.out.lines) + " lines parses" + first +
                        (run.events ? " (is it a player event file?)" : " (is --format right?)") +
                        "; the file is not remembered",
                    run.name);
}

}  // namespace

// One line of a log or event file (without its newline).
Status Ingester::State::take_line(FileRun& run, std::string_view text) {
  ++run.line_no;
  ++run.out.lines;
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  return run.events ? take_event(run, text) : take_log_line(run, text);
}

Status Ingester::State::malformed(FileRun& run, Malformed why) {
  State& s = *this;
  ++s.line_counts[k_no_day][static_cast<std::size_t>(LineClass::malformed)];
  ++run.out.classes[static_cast<std::size_t>(LineClass::malformed)];
  if (run.summary.samples.size() < k_max_samples)
    run.summary.samples.push_back({run.name, run.line_no, std::string(malformed_code(why)), std::string(describe(why))});
  if (s.opts.strict)
    return make_error(ErrorKind::bad_input,
                      "line " + std::to_string(run.line_no) + ": " + std::string(malformed_code(why)) + ": " +
                          std::string(describe(why)) + " (--strict)",
                      run.name);
  return ok_status();
}

Status Ingester::State::take_log_line(FileRun& run, std::string_view text) {
  State& s = *this;
  LogLine line;
  Malformed why = parse_line(text, s.format, line);
  if (why == Malformed::none && line.time > s.now + k_max_future) why = Malformed::future;
  if (why != Malformed::none) return malformed(run, why);
  const LineClass c = classify(line, s.bots);
  const std::int64_t day = line.local_day();
  ++s.line_counts[day][static_cast<std::size_t>(c)];
  ++run.out.classes[static_cast<std::size_t>(c)];
  run.newest = std::max(run.newest, line.time);
  s.newest = std::max(s.newest, line.time);
  if (c != LineClass::counted) return ok_status();
  const std::string_view ip = client_address(line.client, line.forwarded, s.trusted);
  const ClientInfo ci = s.client_info(ip);
  auto pid = s.path_id(line.path);
  if (!pid) return pid.error();
  const CellKey key{day, ci.region.province, ci.region.city, *pid};
  CellValues& cell = s.cells[key];
  cell.bytes = add_saturated(cell.bytes, line.bytes);
  ++cell.lines;
  run.out.bytes = add_saturated(run.out.bytes, line.bytes);
  if (s.join_view(ci, ip, *pid, line.time, day, ci.region)) ++run.out.views;
  s.visitors.push_back({key, s.client_hash(ci, ip, day)});
  if (s.visitors.size() >= k_flush_visitors) return s.flush();
  return ok_status();
}

// A player event (schemas/eductl.event-1.schema.json): play and download are views,
// every event adds its seconds watched; region from the event, else from the client.
Status Ingester::State::take_event(FileRun& run, std::string_view text) {
  State& s = *this;
  PlayerEvent ev;
  Malformed why = parse_event(text, ev);
  if (why == Malformed::none && ev.time > s.now + k_max_future) why = Malformed::future;
  if (why != Malformed::none) return malformed(run, why);
  LogLine at;
  at.time = ev.time;
  at.utc_offset = ev.utc_offset;
  const std::int64_t day = at.local_day();
  ++s.line_counts[day][static_cast<std::size_t>(LineClass::counted)];
  ++run.out.classes[static_cast<std::size_t>(LineClass::counted)];
  run.newest = std::max(run.newest, ev.time);
  s.newest = std::max(s.newest, ev.time);
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
    ++run.out.views;
  }
  s.visitors.push_back({key, s.client_hash(ci, ev.client, day)});
  if (s.visitors.size() >= k_flush_visitors) return s.flush();
  return ok_status();
}

// Reads the file in chunks and hands every complete line to take_line; a line longer
// than k_max_line is malformed once and skipped. `consumed` ends at the last line end.
Status Ingester::State::read_lines(LogSource& src, FileRun& run, std::uint64_t& consumed, const ProgressFn& progress) {
  std::vector<char> buf(k_chunk + k_max_line + 1);
  std::size_t have = 0;
  bool skipping_long = false, eof = false;
  std::size_t since_prune = 0;
  while (!eof) {
    if (interrupted()) return make_error(ErrorKind::interrupted, "interrupted; nothing of this file was kept", run.name);
    auto n = src.read(buf.data() + have, k_chunk);
    if (!n) return n.error();
    eof = *n == 0;
    have += *n;
    if (progress) progress(src.raw_position());
    std::size_t start = 0;
    while (const char* nl = static_cast<const char*>(std::memchr(buf.data() + start, '\n', have - start))) {
      const std::size_t end = static_cast<std::size_t>(nl - buf.data());
      if (skipping_long) skipping_long = false;  // the rest of an over-long line, already counted
      else if (auto st = take_line(run, std::string_view(buf.data() + start, end - start)); !st) return st;
      consumed += end + 1 - start;
      start = end + 1;
      if (++since_prune >= k_prune_every) {
        prune_windows(run.newest);
        since_prune = 0;
      }
    }
    std::size_t rest = have - start;
    if (rest > k_max_line) {
      if (!skipping_long) {
        ++run.line_no;
        ++run.out.lines;
        if (auto st = malformed(run, Malformed::too_long); !st) return st;
        skipping_long = true;
      }
      consumed += rest;
      rest = 0;
    }
    std::memmove(buf.data(), buf.data() + start, rest);
    have = rest;
  }
  if (have == 0 || skipping_long) return ok_status();
  // Standard input is read whole: its last line counts even without a newline. A file
  // may still be written to: an unfinished last line waits for the next ingest.
  if (src.is_stdin()) return take_line(run, std::string_view(buf.data(), have));
  run.out.pending_tail = true;
  return ok_status();
}

Status Ingester::ingest_file(const std::string& name, IngestSummary& summary, const ProgressFn& progress) {
  State& s = *m;
  auto src_r = LogSource::open(name);
  if (!src_r) return src_r.error();
  LogSource& src = *src_r;
  FileRun run{name, summary, {}, 0, 0, s.opts.events || is_event_file_name(name)};
  run.out.file = name;
  run.out.status = "ingested";
  FileRecord record;
  std::string head;
  if (auto st = recognise(src, record, head, run.out, [&](std::string_view h) { return s.known_record(h); }); !st)
    return st;
  run.line_no = record.lines;

  if (auto st = s.store->begin(); !st) return st;
  const std::int64_t newest_before = s.newest;
  auto windows_before = s.windows;  // restored when the file fails: it must leave no trace
  auto keys_before = s.keys;
  auto fail = [&](Error e) -> Status {
    s.store->rollback();
    s.discard_buffers();
    s.windows = std::move(windows_before);
    s.keys = std::move(keys_before);
    s.newest = newest_before;
    s.paths.clear();  // ids of paths added in the rolled-back transaction are gone
    if (auto p = s.store->paths()) for (auto& [path, id] : *p) s.paths.emplace(std::move(path), id);
    return e;
  };
  std::uint64_t consumed = record.offset;
  if (auto st = s.read_lines(src, run, consumed, progress); !st) return fail(st.error());
  if (auto st = check_parsed(run, record, summary); !st) return fail(st.error());
  if (run.out.lines == 0 && record.id) run.out.status = "unchanged";
  if (auto st = s.save_and_commit(progress_of(src, name, head, record, consumed, run.line_no)); !st)
    return fail(st.error());
  add_to_summary(summary, std::move(run.out));
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
