#include "ownership/ownership_json.h"

#include "data/dataset.h"
#include "determine/steps/compiled_rules.h"

namespace exportctl::ownership {
namespace {

using nlohmann::json;

json OwnersUp(const Graph& g, const CoverageCalculator& calc, uint32_t e, Date d, int depth, size_t& budget) {
  json out = json::array();
  for (uint32_t ei : g.OwnersOf(e)) {
    if (budget == 0) break;
    --budget;
    const Edge& edge = g.edges[ei];
    const Entity& o = g.entities[edge.owner];
    json j{{"id", o.id},
           {"name", o.name},
           {"aliases", o.aliases},
           {"country", o.country},
           {"share", edge.share.ToString()},
           {"source", g.SourceOf(edge)},
           {"counts_on_date", edge.ActiveOn(d)},
           {"coverage", CoverageJson(calc.Of(edge.owner, d))}};
    if (edge.start) j["start"] = edge.start->ToString();
    if (edge.end) j["end"] = edge.end->ToString();
    j["owners"] = depth < 16 ? OwnersUp(g, calc, edge.owner, d, depth + 1, budget) : json::array();
    out.push_back(std::move(j));
  }
  return out;
}

}  // namespace

json CoverageJson(const Coverage& c) {
  return json{{"status", CoverageStateName(c.state)}, {"listed", c.listed}, {"share", c.share},
              {"paths", c.paths}, {"why", c.why}, {"red_flag_29", c.red_flag_29}};
}

json EntityJson(const Graph& g, const CoverageCalculator& calc, uint32_t e, Date as_of) {
  const Entity& ent = g.entities[e];
  size_t budget = 2000;
  return json{{"id", ent.id},
              {"name", ent.name},
              {"aliases", ent.aliases},
              {"country", ent.country},
              {"identifiers", ent.identifiers},
              {"schema", ent.schema},
              {"as_of", as_of.ToString()},
              {"coverage", CoverageJson(calc.Of(e, as_of))},
              {"owners", OwnersUp(g, calc, e, as_of, 0, budget)}};
}

json RuleStatusJson(const Dataset& data, Date as_of) {
  const auto rules = steps::Compile(data);
  const steps::AffiliatesRules& a = rules->affiliates;
  if (const steps::AffiliatesWindow* w = a.On(as_of, Posture::kEnforced)) {
    return json{{"status", w->in_force ? "in_force" : "stayed"}, {"citation", w->citation}, {"verified", w->verified && a.data_error.empty()}};
  }
  const auto& ws = a.windows[static_cast<size_t>(Posture::kEnforced)];
  const bool before = !ws.empty() && as_of < ws.front().from;
  if (before) {
    return json{{"status", "not_in_force"}, {"citation", "before " + ws.front().from.ToString() + " (" + ws.front().citation + ")"}, {"verified", true}};
  }
  // No window covers the date: the step applies the rule (fail closed), and so does this answer.
  return json{{"status", "in_force"}, {"citation", "no status window in the data covers " + as_of.ToString() + "; applied as in force"}, {"verified", false}};
}

}  // namespace exportctl::ownership
