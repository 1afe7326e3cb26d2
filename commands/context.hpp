// What every command gets from the global options: data folder, output mode, verbosity,
// and the streams to write to. Commands write results to `out`, diagnostics to `err`.
#pragma once
#include <filesystem>
#include <iostream>
#include <string>

namespace eductl {

enum class Verbosity { quiet, normal, verbose };

struct Context {
  std::filesystem::path data_dir = "eductl-data";
  bool json = false;
  Verbosity verbosity = Verbosity::normal;
  bool color = false;     // stdout is a terminal and NO_COLOR is unset
  bool progress = false;  // stderr is a terminal and not quiet
  std::ostream* out = &std::cout;
  std::ostream* err = &std::cerr;

  void note(const std::string& line) const {
    if (verbosity != Verbosity::quiet) *err << line << '\n';
  }
  void debug(const std::string& line) const {
    if (verbosity == Verbosity::verbose) *err << line << '\n';
  }
  void warn(const std::string& line) const { *err << "eductl: " << line << '\n'; }
};

}  // namespace eductl
