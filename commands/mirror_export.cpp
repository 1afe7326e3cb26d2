// eductl mirror export: the served snapshot copied to a folder (a USB disk).
#include <memory>

#include "commands/mirror.hpp"
#include "commands/mirror_shared.hpp"
#include "commands/render.hpp"
#include "core/data/data_folder.hpp"
#include "core/mirror/export.hpp"
#include "core/util/text.hpp"

namespace eductl {
namespace {

using nlohmann::json;

struct ExportArgs {
  std::string dir;
  bool verify = false;
  SelectionArgs select;
};

int run_export(const ExportArgs& a, const Context& ctx) {
  DataFolder data(ctx.data_dir);
  mirror::ExportOptions o;
  o.dir = a.dir;
  o.selection = a.select.selection;
  o.verify_existing = a.verify;
  PlannedProgress progress(ctx, "export", "files");
  o.on_plan = progress.on_plan();
  o.progress = progress.on_progress();
  auto r = mirror::export_tree(data, o);
  progress.finish();
  if (!r) return report_error(ctx, r.error());
  const bool ok = r->findings.empty();
  if (ctx.json) {
    print_json(ctx, {{"schema", "eductl.mirror.export/1"}, {"dir", a.dir}, {"complete", ok}, {"version", r->version},
                     {"books", r->books}, {"blobs", r->blobs}, {"bytes", r->bytes}, {"files_written", r->files_written},
                     {"bytes_written", r->bytes_written}, {"files_kept", r->files_kept}, {"removed", r->removed},
                     {"findings", findings_json(r->findings)}});
  } else if (ok) {
    *ctx.out << paint(ctx, Color::green, "✓ ") << "exported version " << r->version << " to " << printable(a.dir) << ": "
             << r->books << " books, " << r->blobs << " blobs, " << human_bytes(r->bytes) << " (" << r->files_written
             << " files written, " << r->files_kept << " already there)\n"
             << "  at the school: eductl mirror sync " << printable(a.dir) << " --trust UPSTREAM.pub"
             << (o.selection.empty() ? "" : " " + printable(snapshot::selection_flags(o.selection))) << '\n';
  } else {
    *ctx.out << paint(ctx, Color::red, "✗ ") << "export to " << printable(a.dir)
             << " not finished: the source has damaged or missing blobs (no index was written)\n";
    print_findings_text(ctx, r->findings);
  }
  return ok ? 0 : static_cast<int>(ErrorKind::findings);
}

}  // namespace

void register_mirror_export(CLI::App* mirror, Context& ctx, int& exit_code) {
  auto a = std::make_shared<ExportArgs>();
  CLI::App* cmd = mirror->add_subcommand("export", "Copy the served snapshot to a folder (a USB disk) for offline sync");
  cmd->add_option("DIR", a->dir, "Destination folder")->required();
  cmd->add_flag("--verify", a->verify, "Re-hash files an earlier, interrupted export left in DIR");
  a->select.add_to(cmd);
  cmd->footer(
      "Copies the signed index unchanged, the chosen books' parts and their blobs, hashing every\n"
      "byte on the way. Re-run to resume an interrupted export; the index is written last, so\n"
      "`mirror sync DIR` never takes an unfinished export.\n\n"
      "Exit status: 0 exported, 1 damaged or missing blobs in the source, 3 nothing to export,\n"
      "5 locked, 130 interrupted.\n\n"
      "Examples:\n"
      "  eductl --data /srv/eductl mirror export /media/usb/eductl --stage primary\n"
      "  eductl --data /srv/school mirror sync /media/usb/eductl --trust central.pub");
  cmd->callback([a, &ctx, &exit_code] { exit_code = run_export(*a, ctx); });
}

}  // namespace eductl
