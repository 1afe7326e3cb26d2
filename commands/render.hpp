// Shared renderers: findings as text lines or JSON, colours, and aligned tables that
// measure CJK text by display width.
#pragma once
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "commands/context.hpp"
#include "core/findings/finding.hpp"
#include "core/util/result.hpp"

namespace eductl {

enum class Color { none, red, green, yellow, dim, bold };
std::string paint(const Context& ctx, Color c, const std::string& text);

nlohmann::json findings_json(const Findings& findings);
void print_findings_text(const Context& ctx, const Findings& findings, const std::string& indent = "  ");

// Pads to display width (CJK = two columns).
std::string pad_right(const std::string& s, std::size_t width);

// Cells are data from packages and catalogues: printed through printable(), so control
// characters cannot drive the terminal.
struct Table {
  std::vector<std::string> headers;
  std::vector<std::vector<std::string>> rows;
  std::vector<bool> right_align;  // per column; default left
  void print(std::ostream& out) const;
};

// Writes one JSON document on stdout (one line, newline-terminated, flushed).
void print_json(const Context& ctx, const nlohmann::json& doc);

// A command's failure: the message on stderr and, with --json, one document
// {"schema": "eductl.error/1", "error": {...}} on stdout, so every --json run prints one
// JSON document. Returns the exit code.
int report_error(const Context& ctx, const Error& e);
nlohmann::json error_json(const Error& e);

}  // namespace eductl
