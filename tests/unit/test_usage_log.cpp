#include <catch2/catch.hpp>

#include "core/usage/geoip.hpp"
#include "core/usage/log_line.hpp"
#include "core/usage/regions.hpp"
#include "core/usage/resolve.hpp"
#include "support.hpp"

using namespace eductl;
using namespace eductl::usage;

namespace {

const LogFormat& combined() {
  static const LogFormat f = LogFormat::compile("combined").value();
  return f;
}

std::string line(std::string ip = "1.0.1.5", std::string time = "01/Mar/2026:08:00:00 +0800",
                 std::string request = "GET /objects/ab/cd/x.mp4?t=1 HTTP/1.1", std::string status = "200",
                 std::string bytes = "1234", std::string ua = "Mozilla/5.0") {
  return ip + " - - [" + time + "] \"" + request + "\" " + status + " " + bytes + " \"-\" \"" + ua + "\"";
}

Malformed parse(const std::string& text, LogLine& out) { return parse_line(text, combined(), out); }

}  // namespace

TEST_CASE("combined lines parse into their fields without decoding", "[usage][parser]") {
  LogLine l;
  const std::string first = line();  // the parsed views point into it
  REQUIRE(parse(first, l) == Malformed::none);
  CHECK(l.client == "1.0.1.5");
  CHECK(l.path == "/objects/ab/cd/x.mp4");
  CHECK(l.status == 200);
  CHECK(l.bytes == 1234);
  CHECK(l.user_agent == "Mozilla/5.0");
  CHECK(l.utc_offset == 8 * 3600);
  CHECK(l.time == days_from_civil(2026, 3, 1) * 86400);  // 08:00 +0800 is midnight UTC
  CHECK(day_text(l.local_day()) == "2026-03-01");
  const std::string v6 = line("2001:db8::1", "01/Mar/2026:23:59:59 -0500", "GET /a%20b/%E6%95%B0?x HTTP/2.0");
  REQUIRE(parse(v6, l) == Malformed::none);
  CHECK(l.client == "2001:db8::1");
  CHECK(l.path == "/a%20b/%E6%95%B0");
  CHECK(day_text(l.local_day()) == "2026-03-01");  // the log's own offset, not UTC (already the 2nd there)
  // HTTP/0.9 request lines have no protocol; a 400 with a garbage request is an error line.
  const std::string old = line("1.2.3.4", "01/Mar/2026:08:00:00 +0800", "GET /old");
  REQUIRE(parse(old, l) == Malformed::none);
  CHECK(l.path == "/old");
  REQUIRE(parse(line("1.2.3.4", "01/Mar/2026:08:00:00 +0800", "\\x16\\x03\\x01", "400", "0"), l) == Malformed::none);
  CHECK(l.status == 400);
  CHECK(parse(line("1.2.3.4", "01/Mar/2026:08:00:00 +0800", "-", "200"), l) == Malformed::request);
}

TEST_CASE("malformed lines of every kind are recognised", "[usage][parser]") {
  LogLine l;
  const std::string good = line();
  CHECK(parse("", l) == Malformed::empty);
  // Torn writes: a line cut anywhere, or two lines run together.
  for (std::size_t cut : {5ul, 20ul, 40ul, 60ul, good.size() - 1})
    CHECK(parse(good.substr(0, cut), l) != Malformed::none);
  CHECK(parse(good.substr(0, 50) + good, l) == Malformed::layout);
  CHECK(parse(std::string(4096, '\0') + good, l) == Malformed::nul);
  CHECK(parse(good.substr(0, 30) + std::string(3, '\0') + good.substr(30), l) == Malformed::nul);
  CHECK(parse(line("1.0.1.5", "01/Mar/2026:08:00:00 +0800", "GET /\xff\xfe HTTP/1.1"), l) == Malformed::utf8);
  CHECK(parse(line("1.0.1.5", "01/Mar/2026:08:00:00 +0800", "GET /课本 HTTP/1.1"), l) == Malformed::none);
  for (const char* t : {"32/Mar/2026:08:00:00 +0800", "29/Feb/2025:08:00:00 +0800", "01/Foo/2026:08:00:00 +0800",
                        "01/Mar/2026:24:00:00 +0800", "01/Mar/2026:08:60:00 +0800", "01/Mar/2026:08:00:00 0800",
                        "1/Mar/2026:08:00:00 +0800", "01/Mar/2026 08:00:00 +0800", "01/Mar/26:08:00:00 +0800"})
    CHECK(parse(line("1.0.1.5", t), l) == Malformed::time);
  CHECK(parse(line("1.0.1.5", "29/Feb/2024:08:00:00 +0800"), l) == Malformed::none);  // leap year
  CHECK(parse(line("1.0.1.5", "01/Mar/2026:08:00:00 +0800", "GET / HTTP/1.1", "2x0"), l) == Malformed::status);
  CHECK(parse(line("1.0.1.5", "01/Mar/2026:08:00:00 +0800", "GET / HTTP/1.1", "200", "12a"), l) == Malformed::bytes);
  CHECK(parse(good + " extra", l) == Malformed::layout);
  CHECK(parse(std::string(k_max_line + 1, 'a'), l) == Malformed::too_long);
  // More than 1 TiB in one response is a forged or damaged count, not traffic.
  const auto bytes = [&](const char* b) { return parse(line("1.0.1.5", "01/Mar/2026:08:00:00 +0800", "GET / HTTP/1.1", "200", b), l); };
  CHECK(bytes("9223372036854775807") == Malformed::bytes);
  CHECK(bytes("1099511627777") == Malformed::bytes);
  CHECK(bytes("1099511627776") == Malformed::none);
  CHECK(malformed_code(Malformed::time) == "USG-LINE-TIME");
}

TEST_CASE("line classes: first match wins", "[usage][parser]") {
  BotMatcher bots({"EduMonitor"});
  LogLine l;
  auto cls = [&](const std::string& request, const std::string& status, const std::string& ua) {
    const std::string text = line("1.0.1.5", "01/Mar/2026:08:00:00 +0800", request, status, "10", ua);
    REQUIRE(parse(text, l) == Malformed::none);
    return classify(l, bots);
  };
  CHECK(cls("GET /healthz HTTP/1.1", "200", "Googlebot/2.1") == LineClass::health_check);
  CHECK(cls("GET /healthz?full=1 HTTP/1.1", "500", "x") == LineClass::health_check);
  CHECK(cls("GET /a HTTP/1.1", "404", "Mozilla/5.0 (compatible; bingBOT/2.0)") == LineClass::bot);
  for (const char* ua : {"Baiduspider", "SomeCrawler", "curl/8.0", "Wget/1.21", "python-requests/2.31", "edumonitor 1.0"})
    CHECK(cls("GET /a HTTP/1.1", "200", ua) == LineClass::bot);
  CHECK(cls("GET /a HTTP/1.1", "200", "curl") == LineClass::counted);  // "curl/" needs the slash
  CHECK(cls("GET /a HTTP/1.1", "404", "Mozilla") == LineClass::error);
  CHECK(cls("GET /a HTTP/1.1", "503", "Mozilla") == LineClass::error);
  CHECK(cls("GET /a HTTP/1.1", "206", "Mozilla") == LineClass::counted);
  CHECK(cls("GET /a HTTP/1.1", "304", "Mozilla") == LineClass::counted);
  CHECK(cls("GET /a HTTP/1.1", "301", "Mozilla") == LineClass::other);
  CHECK(cls("GET /a HTTP/1.1", "101", "Mozilla") == LineClass::other);
}

TEST_CASE("custom log formats in nginx log_format syntax", "[usage][parser]") {
  auto f = LogFormat::compile(R"($remote_addr [$time_iso8601] "$request" $status $body_bytes_sent "$http_x_forwarded_for" ${request_time})");
  REQUIRE(f);
  LogLine l;
  REQUIRE(parse_line(R"(10.0.0.1 [2026-03-01T08:00:00+08:00] "GET /x?y HTTP/1.1" 206 99 "1.0.2.3, 10.0.0.2" 0.004)", *f, l) ==
          Malformed::none);
  CHECK(l.path == "/x");
  CHECK(l.forwarded == "1.0.2.3, 10.0.0.2");
  CHECK(l.time == days_from_civil(2026, 3, 1) * 86400);
  auto msec = LogFormat::compile("$msec $remote_addr $request_uri $status");
  REQUIRE(msec);
  REQUIRE(parse_line("1772323200.123 1.2.3.4 /p?q 200", *msec, l) == Malformed::none);
  CHECK(l.time == 1772323200);
  CHECK(l.path == "/p");
  CHECK_FALSE(LogFormat::compile("$remote_addr $status"));          // no time, no request
  CHECK_FALSE(LogFormat::compile("$remote_addr$status $msec $uri"));  // no separator
  AddressSet trusted;
  REQUIRE(trusted.add("10.0.0.0/8"));
  CHECK(client_address("10.0.0.1", "1.0.2.3, 10.0.0.2", trusted) == "1.0.2.3");
  CHECK(client_address("1.0.9.9", "1.0.2.3", trusted) == "1.0.9.9");  // not a trusted proxy: XFF ignored
  CHECK(client_address("10.0.0.1", "", trusted) == "10.0.0.1");
  CHECK_FALSE(trusted.add("10.0.0.0/33"));
}

TEST_CASE("regions: subdivisions mean provinces only in CN", "[usage][regions]") {
  CHECK(provinces().size() == 34);
  CHECK(province_of("CN", "GX") == 450000);
  CHECK(province_of("CN", "CN-GX") == 450000);
  CHECK(province_of("CN", "45") == 450000);
  CHECK(province_of("CN", "HI") == 460000);
  CHECK(province_of("US", "HI") == k_unknown_region);
  CHECK(province_of("US", "NM") == k_unknown_region);
  CHECK(province_of("CN", "NM") == 150000);
  CHECK(province_of("CN", "") == k_unknown_region);
  CHECK(province_of("HK", "") == 810000);
  CHECK(province_of("MO", "") == 820000);
  CHECK(province_of("TW", "") == 710000);
  CHECK(province_of("CN", "ZZ") == k_unknown_region);
  CHECK(prefecture_of(450000, "南宁") == 450100);
  CHECK(prefecture_of(450000, "南宁市") == 450100);
  CHECK(prefecture_of(220000, "延边") == 222400);
  CHECK(prefecture_of(110000, "北京") == 110000);
  CHECK(prefecture_of(450000, "西安") == k_unknown_region);  // not in Guangxi
  CHECK(region_name(450000) == "广西壮族自治区");
  CHECK(region_name(610100) == "西安市");
  CHECK(parse_province("广西") == std::optional<std::uint32_t>(450000));
  CHECK(parse_province("CN-SN") == std::optional<std::uint32_t>(610000));
  CHECK_FALSE(parse_province("450100"));
}

TEST_CASE("blob paths of published trees and mapping files", "[usage][resolve]") {
  const std::string sha = "abcd" + std::string(60, '0');
  CHECK(blob_sha("/objects/ab/cd/" + sha) == sha);
  CHECK(blob_sha("/mirror/gx/public/objects/ab/cd/" + sha) == sha);
  CHECK(blob_sha("/objects/ab/ce/" + sha).empty());   // folders must be the hash's digits
  CHECK(blob_sha("/objects/ab/cd/" + sha + "x").empty());
  CHECK(blob_sha("/objects/AB/CD/ABCD" + std::string(60, '0')).empty());
  auto rules = parse_mapping("# comment\n/books/pep-math-7a/\tbook=PEP/pep-math-7a\n/v/1.mp4\tlesson=u1-l1\tkind=video\n", "m.tsv");
  REQUIRE(rules);
  REQUIRE(rules->size() == 2);
  CHECK((*rules)[0].prefix);
  CHECK_FALSE((*rules)[1].prefix);
  CHECK_FALSE(parse_mapping("/x\tcolour=red\n", "m.tsv"));
  CHECK_FALSE(parse_mapping("x\tbook=a\n", "m.tsv"));
}

TEST_CASE("GeoIP lookups on a generated GeoIP2-City database", "[usage][regions]") {
  eductl::test::TempDir dir;
  const auto db = dir / "test.mmdb";
  const std::string cmd = std::string("perl '") + EDUCTL_SOURCE_DIR + "/tests/usage/make_geoip.pl' '" + db.string() + "'";
  REQUIRE(std::system(cmd.c_str()) == 0);
  auto g = GeoIp::open(db);
  REQUIRE(g);
  auto is = [&](const char* ip, std::uint32_t province, std::uint32_t city) {
    const Region r = g->lookup(ip);
    INFO(ip);
    CHECK(r.province == province);
    CHECK(r.city == city);
  };
  is("1.0.1.5", 450000, 450100);
  is("1.0.2.200", 610000, 610100);
  is("1.0.3.1", 620000, 0);
  is("1.0.4.1", 0, 0);        // CN without subdivision
  is("1.0.5.1", 0, 0);        // US HI is not Hainan
  is("1.0.6.1", 0, 0);        // US NM is not Inner Mongolia
  is("1.0.7.1", 810000, 0);   // Hong Kong as a country
  is("1.0.8.1", 820000, 0);
  is("1.0.9.1", 710000, 0);
  is("1.0.10.1", 150000, 150100);
  is("1.0.11.1", 450000, 0);
  is("1.0.12.1", 110000, 110000);
  is("1.0.13.1", 0, 0);       // foreign
  is("9.9.9.9", 0, 0);        // no record
  is("2001:db8:1::42", 450000, 450300);
  is("2001:db8:2::1", 0, 0);
  is("60.20.1.2", 450000, 0);
  is("2400:14::1", 450000, 0);
  is("not-an-ip", 0, 0);
  CHECK_FALSE(GeoIp::open(dir / "missing.mmdb"));
}
