#include "commands/report_html.hpp"

#include "core/usage/regions.hpp"

namespace eductl {
namespace {

// The page's script draws everything from the embedded data and marks each drawn value
// with data-* attributes, so a headless browser's DOM can be checked against the JSON.
constexpr std::string_view k_page_head = R"html(<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>eductl usage report</title>
<style>
body{font-family:system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:24px;color:#222;background:#fff}
h1{font-size:22px}h2{font-size:17px;margin-top:28px}
.grid{display:grid;grid-template-columns:repeat(9,64px);grid-auto-rows:52px;gap:4px}
.tile{border-radius:6px;display:flex;flex-direction:column;align-items:center;justify-content:center;font-size:12px;color:#111;cursor:default}
.tile .v{font-size:10px}
.legend{display:flex;align-items:center;gap:6px;margin:10px 0;font-size:12px}
.legend .sw{width:28px;height:12px;display:inline-block}
table{border-collapse:collapse;font-size:13px}td,th{padding:3px 10px;border-bottom:1px solid #ddd}td.n{text-align:right}
.muted{color:#777;font-size:12px}
svg text{font-size:11px;fill:#333}
</style></head>
<body data-status="loading">
<h1>使用情况报告 · Usage report</h1>
<p class="muted" id="summary"></p>
<h2>各省访问量 · Views by province</h2>
<div class="grid" id="map"></div>
<div class="legend" id="legend"></div>
<h2>访问量最多的省份 · Top provinces</h2>
<svg id="bars" width="720" height="10"></svg>
<h2>每日访问量 · Views per day</h2>
<svg id="series" width="720" height="220"></svg>
<h2>报告 · Report</h2>
<table id="rows"></table>
<script type="application/json" id="eductl-data">)html";

constexpr std::string_view k_page_tail = R"html(</script>
<script>
"use strict";
(function () {
  const data = JSON.parse(document.getElementById("eductl-data").textContent);
  const fmt = (n) => n.toLocaleString("en-US");
  const NS = "http://www.w3.org/2000/svg";
  const svg = (tag, attrs) => { const e = document.createElementNS(NS, tag); for (const k in attrs) e.setAttribute(k, attrs[k]); return e; };
  const colours = ["#f2f0f7", "#dadaeb", "#bcbddc", "#9e9ac8", "#807dba", "#6a51a3", "#4a1486"];
  const byProvince = new Map(data.province.rows.map((r) => [r.province, r]));
  const max = Math.max(1, ...data.province.rows.filter((r) => r.province !== "unknown").map((r) => r.views));
  const colour = (v) => v <= 0 ? "#eeeeee" : colours[Math.min(colours.length - 1, Math.floor((v / max) * (colours.length - 1) + 0.999))];
  const t = data.province.totals, l = data.province.lines;
  document.getElementById("summary").textContent =
    `views ${fmt(t.views)} · visitors ${fmt(t.visitors)} · bytes ${fmt(t.bytes)} · lines counted ${fmt(l.counted)}, bot ${fmt(l.bot)}, error ${fmt(l.error)}, malformed ${fmt(l.malformed)}`;

  const map = document.getElementById("map");
  for (const p of data.regions) {
    const r = byProvince.get(p.code);
    const v = r ? r.views : 0;
    const d = document.createElement("div");
    d.className = "tile";
    d.style.gridRow = String(p.row + 1);
    d.style.gridColumn = String(p.col + 1);
    d.style.background = colour(v);
    if (v > max / 2) d.style.color = "#fff";
    d.dataset.code = p.code;
    d.dataset.views = String(v);
    d.title = `${p.name} ${p.code}: ${fmt(v)} views, ${fmt(r ? r.visitors : 0)} visitors`;
    d.innerHTML = "";
    const n = document.createElement("span"); n.textContent = p.short; d.appendChild(n);
    const vv = document.createElement("span"); vv.className = "v"; vv.textContent = fmt(v); d.appendChild(vv);
    map.appendChild(d);
  }
  const unknown = byProvince.get("unknown");
  const u = document.createElement("div");
  u.className = "tile"; u.style.gridRow = "8"; u.style.gridColumn = "8 / span 2"; u.style.background = "#eeeeee";
  u.dataset.code = "unknown"; u.dataset.views = String(unknown ? unknown.views : 0);
  u.title = `unknown: ${fmt(unknown ? unknown.views : 0)} views`;
  u.textContent = `未知 ${fmt(unknown ? unknown.views : 0)}`;
  map.appendChild(u);

  const legend = document.getElementById("legend");
  legend.appendChild(document.createTextNode("0"));
  colours.forEach((c, i) => { const s = document.createElement("span"); s.className = "sw"; s.style.background = c;
    s.title = `≤ ${fmt(Math.round(max * (i) / (colours.length - 1)))}`; legend.appendChild(s); });
  legend.appendChild(document.createTextNode(fmt(max) + " views"));

  const bars = document.getElementById("bars");
  const top = data.province.rows.slice(0, 15);
  bars.setAttribute("height", String(top.length * 22 + 10));
  top.forEach((r, i) => {
    const w = Math.max(1, Math.round((r.views / Math.max(1, top[0].views)) * 480));
    const g = svg("g", {"data-province": r.province, "data-views": String(r.views)});
    const label = svg("text", {x: 0, y: i * 22 + 16}); label.textContent = r.name || r.province; g.appendChild(label);
    const rect = svg("rect", {x: 130, y: i * 22 + 4, width: w, height: 16, fill: "#6a51a3"});
    const tip = svg("title", {}); tip.textContent = `${r.name || r.province}: ${fmt(r.views)} views`; rect.appendChild(tip);
    g.appendChild(rect);
    const val = svg("text", {x: 136 + w, y: i * 22 + 16}); val.textContent = fmt(r.views); g.appendChild(val);
    bars.appendChild(g);
  });

  const series = document.getElementById("series");
  const days = data.day.rows;
  const smax = Math.max(1, ...days.map((r) => r.views));
  const x = (i) => 50 + (days.length > 1 ? (i * 640) / (days.length - 1) : 320);
  const y = (v) => 190 - (v / smax) * 170;
  series.appendChild(svg("line", {x1: 50, y1: 190, x2: 690, y2: 190, stroke: "#999"}));
  const top_label = svg("text", {x: 0, y: 24}); top_label.textContent = fmt(smax); series.appendChild(top_label);
  if (days.length) {
    series.appendChild(svg("polyline", {points: days.map((r, i) => `${x(i)},${y(r.views)}`).join(" "), fill: "none", stroke: "#6a51a3", "stroke-width": 2}));
    days.forEach((r, i) => {
      const c = svg("circle", {cx: x(i), cy: y(r.views), r: 3, fill: "#4a1486", "data-day": r.day, "data-views": String(r.views)});
      const tip = svg("title", {}); tip.textContent = `${r.day}: ${fmt(r.views)} views`; c.appendChild(tip);
      series.appendChild(c);
    });
    const first = svg("text", {x: 50, y: 210}); first.textContent = days[0].day; series.appendChild(first);
    const last = svg("text", {x: 620, y: 210}); last.textContent = days[days.length - 1].day; series.appendChild(last);
  }

  const table = document.getElementById("rows");
  const cols = data.main.by.concat(data.main.rows.length && "name" in data.main.rows[0] ? ["name"] : [], ["views", "visitors", "bytes"]);
  const head = document.createElement("tr");
  for (const c of cols) { const th = document.createElement("th"); th.textContent = c; head.appendChild(th); }
  table.appendChild(head);
  for (const r of data.main.rows) {
    const tr = document.createElement("tr");
    tr.dataset.key = data.main.by.map((d) => r[d]).join("|");
    tr.dataset.views = String(r.views);
    for (const c of cols) { const td = document.createElement("td"); td.textContent = typeof r[c] === "number" ? fmt(r[c]) : (r[c] || "-");
      if (typeof r[c] === "number") td.className = "n"; tr.appendChild(td); }
    table.appendChild(tr);
  }
  document.body.dataset.status = "rendered";
})();
</script>
</body></html>
)html";

std::string script_safe(const nlohmann::json& j) {
  // Inside <script>, "</" could close the element and "<!--" open a comment: escape '<'.
  const std::string s = j.dump();
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '<') out += "\\u003c";
    else out += c;
  }
  return out;
}

}  // namespace

Result<std::string> render_report_html(usage::AggregateStore& store, usage::Resolver& resolver,
                                       const usage::ReportQuery& q, const usage::Report& main) {
  usage::ReportQuery by_province = q, by_day = q;
  by_province.by = {usage::Dim::province};
  by_province.top = 0;
  by_day.by = {usage::Dim::day};
  by_day.top = 0;
  auto prov = usage::run_report(store, resolver, by_province);
  if (!prov) return prov.error();
  auto day = usage::run_report(store, resolver, by_day);
  if (!day) return day.error();
  nlohmann::json regions = nlohmann::json::array();
  for (const auto& p : usage::provinces())
    regions.push_back({{"code", std::to_string(p.code)}, {"name", p.zh}, {"short", p.short_zh}, {"row", p.row}, {"col", p.col}});
  const nlohmann::json data = {{"main", report_json(main)}, {"province", report_json(*prov)}, {"day", report_json(*day)},
                               {"regions", regions}};
  std::string page(k_page_head);
  page += script_safe(data);
  page += k_page_tail;
  return page;
}

}  // namespace eductl
