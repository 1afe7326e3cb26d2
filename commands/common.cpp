#include "commands/common.hpp"

#include <charconv>
#include <cmath>

#include "core/util/text.hpp"

namespace eductl {

namespace {

// Every limit has bounds: a value outside them (negative, zero, NaN, infinity, a wrapped
// huge number) would switch the guard off silently instead of being a usage error.
constexpr std::uint64_t k_entries_min = 1, k_entries_max = 10'000'000;
constexpr double k_ratio_min = 1, k_ratio_max = 1'000'000;
constexpr std::uint64_t k_jobs_min = 1, k_jobs_max = 256;
constexpr std::uint64_t k_unpacked_min = 1ull << 20, k_unpacked_max = 1ull << 50;
constexpr std::uint64_t k_sidecar_min = 1ull << 10, k_sidecar_max = 4ull << 30;

std::string bounds(std::uint64_t lo, std::uint64_t hi) { return group_thousands(lo) + " to " + group_thousands(hi); }

// Checks the text before CLI11 converts it, so "-1" never wraps round to 2^64-1.
CLI::Validator whole_number(std::uint64_t lo, std::uint64_t hi) {
  return CLI::Validator(
      [lo, hi](std::string& text) -> std::string {
        std::uint64_t v = 0;
        const char* end = text.data() + text.size();
        auto [p, ec] = std::from_chars(text.data(), end, v);
        if (ec != std::errc() || p != end || v < lo || v > hi)
          return "'" + printable(text) + "' is not a whole number from " + bounds(lo, hi);
        return {};
      },
      bounds(lo, hi));
}

CLI::Validator ratio() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        char* end = nullptr;
        const double v = std::strtod(text.c_str(), &end);
        if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(v) || v < k_ratio_min || v > k_ratio_max)
          return "'" + printable(text) + "' is not a number from " + bounds(k_ratio_min, k_ratio_max);
        return {};
      },
      bounds(k_ratio_min, k_ratio_max));
}

std::uint64_t size_in_bounds(const char* option, const std::string& text, std::uint64_t lo, std::uint64_t hi) {
  auto bytes = parse_bytes(text);
  if (!bytes || *bytes < lo || *bytes > hi)
    throw CLI::ValidationError(option, "'" + printable(text) + "' is not a size from " + human_bytes(lo) + " to " +
                                           human_bytes(hi) + " (e.g. 20GiB, 500MiB)");
  return *bytes;
}

}  // namespace

std::string group_thousands(std::uint64_t n) {
  std::string digits = std::to_string(n);
  for (std::size_t i = digits.size(); i > 3; i -= 3) digits.insert(i - 3, ",");
  return digits;
}

void add_limit_options(CLI::App* cmd, LimitArgs& args) {
  cmd->add_option("--max-entries", args.max_entries, "Most entries a package may have")
      ->capture_default_str()->check(whole_number(k_entries_min, k_entries_max))->group("Limits");
  cmd->add_option("--max-unpacked", args.max_unpacked, "Most bytes a package may unpack to (e.g. 20GiB, 500MiB)")
      ->capture_default_str()->type_name("SIZE")->group("Limits");
  cmd->add_option("--max-ratio", args.max_ratio,
                  "Most an entry over 1 MiB may unpack to, as a multiple of its packed size")
      ->capture_default_str()->check(ratio())->group("Limits");
}

void add_sidecar_option(CLI::App* cmd, LimitArgs& args) {
  cmd->add_option("--max-sidecar", args.max_sidecar,
                  "Largest books.csv or platform listing file read (e.g. 16MiB); larger ones are refused unread")
      ->capture_default_str()->type_name("SIZE")->group("Limits");
}

void add_jobs_option(CLI::App* cmd, unsigned& jobs, const std::string& description) {
  cmd->add_option("-j,--jobs", jobs, description)->check(whole_number(k_jobs_min, k_jobs_max));
}

ScanLimits to_scan_limits(const LimitArgs& args) {
  ScanLimits l;
  l.max_entries = args.max_entries;
  l.max_unpacked = size_in_bounds("--max-unpacked", args.max_unpacked, k_unpacked_min, k_unpacked_max);
  l.max_ratio = args.max_ratio;
  l.max_sidecar = size_in_bounds("--max-sidecar", args.max_sidecar, k_sidecar_min, k_sidecar_max);
  return l;
}

}  // namespace eductl
