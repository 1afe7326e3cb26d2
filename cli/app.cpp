#include "cli/app.hpp"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <clocale>
#include <cstdlib>

#include "commands/context.hpp"
#include "commands/catalog.hpp"
#include "commands/import.hpp"
#include "commands/index.hpp"
#include "commands/mirror.hpp"
#include "commands/render.hpp"
#include "commands/report.hpp"
#include "commands/rules.hpp"
#include "commands/search.hpp"
#include "commands/store.hpp"
#include "commands/transcode.hpp"
#include "commands/usage.hpp"
#include "commands/validate.hpp"
#include "core/db/sqlite.hpp"
#include "core/util/cancel.hpp"
#include "core/util/result.hpp"

namespace eductl {

namespace {

using Registrar = void (*)(CLI::App&, Context&, int&);

// The one list of commands; each command file registers its own options.
constexpr Registrar k_commands[] = {
    register_validate,
    register_import,
    register_catalog,
    register_store,
    register_mirror,
    register_usage,
    register_report,
    register_rules,
    register_index,
    register_search,
    register_transcode,
};

}  // namespace

int run_app(int argc, char** argv) {
  std::setlocale(LC_ALL, "C.UTF-8");
  install_interrupt_handlers();
  Context ctx;
  if (const char* home = std::getenv("EDUCTL_HOME"); home && *home) ctx.data_dir = home;

  CLI::App app{"eductl: content toolkit of the smart-education platform (textbooks, lessons, mirrors, usage)"};
  app.name("eductl");
  app.set_version_flag("-V,--version", std::string("eductl ") + EDUCTL_VERSION);
  app.require_subcommand(1);
  app.fallthrough();
  app.footer(
      "Exit status: 0 ok, 1 findings / partial, 2 usage error, 3 bad input file, 4 network error,\n"
      "5 locked / busy, 70 internal error, 130 interrupted. See docs/exit-codes.md.\n"
      "Run 'eductl COMMAND --help' for a command's options and examples.");
  bool json = false, quiet = false;
  int verbose = 0;
  std::string data;
  app.add_option("--data", data, "Data folder: catalogue, content store, snapshots (default $EDUCTL_HOME or ./eductl-data)");
  app.add_flag("--json", json, "Machine-readable output on stdout (versioned JSON)");
  app.add_flag("-q,--quiet", quiet, "Only problems and the summary; no progress");
  app.add_flag("-v,--verbose", verbose, "More detail on stderr");

  int exit_code = 0;
  for (Registrar r : k_commands) r(app, ctx, exit_code);
  app.parse_complete_callback([&] {
    if (!data.empty()) ctx.data_dir = data;
    ctx.json = json;
    ctx.verbosity = quiet ? Verbosity::quiet : verbose ? Verbosity::verbose : Verbosity::normal;
    // no-color.org: only a NO_COLOR that is set and not empty turns colour off.
    const char* no_color = std::getenv("NO_COLOR");
    ctx.color = !json && ::isatty(STDOUT_FILENO) && !(no_color && *no_color);
    ctx.progress = !quiet && ::isatty(STDERR_FILENO);
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version arrive here too, with exit code 0; real parse errors map to 2.
    if (app.exit(e) == 0) return 0;
    // --json asks for one JSON document whatever happens, and the flag may not have
    // been parsed yet when the error came.
    for (int i = 1; i < argc; ++i)
      if (std::string_view(argv[i]) == "--json") ctx.json = true;
    if (ctx.json) print_json(ctx, error_json(make_error(ErrorKind::usage, e.what())));
    return static_cast<int>(ErrorKind::usage);
  } catch (const std::exception& e) {
    // Database failures keep their meaning (busy = locked); anything else is a bug.
    return report_error(ctx, db::to_error(e, "internal error"));
  }
  if (interrupted() && exit_code == 0) return static_cast<int>(ErrorKind::interrupted);
  return exit_code;
}

}  // namespace eductl
