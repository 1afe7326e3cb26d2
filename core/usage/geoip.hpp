// Client address -> region with libmaxminddb on a GeoIP2-City-format database, and the
// trusted-proxy rule for X-Forwarded-For.
#pragma once
#include <netinet/in.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/util/result.hpp"

struct MMDB_s;

namespace eductl::usage {

struct Region {
  std::uint32_t province = 0;  // GB/T 2260 code, 0 = unknown
  std::uint32_t city = 0;      // prefecture code, 0 = unknown
};

class GeoIp {
 public:
  // Error bad_input (exit 3) naming the file when it is no MaxMind DB.
  static Result<GeoIp> open(const std::filesystem::path& file);
  GeoIp(GeoIp&&) noexcept;
  GeoIp& operator=(GeoIp&&) noexcept;
  ~GeoIp();
  // A textual IPv4 or IPv6 address; no record, foreign or garbage -> unknown.
  Region lookup(std::string_view ip) const;

 private:
  GeoIp() = default;
  std::unique_ptr<MMDB_s> m_db;
};

// An address or a CIDR block ("10.0.0.0/8", "2001:db8::/32", "192.0.2.7").
class AddressSet {
 public:
  // Error usage on a malformed entry.
  Status add(std::string_view cidr);
  bool contains(std::string_view ip) const;
  bool empty() const { return m_blocks.empty(); }

 private:
  struct Block {
    in6_addr addr;  // IPv4 as v4-mapped
    int prefix;     // over the 128 bits
  };
  std::vector<Block> m_blocks;
};

// The client of a request: the remote address, or, when it is a trusted proxy, the
// right-most X-Forwarded-For entry that is not itself a trusted proxy.
std::string_view client_address(std::string_view remote, std::string_view forwarded, const AddressSet& trusted);

// Parses an IPv4 or IPv6 address into 16 bytes (IPv4 v4-mapped). False on garbage.
bool parse_ip(std::string_view text, in6_addr& out);

}  // namespace eductl::usage
