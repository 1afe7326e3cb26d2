// The HTML usage report: one self-contained page (inline CSS, script and SVG, nothing
// fetched) with a tile-grid map of the provinces, bar charts, a time series and the
// report's table, all drawn from the report's own JSON embedded in the page.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "core/usage/report.hpp"

namespace eductl {

nlohmann::json report_json(const usage::Report& r);
Result<std::string> render_report_html(usage::AggregateStore& store, usage::Resolver& resolver,
                                       const usage::ReportQuery& q, const usage::Report& main);

}  // namespace eductl
