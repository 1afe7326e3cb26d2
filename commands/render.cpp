#include "commands/render.hpp"

#include "core/util/text.hpp"

namespace eductl {

std::string paint(const Context& ctx, Color c, const std::string& text) {
  if (!ctx.color || c == Color::none) return text;
  const char* code = c == Color::red ? "31" : c == Color::green ? "32" : c == Color::yellow ? "33" : c == Color::dim ? "2" : "1";
  return std::string("\033[") + code + "m" + text + "\033[0m";
}

nlohmann::json findings_json(const Findings& findings) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& f : findings)
    arr.push_back({{"code", f.code}, {"severity", to_string(f.severity)}, {"entry", f.entry}, {"message", f.message}});
  return arr;
}

// Entries and messages quote the input (names, manifest text): both go through printable().
void print_findings_text(const Context& ctx, const Findings& findings, const std::string& indent) {
  std::size_t code_width = 0;
  for (const auto& f : findings) code_width = std::max(code_width, f.code.size());
  for (const auto& f : findings) {
    const bool err = f.severity == Severity::error;
    std::string sev = paint(ctx, err ? Color::red : Color::yellow, err ? "error  " : "warning");
    *ctx.out << indent << sev << ' ' << pad_right(f.code, code_width) << "  "
             << (f.entry.empty() ? "" : printable(f.entry) + ": ") << printable(f.message) << '\n';
  }
}

std::string pad_right(const std::string& s, std::size_t width) {
  std::size_t w = display_width(s);
  return w >= width ? s : s + std::string(width - w, ' ');
}

void Table::print(std::ostream& out) const {
  std::vector<std::size_t> widths(headers.size(), 0);
  std::vector<std::vector<std::string>> safe;
  safe.reserve(rows.size());
  for (const auto& row : rows) {
    safe.emplace_back();
    for (const auto& cell : row) safe.back().push_back(printable(cell));
  }
  for (std::size_t c = 0; c < headers.size(); ++c) widths[c] = display_width(headers[c]);
  for (const auto& row : safe)
    for (std::size_t c = 0; c < row.size() && c < widths.size(); ++c) widths[c] = std::max(widths[c], display_width(row[c]));
  auto line = [&](const std::vector<std::string>& cells) {
    std::string s;
    for (std::size_t c = 0; c < widths.size(); ++c) {
      std::string cell = c < cells.size() ? cells[c] : "";
      std::size_t w = display_width(cell);
      std::string pad(widths[c] > w ? widths[c] - w : 0, ' ');
      bool right = c < right_align.size() && right_align[c];
      s += right ? pad + cell : cell + (c + 1 < widths.size() ? pad : "");
      if (c + 1 < widths.size()) s += "  ";
    }
    out << s << '\n';
  };
  line(headers);
  for (const auto& row : safe) line(row);
}

void print_json(const Context& ctx, const nlohmann::json& doc) {
  *ctx.out << doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n' << std::flush;
}

std::string_view kind_name(ErrorKind k) {
  switch (k) {
    case ErrorKind::findings: return "findings";
    case ErrorKind::usage: return "usage";
    case ErrorKind::bad_input: return "bad_input";
    case ErrorKind::network: return "network";
    case ErrorKind::locked: return "locked";
    case ErrorKind::internal: return "internal";
    case ErrorKind::interrupted: return "interrupted";
  }
  return "internal";
}

nlohmann::json error_json(const Error& e) {
  nlohmann::json err = {{"exit", static_cast<int>(e.kind)}, {"kind", kind_name(e.kind)}, {"message", e.message}};
  err["file"] = e.file.empty() ? nlohmann::json(nullptr) : nlohmann::json(e.file);
  return {{"schema", "eductl.error/1"}, {"error", err}};
}

int report_error(const Context& ctx, const Error& e) {
  ctx.warn(printable(e.describe()));
  if (ctx.json) print_json(ctx, error_json(e));
  return static_cast<int>(e.kind);
}

}  // namespace eductl
