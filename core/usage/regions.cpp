#include "core/usage/regions.hpp"

#include <algorithm>
#include <charconv>

namespace eductl::usage {
namespace {

// GB/T 2260 provincial level with ISO 3166-2:CN codes (alpha form, 2017 on). row/col
// place the province on the report's tile-grid map (roughly its geography).
constexpr Province k_provinces[] = {
    {110000, "北京市", "Beijing", "CN-BJ", "北京", 1, 6},
    {120000, "天津市", "Tianjin", "CN-TJ", "天津", 2, 6},
    {130000, "河北省", "Hebei", "CN-HE", "河北", 2, 5},
    {140000, "山西省", "Shanxi", "CN-SX", "山西", 1, 5},
    {150000, "内蒙古自治区", "Inner Mongolia", "CN-NM", "内蒙古", 0, 5},
    {210000, "辽宁省", "Liaoning", "CN-LN", "辽宁", 1, 7},
    {220000, "吉林省", "Jilin", "CN-JL", "吉林", 1, 8},
    {230000, "黑龙江省", "Heilongjiang", "CN-HL", "黑龙江", 0, 8},
    {310000, "上海市", "Shanghai", "CN-SH", "上海", 4, 7},
    {320000, "江苏省", "Jiangsu", "CN-JS", "江苏", 4, 6},
    {330000, "浙江省", "Zhejiang", "CN-ZJ", "浙江", 5, 6},
    {340000, "安徽省", "Anhui", "CN-AH", "安徽", 4, 5},
    {350000, "福建省", "Fujian", "CN-FJ", "福建", 6, 5},
    {360000, "江西省", "Jiangxi", "CN-JX", "江西", 5, 5},
    {370000, "山东省", "Shandong", "CN-SD", "山东", 3, 6},
    {410000, "河南省", "Henan", "CN-HA", "河南", 3, 5},
    {420000, "湖北省", "Hubei", "CN-HB", "湖北", 4, 4},
    {430000, "湖南省", "Hunan", "CN-HN", "湖南", 5, 4},
    {440000, "广东省", "Guangdong", "CN-GD", "广东", 6, 4},
    {450000, "广西壮族自治区", "Guangxi", "CN-GX", "广西", 6, 3},
    {460000, "海南省", "Hainan", "CN-HI", "海南", 7, 3},
    {500000, "重庆市", "Chongqing", "CN-CQ", "重庆", 3, 4},
    {510000, "四川省", "Sichuan", "CN-SC", "四川", 3, 3},
    {520000, "贵州省", "Guizhou", "CN-GZ", "贵州", 4, 3},
    {530000, "云南省", "Yunnan", "CN-YN", "云南", 5, 2},
    {540000, "西藏自治区", "Tibet", "CN-XZ", "西藏", 3, 1},
    {610000, "陕西省", "Shaanxi", "CN-SN", "陕西", 2, 4},
    {620000, "甘肃省", "Gansu", "CN-GS", "甘肃", 1, 3},
    {630000, "青海省", "Qinghai", "CN-QH", "青海", 2, 2},
    {640000, "宁夏回族自治区", "Ningxia", "CN-NX", "宁夏", 1, 4},
    {650000, "新疆维吾尔自治区", "Xinjiang", "CN-XJ", "新疆", 0, 1},
    {710000, "台湾省", "Taiwan", "CN-TW", "台湾", 6, 7},
    {810000, "香港特别行政区", "Hong Kong", "CN-HK", "香港", 7, 5},
    {820000, "澳门特别行政区", "Macao", "CN-MO", "澳门", 7, 4},
};

constexpr Prefecture k_prefectures[] = {
#include "core/usage/prefectures.inc"
};

bool is_municipality(std::uint32_t province) {
  return province == 110000 || province == 120000 || province == 310000 || province == 500000;
}

std::string_view strip_prefix(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p ? s.substr(p.size()) : s;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x | 0x20) == (y | 0x20) || x == y;
         });
}

}  // namespace

std::span<const Province> provinces() { return k_provinces; }
std::span<const Prefecture> prefectures() { return k_prefectures; }

const Province* find_province(std::uint32_t code) {
  for (const Province& p : k_provinces)
    if (p.code == code) return &p;
  return nullptr;
}

const Prefecture* find_prefecture(std::uint32_t code) {
  auto it = std::lower_bound(std::begin(k_prefectures), std::end(k_prefectures), code,
                             [](const Prefecture& p, std::uint32_t c) { return p.code < c; });
  return it != std::end(k_prefectures) && it->code == code ? &*it : nullptr;
}

std::optional<std::uint32_t> parse_province(std::string_view text) {
  std::uint32_t code = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), code);
  if (ec == std::errc() && end == text.data() + text.size()) {
    if (find_province(code)) return code;
    return std::nullopt;
  }
  const std::string_view bare = strip_prefix(text, "CN-");
  for (const Province& p : k_provinces)
    if (p.zh == text || p.short_zh == text || iequals(p.en, text) || iequals(p.iso.substr(3), bare)) return p.code;
  return std::nullopt;
}

std::string region_code_text(std::uint32_t code) {
  return code == k_unknown_region ? std::string("unknown") : std::to_string(code);
}

std::string_view region_name(std::uint32_t code) {
  if (const Province* p = find_province(code)) return p->zh;
  if (const Prefecture* p = find_prefecture(code)) return p->zh;
  return {};
}

std::uint32_t province_of(std::string_view country, std::string_view subdivision) {
  if (country == "HK") return 810000;
  if (country == "MO") return 820000;
  if (country == "TW") return 710000;
  if (country != "CN" || subdivision.empty()) return k_unknown_region;
  const std::string_view bare = strip_prefix(subdivision, "CN-");
  if (bare.size() == 2 && bare[0] >= '0' && bare[0] <= '9' && bare[1] >= '0' && bare[1] <= '9') {
    // Pre-2017 numeric ISO codes are the first two GB/T 2260 digits (HK 91, MO 92).
    const std::uint32_t two = static_cast<std::uint32_t>((bare[0] - '0') * 10 + (bare[1] - '0'));
    if (two == 91) return 810000;
    if (two == 92) return 820000;
    return find_province(two * 10000) ? two * 10000 : k_unknown_region;
  }
  for (const Province& p : k_provinces)
    if (p.iso.substr(3) == bare) return p.code;
  return k_unknown_region;
}

std::uint32_t prefecture_of(std::uint32_t province, std::string_view city) {
  if (province == k_unknown_region || city.empty()) return k_unknown_region;
  if (is_municipality(province)) return province;
  const std::uint32_t lo = province, hi = province + 10000;
  for (const Prefecture& p : k_prefectures) {
    if (p.code < lo || p.code >= hi) continue;
    // GeoIP names drop the suffix (南宁 for 南宁市, 延边 for 延边朝鲜族自治州): a prefix match
    // of at least two characters (six bytes of CJK).
    if (p.zh == city || (city.size() >= 6 && p.zh.substr(0, city.size()) == city)) return p.code;
  }
  return k_unknown_region;
}

}  // namespace eductl::usage
