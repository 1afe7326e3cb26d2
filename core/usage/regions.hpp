// China's administrative divisions as GB/T 2260 codes: the 34 provincial-level divisions
// (code, Chinese and English name, ISO 3166-2:CN) and the prefecture level, and the
// mapping from what a GeoIP2 City record says (country, subdivision, city) to them.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace eductl::usage {

struct Province {
  std::uint32_t code;       // 450000
  std::string_view zh;      // 广西壮族自治区
  std::string_view en;      // Guangxi
  std::string_view iso;     // CN-GX
  std::string_view short_zh;  // 广西 (map tiles)
  int row, col;             // position on the tile-grid map
};

struct Prefecture {
  std::uint32_t code;   // 450100
  std::string_view zh;  // 南宁市
};

// Region code 0 stands for the `unknown` row.
constexpr std::uint32_t k_unknown_region = 0;

std::span<const Province> provinces();
std::span<const Prefecture> prefectures();
const Province* find_province(std::uint32_t code);
const Prefecture* find_prefecture(std::uint32_t code);
// "450000" -> 450000; also accepts a province's Chinese name, short name, English name or
// ISO code ("广西", "Guangxi", "CN-GX", "GX"). nullopt when it names no province.
std::optional<std::uint32_t> parse_province(std::string_view text);
// "450000" / "unknown"
std::string region_code_text(std::uint32_t code);
// The Chinese name of a province or prefecture code ("" for unknown).
std::string_view region_name(std::uint32_t code);

// A GeoIP2 City record's relevant fields -> province (0 = unknown). A subdivision means
// a province only when the country is CN; "GX", "CN-GX" and the pre-2017 numeric "45"
// forms are accepted. HK, MO and TW as countries map to 810000, 820000, 710000.
std::uint32_t province_of(std::string_view country_iso, std::string_view subdivision_iso);
// The prefecture of a city name (Chinese, e.g. "南宁" or "南宁市") inside a province;
// a municipality (北京, 上海, 天津, 重庆) is its own prefecture. 0 when unknown.
std::uint32_t prefecture_of(std::uint32_t province, std::string_view city_zh);

}  // namespace eductl::usage
