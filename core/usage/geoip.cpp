#include "core/usage/geoip.hpp"

#include <arpa/inet.h>
#include <maxminddb.h>

#include <charconv>
#include <cstring>

#include "core/usage/regions.hpp"

namespace eductl::usage {

Result<GeoIp> GeoIp::open(const std::filesystem::path& file) {
  GeoIp g;
  g.m_db = std::make_unique<MMDB_s>();
  const int rc = MMDB_open(file.c_str(), MMDB_MODE_MMAP, g.m_db.get());
  if (rc != MMDB_SUCCESS) {
    g.m_db.reset();
    return make_error(ErrorKind::bad_input, std::string("cannot open the GeoIP database: ") + MMDB_strerror(rc),
                      file.string());
  }
  return g;
}

GeoIp::GeoIp(GeoIp&&) noexcept = default;
GeoIp& GeoIp::operator=(GeoIp&&) noexcept = default;
GeoIp::~GeoIp() {
  if (m_db) MMDB_close(m_db.get());
}

namespace {

std::string_view utf8_field(MMDB_entry_s* entry, const char* const* path) {
  MMDB_entry_data_s data;
  if (MMDB_aget_value(entry, &data, path) != MMDB_SUCCESS || !data.has_data || data.type != MMDB_DATA_TYPE_UTF8_STRING)
    return {};
  return std::string_view(data.utf8_string, data.data_size);
}

}  // namespace

Region GeoIp::lookup(std::string_view ip) const {
  Region r;
  char buf[INET6_ADDRSTRLEN + 1];
  if (!m_db || ip.empty() || ip.size() >= sizeof buf) return r;
  std::memcpy(buf, ip.data(), ip.size());
  buf[ip.size()] = '\0';
  int gai = 0, err = 0;
  MMDB_lookup_result_s res = MMDB_lookup_string(m_db.get(), buf, &gai, &err);
  if (gai != 0 || err != MMDB_SUCCESS || !res.found_entry) return r;
  static const char* const k_country[] = {"country", "iso_code", nullptr};
  static const char* const k_subdivision[] = {"subdivisions", "0", "iso_code", nullptr};
  static const char* const k_city[] = {"city", "names", "zh-CN", nullptr};
  const std::string_view country = utf8_field(&res.entry, k_country);
  const std::string_view subdivision = utf8_field(&res.entry, k_subdivision);
  r.province = province_of(country, subdivision);
  if (r.province != k_unknown_region) r.city = prefecture_of(r.province, utf8_field(&res.entry, k_city));
  return r;
}

bool parse_ip(std::string_view text, in6_addr& out) {
  char buf[INET6_ADDRSTRLEN + 1];
  if (text.empty() || text.size() >= sizeof buf) return false;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  in_addr v4;
  if (::inet_pton(AF_INET, buf, &v4) == 1) {
    std::memset(&out, 0, sizeof out);
    out.s6_addr[10] = 0xff;
    out.s6_addr[11] = 0xff;
    std::memcpy(&out.s6_addr[12], &v4, 4);
    return true;
  }
  return ::inet_pton(AF_INET6, buf, &out) == 1;
}

Status AddressSet::add(std::string_view cidr) {
  const std::size_t slash = cidr.find('/');
  const std::string_view addr = cidr.substr(0, slash);
  Block b{};
  if (!parse_ip(addr, b.addr)) return make_error(ErrorKind::usage, "not an IP address or CIDR block: " + std::string(cidr));
  const bool v4 = addr.find(':') == std::string_view::npos;
  b.prefix = 128;
  if (slash != std::string_view::npos) {
    int p = -1;
    const std::string_view bits = cidr.substr(slash + 1);
    auto [end, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), p);
    if (ec != std::errc() || end != bits.data() + bits.size() || p < 0 || p > (v4 ? 32 : 128))
      return make_error(ErrorKind::usage, "bad prefix length in " + std::string(cidr));
    b.prefix = v4 ? p + 96 : p;
  }
  m_blocks.push_back(b);
  return ok_status();
}

namespace {
bool in_block(const in6_addr& a, const in6_addr& net, int prefix) {
  int i = 0;
  for (; prefix >= 8; prefix -= 8, ++i)
    if (a.s6_addr[i] != net.s6_addr[i]) return false;
  if (prefix == 0) return true;
  const unsigned mask = (0xffu << (8 - prefix)) & 0xffu;
  return (a.s6_addr[i] & mask) == (net.s6_addr[i] & mask);
}
}  // namespace

bool AddressSet::contains(std::string_view ip) const {
  if (m_blocks.empty()) return false;
  in6_addr a;
  if (!parse_ip(ip, a)) return false;
  for (const Block& b : m_blocks)
    if (in_block(a, b.addr, b.prefix)) return true;
  return false;
}

std::string_view client_address(std::string_view remote, std::string_view forwarded, const AddressSet& trusted) {
  if (trusted.empty() || forwarded.empty() || !trusted.contains(remote)) return remote;
  std::string_view rest = forwarded;
  while (!rest.empty()) {
    const std::size_t comma = rest.rfind(',');
    std::string_view hop = comma == std::string_view::npos ? rest : rest.substr(comma + 1);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(0, comma);
    while (!hop.empty() && hop.front() == ' ') hop.remove_prefix(1);
    while (!hop.empty() && hop.back() == ' ') hop.remove_suffix(1);
    if (hop.empty()) continue;
    if (!trusted.contains(hop)) return hop;
  }
  return remote;
}

}  // namespace eductl::usage
