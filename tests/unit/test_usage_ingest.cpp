#include <zlib.h>

#include <catch2/catch.hpp>
#include <random>

#include "core/usage/ingest.hpp"
#include "core/usage/report.hpp"
#include "support.hpp"

using namespace eductl;
using namespace eductl::usage;
using eductl::test::TempDir;
using eductl::test::write_file;

namespace {

// "HH:MM:SS" on 2026-03-01 (+0800) plus whole days.
std::string at(int seconds_after_midnight, int day = 1) {
  char buf[64];
  const int s = seconds_after_midnight;
  std::snprintf(buf, sizeof buf, "%02d/Mar/2026:%02d:%02d:%02d +0800", day + s / 86400, (s % 86400) / 3600,
                (s % 3600) / 60, s % 60);
  return buf;
}

std::string log_line(const std::string& ip, const std::string& time, const std::string& path, int status = 200,
                     int bytes = 100, const std::string& ua = "Mozilla/5.0") {
  return ip + " - - [" + time + "] \"GET " + path + " HTTP/1.1\" " + std::to_string(status) + " " +
         std::to_string(bytes) + " \"-\" \"" + ua + "\"\n";
}

struct Store {
  TempDir dir;
  std::unique_ptr<AggregateStore> store;
  Store() { store = std::move(open_sqlite_store(dir / "usage.sqlite", Access::read_write)).value(); }
  // The logs here are of March 2026: their days stay open (keys kept) unless a test
  // says otherwise, so that pieces ingested one by one join exactly.
  static IngestOptions open_days(IngestOptions opts = {}) {
    opts.late_grace = std::int64_t{3650} * 86400;
    return opts;
  }
  IngestSummary ingest(const std::vector<std::string>& files, IngestOptions opts = open_days()) {
    auto ing = Ingester::create(*store, opts);
    REQUIRE(ing);
    IngestSummary s;
    for (const auto& f : files) {
      auto st = ing->ingest_file(f, s);
      INFO(f);
      REQUIRE(st);
    }
    REQUIRE(ing->close_days());
    return s;
  }
  Report report(std::vector<Dim> by) {
    auto r = Resolver::open(dir / "no-catalog.sqlite", {});
    REQUIRE(r);
    ReportQuery q;
    q.by = std::move(by);
    auto rep = run_report(*store, *r, q);
    REQUIRE(rep);
    return std::move(rep).value();
  }
};

// The report as comparable text: every row and the totals and line classes.
std::string figures(const Report& r) {
  std::string s;
  for (const auto& row : r.rows) {
    for (const auto& k : row.keys) s += k + "|";
    s += std::to_string(row.m.views) + "," + std::to_string(row.m.visitors) + "," + std::to_string(row.m.bytes) + "\n";
  }
  s += "total " + std::to_string(r.totals.views) + "," + std::to_string(r.totals.visitors) + "," +
       std::to_string(r.totals.bytes) + "\nlines";
  for (auto n : r.lines) s += " " + std::to_string(n);
  return s;
}

// A generated log: clients of several provinces (test GeoIP networks not needed: no
// --geoip, so region unknown), videos fetched as runs of 206 ranges with gaps around
// the window, bots, errors, health checks and malformed lines.
std::string generated_log(unsigned seed, int lines) {
  std::mt19937 rng(seed);
  std::string out;
  int t = 0;
  for (int i = 0; i < lines; ++i) {
    t += static_cast<int>(rng() % 400);  // gaps up to 400 s: windows both continue and close
    const std::string ip = "1.0." + std::to_string(rng() % 3) + "." + std::to_string(rng() % 4);
    const std::string path = "/v/" + std::to_string(rng() % 3) + ".mp4";
    switch (rng() % 12) {
      case 0: out += log_line(ip, at(t), path, 200, 10, "Baiduspider"); break;
      case 1: out += log_line(ip, at(t), path, 404, 10); break;
      case 2: out += log_line(ip, at(t), "/healthz", 200, 2); break;
      case 3: out += "garbage " + std::to_string(i) + "\n"; break;
      case 4: out += log_line(ip, at(t), path, 304, 0); break;
      default: out += log_line(ip, at(t), path, 206, static_cast<int>(rng() % 100000)); break;
    }
  }
  return out;
}

void write_gz(const std::filesystem::path& p, const std::string& data) {
  gzFile f = gzopen(p.c_str(), "wb");
  REQUIRE(f);
  gzwrite(f, data.data(), static_cast<unsigned>(data.size()));
  gzclose(f);
}

}  // namespace

TEST_CASE("view window: a gap of exactly 1800 s continues the view, 1801 s starts one", "[usage][ingest]") {
  Store s;
  const std::string ip = "1.0.1.5";
  std::string log = log_line(ip, at(0), "/v.mp4", 206) +        // view 1
                    log_line(ip, at(1800), "/v.mp4", 206) +     // +1800: same view
                    log_line(ip, at(3600), "/v.mp4", 206) +     // +1800 from the refresh: same view
                    log_line(ip, at(5401), "/v.mp4", 206) +     // +1801: view 2
                    log_line(ip, at(5402), "/other.pdf", 200) + // another path: view 3
                    log_line("1.0.1.6", at(5403), "/v.mp4", 200) + // another client: view 4
                    log_line(ip, at(5500), "/v.mp4", 404) +     // errors neither count nor refresh
                    log_line(ip, at(7300), "/v.mp4", 206);      // 1899 s after the last counted: view 5
  write_file(s.dir / "a.log", log);
  auto sum = s.ingest({(s.dir / "a.log").string()});
  CHECK(sum.views == 5);
  CHECK(sum.classes[static_cast<int>(LineClass::counted)] == 7);
  CHECK(sum.classes[static_cast<int>(LineClass::error)] == 1);
  CHECK(sum.bytes == 700);
  const Report r = s.report({Dim::day});
  REQUIRE(r.rows.size() == 1);
  CHECK(r.rows[0].keys[0] == "2026-03-01");
  CHECK(r.rows[0].m.views == 5);
  CHECK(r.rows[0].m.visitors == 2);
  CHECK(r.rows[0].m.bytes == 700);
}

TEST_CASE("a view belongs to the day of its first line; bytes to each line's day", "[usage][ingest]") {
  Store s;
  const int late = 23 * 3600 + 50 * 60;  // 23:50 local
  write_file(s.dir / "a.log", log_line("1.0.1.5", at(late), "/v.mp4", 206, 1000) +
                                  log_line("1.0.1.5", at(late + 1200), "/v.mp4", 206, 10));  // 00:10 next day
  s.ingest({(s.dir / "a.log").string()});
  const Report r = s.report({Dim::day});
  REQUIRE(r.rows.size() == 2);
  CHECK(r.rows[0].keys[0] == "2026-03-01");
  CHECK(r.rows[0].m.views == 1);
  CHECK(r.rows[0].m.bytes == 1000);
  CHECK(r.rows[1].keys[0] == "2026-03-02");
  CHECK(r.rows[1].m.views == 0);
  CHECK(r.rows[1].m.bytes == 10);
  CHECK(r.rows[1].m.visitors == 1);  // a visitor of both days
  CHECK(r.totals.visitors == 2);     // daily visitors, summed
}

TEST_CASE("incremental ingest: same file twice, appended, rotated, gzipped", "[usage][ingest]") {
  const std::string whole = generated_log(7, 3000);
  const std::size_t cut = whole.find('\n', whole.size() / 2) + 1;
  Store once;
  write_file(once.dir / "whole.log", whole);
  once.ingest({(once.dir / "whole.log").string()});
  const std::string want = figures(once.report({Dim::day}));

  SECTION("the same file twice counts once") {
    auto again = once.ingest({(once.dir / "whole.log").string()});
    CHECK(again.lines == 0);
    CHECK(again.files[0].status == "unchanged");
    CHECK(figures(once.report({Dim::day})) == want);
  }
  SECTION("a file that grew is read from where it stopped") {
    Store s;
    const auto f = s.dir / "access.log";
    write_file(f, whole.substr(0, cut));
    s.ingest({f.string()});
    write_file(f, whole);
    auto second = s.ingest({f.string()});
    CHECK(second.files[0].status == "continued");
    CHECK(second.files[0].skipped_bytes == cut);
    CHECK(figures(s.report({Dim::day})) == want);
  }
  SECTION("a rotated and compressed copy of a file read before adds nothing") {
    Store s;
    write_file(s.dir / "access.log", whole);
    s.ingest({(s.dir / "access.log").string()});
    std::filesystem::rename(s.dir / "access.log", s.dir / "access.log.1");
    write_gz(s.dir / "access.log.2.gz", whole);
    auto again = s.ingest({(s.dir / "access.log.1").string(), (s.dir / "access.log.2.gz").string()});
    CHECK(again.lines == 0);
    CHECK(figures(s.report({Dim::day})) == want);
  }
  SECTION("an unfinished last line waits for the rest") {
    Store s;
    const auto f = s.dir / "access.log";
    const std::size_t mid = cut + 20;  // inside a line
    write_file(f, whole.substr(0, mid));
    auto first = s.ingest({f.string()});
    CHECK(first.files[0].pending_tail);
    write_file(f, whole);
    s.ingest({f.string()});
    CHECK(figures(s.report({Dim::day})) == want);
  }
  SECTION("a gzipped log reads like the plain one") {
    Store s;
    write_gz(s.dir / "whole.log.gz", whole);
    s.ingest({(s.dir / "whole.log.gz").string()});
    CHECK(figures(s.report({Dim::day})) == want);
  }
}

TEST_CASE("a log cut into pieces at random lines gives the figures of the whole", "[usage][ingest]") {
  const std::string whole = generated_log(11, 4000);
  Store once;
  write_file(once.dir / "whole.log", whole);
  once.ingest({(once.dir / "whole.log").string()});
  const std::string want = figures(once.report({Dim::day}));
  std::vector<std::size_t> ends;
  for (std::size_t p = whole.find('\n'); p != std::string::npos; p = whole.find('\n', p + 1)) ends.push_back(p + 1);
  std::mt19937 rng(3);
  for (int round = 0; round < 6; ++round) {
    Store s;
    std::vector<std::size_t> cuts = {0};
    for (int k = 0; k < 4; ++k) cuts.push_back(ends[rng() % ends.size()]);
    cuts.push_back(whole.size());
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
    std::vector<std::size_t> order(cuts.size() - 1);
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    if (round > 0) std::shuffle(order.begin(), order.end(), rng);  // rotated files arrive in any order
    for (std::size_t i : order) {
      const auto f = s.dir / ("piece" + std::to_string(i) + ".log");
      write_file(f, whole.substr(cuts[i], cuts[i + 1] - cuts[i]));
      s.ingest({f.string()});  // one ingest per piece: the views carry over through the store
    }
    INFO("round " << round);
    CHECK(figures(s.report({Dim::day})) == want);
  }
}

TEST_CASE("report figures worked out by hand", "[usage][report]") {
  Store s;
  // Day 1: client A views /a (3 ranges) and /b; client B views /a twice (gap 2000 s);
  // a bot, a health check, an error and a malformed line. Day 2: A views /a again.
  const std::string log = log_line("1.0.0.1", at(100), "/a", 206, 1000) + log_line("1.0.0.1", at(160), "/a", 206, 1000) +
                          log_line("1.0.0.1", at(220), "/a", 206, 1000) + log_line("1.0.0.1", at(300), "/b", 200, 50) +
                          log_line("1.0.0.2", at(400), "/a", 200, 7) + log_line("1.0.0.2", at(2400), "/a", 304, 0) +
                          log_line("1.0.0.3", at(500), "/a", 200, 99, "Googlebot") +
                          log_line("1.0.0.3", at(600), "/healthz", 200, 2) + log_line("1.0.0.3", at(700), "/x", 404, 9) +
                          "not a log line\n" + log_line("1.0.0.1", at(100, 2), "/a", 200, 5);
  write_file(s.dir / "a.log", log);
  auto sum = s.ingest({(s.dir / "a.log").string()});
  CHECK(sum.samples.size() == 1);
  CHECK(sum.samples[0].line == 10);
  CHECK(sum.samples[0].code == "USG-LINE-LAYOUT");
  const Report r = s.report({Dim::day});
  REQUIRE(r.rows.size() == 2);
  CHECK(r.rows[0].m.views == 4);  // A:/a, A:/b, B:/a, B:/a after 2000 s
  CHECK(r.rows[0].m.visitors == 2);
  CHECK(r.rows[0].m.bytes == 3057);
  CHECK(r.rows[1].m.views == 1);
  CHECK(r.rows[1].m.visitors == 1);
  CHECK(r.rows[1].m.bytes == 5);
  CHECK(r.totals.views == 5);
  CHECK(r.totals.visitors == 3);
  CHECK(r.lines[static_cast<int>(LineClass::counted)] == 7);
  CHECK(r.lines[static_cast<int>(LineClass::bot)] == 1);
  CHECK(r.lines[static_cast<int>(LineClass::health_check)] == 1);
  CHECK(r.lines[static_cast<int>(LineClass::error)] == 1);
  CHECK(r.lines[static_cast<int>(LineClass::malformed)] == 1);
  const Report byp = s.report({Dim::province});
  REQUIRE(byp.rows.size() == 1);
  CHECK(byp.rows[0].keys[0] == "unknown");  // no GeoIP: never dropped
  IngestOptions gx;
  gx.region = 450000;
  write_file(s.dir / "gx.log", log_line("1.0.0.9", at(100, 3), "/a", 200, 1));
  s.ingest({(s.dir / "gx.log").string()}, gx);
  const Report byp2 = s.report({Dim::province});
  REQUIRE(byp2.rows.size() == 2);
  CHECK(byp2.rows[1].keys[0] == "450000");
  CHECK(byp2.rows[1].m.views == 1);
}

TEST_CASE("strict ingest: a malformed line fails its file and leaves nothing", "[usage][ingest]") {
  Store s;
  write_file(s.dir / "a.log", log_line("1.0.0.1", at(100), "/a") + "torn li\n" + log_line("1.0.0.1", at(200), "/b"));
  IngestOptions strict;
  strict.strict = true;
  auto ing = Ingester::create(*s.store, strict);
  REQUIRE(ing);
  IngestSummary sum;
  auto st = ing->ingest_file((s.dir / "a.log").string(), sum);
  REQUIRE_FALSE(st);
  CHECK(st.error().kind == ErrorKind::bad_input);
  CHECK(st.error().message.find("line 2") != std::string::npos);
  const Report r = s.report({Dim::day});
  CHECK(r.rows.empty());
  CHECK(r.lines[static_cast<int>(LineClass::counted)] == 0);
  // Without --strict the same file is read in full: nothing of the failed attempt remains.
  auto sum2 = s.ingest({(s.dir / "a.log").string()});
  CHECK(sum2.views == 2);
}

TEST_CASE("player events: views, watch time, region from the event, malformed events", "[usage][events]") {
  Store s;
  const std::string ev =
      R"({"time":"2026-03-01T08:00:00+08:00","client":"1.0.1.5","book":"PEP/pep-math-7a","lesson":"u1-l1","resource":"video","action":"play","seconds":300,"region":"450000","role":"student"})"
      "\n"
      R"({"time":"2026-03-01T08:05:00+08:00","client":"1.0.1.5","book":"PEP/pep-math-7a","lesson":"u1-l1","resource":"video","action":"complete","seconds":120,"region":"450000"})"
      "\n"
      R"({"time":"2026-03-01T09:00:00+08:00","client":"1.0.2.7","book":"PEP/pep-math-7a","action":"download"})"
      "\n"
      R"({"time":"2026-03-01 09:00","client":"1.0.2.7","book":"b","action":"play"})"
      "\n"
      R"({"time":"2026-03-01T09:00:00Z","client":"1.0.2.7","book":"b","action":"pause"})"
      "\n"
      R"({"time":"2026-03-01T09:00:00Z","client":"1.0.2.7","book":"b","action":"play","region":"450100"})"
      "\n"
      R"(["not", "an object"])"
      "\n";
  write_file(s.dir / "player.jsonl", ev);
  auto sum = s.ingest({(s.dir / "player.jsonl").string()});
  CHECK(sum.classes[static_cast<int>(LineClass::counted)] == 3);
  CHECK(sum.classes[static_cast<int>(LineClass::malformed)] == 4);
  REQUIRE(sum.samples.size() == 4);
  CHECK(sum.samples[0].code == "USG-LINE-TIME");
  CHECK(sum.samples[1].code == "USG-EVENT-FIELD");
  CHECK(sum.samples[2].code == "USG-EVENT-FIELD");  // a prefecture is no province
  CHECK(sum.samples[3].code == "USG-EVENT-JSON");
  const Report r = s.report({Dim::province});
  REQUIRE(r.rows.size() == 2);
  CHECK(r.rows[0].keys[0] == "450000");
  CHECK(r.rows[0].m.views == 1);  // play is a view, complete is not
  CHECK(r.rows[0].m.watch_seconds == 420);
  CHECK(r.rows[1].keys[0] == "unknown");
  CHECK(r.rows[1].m.views == 1);  // download
  const Report lessons = s.report({Dim::lesson});
  bool found = false;
  for (const auto& row : lessons.rows)
    if (row.keys[0] == "PEP/pep-math-7a#u1-l1") {
      found = true;
      CHECK(row.m.watch_seconds == 420);
    }
  CHECK(found);
}

TEST_CASE("X-Forwarded-For is believed only from trusted proxies", "[usage][ingest]") {
  Store s;
  IngestOptions o;
  o.format = R"($remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" "$http_x_forwarded_for")";
  o.trusted_proxies = {"10.0.0.0/8"};
  o.region = 450000;
  auto l = [](const std::string& remote, const std::string& xff, int t) {
    std::string line = log_line(remote, at(t), "/a");
    line.pop_back();
    return line + " \"" + xff + "\"\n";
  };
  // Two clients behind the proxy, and one outside that forges the header.
  write_file(s.dir / "a.log", l("10.0.0.1", "1.0.1.5", 0) + l("10.0.0.1", "1.0.2.7, 10.0.0.2", 10) +
                                  l("1.0.9.9", "1.0.1.5", 20) + l("10.0.0.1", "-", 30));
  auto sum = s.ingest({(s.dir / "a.log").string()}, o);
  CHECK(sum.views == 4);  // 1.0.1.5, 1.0.2.7, 1.0.9.9 (header ignored), 10.0.0.1 (no header)
  const Report r = s.report({Dim::day});
  REQUIRE(r.rows.size() == 1);
  CHECK(r.rows[0].m.visitors == 4);
  IngestOptions no_xff;
  no_xff.trusted_proxies = {"10.0.0.0/8"};
  CHECK_FALSE(Ingester::create(*s.store, no_xff));  // combined has no $http_x_forwarded_for
}

TEST_CASE("closed days keep no client hash and no key; figures stay exact", "[usage][privacy]") {
  Store s;
  write_file(s.dir / "a.log", log_line("1.0.0.1", at(100), "/a") + log_line("1.0.0.1", at(200), "/b") +
                                  log_line("1.0.0.2", at(300), "/a") + log_line("1.0.0.1", at(100, 2), "/a"));
  IngestOptions closed;  // the system clock: March 2026 closed long ago
  s.ingest({(s.dir / "a.log").string()}, closed);
  CHECK(s.store->day_keys()->empty());
  CHECK(s.store->windows()->empty());
  std::vector<VisitorKey> visitors;
  REQUIRE(s.store->for_each_visitor({}, [&](const VisitorKey& k) { visitors.push_back(k); }));
  REQUIRE(visitors.size() == 4);
  for (const VisitorKey& k : visitors) CHECK(k.client <= 2);  // numbers 1..n per day, not hashes
  const Report r = s.report({Dim::day});
  REQUIRE(r.rows.size() == 2);
  CHECK(r.rows[0].m.visitors == 2);
  CHECK(r.rows[0].m.views == 3);
  CHECK(r.rows[1].m.visitors == 1);
  CHECK(r.totals.visitors == 3);
}

TEST_CASE("an open day keeps its key until the clock closes it", "[usage][privacy]") {
  Store s;
  write_file(s.dir / "a.log", log_line("1.0.0.1", at(100), "/a"));
  IngestOptions o;
  o.now = 1772294400 + 86400;  // 2026-03-02 00:00 +0800: the day of the line is open
  s.ingest({(s.dir / "a.log").string()}, o);
  CHECK(s.store->day_keys()->size() == 1);
  CHECK(s.store->windows()->size() == 1);
  write_file(s.dir / "b.log", log_line("1.0.0.1", at(1000), "/a"));
  o.now = 1772294400 + 3 * 86400;  // three days on: closed
  s.ingest({(s.dir / "b.log").string()}, o);
  CHECK(s.store->day_keys()->empty());
  CHECK(s.store->windows()->empty());
  const Report r = s.report({Dim::day});
  REQUIRE(r.rows.size() == 1);
  CHECK(r.rows[0].m.views == 1);  // the late line joined the view: its day's key lived until this command ended
  CHECK(r.rows[0].m.visitors == 1);
}

TEST_CASE("a line more than a day after the clock is malformed", "[usage][ingest]") {
  Store s;
  IngestOptions o;
  o.now = 1772294400;  // 2026-03-01 00:00 +0800
  write_file(s.dir / "a.log", log_line("1.0.0.1", at(100), "/a") + log_line("1.0.0.1", at(100, 3), "/a") +
                                  log_line("1.0.0.1", "31/Dec/9999:23:00:00 +0800", "/a"));
  auto sum = s.ingest({(s.dir / "a.log").string()}, o);
  CHECK(sum.classes[static_cast<int>(LineClass::malformed)] == 2);
  CHECK(sum.views == 1);
}

TEST_CASE("byte sums saturate instead of wrapping", "[usage][ingest]") {
  CHECK(add_saturated(k_max_sum - 1, 5) == k_max_sum);
  CHECK(add_saturated(~0ull, ~0ull) == k_max_sum);
  CHECK(add_saturated(2, 3) == 5);
  Store s;
  REQUIRE(s.store->begin());
  const CellKey k{20514, 0, 0, 1};
  REQUIRE(s.store->add_cells({{k, CellValues{1, k_max_sum - 1, 1, 0}}}));
  REQUIRE(s.store->add_cells({{k, CellValues{0, 1ull << 40, 1, 0}}}));
  REQUIRE(s.store->commit());
  std::uint64_t bytes = 0;
  REQUIRE(s.store->for_each_cell({}, [&](const CellKey&, const CellValues& v) { bytes = v.bytes; }));
  CHECK(bytes == k_max_sum);
}

TEST_CASE("a file none of whose lines parses is refused and not remembered", "[usage][ingest]") {
  Store s;
  write_file(s.dir / "iso.log", "1.0.0.1 [2026-03-01T08:00:00+08:00] \"GET /a HTTP/1.1\" 200 1\n");
  auto ing = Ingester::create(*s.store, Store::open_days());
  REQUIRE(ing);
  IngestSummary sum;
  auto st = ing->ingest_file((s.dir / "iso.log").string(), sum);
  REQUIRE_FALSE(st);
  CHECK(st.error().kind == ErrorKind::bad_input);
  CHECK(st.error().message.find("none of its 1 lines parses") != std::string::npos);
  IngestOptions iso = Store::open_days();
  iso.format = R"($remote_addr [$time_iso8601] "$request" $status $body_bytes_sent)";
  auto again = s.ingest({(s.dir / "iso.log").string()}, iso);
  REQUIRE(again.files.size() == 1);
  CHECK(again.files[0].status == "ingested");
  CHECK(again.views == 1);
}

TEST_CASE("a view across midnight joins whatever file arrives first", "[usage][ingest]") {
  // One view from 23:40 to 00:29 (gaps under 1800 s): the later file first, then the one
  // whose 00:10 line bridges the day-1 view and the day-2 view.
  Store s;
  write_file(s.dir / "late.log", log_line("1.0.0.1", at(1779, 2), "/a"));
  write_file(s.dir / "early.log", log_line("1.0.0.1", at(86400 - 1200), "/a") + log_line("1.0.0.1", at(600, 2), "/a"));
  s.ingest({(s.dir / "late.log").string()});
  s.ingest({(s.dir / "early.log").string()});
  const Report r = s.report({Dim::day});
  CHECK(r.totals.views == 1);
  REQUIRE(r.rows.size() == 2);
  CHECK(r.rows[0].m.views == 1);  // the view's day is its first line's: 2026-03-01
  CHECK(r.rows[1].m.views == 0);
}
