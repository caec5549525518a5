// Coverage changes under the Affiliates Rule after an import (see coverage_changes.h).
#include "cli/coverage_changes.h"

#include <iostream>

#include "data/dataset.h"

namespace exportctl::cli {

using nlohmann::json;
using ownership::Coverage;

Result<CoverageWeigher> OpenCoverageWeigher(const CliContext& ctx, const Dataset& data, const ownership::Graph& g,
                                            Date as_of) {
  CoverageWeigher w;
  auto s = screen::OpenPartyScreener(ctx.data_dir, {.max_age_days = ctx.max_list_age_days});
  if (!s.ok() && s.status().code() != ErrorCode::kNotFound) return s.status();
  if (s.ok()) w.screener = std::move(s).value();
  w.calc = ownership::CoverageUnder(g, w.screener.get(), data, as_of);
  w.lists = w.screener ? w.calc->list_version() : "no lists imported: no owner is known to be listed";
  return w;
}

json CoverageChanges(const std::vector<std::string>& parties, const ownership::GraphOwnership* before_graph,
                     const ownership::CoverageCalculator* before, const ownership::GraphOwnership& after_graph,
                     const ownership::CoverageCalculator& after, Date as_of) {
  json out = json::array();
  for (const auto& name : parties) {
    Party p;
    p.name = name;
    auto m = after_graph.Match(p);
    std::optional<ownership::EntityMatch> m0 = before_graph ? before_graph->Match(p) : std::nullopt;
    const Coverage* now = m ? &after.Of(m->entity, as_of) : nullptr;
    const Coverage* was = m0 && before ? &before->Of(m0->entity, as_of) : nullptr;
    const auto now_state = now ? now->state : Coverage::State::kNotCovered;
    const auto was_state = was ? was->state : Coverage::State::kNotCovered;
    if (now_state == was_state) continue;
    json j{{"party", name},
           {"before", ownership::CoverageStateName(was_state)},
           {"after", ownership::CoverageStateName(now_state)}};
    if (now) {
      j["entity"] = after_graph.graph().entities[m->entity].id;
      j["match"] = m->how;
      j["share"] = now->share;
      j["through"] = now->paths;
      j["why"] = now->why;
    }
    out.push_back(std::move(j));
  }
  return out;
}

void PrintCoverageChanges(const json& changes) {
  for (const auto& c : changes) {
    std::cout << "  " << c["party"].get<std::string>() << ": " << c["before"].get<std::string>() << " → " << c["after"].get<std::string>();
    if (c.contains("through") && !c["through"].empty()) {
      std::cout << " through ";
      bool first = true;
      for (const auto& t : c["through"]) {
        std::cout << (first ? "" : "; ") << t.get<std::string>();
        first = false;
      }
    }
    std::cout << "\n";
  }
}

}  // namespace exportctl::cli
