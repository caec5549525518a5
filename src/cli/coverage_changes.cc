// Coverage changes under the Affiliates Rule after an import (see coverage_changes.h).
#include "cli/coverage_changes.h"

#include <iostream>
#include <map>

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
  std::map<std::string, size_t> reported;  // graph entity → its row: one entity, one row
  for (const auto& name : parties) {
    Party p;
    p.name = name;
    auto m = after_graph.Match(p);
    std::optional<ownership::EntityMatch> m0 = before_graph ? before_graph->Match(p) : std::nullopt;
    const Coverage* now = m ? &after.Of(m->entity, as_of) : nullptr;
    const Coverage* was = m0 && before ? &before->Of(m0->entity, as_of) : nullptr;
    // A party listed itself is restricted by its own listing (the re-screen's new hits say when
    // that changes): what it owns or is owned by is not its coverage.
    if ((now && now->listed) || (was && was->listed)) continue;
    const auto now_state = now ? now->state : Coverage::State::kNotCovered;
    const auto was_state = was ? was->state : Coverage::State::kNotCovered;
    if (now_state == was_state) continue;
    const std::string entity = m ? "after:" + after_graph.graph().entities[m->entity].id
                                 : "before:" + before_graph->graph().entities[m0->entity].id;
    if (auto r = reported.find(entity); r != reported.end()) {
      out[r->second]["remembered_as"].push_back(name);  // another name of the same entity
      continue;
    }
    reported.emplace(entity, out.size());
    json j{{"party", name},
           {"remembered_as", json::array({name})},
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

json StatedCoverageChanges(const std::vector<screen::PartyStore::StatedStake>& stakes, const Dataset& data,
                           const PartyScreener* before, const PartyScreener& after, Date as_of) {
  // The stated stakes as a graph of their own (an entity per name), weighed by the calculator the
  // ownership graph uses, so the two agree on aggregation, chains and unknown shares. One owner
  // stated for one party with different shares in different checks: the range between them.
  ownership::Graph g;
  std::map<std::string, uint32_t> index;
  auto entity = [&](const std::string& name) {
    const std::string key = "name:" + ownership::FoldName(name);
    auto [it, added] = index.emplace(key, static_cast<uint32_t>(g.entities.size()));
    if (added) {
      ownership::Entity e;
      e.id = key;
      e.name = name;
      g.entities.push_back(std::move(e));
    }
    return it->second;
  };
  std::map<std::pair<uint32_t, uint32_t>, size_t> edge_of;
  g.file_name = "stated in checks";
  for (const auto& st : stakes) {
    const uint32_t owner = entity(st.owner), owned = entity(st.owned);
    auto [it, added] = edge_of.emplace(std::pair{owner, owned}, g.edges.size());
    if (added) {
      ownership::Edge e;
      e.owner = owner;
      e.owned = owned;
      if (st.percent) e.share.low = e.share.high = *st.percent;
      g.edges.push_back(e);
      continue;
    }
    ownership::Share& sh = g.edges[it->second].share;
    if (!st.percent || !sh.known()) {
      sh = {};  // stated once as unknown: unknown
    } else {
      sh.low = std::min(*sh.low, *st.percent);
      sh.high = std::max(*sh.high, *st.percent);
    }
  }
  g.Index();
  auto was = ownership::CoverageUnder(g, before, data, as_of);
  auto now = ownership::CoverageUnder(g, &after, data, as_of);
  json out = json::array();
  // The parties checked: owned in some stake and owner in none (an intermediate shows in the
  // chain of the party above it).
  std::vector<bool> owned(g.entities.size(), false), owner(g.entities.size(), false);
  for (const auto& e : g.edges) {
    owned[e.owned] = true;
    owner[e.owner] = true;
  }
  for (uint32_t i = 0; i < g.entities.size(); ++i) {
    if (!owned[i] || owner[i]) continue;
    const Coverage& c1 = now->Of(i, as_of);
    const Coverage& c0 = was->Of(i, as_of);
    if (c1.state == c0.state || c1.listed || c0.listed) continue;
    out.push_back(json{{"party", g.entities[i].name},
                       {"before", ownership::CoverageStateName(c0.state)},
                       {"after", ownership::CoverageStateName(c1.state)},
                       {"match", "owners stated in earlier checks"},
                       {"share", c1.share},
                       {"through", c1.paths},
                       {"why", c1.why}});
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
