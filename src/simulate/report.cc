// The simulation's outputs: summary.json, CSV tables and a self-contained HTML report whose
// charts are inline SVG (no script, no external file: it opens on an air-gapped machine).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include <nlohmann/json.hpp>

#include "simulate/simulate.h"
#include "core/csv_writer.h"

namespace exportctl::simulate {
namespace {

nlohmann::json TalliesJson(const Tallies& t) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [outcome, tally] : t)
    out[outcome] = {{"orders", tally.orders}, {"units", tally.units}, {"tpp", tally.tpp}};
  return out;
}

// RFC 4180: quoted when it holds a comma, quote or line break.
// Text through the one CSV cell writer (an order's reference beginning with = + - @ stays text in
// a spreadsheet); figures the report formats as numbers (NumCell), which may be negative.
void Cell(std::string_view v, std::string& out, bool last = false) {
  AppendCsvText(v, out);
  out += last ? '\n' : ',';
}
void NumCell(std::string_view v, std::string& out, bool last = false) {
  AppendCsvNumber(v, out);
  out += last ? '\n' : ',';
}
// Whole numbers as such (TPP totals are large), else three decimals.
std::string Num(double v) {
  char buf[48];
  if (std::fabs(v) < 1e15 && v == std::floor(v))
    std::snprintf(buf, sizeof buf, "%.0f", v);
  else
    std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

std::string Html(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

// Outcomes in the order of precedence, each with its colour.
struct OutcomeStyle {
  const char* name;
  const char* colour;
};
constexpr OutcomeStyle kOutcomes[] = {
    {"NOT_SUBJECT_TO_EAR", "#9e9e9e"}, {"NO_LICENSE_REQUIRED", "#2e7d32"}, {"LICENSE_EXCEPTION", "#00838f"},
    {"LICENSED", "#1565c0"},           {"LICENSE_REQUIRED", "#f9a825"},   {"NEEDS_REVIEW", "#6a1b9a"},
    {"PROHIBITED", "#c62828"},
};

std::string Legend() {
  std::string out = "<p class=\"legend\">";
  for (const auto& o : kOutcomes)
    out += "<span><i style=\"background:" + std::string(o.colour) + "\"></i>" + o.name + "</span> ";
  return out + "</p>";
}

// Stacked TPP by outcome per quarter, one chart per policy set, on one shared scale.
std::string OutcomeCharts(const Summary& s) {
  std::set<std::string> quarters;
  for (const auto& p : s.policies)
    for (const auto& [key, tallies] : p.by_country_quarter) quarters.insert(key.second);
  double max_total = 0;
  std::vector<std::map<std::string, Tallies>> per_policy;
  for (const auto& p : s.policies) {
    std::map<std::string, Tallies> by_quarter;
    for (const auto& [key, tallies] : p.by_country_quarter)
      for (const auto& [outcome, t] : tallies) {
        Tally& q = by_quarter[key.second][outcome];
        q.orders += t.orders;
        q.units += t.units;
        q.tpp += t.tpp;
      }
    for (const auto& [q, tallies] : by_quarter) {
      double total = 0;
      for (const auto& [o, t] : tallies) total += t.tpp;
      max_total = std::max(max_total, total);
    }
    per_policy.push_back(std::move(by_quarter));
  }
  if (quarters.empty() || max_total <= 0) return "<p>No order carried any TPP.</p>";
  const int bar = 36, gap = 14, height = 220, left = 70, top = 10;
  const int width = left + static_cast<int>(quarters.size()) * (bar + gap) + 20;
  std::string out = Legend();
  for (size_t i = 0; i < s.policies.size(); ++i) {
    out += "<h3>" + Html(s.policies[i].policy.id) + " <small>(" +
           PostureName(s.policies[i].policy.posture) + ")</small></h3>";
    out += "<svg role=\"img\" aria-label=\"TPP by outcome and quarter under " + Html(s.policies[i].policy.id) +
           "\" width=\"" + std::to_string(width) + "\" height=\"" + std::to_string(height + 40) + "\">";
    out += "<text x=\"4\" y=\"16\" class=\"axis\">" + Html(Num(max_total)) + " TPP</text>";
    out += "<line x1=\"" + std::to_string(left - 4) + "\" y1=\"" + std::to_string(top + height) + "\" x2=\"" +
           std::to_string(width) + "\" y2=\"" + std::to_string(top + height) + "\" stroke=\"#444\"/>";
    int x = left;
    for (const auto& q : quarters) {
      double y = top + height;
      auto it = per_policy[i].find(q);
      for (const auto& style : kOutcomes) {
        if (it == per_policy[i].end()) break;
        auto t = it->second.find(style.name);
        if (t == it->second.end() || t->second.tpp <= 0) continue;
        const double h = t->second.tpp / max_total * height;
        y -= h;
        char rect[256];
        std::snprintf(rect, sizeof rect, "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" fill=\"%s\">", x, y,
                      bar, h, style.colour);
        out += rect;
        out += "<title>" + Html(q) + " " + style.name + ": " + std::to_string(t->second.orders) + " orders, " +
               std::to_string(t->second.units) + " units, " + Html(Num(t->second.tpp)) + " TPP</title></rect>";
      }
      out += "<text x=\"" + std::to_string(x) + "\" y=\"" + std::to_string(top + height + 16) +
             "\" class=\"axis\">" + Html(q) + "</text>";
      x += bar + gap;
    }
    out += "</svg>";
  }
  return out;
}

// Held TPP over time against the cap, for the accounts drawn most (up to 12 per policy set).
std::string BurnDownCharts(const Summary& s) {
  std::string out;
  for (const auto& p : s.policies) {
    std::vector<std::pair<std::string, const AccountBurn*>> accounts;
    for (const auto& [account, burn] : p.burn)
      if (burn.cap_tpp && !burn.points.empty()) accounts.push_back({account, &burn});
    std::sort(accounts.begin(), accounts.end(), [](const auto& a, const auto& b) {
      return a.second->points.back().held_tpp / *a.second->cap_tpp > b.second->points.back().held_tpp / *b.second->cap_tpp;
    });
    if (accounts.size() > 12) accounts.resize(12);
    out += "<h3>" + Html(p.policy.id) + "</h3>";
    if (accounts.empty()) {
      out += "<p>No capped allocation was drawn on.</p>";
      continue;
    }
    for (const auto& [account, burn] : accounts) {
      const int w = 360, h = 120, left = 10;
      const Date first = burn->points.front().date, last = burn->points.back().date;
      const double span = std::max(1, last.days() - first.days());
      const double cap = *burn->cap_tpp;
      const std::string unit = burn->measure == "units" ? "units" : "TPP";  // a quota may count units
      std::string path, dots;
      for (const auto& pt : burn->points) {
        const double x = left + (pt.date.days() - first.days()) / span * (w - 2 * left);
        const double y = h - std::min(1.0, pt.held_tpp / cap) * (h - 10);
        char seg[160];
        std::snprintf(seg, sizeof seg, "%s%.1f,%.1f ", path.empty() ? "M" : "L", x, y);
        path += seg;
        std::snprintf(seg, sizeof seg, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"#1565c0\"><title>", x, y);
        dots += seg + pt.date.ToString() + ": " + Num(pt.held_tpp) + " " + unit + " held</title></circle>";
      }
      out += "<figure><figcaption>" + Html(account) + ": " + Html(Num(burn->points.back().held_tpp)) + " of " +
             Html(Num(cap)) + " " + unit + " held by " + last.ToString() + "</figcaption>";
      out += "<svg role=\"img\" aria-label=\"burn-down of " + Html(account) + "\" width=\"" + std::to_string(w) +
             "\" height=\"" + std::to_string(h + 4) + "\"><line x1=\"0\" y1=\"10\" x2=\"" + std::to_string(w) +
             "\" y2=\"10\" stroke=\"#c62828\" stroke-dasharray=\"4\"/><path d=\"" + path +
             "\" fill=\"none\" stroke=\"#1565c0\" stroke-width=\"2\"/>" + dots + "</svg></figure>";
    }
  }
  return out;
}

#include "simulate/world_map.inc"

// Where the policy sets disagree: a world map, each destination shaded by the orders decided
// differently (five steps up to the most); countries too small for the outlines' scale are dots.
std::string DisagreementMap(const Summary& s) {
  const auto& by_country = s.flips_by_destination;
  if (by_country.empty()) return "<p>The policy sets decided every order alike.</p>";
  size_t max = 0;
  for (const auto& [c, n] : by_country) max = std::max(max, n);
  static const char* const kShades[] = {"#e1bee7", "#ce93d8", "#ab47bc", "#7b1fa2", "#4a148c"};
  auto shade = [&](size_t n) {
    const size_t step = (n * 5 + max - 1) / max;  // 1..5
    return kShades[std::clamp<size_t>(step, 1, 5) - 1];
  };
  auto title = [](const std::string& code, size_t n) {
    return "<title>" + Html(code) + ": " + std::to_string(n) + (n == 1 ? " order" : " orders") +
           " decided differently</title>";
  };
  std::string out = "<figure><svg role=\"img\" aria-label=\"world map: orders decided differently, by destination\" viewBox=\"0 0 " +
                    std::to_string(kMapWidth) + " " + std::to_string(kMapHeight) + "\" width=\"" + std::to_string(kMapWidth) +
                    "\" height=\"" + std::to_string(kMapHeight) + "\"><path d=\"" + kMapSphere +
                    "\" fill=\"#eef4f8\" stroke=\"#90a4ae\" stroke-width=\"0.5\"/>";
  std::string dots;  // drawn last, above the outlines
  std::set<std::string> drawn;
  for (const MapCountry& c : kMapCountries) {
    const auto it = by_country.find(c.code);
    const size_t n = it == by_country.end() ? 0 : it->second;
    if (n) drawn.insert(c.code);
    if (*c.outline) {
      out += std::string("<path d=\"") + c.outline + "\" fill=\"" + (n ? shade(n) : "#d5d5d5") +
             "\" stroke=\"#fff\" stroke-width=\"0.3\">" + (n ? title(c.code, n) : "") + "</path>";
    } else if (n) {
      char dot[160];
      std::snprintf(dot, sizeof dot, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\" stroke=\"#222\" stroke-width=\"0.6\">",
                    static_cast<double>(c.x), static_cast<double>(c.y), shade(n));
      dots += dot + title(c.code, n) + "</circle>";
    }
  }
  out += dots + "</svg><figcaption class=\"legend\">";
  out += "<span>1 order";
  for (const char* c : kShades) out += std::string(" <i style=\"background:") + c + "\"></i>";
  out += " " + std::to_string(max) + (max == 1 ? " order" : " orders") + " decided differently</span>";
  out += "</figcaption></figure>\n<p>";
  std::string list;
  for (const auto& [code, n] : by_country)
    list += (list.empty() ? "" : " · ") + Html(code) + " " + std::to_string(n) + (drawn.count(code) ? "" : " (not on the map)");
  return out + list + "</p>";
}

}  // namespace

std::string SummaryJson(const Summary& s) {
  nlohmann::json j;
  j["orders"] = s.orders;
  j["policy_sets"] = nlohmann::json::array();
  for (const auto& p : s.policies) {
    nlohmann::json ps = {{"id", p.policy.id}, {"posture", PostureName(p.policy.posture)}, {"source", p.policy.source}};
    ps["overlays"] = nlohmann::json::array();
    for (const Agreement* a : p.policy.overlays)
      ps["overlays"].push_back({{"id", a->id}, {"status", AgreementStatusName(a->status)}, {"dates", a->Dates()}});
    ps["totals"] = TalliesJson(p.totals);
    ps["by_country_quarter"] = nlohmann::json::array();
    for (const auto& [key, tallies] : p.by_country_quarter)
      ps["by_country_quarter"].push_back(
          {{"country", key.first}, {"quarter", key.second}, {"outcomes", TalliesJson(tallies)}});
    ps["exhausted"] = nlohmann::json::array();
    for (const auto& e : p.exhausted)
      ps["exhausted"].push_back({{"account", e.account}, {"period", e.period}, {"cap_tpp", e.cap_tpp},
                                 {"date", e.date.ToString()}, {"reference", e.reference},
                                 {"remaining_tpp", e.remaining_tpp}, {"measure", e.measure}});
    j["policy_sets"].push_back(std::move(ps));
  }
  j["flips"] = nlohmann::json::array();
  for (const auto& f : s.flips) {
    nlohmann::json outcomes = nlohmann::json::object();
    nlohmann::json policies = nlohmann::json::object();
    for (size_t i = 0; i < f.outcomes.size() && i < s.policies.size(); ++i) {
      outcomes[s.policies[i].policy.id] = f.outcomes[i];
      if (i < f.review_policies.size() && !f.review_policies[i].empty())
        policies[s.policies[i].policy.id] = f.review_policies[i];
    }
    j["flips"].push_back({{"line", f.line}, {"reference", f.reference}, {"as_of", f.as_of.ToString()},
                          {"destination", f.destination}, {"outcomes", outcomes}, {"review_policies", policies},
                          {"first_difference",
                           {{f.policy_a, {{"rule", f.rule_a}, {"citation", f.citation_a}, {"reason", f.reason_a}}},
                            {f.policy_b, {{"rule", f.rule_b}, {"citation", f.citation_b}, {"reason", f.reason_b}}}}}});
  }
  j["flips_total"] = s.flips_total;
  j["flips_by_destination"] = s.flips_by_destination;
  j["flips_truncated"] = s.flips_total > s.flips.size();
  return j.dump(2) + "\n";
}

std::string ByCountryQuarterCsv(const Summary& s) {
  std::string out = "policy_set,country,quarter,outcome,orders,units,tpp\n";
  for (const auto& p : s.policies)
    for (const auto& [key, tallies] : p.by_country_quarter)
      for (const auto& [outcome, t] : tallies) {
        Cell(p.policy.id, out);
        Cell(key.first, out);
        Cell(key.second, out);
        Cell(outcome, out);
        NumCell(std::to_string(t.orders), out);
        NumCell(std::to_string(t.units), out);
        NumCell(Num(t.tpp), out, true);
      }
  return out;
}

std::string ExhaustedCsv(const Summary& s) {
  std::string out = "policy_set,account,period,cap_tpp,date,reference,remaining_tpp,measure\n";
  for (const auto& p : s.policies)
    for (const auto& e : p.exhausted) {
      Cell(p.policy.id, out);
      Cell(e.account, out);
      Cell(e.period, out);
      NumCell(Num(e.cap_tpp), out);
      Cell(e.date.ToString(), out);
      Cell(e.reference, out);
      NumCell(Num(e.remaining_tpp), out);
      Cell(e.measure, out, true);
    }
  return out;
}

std::string FlipsCsv(const Summary& s) {
  std::string out = "line,reference,as_of,destination";
  for (const auto& p : s.policies) out += "," + p.policy.id;
  out += ",policy_a,rule_a,citation_a,reason_a,policy_b,rule_b,citation_b,reason_b\n";
  for (const auto& f : s.flips) {
    NumCell(std::to_string(f.line), out);
    Cell(f.reference, out);
    Cell(f.as_of.ToString(), out);
    Cell(f.destination, out);
    for (const auto& o : f.outcomes) Cell(o, out);
    for (const auto* v : {&f.policy_a, &f.rule_a, &f.citation_a, &f.reason_a, &f.policy_b, &f.rule_b, &f.citation_b})
      Cell(*v, out);
    Cell(f.reason_b, out, true);
  }
  return out;
}

std::string OrdersCsvHeader(const std::vector<PolicySet>& policies) {
  std::string out = "line,reference,as_of,destination,units,tpp";
  for (const auto& p : policies) out += "," + p.id + "," + p.id + "_exception";
  return out + "\n";
}

void AppendOrderRowCsv(const OrderAnswers& a, std::string& out) {
  NumCell(std::to_string(a.order->line), out);
  Cell(a.order->reference, out);
  Cell(a.order->as_of.ToString(), out);
  Cell(a.order->destination, out);
  NumCell(std::to_string(a.order->units), out);
  NumCell(Num(a.tpp), out, a.decisions.empty());
  for (size_t i = 0; i < a.decisions.size(); ++i) {
    Cell(OutcomeName(a.decisions[i]->outcome), out);
    Cell(a.decisions[i]->license_exception, out, i + 1 == a.decisions.size());
  }
}

std::string ReportHtml(const Summary& s, const std::string& title) {
  std::string out = R"(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>)" + Html(title) + R"(</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222;max-width:1100px}
table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}
th:first-child,td:first-child{text-align:left}.axis{font-size:11px;fill:#444}
.legend span{margin-right:1em;white-space:nowrap}.legend i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:middle}
figure{display:inline-block;margin:0 1.5em 1em 0}figcaption{font-size:12px}
</style></head><body>
<h1>)" + Html(title) + "</h1>\n<p>" + std::to_string(s.orders) + " orders under " +
                    std::to_string(s.policies.size()) +
                    " policy sets, each on a fresh ledger in date order. Outcomes are what <code>exportctl check "
                    "--reserve</code> would have answered.</p>\n";
  out += "<h2>Totals</h2><table><tr><th>policy set</th><th>outcome</th><th>orders</th><th>units</th><th>TPP</th></tr>";
  for (const auto& p : s.policies)
    for (const auto& [outcome, t] : p.totals)
      out += "<tr><td>" + Html(p.policy.id) + "</td><td>" + Html(outcome) + "</td><td>" + std::to_string(t.orders) +
             "</td><td>" + std::to_string(t.units) + "</td><td>" + Html(Num(t.tpp)) + "</td></tr>";
  out += "</table>\n<h2>Outcomes over time (TPP)</h2>\n" + OutcomeCharts(s);
  out += "\n<h2>Allocation burn-down</h2><p>Held (reserved and used) TPP against the cap (dashed); a country "
         "agreement's quota in its own measure (units or TPP) against its limit.</p>\n" +
         BurnDownCharts(s);
  out += "\n<h2>Allocations exhausted</h2><table><tr><th>policy set</th><th>account</th><th>period</th><th>date</th><th>order</th></tr>";
  for (const auto& p : s.policies)
    for (const auto& e : p.exhausted)
      out += "<tr><td>" + Html(p.policy.id) + "</td><td>" + Html(e.account) + "</td><td>" + Html(e.period) +
             "</td><td>" + e.date.ToString() + "</td><td>" + Html(e.reference) + "</td></tr>";
  out += "</table>\n<h2>Where the policy sets disagree</h2><p>" + std::to_string(s.flips_total) +
         " orders decided differently, by destination" +
         (s.flips_total > s.flips.size() ? " (the first " + std::to_string(s.flips.size()) + " shown)" : "") +
         ".</p>\n" + DisagreementMap(s);
  out += "\n<table><tr><th>order</th><th>date</th><th>destination</th>";
  for (const auto& p : s.policies) out += "<th>" + Html(p.policy.id) + "</th>";
  out += "<th>first reason that differs</th></tr>";
  for (size_t i = 0; i < s.flips.size() && i < 200; ++i) {
    const Flip& f = s.flips[i];
    out += "<tr><td>" + Html(f.reference) + "</td><td>" + f.as_of.ToString() + "</td><td>" + Html(f.destination) + "</td>";
    for (const auto& o : f.outcomes) out += "<td>" + Html(o) + "</td>";
    out += "<td style=\"text-align:left\">" + Html(f.policy_a) + ": " + Html(f.reason_a) + " (" + Html(f.citation_a) +
           ")<br>" + Html(f.policy_b) + ": " + Html(f.reason_b) + " (" + Html(f.citation_b) + ")</td></tr>";
  }
  out += "</table>\n</body></html>\n";
  return out;
}

}  // namespace exportctl::simulate
