#include "ownership/graph_owners.h"

#include <algorithm>
#include <functional>
#include <set>

#include "data/dataset.h"
#include "screen/screen.h"

namespace exportctl::ownership {
namespace {

constexpr size_t kMaxOwnerNodes = 500;  // as kMaxOwnersPerTransaction: past it, the chain is cut

std::string Quoted(const std::string& s) { return "\"" + s + "\""; }

bool SameCountry(const std::string& a, const std::string& b) { return a.empty() || b.empty() || a == b; }

}  // namespace

Result<std::shared_ptr<const Graph>> OpenGraph(const std::string& data_dir) {
  GraphStore store(data_dir);
  if (!store.Exists()) return std::shared_ptr<const Graph>();
  auto g = store.Load();
  if (!g.ok()) {
    if (g.status().code() == ErrorCode::kNotFound) return std::shared_ptr<const Graph>();
    return g.status();
  }
  return std::shared_ptr<const Graph>(std::make_shared<Graph>(std::move(g).value()));
}

GraphOwnership::GraphOwnership(std::shared_ptr<const Graph> graph) : g_(std::move(graph)) {}
GraphOwnership::~GraphOwnership() = default;

std::string GraphOwnership::Version() const {
  return "ownership@" + std::to_string(g_->version) + " " + g_->file_name + (g_->sha256.empty() ? "" : "#sha256:" + g_->sha256.substr(0, 12)) +
         " (" + std::to_string(g_->edges.size()) + " edges)";
}

std::optional<EntityMatch> GraphOwnership::Match(const Party& party, std::vector<std::string>* doubts) const {
  const Graph& g = *g_;
  if (!party.party_id.empty()) {
    if (auto i = g.IndexOf(party.party_id)) return EntityMatch{*i, "party_id " + Quoted(party.party_id) + " is its id"};
    for (uint32_t i = 0; i < g.entities.size() && g.entities.size() < 200000; ++i) {
      const auto& ids = g.entities[i].identifiers;
      if (std::find(ids.begin(), ids.end(), party.party_id) != ids.end()) {
        return EntityMatch{i, "party_id " + Quoted(party.party_id) + " is one of its identifiers"};
      }
    }
  }
  for (uint32_t i : g.ByName(party.name)) {
    if (SameCountry(g.entities[i].country, party.country)) {
      return EntityMatch{i, "name " + Quoted(g.entities[i].name) + " is the party's name" +
                                (g.entities[i].country.empty() ? "" : ", country " + g.entities[i].country)};
    }
  }
  std::call_once(index_once_, [&] {
    screen::LoadedList list;
    list.version.list_id = "ownership";
    list.version.record_count = g.entities.size();
    list.records.reserve(g.entities.size());
    for (const auto& e : g.entities) {
      screen::ListRecord r;
      r.record_id = e.id;
      r.name = e.name;
      r.type = e.schema == "Person" ? screen::PartyType::kIndividual : screen::PartyType::kEntity;
      if (!e.country.empty()) r.countries.push_back(e.country);
      list.records.push_back(std::move(r));
    }
    std::vector<screen::LoadedList> lists;
    lists.push_back(std::move(list));
    index_ = screen::Screener::Build(std::move(lists));
  });
  auto hits = index_->Screen({.name = party.name, .country = party.country, .threshold = screen::kDefaultThreshold, .limit = 3});
  if (!hits.ok()) return std::nullopt;
  for (const auto& h : *hits) {
    auto i = g.IndexOf(h.record->record_id);
    if (!i) continue;
    if (h.score >= screen::kCertainThreshold) return EntityMatch{*i, "screening matcher: " + h.Explain()};
    if (doubts) {
      doubts->push_back("may be " + Quoted(g.entities[*i].name) + " (" + g.entities[*i].id + ") in the ownership graph (" + h.Explain() +
                        "); below the certain threshold, its owners were not weighed: confirm the match or state the owners");
    }
  }
  return std::nullopt;
}

Result<GraphOwners> GraphOwnership::OwnersOf(const Party& party, Date as_of) const {
  GraphOwners out;
  auto m = Match(party, &out.doubts);
  if (!m) return out;
  const Graph& g = *g_;
  out.entity = Quoted(g.entities[m->entity].name) + " (" + g.entities[m->entity].id + ")";
  out.match = m->how;
  // The stated owners win over the graph's entry for the same owner (no stake counted twice).
  std::set<std::string> stated;
  for (const auto& o : party.owners) stated.insert(FoldName(o.name));
  size_t nodes = 0;
  bool cut = false;
  std::function<void(uint32_t, size_t, std::vector<Owner>&)> up = [&](uint32_t owned, size_t depth, std::vector<Owner>& into) {
    for (uint32_t ei : g.OwnersOf(owned)) {
      const Edge& e = g.edges[ei];
      if (!e.ActiveOn(as_of)) continue;
      if (depth >= kMaxOwnershipDepth || nodes >= kMaxOwnerNodes) {
        cut = true;
        return;
      }
      const Entity& o = g.entities[e.owner];
      Owner w;
      w.name = o.name;
      w.country = o.country;
      w.percent = e.share.low;
      if (e.share.range()) w.percent_max = e.share.high;
      w.source = g.sources[e.source];
      ++nodes;
      up(e.owner, depth + 1, w.owners);
      into.push_back(std::move(w));
    }
  };
  up(m->entity, 0, out.owners);
  std::erase_if(out.owners, [&](const Owner& o) {
    if (!stated.count(FoldName(o.name))) return false;
    out.doubts.push_back("owner " + Quoted(o.name) + " is stated in the transaction and in the ownership graph (" + o.source + "); the stated share is used");
    return true;
  });
  if (cut) {
    out.doubts.push_back("the ownership graph above " + out.entity + " has more than " + std::to_string(kMaxOwnershipDepth) + " levels or " +
                         std::to_string(kMaxOwnerNodes) + " owners; the chain beyond was not weighed: confirm the ownership");
  }
  return out;
}

ListedFn ListedByScreening(const PartyScreener& screener, const Dataset& data, Date as_of) {
  struct Rule {
    RestrictedList list;
    std::vector<std::string> programs;
    bool by_program = false;
  };
  std::vector<Rule> rules;
  if (const Parameter* p = data.Param("affiliates-2025", "owner_lists")) {
    for (const auto& e : p->value["value"]) {
      auto l = RestrictedListFromName(e.value("list", ""));
      if (!l) continue;
      Rule r{*l, {}, e.contains("programs")};
      if (r.by_program) r.programs = e["programs"].get<std::vector<std::string>>();
      rules.push_back(std::move(r));
    }
  }
  return [&screener, rules, as_of](const Entity& ent) {
    ListedStatus st;
    Party p;
    p.name = ent.name;
    p.country = ent.country;
    auto res = screener.Screen(p, as_of);
    if (!res.ok()) {
      st.carries = ListedStatus::Carries::kMaybe;
      st.lists = "screening of " + Quoted(ent.name) + " failed: " + res.status().message();
      return st;
    }
    for (const Listing& l : *res) {
      auto rule = std::find_if(rules.begin(), rules.end(), [&](const Rule& r) { return r.list == l.list; });
      if (rule == rules.end()) continue;
      const std::string on = std::string(RestrictedListName(l.list)) + (l.entry == ent.name ? "" : " as " + Quoted(l.entry));
      bool maybe = l.score < 1.0;
      if (rule->by_program) {
        const bool carries = std::any_of(l.programs.begin(), l.programs.end(), [&](const std::string& pr) {
          return std::find(rule->programs.begin(), rule->programs.end(), pr) != rule->programs.end();
        });
        if (!l.programs.empty() && !carries) continue;
        maybe = maybe || l.programs.empty();
      }
      if (!maybe) {
        st.carries = ListedStatus::Carries::kYes;
        st.lists = on;
        return st;
      }
      st.carries = ListedStatus::Carries::kMaybe;
      st.lists = Quoted(ent.name) + " may be on the " + on + (l.score < 1.0 ? " (possible match)" : " (program not known)");
    }
    return st;
  };
}

std::unique_ptr<CoverageCalculator> CoverageUnder(const Graph& g, const PartyScreener* screener, const Dataset& data, Date as_of) {
  double threshold = 50;
  if (const Parameter* p = data.Param("affiliates-2025", "threshold_percent")) threshold = p->value.value("value", 50.0);
  if (!screener) return std::make_unique<CoverageCalculator>(g, nullptr, "", threshold);
  std::string lists;
  for (const auto& v : screener->ListVersions()) lists += (lists.empty() ? "" : "; ") + v;
  return std::make_unique<CoverageCalculator>(g, ListedByScreening(*screener, data, as_of), lists, threshold);
}

}  // namespace exportctl::ownership
