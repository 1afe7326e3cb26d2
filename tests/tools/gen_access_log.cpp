// Writes a synthetic nginx combined access log for the usage benchmark and tests:
//   gen_access_log [--start EPOCH] LINES [SEED [OBJECTS]] > access.log
// EPOCH: UTC seconds of the first line (default 2026-03-01 00:00 +0800); tests that need
// days still open (their keys kept) start the log shortly before now.
// OBJECTS: a file of request paths (one a line) to use instead of 4,000 made-up blob paths,
// e.g. the blob paths of a catalogue's files.
// Traffic like the platform's: clients of the provinces' test networks (60.N.0.0/16 and
// 2400:N::/32 of tests/usage/make_geoip.pl, weighted, Guangxi the largest), a tenth
// foreign or unknown; lesson videos fetched as runs of 206 range requests, PDFs and pages
// with 200 and 304; bots, 404s, health checks and a few malformed lines. One day of
// time, in order, +0800.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <random>
#include <string>
#include <vector>

namespace {

struct Session {
  std::string ip;
  std::string path;
  int left = 0;
  bool video = false;
  std::string ua;
};

const char* k_agents[] = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
    "Mozilla/5.0 (iPad; CPU OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 13; HarmonyOS) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/114.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 6.1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/109.0 Safari/537.36 SmartEdu/3.1",
};
const char* k_bots[] = {"Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
                        "Sogou web spider/4.0", "python-requests/2.31.0", "curl/7.88.1"};
// Weights of the 31 mainland provinces in make_geoip.pl's order (BJ TJ HE ... XJ).
const int k_weights[] = {4, 2, 6, 3, 2, 3, 2, 3, 3, 7, 5, 6, 4, 5, 9, 9, 5, 6, 10, 12, 2, 3, 8, 4, 5, 1, 6, 5, 1, 1, 2};

std::string sha_of(unsigned n) {
  // A fixed pseudo-hash per object: 64 hex digits.
  std::string s;
  std::uint64_t x = 0x9E3779B97F4A7C15ull * (n + 1);
  static const char* hex = "0123456789abcdef";
  for (int i = 0; i < 64; ++i) {
    x ^= x >> 29;
    x *= 0xBF58476D1CE4E5B9ull;
    x ^= x >> 32;
    s += hex[x & 15];
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  long long start = 1772294400;  // 2026-03-01T00:00:00+08:00
  if (argc > 2 && std::strcmp(argv[1], "--start") == 0) {
    start = std::atoll(argv[2]);
    argv += 2;
    argc -= 2;
  }
  if (argc < 2) {
    std::fprintf(stderr, "usage: gen_access_log [--start EPOCH] LINES [SEED [OBJECTS]]\n");
    return 2;
  }
  const long long lines = std::atoll(argv[1]);
  std::mt19937_64 rng(argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1);
  std::discrete_distribution<int> province(std::begin(k_weights), std::end(k_weights));
  std::vector<std::string> objects;
  if (argc > 3) {
    FILE* f = std::fopen(argv[3], "r");
    if (!f) {
      std::perror(argv[3]);
      return 1;
    }
    char buf[4096];
    while (std::fgets(buf, sizeof buf, f)) {
      std::string p(buf);
      while (!p.empty() && (p.back() == '\n' || p.back() == '\r')) p.pop_back();
      if (!p.empty()) objects.push_back(p);
    }
    std::fclose(f);
    if (objects.empty()) {
      std::fprintf(stderr, "%s: no paths\n", argv[3]);
      return 1;
    }
  }
  for (unsigned i = 0; objects.empty() && i < 4000; ++i) {
    const std::string sha = sha_of(i);
    objects.push_back("/public/objects/" + sha.substr(0, 2) + "/" + sha.substr(2, 2) + "/" + sha);
  }

  auto new_session = [&]() {
    Session s;
    const unsigned r = static_cast<unsigned>(rng() % 100);
    const int p = province(rng) + 1;
    char ip[64];
    if (r < 85) std::snprintf(ip, sizeof ip, "60.%d.%u.%u", p, static_cast<unsigned>(rng() % 64), static_cast<unsigned>(rng() % 254 + 1));
    else if (r < 90) std::snprintf(ip, sizeof ip, "2400:%x::%x", p, static_cast<unsigned>(rng() % 4096));
    else std::snprintf(ip, sizeof ip, "%u.%u.%u.%u", 100 + static_cast<unsigned>(rng() % 100), static_cast<unsigned>(rng() % 256), static_cast<unsigned>(rng() % 256), static_cast<unsigned>(rng() % 254 + 1));
    s.ip = ip;
    const unsigned kind = static_cast<unsigned>(rng() % 10);
    // Popular objects more often (roughly Zipf).
    const std::size_t obj = static_cast<std::size_t>(objects.size() * std::pow(static_cast<double>(rng() % 10000) / 10000.0, 3));
    s.path = objects[obj];
    s.video = kind < 6;
    s.left = s.video ? 5 + static_cast<int>(rng() % 40) : 1 + static_cast<int>(rng() % 3);
    s.ua = k_agents[rng() % 4];
    return s;
  };
  std::vector<Session> pool(2000);
  for (auto& s : pool) s = new_session();
  std::string out;
  out.reserve(1 << 20);
  for (long long i = 0; i < lines; ++i) {
    const std::time_t local = static_cast<std::time_t>(start + 8 * 3600 + i * 86400 / (lines > 0 ? lines : 1));
    std::tm tm{};
    gmtime_r(&local, &tm);
    char when[64];
    std::strftime(when, sizeof when, "%d/%b/%Y:%H:%M:%S +0800", &tm);
    const unsigned r = static_cast<unsigned>(rng() % 1000);
    char line[1024];
    if (r < 1) {
      out += "\x16\x03\x01 torn line ";
      out += std::to_string(i);
      out += '\n';
      continue;
    }
    Session& s = pool[rng() % pool.size()];
    if (r < 50) {
      std::snprintf(line, sizeof line, "%s - - [%s] \"GET %s HTTP/1.1\" 200 %u \"-\" \"%s\"\n", s.ip.c_str(), when,
                    objects[rng() % objects.size()].c_str(), static_cast<unsigned>(rng() % 500000), k_bots[rng() % 4]);
    } else if (r < 60) {
      std::snprintf(line, sizeof line, "10.0.0.%u - - [%s] \"GET /healthz HTTP/1.1\" 200 2 \"-\" \"kube-probe/1.27\"\n",
                    static_cast<unsigned>(rng() % 4 + 1), when);
    } else if (r < 90) {
      std::snprintf(line, sizeof line, "%s - - [%s] \"GET /public/objects/00/00/missing?%u HTTP/1.1\" 404 153 \"-\" \"%s\"\n",
                    s.ip.c_str(), when, static_cast<unsigned>(i), s.ua.c_str());
    } else {
      const bool partial = s.video;
      const unsigned bytes = partial ? 1048576 : static_cast<unsigned>(rng() % 3000000);
      const int status = partial ? 206 : (rng() % 5 == 0 ? 304 : 200);
      std::snprintf(line, sizeof line,
                    "%s - - [%s] \"GET %s%s HTTP/1.1\" %d %u \"https://basic.smartedu.cn/tchMaterial\" \"%s\"\n",
                    s.ip.c_str(), when, s.path.c_str(), partial ? "" : "?v=2", status, status == 304 ? 0u : bytes,
                    s.ua.c_str());
      if (--s.left <= 0) s = new_session();
    }
    out += line;
    if (out.size() > (1u << 20)) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      out.clear();
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}
