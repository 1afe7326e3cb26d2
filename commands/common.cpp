#include "commands/common.hpp"

#include "core/util/text.hpp"

namespace eductl {

void add_limit_options(CLI::App* cmd, LimitArgs& args) {
  cmd->add_option("--max-entries", args.max_entries, "Most entries a package may have")
      ->capture_default_str()->group("Limits");
  cmd->add_option("--max-unpacked", args.max_unpacked, "Most bytes a package may unpack to (e.g. 20GiB, 500MiB)")
      ->capture_default_str()->group("Limits");
  cmd->add_option("--max-ratio", args.max_ratio,
                  "Most an entry over 1 MiB may unpack to, as a multiple of its packed size")
      ->capture_default_str()->check(CLI::PositiveNumber)->group("Limits");
}

ScanLimits to_scan_limits(const LimitArgs& args) {
  ScanLimits l;
  l.max_entries = args.max_entries;
  auto bytes = parse_bytes(args.max_unpacked);
  if (!bytes) throw CLI::ValidationError("--max-unpacked", "not a size: " + args.max_unpacked);
  l.max_unpacked = *bytes;
  l.max_ratio = args.max_ratio;
  return l;
}

}  // namespace eductl
