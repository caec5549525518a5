#include "ownership/graph_owners.h"

#include <algorithm>
#include <functional>
#include <map>
#include <unordered_map>

#include "data/dataset.h"
#include "screen/index_cache.h"
#include "screen/screen.h"

namespace exportctl::ownership {
namespace {

// The walk up the chain follows as far as the coverage calculation does (`ownership show`), so
// the two agree; past these bounds a branch is cut, and a cut keeps the party from being cleared.
constexpr size_t kMaxWalkDepth = 64;     // as CoverageCalculator's depth
constexpr size_t kMaxOwnerNodes = 5000;  // owners weighed per party (a tree walk: shared owners count again)

std::string Quoted(const std::string& s) { return "\"" + s + "\""; }

bool SameCountry(const std::string& a, const std::string& b) { return a.empty() || b.empty() || a == b; }

// One stake into an entity, as the walk up the chain reads it.
struct Stake {
  Edge edge;
  Entity owner;
  std::string source;
};
using StakesFn = std::function<std::vector<Stake>(uint32_t owned)>;

std::string IdMatch(const std::string& party_id) { return "party_id " + Quoted(party_id) + " is its id"; }
std::string IdentifierMatch(const std::string& party_id) { return "party_id " + Quoted(party_id) + " is one of its identifiers"; }
std::string NameMatch(const Entity& e, const std::string& party_name) {
  const std::string* as = SameName(e, party_name);
  const std::string which = !as || as == &e.name ? "name " + Quoted(e.name) : "its other name " + Quoted(*as) + " (name " + Quoted(e.name) + ")";
  return which + " is the party's name" + (e.country.empty() ? "" : ", country " + e.country);
}
std::string EntityText(const Entity& e) { return Quoted(e.name) + " (" + e.id + ")"; }

// Graph entities with the party's name but another country are not taken as the party; a party
// whose stated country is wrong would then escape its owners, so they are weighed as possible
// matches (a covered one sends the decision to review) and the decision says they exist.
std::string ElsewhereText(const Party& party, const Entity& e) {
  return "the ownership graph has " + EntityText(e) + " in " + e.country +
         " under the party's name but in another country than the party's (" + party.country +
         "): not taken as the party, weighed as a possible match; if it is the same company, state party_id";
}

std::unique_ptr<screen::Screener> BuildMatcher(const std::function<void(const std::function<void(Entity&&)>&)>& each_entity, size_t count) {
  screen::LoadedList list;
  list.version.list_id = "ownership";
  list.version.record_count = count;
  list.records.reserve(count);
  each_entity([&](Entity&& e) {
    screen::ListRecord r;
    r.record_id = std::move(e.id);
    r.name = std::move(e.name);
    r.alt_names = std::move(e.aliases);
    r.type = e.schema == "Person" ? screen::PartyType::kIndividual : screen::PartyType::kEntity;
    if (!e.country.empty()) r.countries.push_back(std::move(e.country));
    list.records.push_back(std::move(r));
  });
  std::vector<screen::LoadedList> lists;
  lists.push_back(std::move(list));
  return screen::Screener::Build(std::move(lists));
}

// A graph entity the party may be: scored by the matcher below its certain threshold.
struct Possible {
  EntityMatch match;
  Entity entity;
};
std::string PossibleText(const Possible& p) {
  return "may be " + EntityText(p.entity) + " in the ownership graph (" + p.match.how + "); below the certain threshold: confirm the match or state the owners";
}

std::optional<EntityMatch> FuzzyMatch(const screen::Screener& matcher, const Party& party,
                                      const std::function<std::optional<std::pair<uint32_t, Entity>>(const std::string&)>& resolve,
                                      std::vector<Possible>* possible) {
  auto hits = matcher.Screen({.name = party.name, .country = party.country, .type = std::nullopt, .sources = {},
                              .threshold = screen::kDefaultThreshold, .limit = 3});
  // A country the matcher cannot filter by must not hide the party's possible matches.
  if (!hits.ok()) hits = matcher.Screen({.name = party.name, .threshold = screen::kDefaultThreshold, .limit = 3});
  if (!hits.ok()) return std::nullopt;
  for (const auto& h : *hits) {
    auto found = resolve(h.record->record_id);
    if (!found) continue;
    auto& [i, e] = *found;
    if (h.score >= screen::kCertainThreshold) return EntityMatch{i, "screening matcher: " + h.Explain()};
    if (possible) possible->push_back({EntityMatch{i, "screening matcher: " + h.Explain()}, std::move(e)});
  }
  return std::nullopt;
}

// The owners of `root` up the chain on `as_of`, each with its own owners. Branches past the
// bounds are not followed; what was cut is said in `unweighed`.
std::vector<Owner> WalkUp(uint32_t root, const std::string& root_text, Date as_of, const StakesFn& stakes_into,
                          std::vector<std::string>& unweighed) {
  size_t nodes = 0;
  bool too_deep = false, too_many = false;
  std::function<void(uint32_t, size_t, std::vector<Owner>&)> up = [&](uint32_t owned, size_t depth, std::vector<Owner>& into) {
    for (Stake& st : stakes_into(owned)) {
      const Edge& e = st.edge;
      if (!e.ActiveOn(as_of)) continue;
      if (depth >= kMaxWalkDepth) {
        too_deep = true;
        continue;
      }
      if (nodes >= kMaxOwnerNodes) {
        too_many = true;
        continue;
      }
      Owner w;
      w.name = std::move(st.owner.name);
      w.aliases = std::move(st.owner.aliases);
      w.country = std::move(st.owner.country);
      w.percent = e.share.low;
      if (e.share.range()) w.percent_max = e.share.high;
      w.source = std::move(st.source);
      ++nodes;
      up(e.owner, depth + 1, w.owners);
      into.push_back(std::move(w));
    }
  };
  std::vector<Owner> owners;
  up(root, 0, owners);
  if (too_deep) {
    unweighed.push_back("the ownership chain above " + root_text + " goes deeper than " + std::to_string(kMaxWalkDepth) +
                        " levels; the owners beyond were not weighed");
  }
  if (too_many) {
    unweighed.push_back(root_text + " has more than " + std::to_string(kMaxOwnerNodes) +
                        " owners up the chain in the ownership graph; the owners past them were not weighed");
  }
  return owners;
}

// Another entity of the graph with the party's name (and a country that does not contradict it):
// the same company recorded twice, or its stakes split across records.
struct Namesake {
  uint32_t index = 0;
  Entity entity;
};

// The owners of a namesake join the match's: an owner named in both counts once, with the larger
// share (an unknown share stays unknown: it may be the larger).
void MergeOwners(std::vector<Owner>& into, std::vector<Owner>&& more) {
  for (Owner& o : more) {
    const std::string key = FoldName(o.name);
    auto same = std::find_if(into.begin(), into.end(), [&](const Owner& x) { return FoldName(x.name) == key; });
    if (same == into.end()) {
      into.push_back(std::move(o));
      continue;
    }
    if (!same->percent) continue;
    if (!o.percent || *o.percent > *same->percent) *same = std::move(o);
  }
}

GraphOwners WalkOwners(const Party& party, const Entity& entity, const EntityMatch& m, const std::vector<Namesake>& namesakes, Date as_of,
                       const StakesFn& stakes_into) {
  GraphOwners out;
  out.entity = EntityText(entity);
  out.match = m.how;
  out.owners = WalkUp(m.entity, out.entity, as_of, stakes_into, out.unweighed);
  if (!namesakes.empty()) {
    // Which record is the party cannot be told by name: all are weighed together, so the answer
    // does not depend on the order of the import file.
    std::string others;
    for (const Namesake& n : namesakes) {
      const std::string text = EntityText(n.entity);
      others += (others.empty() ? "" : ", ") + text;
      MergeOwners(out.owners, WalkUp(n.index, text, as_of, stakes_into, out.unweighed));
    }
    out.match += "; the graph also has " + others + " under this name";
    out.doubts.push_back("the ownership graph has " + std::to_string(namesakes.size() + 1) + " entities named " + Quoted(entity.name) +
                         " (" + out.entity + ", " + others + "); their owners are weighed together, an owner named by several counted once with its largest share: state party_id to pick one");
  }
  // An owner the transaction states and the graph also has is weighed once, as stated; the
  // graph's account goes beside it, and the step decides whether the two disagree.
  std::map<std::string, size_t> stated;
  for (size_t i = 0; i < party.owners.size(); ++i) stated.emplace(FoldName(party.owners[i].name), i);
  // A stated owner may use any of the graph owner's names.
  auto stated_as = [&](const Owner& o) {
    auto s = stated.find(FoldName(o.name));
    for (size_t k = 0; s == stated.end() && k < o.aliases.size(); ++k) s = stated.find(FoldName(o.aliases[k]));
    return s;
  };
  for (auto it = out.owners.begin(); it != out.owners.end();) {
    if (auto s = stated_as(*it); s != stated.end()) {
      out.also_stated.emplace_back(s->second, std::move(*it));
      it = out.owners.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

// A party matched to no graph entity: the possible ones, and the entities of its name in another
// country, are weighed as candidates.
GraphOwners Unmatched(const Party& party, const std::vector<Possible>& possible, const std::vector<Namesake>& elsewhere,
                      Date as_of, const StakesFn& stakes_into) {
  GraphOwners out;
  auto weigh = [&](uint32_t index, const Entity& e, std::string how, std::string doubt) {
    GraphOwners::Candidate c;
    c.name = e.name;
    c.entity = EntityText(e);
    c.match = std::move(how);
    c.owners = WalkUp(index, c.entity, as_of, stakes_into, c.unweighed);
    out.doubts.push_back(std::move(doubt));
    out.candidates.push_back(std::move(c));
  };
  for (const auto& p : possible) weigh(p.match.entity, p.entity, p.match.how, PossibleText(p));
  for (const auto& n : elsewhere) {
    weigh(n.index, n.entity, "the party's name, in " + n.entity.country + " where the party is in " + party.country,
          ElsewhereText(party, n.entity));
  }
  return out;
}

std::string VersionText(int64_t version, const std::string& file, const std::string& sha256, size_t edges) {
  return "ownership@" + std::to_string(version) + " " + file + (sha256.empty() ? "" : "#sha256:" + sha256.substr(0, 12)) + " (" +
         std::to_string(edges) + " edges)";
}

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

// What MatchLoaded found for a party: the same graph and matcher give the same answer.
struct Matched {
  std::optional<EntityMatch> match;
  std::vector<Possible> possible;
  std::vector<Namesake> namesakes;
  std::vector<Namesake> elsewhere;  // the party's name in another country
};

struct GraphOwnership::MatchMemo {
  static constexpr size_t kShards = 16;
  static constexpr size_t kPerShard = 8192;  // names kept per shard; emptied past it
  struct Shard {
    std::mutex mu;
    std::unordered_map<std::string, std::shared_ptr<const Matched>> by_party;
  };
  Shard shards[kShards];
};

GraphOwnership::GraphOwnership(std::shared_ptr<const Graph> graph, const screen::Screener* matcher)
    : g_(std::move(graph)), matcher_(matcher), memo_(std::make_unique<MatchMemo>()) {}
GraphOwnership::~GraphOwnership() = default;

std::string GraphOwnership::Version() const { return VersionText(g_->version, g_->file_name, g_->sha256, g_->edges.size()); }

const screen::Screener& GraphOwnership::Matcher() const {
  if (matcher_) return *matcher_;
  std::call_once(index_once_, [&] {
    index_ = BuildMatcher([&](const std::function<void(Entity&&)>& add) {
      for (const auto& e : g_->entities) add(Entity(e));
    }, g_->entities.size());
  });
  return *index_;
}

namespace {
std::optional<EntityMatch> MatchLoaded(const Graph& g, const screen::Screener& matcher, const Party& party, std::vector<Possible>* possible,
                                       std::vector<Namesake>* namesakes = nullptr, std::vector<Namesake>* elsewhere = nullptr) {
  if (!party.party_id.empty()) {
    if (auto i = g.IndexOf(party.party_id)) return EntityMatch{*i, IdMatch(party.party_id)};
    if (auto i = g.ByIdentifier(party.party_id)) return EntityMatch{*i, IdentifierMatch(party.party_id)};
  }
  std::optional<EntityMatch> by_name;
  for (uint32_t i : g.ByName(party.name)) {
    if (!SameCountry(g.entities[i].country, party.country)) {
      if (elsewhere) elsewhere->push_back({i, g.entities[i]});
      continue;
    }
    if (!by_name) {
      by_name = EntityMatch{i, NameMatch(g.entities[i], party.name)};
      if (!namesakes) break;
    } else {
      namesakes->push_back({i, g.entities[i]});
    }
  }
  if (by_name) return by_name;
  return FuzzyMatch(matcher, party, [&](const std::string& id) -> std::optional<std::pair<uint32_t, Entity>> {
    auto i = g.IndexOf(id);
    if (!i) return std::nullopt;
    return std::pair<uint32_t, Entity>{*i, g.entities[*i]};
  }, possible);
}
}  // namespace

std::optional<EntityMatch> GraphOwnership::Match(const Party& party, std::vector<std::string>* doubts) const {
  std::vector<Possible> possible;
  auto m = MatchLoaded(*g_, Matcher(), party, &possible);
  if (doubts) {
    for (const auto& p : possible) doubts->push_back(PossibleText(p));
  }
  return m;
}

Result<GraphOwners> GraphOwnership::OwnersOf(const Party& party, Date as_of) const {
  const Graph& g = *g_;
  const StakesFn stakes = [&](uint32_t owned) {
    std::vector<Stake> out;
    for (uint32_t ei : g.OwnersOf(owned)) {
      const Edge& e = g.edges[ei];
      out.push_back({e, g.entities[e.owner], g.SourceOf(e)});
    }
    return out;
  };
  std::string key;
  key.reserve(party.party_id.size() + party.name.size() + party.country.size() + 2);
  key.append(party.party_id).push_back('\x1f');
  key.append(party.name).push_back('\x1f');
  key.append(party.country);
  MatchMemo::Shard& shard = memo_->shards[std::hash<std::string>{}(key) % MatchMemo::kShards];
  std::shared_ptr<const Matched> found;
  {
    std::lock_guard lock(shard.mu);
    if (auto it = shard.by_party.find(key); it != shard.by_party.end()) found = it->second;
  }
  if (!found) {
    auto fresh = std::make_shared<Matched>();
    fresh->match = MatchLoaded(g, Matcher(), party, &fresh->possible, &fresh->namesakes, &fresh->elsewhere);
    found = fresh;
    std::lock_guard lock(shard.mu);
    if (shard.by_party.size() >= MatchMemo::kPerShard) shard.by_party.clear();
    shard.by_party.emplace(std::move(key), found);
  }
  const Matched& m = *found;
  if (m.match) return WalkOwners(party, g.entities[m.match->entity], *m.match, m.namesakes, as_of, stakes);
  return Unmatched(party, m.possible, m.elsewhere, as_of, stakes);
}

// ---- StoredGraphOwnership ----

struct StoredGraphOwnership::Impl {
  std::string data_dir;
  std::unique_ptr<GraphReader> reader;
  mutable std::mutex mu;  // one SQLite connection
  mutable std::unique_ptr<screen::Screener> matcher;
  mutable Status matcher_status;
};

StoredGraphOwnership::StoredGraphOwnership(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
StoredGraphOwnership::~StoredGraphOwnership() = default;

Result<std::unique_ptr<StoredGraphOwnership>> StoredGraphOwnership::Open(const std::string& data_dir) {
  auto reader = GraphReader::Open(data_dir);
  if (!reader.ok()) {
    if (reader.status().code() == ErrorCode::kNotFound) return std::unique_ptr<StoredGraphOwnership>();
    return reader.status();
  }
  auto impl = std::make_unique<Impl>();
  impl->data_dir = data_dir;
  impl->reader = std::move(reader).value();
  return std::unique_ptr<StoredGraphOwnership>(new StoredGraphOwnership(std::move(impl)));
}

std::string StoredGraphOwnership::Version() const {
  const GraphReader& r = *impl_->reader;
  return VersionText(r.version(), r.file_name(), r.sha256(), r.edge_count());
}

Result<GraphOwners> StoredGraphOwnership::OwnersOf(const Party& party, Date as_of) const {
  std::lock_guard lock(impl_->mu);
  const GraphReader& r = *impl_->reader;
  std::vector<Possible> possible;
  std::optional<EntityMatch> m;
  // As GraphOwnership::Match, by look-ups.
  if (!party.party_id.empty()) {
    if (auto i = r.IndexOf(party.party_id)) m = EntityMatch{*i, IdMatch(party.party_id)};
    else if (auto j = r.ByIdentifier(party.party_id)) m = EntityMatch{*j, IdentifierMatch(party.party_id)};
  }
  std::vector<Namesake> namesakes;
  std::vector<Namesake> elsewhere;
  if (!m) {
    for (uint32_t i : r.ByName(party.name)) {
      auto e = r.EntityAt(i);
      if (!e.ok()) return e.status();
      if (!SameCountry(e->country, party.country)) {
        elsewhere.push_back({i, std::move(e).value()});
        continue;
      }
      if (!m) m = EntityMatch{i, NameMatch(*e, party.name)};
      else namesakes.push_back({i, std::move(e).value()});
    }
  }
  if (!m) {
    if (!impl_->matcher && impl_->matcher_status.ok()) {
      // "+names": built over the other names too (a matcher cached before them is rebuilt).
      const std::string key = "ownership@" + std::to_string(r.version()) + "#" + r.sha256() + "#" + std::to_string(r.edge_count()) + "+names";
      impl_->matcher = screen::internal::CachedScreener(impl_->data_dir + "/ownership.matcher", key, [&]() -> std::unique_ptr<screen::Screener> {
        std::unique_ptr<screen::Screener> built;
        impl_->matcher_status = Status::Ok();
        std::vector<Entity> all;
        all.reserve(r.entity_count());
        if (Status st = r.EachEntity([&](Entity&& e) { all.push_back(std::move(e)); }); !st.ok()) {
          impl_->matcher_status = st;
          return nullptr;
        }
        return BuildMatcher([&](const std::function<void(Entity&&)>& add) {
          for (auto& e : all) add(std::move(e));
        }, all.size());
      });
    }
    if (!impl_->matcher) return impl_->matcher_status.ok() ? Status::Error(ErrorCode::kUnavailable, "ownership", "cannot build the name matcher") : impl_->matcher_status;
    m = FuzzyMatch(*impl_->matcher, party, [&](const std::string& id) -> std::optional<std::pair<uint32_t, Entity>> {
      auto i = r.IndexOf(id);
      if (!i) return std::nullopt;
      auto e = r.EntityAt(*i);
      if (!e.ok()) return std::nullopt;
      return std::pair<uint32_t, Entity>{*i, std::move(e).value()};
    }, &possible);
  }
  Status failed = Status::Ok();
  const StakesFn stakes = [&](uint32_t owned) {
    std::vector<Stake> out;
    auto stakes = r.StakesInto(owned);
    if (!stakes.ok()) {
      failed = stakes.status();
      return out;
    }
    for (auto& st : *stakes) {
      auto owner = r.EntityAt(st.edge.owner);
      if (!owner.ok()) {
        failed = owner.status();
        return std::vector<Stake>();
      }
      out.push_back({st.edge, std::move(owner).value(), std::move(st.source)});
    }
    return out;
  };
  GraphOwners out;
  if (!m) {
    out = Unmatched(party, possible, elsewhere, as_of, stakes);
  } else {
    auto entity = r.EntityAt(m->entity);
    if (!entity.ok()) return entity.status();
    out = WalkOwners(party, *entity, *m, namesakes, as_of, stakes);
  }
  if (!failed.ok()) return failed;  // a graph that cannot be read is not "no owners"
  return out;
}

ListedFn ListedByScreening(const PartyScreener& screener, const Dataset& data, Date as_of) {
  struct Rule {
    RestrictedList list;
    std::vector<std::string> programs;
    bool by_program = false;
    std::vector<std::string> other_programs;  // known not to carry; a code in neither list may
  };
  std::vector<Rule> rules;
  if (const Parameter* p = data.Param("affiliates-2025", "owner_lists")) {
    for (const auto& e : p->value["value"]) {
      auto l = RestrictedListFromName(e.value("list", ""));
      if (!l) continue;
      Rule r{*l, {}, e.contains("programs")};
      if (r.by_program) {
        for (const auto& pr : e["programs"].get<std::vector<std::string>>()) r.programs.push_back(ProgramCode(pr));
        for (const auto& pr : e.value("other_programs", std::vector<std::string>{})) r.other_programs.push_back(ProgramCode(pr));
      }
      rules.push_back(std::move(r));
    }
  }
  return [&screener, rules, as_of](const Entity& ent) {
    ListedStatus st;
    // Every name the entity goes by is screened: the listing may be under an other name.
    const NamesScreened screened = ScreenNames(screener, PartyRole::kUltimateConsignee, ent.name, ent.aliases, ent.country, as_of);
    if (!screened.failures.empty()) {
      st.carries = ListedStatus::Carries::kMaybe;
      st.lists = "screening of " + Quoted(screened.failures.front().first) + " failed: " + screened.failures.front().second;
      return st;
    }
    for (const Listing& l : screened.listings) {
      auto rule = std::find_if(rules.begin(), rules.end(), [&](const Rule& r) { return r.list == l.list; });
      if (rule == rules.end()) continue;
      const std::string on = std::string(RestrictedListName(l.list)) + (l.entry == ent.name ? "" : " as " + Quoted(l.entry));
      bool maybe = l.score < 1.0;
      if (rule->by_program) {
        const ProgramReach reach = ReachOfPrograms(l.programs, rule->programs, rule->other_programs);
        if (!l.programs.empty() && !reach.carries && reach.unknown.empty()) continue;
        maybe = maybe || l.programs.empty() || !reach.carries;
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
  if (!screener) return std::make_unique<CoverageCalculator>(g, nullptr, "", threshold, data.UnitedStatesCodes());
  std::string lists;
  for (const auto& v : screener->ListVersions()) lists += (lists.empty() ? "" : "; ") + v;
  return std::make_unique<CoverageCalculator>(g, ListedByScreening(*screener, data, as_of), lists, threshold,
                                              data.UnitedStatesCodes());
}

}  // namespace exportctl::ownership
