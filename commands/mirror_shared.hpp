// Shared by the mirror commands that choose books (publish, sync, export) and show
// progress after a plan: the book filters and a progress line that starts at the plan.
#pragma once
#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>

#include "commands/context.hpp"
#include "commands/progress.hpp"
#include "core/mirror/selection.hpp"

namespace eductl {

// The book filters publish, sync and export share.
struct SelectionArgs {
  snapshot::Selection selection;
  void add_to(CLI::App* cmd) {
    cmd->add_option("--stage", selection.stages, "Only books of these stages: primary, junior, senior, special")
        ->delimiter(',');
    cmd->add_option("--grade", selection.grades, "Only books for these grades (1-12; spans count)")
        ->delimiter(',')
        ->check(CLI::Range(1, 12));
    cmd->add_option("--subject", selection.subjects, "Only these subject codes, e.g. math,chinese")->delimiter(',');
    cmd->add_option("--edition", selection.editions, "Only editions containing this text, e.g. 人教版")->delimiter(',');
    cmd->add_option("--publisher", selection.publishers, "Only these publisher codes, e.g. PEP")->delimiter(',');
    cmd->add_option("--kind", selection.kinds, "Only these kinds: student, teacher, reader, atlas, practice")->delimiter(',');
    cmd->add_option("--book", selection.books, "Only these books (CODE/package_id or package_id)")->delimiter(',');
    cmd->add_option("--rendition", selection.renditions,
                    "Only these renditions of transcoded videos, e.g. 360p,audio (none: no renditions; default all)")
        ->delimiter(',');
  }
};


// A progress line that starts when the core knows the totals (after the plan) and is
// fed running totals of bytes and files.
class PlannedProgress {
 public:
  PlannedProgress(const Context& ctx, std::string label, std::string unit)
      : m_ctx(ctx), m_label(std::move(label)), m_unit(std::move(unit)) {}
  std::function<void(std::uint64_t, std::uint64_t)> on_plan() {
    return [this](std::uint64_t files, std::uint64_t bytes) {
      if (files > 0) m_line = std::make_unique<ProgressLine>(m_ctx, ProgressSpec{m_label, m_unit, files, bytes});
    };
  }
  std::function<void(std::uint64_t, std::uint64_t)> on_progress() {
    return [this](std::uint64_t bytes, std::uint64_t files) {
      if (!m_line) return;
      m_line->add_bytes(bytes - m_bytes);
      for (; m_files < files; ++m_files) m_line->item_done();
      m_bytes = bytes;
    };
  }
  void finish() {
    if (m_line) m_line->finish();
  }

 private:
  const Context& m_ctx;
  std::string m_label, m_unit;
  std::unique_ptr<ProgressLine> m_line;
  std::uint64_t m_bytes = 0, m_files = 0;
};

}  // namespace eductl
