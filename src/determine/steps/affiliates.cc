// The Affiliates Rule (90 FR 47201; Supp. No. 8 to Part 744): a foreign party 50% or more owned,
// directly or indirectly, by Entity List, MEU List or 15 CFR 744.8 SDN parties carries their
// restrictions, on the dates the rule is in force under the posture (its status windows are data).
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "determine/steps/families.h"

namespace exportctl::steps {
namespace {

struct OwnerSource {
  Listing listing;   // the listed owner's listing whose restrictions carry over
  std::string path;  // from the listed owner down to the party, with each stake
};
struct Standing {
  enum class State { kNotCovered, kCovered, kUncertain } state = State::kNotCovered;
  double share = 0;                  // aggregate stake of covered owners (known shares only)
  std::vector<OwnerSource> sources;  // covered: the listed owners behind it; else the possible ones
  std::vector<std::string> why;      // what keeps it uncertain
  bool red_flag_29 = false;          // a covered owner's share is unknown
  std::vector<std::string> notes;    // listings that do not carry over
};

Standing Aggregate(Evaluation& ev, const Party& party, const std::vector<Owner>& owners,
                   const std::string& owned);
Standing OwnersUp(Evaluation& ev, const Party& party, const Owner& o);

const char* StandingText(Standing::State s) {
  switch (s) {
    case Standing::State::kCovered: return "covered";
    case Standing::State::kUncertain: return "possibly covered";
    case Standing::State::kNotCovered: return "not covered";
  }
  return "possibly covered";
}

// Four digits, unless rounding would carry a share across a whole percent: 49.99999999% is below
// 50% (the step compares within 1e-9) and must not read "50%".
std::string FormatShare(double v) {
  constexpr double kEps = 1e-9;
  const double whole = std::floor(v + kEps);
  char buf[32];
  for (int digits = 4; digits <= 17; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*g", digits, v);
    if (std::floor(std::strtod(buf, nullptr) + kEps) == whole) break;
  }
  return buf;
}

std::string ShareText(const Owner& o) {
  if (!o.percent) return "an unknown share";
  return FormatShare(*o.percent) + (o.percent_max && *o.percent_max > *o.percent ? "–" + FormatShare(*o.percent_max) : "") + "%";
}


// What one owner is under the Affiliates Rule: listed on a list that carries over, covered
// through its own owners, uncertain, or neither.
Standing OwnerStanding(Evaluation& ev, const Party& party, const Owner& o) {
  const AffiliatesRules& a = ev.rules.affiliates;
  Standing st;
  std::vector<Listing> listings = o.listings;
  if (ev.opt.screener) {
    // Every name the owner goes by: a listing may be under an other name the graph knows.
    NamesScreened found = ScreenNames(*ev.opt.screener, party.role, o.name, o.aliases, o.country, ev.date);
    listings.insert(listings.end(), std::make_move_iterator(found.listings.begin()), std::make_move_iterator(found.listings.end()));
    for (const auto& [name, why] : found.failures) st.why.push_back("screening of owner " + Quoted(name) + " failed: " + why);
    if (!o.aliases.empty()) {
      // One record found under two names counts once, at its best score.
      std::stable_sort(listings.begin() + static_cast<std::ptrdiff_t>(o.listings.size()), listings.end(),
                       [](const Listing& x, const Listing& y) { return x.score > y.score; });
      for (size_t i = o.listings.size(); i < listings.size(); ++i) {
        for (size_t j = o.listings.size(); j < i; ++j) {
          if (!listings[i].record_id.empty() && listings[j].list == listings[i].list && listings[j].record_id == listings[i].record_id) {
            listings.erase(listings.begin() + static_cast<std::ptrdiff_t>(i--));
            break;
          }
        }
      }
    }
  }
  bool listed = false;
  for (const auto& l : listings) {
    const OwnerListRule* rule = a.For(l.list);
    const std::string on = Quoted(o.name) + " (" + RestrictedListName(l.list) +
                           (l.entry == o.name ? "" : " as " + Quoted(l.entry)) + ")";
    if (!rule) {
      if (l.score >= 1.0) {
        st.notes.push_back(
            Quoted(o.name) + " is on the " + RestrictedListName(l.list) +
            ", which does not carry over to the entities it owns (" + ev.rules.cite.owned_entities + ")");
      }
      continue;
    }
    bool carries = true;
    std::string program_doubt;
    if (rule->by_program) {
      const ProgramReach reach = ReachOfPrograms(l.programs, rule->programs, rule->other_programs);
      carries = reach.carries;
      std::string unknown;
      for (const auto& p : reach.unknown) unknown += (unknown.empty() ? "" : ", ") + Quoted(p);
      if (l.programs.empty()) {
        program_doubt = "the sanctions program of " + on +
                        " is not known, so whether " + ev.rules.cite.sdn_programs + " reaches it is not known";
      } else if (!carries && !unknown.empty()) {
        // A code spelt otherwise or a program this data does not know: it may be one of them.
        program_doubt = on + " is designated under " + unknown + ", a program code this engine does not know, so whether " +
                        ev.rules.cite.sdn_programs + " reaches it is not known";
      } else if (!carries) {
        std::string progs;
        for (const auto& p : l.programs) progs += (progs.empty() ? "" : ", ") + p;
        st.notes.push_back(on + " is designated under " + progs +
                           ", not a program of " + ev.rules.cite.sdn_programs + " (" + rule->programs_citation +
                           "): it does not carry over under the EAR (OFAC's own 50 percent rule is "
                           "not assessed here)");
        continue;
      }
    }
    if (l.score < 1.0) {
      st.why.push_back(Quoted(o.name) + " may be " + Quoted(l.entry) + " on the " +
                       RestrictedListName(l.list) + " (score " + FormatDouble(l.score) +
                       "); an officer must confirm or clear it");
      st.sources.push_back({l, on});
    } else if (!program_doubt.empty()) {
      st.why.push_back(program_doubt);
      st.sources.push_back({l, on});
    } else {
      listed = true;
      st.sources.push_back({l, on});
    }
  }
  if (listed) {
    // Only the owner's own listings carry (the possible ones stay as doubts).
    std::erase_if(st.sources, [](const OwnerSource& s) {
      return s.listing.score < 1.0 ||
             (s.listing.list == RestrictedList::kSdn && s.listing.programs.empty());
    });
  }
  Standing up = OwnersUp(ev, party, o);
  st.notes.insert(st.notes.end(), up.notes.begin(), up.notes.end());
  st.share = up.share;
  if (up.state != Standing::State::kNotCovered && ev.data.IsUnitedStates(o.country) && !listed) {
    // The rule covers foreign entities only; whether a US entity's stake counts when listed
    // parties own it is an open question (addendum §1.5): an officer decides.
    st.why.push_back(Quoted(o.name) +
                     " is a US entity owned by listed parties; whether its stake counts under the "
                     "Affiliates Rule is not settled");
    st.sources.insert(st.sources.end(), up.sources.begin(), up.sources.end());
    st.state = Standing::State::kUncertain;
    return st;
  }
  if (listed) {
    // Own entry and ownership: both apply, the strictest wins (addendum §1.7).
    if (up.state == Standing::State::kCovered)
      st.sources.insert(st.sources.end(), up.sources.begin(), up.sources.end());
    st.state = Standing::State::kCovered;
    return st;
  }
  if (up.state == Standing::State::kCovered) {
    st.state = Standing::State::kCovered;
    st.sources = std::move(up.sources);
    st.why.clear();
    return st;
  }
  if (up.state == Standing::State::kUncertain || !st.why.empty()) {
    st.state = Standing::State::kUncertain;
    st.why.insert(st.why.end(), up.why.begin(), up.why.end());
    st.sources.insert(st.sources.end(), up.sources.begin(), up.sources.end());
    st.red_flag_29 = up.red_flag_29;
  } else {
    st.sources = std::move(up.sources);  // a listed minority above it, named by the caller
  }
  return st;
}

// Supp. No. 8 to Part 744 as OFAC applies its 50 percent rule: the direct stakes of covered owners
// add up, across lists; an owner covered through its own owners counts with its whole stake; a
// stake is never multiplied along a chain, and owners that are not covered count for nothing.
Standing Aggregate(Evaluation& ev, const Party& party, const std::vector<Owner>& owners,
                   const std::string& owned) {
  const AffiliatesRules& a = ev.rules.affiliates;
  Standing st;
  double known = 0;
  for (const auto& o : owners) known += o.percent.value_or(0);
  double possible = 0;
  std::vector<OwnerSource> covered, doubtful;
  for (const auto& o : owners) {
    Standing os = OwnerStanding(ev, party, o);
    st.notes.insert(st.notes.end(), os.notes.begin(), os.notes.end());
    if (os.state == Standing::State::kNotCovered) {
      // Listed parties below the threshold in an owner: its stake does not count, but the
      // decision names them (know-your-customer diligence; addendum §1.8).
      if (os.share > 0) {
        std::string paths;
        for (const auto& s : os.sources) paths += (paths.empty() ? "" : "; ") + s.path;
        st.notes.push_back("owner " + Quoted(o.name) + " is " + FormatShare(os.share) + "% owned by listed parties (" + paths + "), below " +
                           FormatShare(a.threshold) + "%: it is not covered and its stake in " + Quoted(owned) + " does not count");
      }
      continue;
    }
    // A range ("25-50%", from an ownership graph) counts its lower bound; the rest is doubt.
    const double span = o.percent && o.percent_max && *o.percent_max > *o.percent ? *o.percent_max - *o.percent : 0;
    const std::string stake = (o.percent ? FormatShare(*o.percent) + (span > 0 ? "–" + FormatShare(*o.percent_max) : "") + "%" : "an unknown share") +
                              (o.source.empty() ? "" : " [" + o.source + "]");
    for (auto& src : os.sources) src.path += " → " + stake + " of " + Quoted(owned);
    if (os.state == Standing::State::kCovered) {
      if (o.percent) {
        st.share += *o.percent;
        if (span > 0) {
          possible += span;
          st.why.push_back(Quoted(o.name) + " owns " + FormatShare(*o.percent) + "–" + FormatShare(*o.percent_max) + "% of " + Quoted(owned));
        }
        covered.insert(covered.end(), os.sources.begin(), os.sources.end());
      } else {
        st.red_flag_29 = true;
        st.why.push_back(Quoted(o.name) + " owns an unknown share of " + Quoted(owned));
        doubtful.insert(doubtful.end(), os.sources.begin(), os.sources.end());
      }
    } else {
      possible += o.percent_max ? *o.percent_max : o.percent.value_or(std::max(0.0, 100 - known));
      st.red_flag_29 = st.red_flag_29 || os.red_flag_29;
      st.why.insert(st.why.end(), os.why.begin(), os.why.end());
      doubtful.insert(doubtful.end(), os.sources.begin(), os.sources.end());
    }
  }
  constexpr double kEps = 1e-9;  // shares written with decimals (33.33 + 16.67)
  if (st.share + kEps >= a.threshold) {
    st.state = Standing::State::kCovered;
    st.sources = std::move(covered);
    st.why.clear();
    st.red_flag_29 = false;
  } else if (st.red_flag_29 || st.share + possible + kEps >= a.threshold) {
    st.state = Standing::State::kUncertain;
    st.sources = std::move(covered);
    st.sources.insert(st.sources.end(), doubtful.begin(), doubtful.end());
  } else {
    st.sources = std::move(covered);  // a listed minority, if any
    st.why.clear();
  }
  return st;
}

// The owners of `owned` on both accounts: as the transaction states them (plus the owners only
// the graph has), and with each stated owner the graph also has replaced by the graph's account
// of it. When the accounts disagree and either covers (or may cover), an officer decides. A walk
// the graph cut, or a graph entity `owned` may be, keeps it from being cleared. `self` names
// `owned` in the reasons ("the party", "owner \"X\""); warnings start with `who`.
Standing WeighAccounts(Evaluation& ev, const Party& party, const std::vector<Owner>& stated, const GraphOwners& graph,
                       const std::string& owned, const std::string& who, const std::string& self) {
  std::vector<Owner> owners = stated;
  owners.insert(owners.end(), graph.owners.begin(), graph.owners.end());
  Standing st = Aggregate(ev, party, owners, owned);
  if (!graph.also_stated.empty()) {
    std::vector<Owner> alt;
    std::string accounts;
    for (size_t i = 0; i < stated.size(); ++i) {
      const Owner& o = stated[i];
      auto g = std::find_if(graph.also_stated.begin(), graph.also_stated.end(), [&](const auto& x) { return x.first == i; });
      if (g == graph.also_stated.end()) {
        alt.push_back(o);
        continue;
      }
      alt.push_back(g->second);
      if (ShareText(o) == ShareText(g->second) && g->second.owners.empty()) {
        ev.Warn(EXPLAIN(who + ": owner " + Quoted(o.name) + " is stated in the transaction and in the ownership graph (" +
                        g->second.source + ") with the same share; it is counted once"));
        continue;
      }
      accounts += (accounts.empty() ? "" : "; ") + Quoted(o.name) + " is stated with " + ShareText(o) +
                  " and the ownership graph has " + ShareText(g->second) + " [" + g->second.source + "]";
    }
    alt.insert(alt.end(), graph.owners.begin(), graph.owners.end());
    Standing as_graph = Aggregate(ev, party, alt, owned);
    if (as_graph.state != st.state) {
      const bool either = st.state != Standing::State::kNotCovered || as_graph.state != Standing::State::kNotCovered;
      if (either) {
        Standing both;
        both.state = Standing::State::kUncertain;
        both.share = std::max(st.share, as_graph.share);
        both.sources = st.sources;
        both.sources.insert(both.sources.end(), as_graph.sources.begin(), as_graph.sources.end());
        both.why = st.why;
        both.why.insert(both.why.end(), as_graph.why.begin(), as_graph.why.end());
        both.why.push_back("the transaction and the ownership graph disagree on the owners of " + Quoted(owned) + " (" + accounts +
                           "): as stated it is " + StandingText(st.state) + ", as the graph has it " + StandingText(as_graph.state));
        both.red_flag_29 = st.red_flag_29 || as_graph.red_flag_29;
        both.notes = std::move(st.notes);
        st = std::move(both);
      }
    } else if (!accounts.empty() && st.state != Standing::State::kNotCovered) {
      ev.Warn(EXPLAIN(who + ": " + accounts + "; both accounts give the same answer under the Affiliates Rule"));
    } else if (!accounts.empty()) {
      ev.Warn(EXPLAIN(who + ": " + accounts + "; neither account makes it covered by the Affiliates Rule"));
    }
  }
  // A walk that was cut may have missed a covered owner: not cleared.
  if (!graph.unweighed.empty() && st.state != Standing::State::kCovered) {
    st.state = Standing::State::kUncertain;
    st.why.insert(st.why.end(), graph.unweighed.begin(), graph.unweighed.end());
  }
  // Graph entities it may be: one that is (or may be) covered keeps it from being cleared.
  for (const auto& c : graph.candidates) {
    if (st.state == Standing::State::kCovered) break;
    Standing cs = c.owners.empty() ? Standing{} : Aggregate(ev, party, c.owners, c.name);
    if (!c.unweighed.empty() && cs.state != Standing::State::kCovered) {
      cs.state = Standing::State::kUncertain;
      cs.why.insert(cs.why.end(), c.unweighed.begin(), c.unweighed.end());
    }
    if (cs.state == Standing::State::kNotCovered) continue;
    st.state = Standing::State::kUncertain;
    st.share = std::max(st.share, cs.share);
    st.sources.insert(st.sources.end(), cs.sources.begin(), cs.sources.end());
    std::string cpaths;
    for (const auto& src : cs.sources) cpaths += (cpaths.empty() ? "" : "; ") + src.path;
    st.why.push_back(self + " may be " + c.entity + " in the ownership graph (" + c.match + "), which " +
                     (cs.state == Standing::State::kCovered ? "is " + FormatShare(cs.share) + "% owned by parties covered by the Affiliates Rule"
                                                             : "may be covered by the Affiliates Rule") +
                     (cpaths.empty() ? "" : " (" + cpaths + ")") + ": confirm or rule out the match");
    st.why.insert(st.why.end(), cs.why.begin(), cs.why.end());
    st.red_flag_29 = st.red_flag_29 || cs.red_flag_29;
  }
  return st;
}

// An owner's own owners: those stated with it and, for an owner the transaction states, those the
// ownership graph has for it (an intermediate covered through the graph counts with its whole
// stake), weighed on both accounts as a party's are. Owners that came from the graph already
// carry their chain.
Standing OwnersUp(Evaluation& ev, const Party& party, const Owner& o) {
  if (!o.source.empty() || !ev.opt.ownership) return Aggregate(ev, party, o.owners, o.name);
  Party as_owner;
  as_owner.role = party.role;
  as_owner.name = o.name;
  as_owner.country = o.country;
  auto g = ev.opt.ownership->OwnersOf(as_owner, ev.date);
  if (!g.ok()) {
    Standing st = Aggregate(ev, party, o.owners, o.name);
    if (st.state != Standing::State::kCovered) {
      st.state = Standing::State::kUncertain;
      st.why.push_back("the ownership graph could not be read for owner " + Quoted(o.name) + " (" + g.status().message() + ")");
    }
    return st;
  }
  const GraphOwners& graph = *g;
  if (graph.entity.empty() && graph.candidates.empty() && graph.unweighed.empty()) return Aggregate(ev, party, o.owners, o.name);
  const std::string who = std::string(PartyRoleName(party.role)) + " " + Quoted(party.name);
  Standing st = WeighAccounts(ev, party, o.owners, graph, o.name, who, "owner " + Quoted(o.name));
  if (!graph.entity.empty()) {
    st.notes.push_back("owner " + Quoted(o.name) + " is " + graph.entity + " in the ownership graph (" + graph.match + ")");
  }
  for (const auto& d : graph.doubts) st.notes.push_back("owner " + Quoted(o.name) + ": " + d);
  return st;
}

// 734.9(e) through ownership (addendum §1.7): the Entity List footnotes of the listed owners of a
// covered party follow it; of a party that may be covered, they are unknown.
void RecordOwnerFootnotes(Evaluation& ev, size_t party, const Standing& st) {
  using jurisdiction::Answer;
  ev.owner_footnotes.resize(ev.tx.parties.size(), {Answer::kNo, Answer::kNo});
  const bool covered = st.state == Standing::State::kCovered;
  for (const auto& s : st.sources) {
    if (s.listing.list != RestrictedList::kEntityList || (s.listing.footnote != 1 && s.listing.footnote != 4)) continue;
    Answer& a = ev.owner_footnotes[party][s.listing.footnote == 1 ? 0 : 1];
    if (covered) a = Answer::kYes;
    else if (a == Answer::kNo) a = Answer::kUnknown;
  }
}

}  // namespace

void AffiliatesStep(Evaluation& ev, const TransactionFacts&, const RuleDef* r) {
  const AffiliatesRules& a = ev.rules.affiliates;
  const AffiliatesWindow* w = a.On(ev.date, ev.posture);
  // No window for the date, or data that does not read: the rule applies, and the decision says
  // why.
  const bool in_force = !w || w->in_force;
  const bool verified = w && w->verified && a.data_error.empty();
  std::string status_citation =
      w ? w->citation
        : "no status window in the data covers " + ev.date.ToString() + "; applied as in force";
  if (!a.data_error.empty())
    status_citation += "; regime data not read as written: " + a.data_error;
  const std::string status_text = std::string(in_force ? "in force" : "stayed") + " on " +
                                  ev.date.ToString() + " (" + status_citation + ")";
  bool touched = false, uncertain = false;
  size_t unstated = 0;
  auto mark = [&](Finding& f) {
    touched = true;
    if (!verified) {
      f.verified = false;
      ev.unverified_rules.push_back(r->id);
    }
  };
  for (const auto& p : ev.tx.parties) {
    const size_t party = static_cast<size_t>(&p - ev.tx.parties.data());
    const std::string who = std::string(PartyRoleName(p.role)) + " " + Quoted(p.name);
    // The ownership graph's owners join the stated ones.
    GraphOwners graph;
    if (ev.opt.ownership && p.role != PartyRole::kExporter) {
      auto g = ev.opt.ownership->OwnersOf(p, ev.date);
      if (!g.ok()) {
        uncertain = true;
        Finding& f = ev.Add(r, Effect::kUnresolved,
                            EXPLAIN(who + ": the ownership graph could not be read (" + g.status().message() +
                                    "): resolve the ownership or apply for a license"));
        mark(f);
        ev.tx_effects.Add(Effect::kUnresolved);
      } else {
        graph = std::move(g).value();
        for (const auto& doubt : graph.doubts) ev.Warn(EXPLAIN(who + ": " + doubt));
        if (!graph.entity.empty()) {
          const size_t direct = graph.owners.size() + graph.also_stated.size();
          mark(ev.Add(r, Effect::kInfo,
                      EXPLAIN(who + " is " + graph.entity + " in the ownership graph (" + graph.match + "); " +
                              std::to_string(direct) + " direct owner" + (direct == 1 ? "" : "s") +
                              " on " + ev.date.ToString())));
        }
      }
    }
    if (p.owners.empty() && graph.owners.empty() && graph.candidates.empty() && graph.unweighed.empty()) {
      if (p.role != PartyRole::kExporter) ++unstated;
      continue;
    }
    Standing st = WeighAccounts(ev, p, p.owners, graph, p.name, who, "the party");
    for (const auto& n : st.notes) mark(ev.Add(r, Effect::kInfo, EXPLAIN(who + ": " + n)));
    std::string paths;
    for (const auto& s : st.sources) paths += (paths.empty() ? "" : "; ") + s.path;
    if (st.state == Standing::State::kNotCovered) {
      if (st.share > 0) {
        const bool significant = a.minority > 0 && st.share + 1e-9 >= a.minority;
        mark(ev.Add(r, Effect::kInfo,
                    EXPLAIN(who + " is " + FormatShare(st.share) + "% owned by listed parties (" +
                            paths + "), below " + FormatShare(a.threshold) +
                            "%: not covered by the Affiliates Rule")));
        if (significant) {
          ev.Warn(EXPLAIN(who + ": significant minority ownership by listed parties (" +
                          FormatShare(st.share) + "%: " + paths +
                          ") is a red flag; do more diligence on control and ties before shipping "
                          "(" + ev.rules.cite.red_flags + "; " + ev.rules.cite.owned_entities + ")"));
        }
      }
      continue;
    }
    if (ev.data.IsUnitedStates(p.country)) {
      mark(ev.Add(r, Effect::kInfo,
                  EXPLAIN(who +
                          " is a US entity: the Affiliates Rule covers foreign entities only, "
                          "though listed parties own it (" +
                          paths + ")")));
      continue;
    }
    const bool covered = st.state == Standing::State::kCovered;
    std::string why;
    for (const auto& y : st.why) why += (why.empty() ? "" : "; ") + y;
    if (!in_force) {
      Finding& f = ev.Add(
          r, Effect::kInfo,
          EXPLAIN(who +
                  (covered ? " is " + FormatShare(st.share) + "% owned by listed parties"
                           : " may be " + FormatShare(a.threshold) + "% or more owned by listed parties") +
                  " (" + paths + (why.empty() ? "" : "; " + why) + "); the Affiliates Rule is " +
                  status_text + ", so this is no license requirement"));
      if (w) f.citation = w->citation;  // the stay, not the rule it suspends
      mark(f);
      ev.Warn(EXPLAIN(who + ": owned by listed parties (" + paths +
                      ") while the Affiliates Rule is stayed: a know-your-customer red flag that "
                      "calls for diligence (BIS guidance), not a license requirement"));
      continue;
    }
    RecordOwnerFootnotes(ev, party, st);
    // The temporary general license of the first window: affiliates located in A:5/A:6, or joint
    // ventures outside E:1/E:2 with a US or A:5/A:6 partner the rule does not reach; never
    // affiliates owned through SDNs.
    if (w && w->tgl) {
      const bool through_sdn =
          std::any_of(st.sources.begin(), st.sources.end(), [&](const OwnerSource& s) {
            return std::find(a.tgl_not_for.begin(), a.tgl_not_for.end(), s.listing.list) !=
                   a.tgl_not_for.end();
          });
      std::string basis, jv_doubt;
      if (!through_sdn && !p.country.empty()) {
        if (ev.Groups(p.country, a.tgl_affiliate_groups) != 0) {
          basis = "it is located in " + p.country + " (Country Group A:5 or A:6)";
        } else if (ev.Groups(p.country, a.tgl_excluded_groups) == 0) {
          // A joint venture with a partner headquartered in the US or A:5/A:6 that the rule does
          // not reach (addendum §1.9). A stake alone does not make a joint venture, and where an
          // owner is located is not where it is headquartered: both must be stated.
          auto partner_hq_ok = [&](const std::string& hq) {
            return ev.data.IsUnitedStates(hq) || ev.Groups(hq, a.tgl_partner_groups) != 0;
          };
          std::vector<Owner> owners = p.owners;  // as stated, and those only the graph has
          owners.insert(owners.end(), graph.owners.begin(), graph.owners.end());
          for (const auto& o : owners) {
            if (o.joint_venture_partner == false || (o.percent && *o.percent <= 0)) continue;
            if (OwnerStanding(ev, p, o).state != Standing::State::kNotCovered) continue;
            const bool hq_ok = !o.headquarters.empty() && partner_hq_ok(o.headquarters);
            if (o.joint_venture_partner == true && hq_ok) {
              basis = "it is a joint venture with " + Quoted(o.name) + " (headquartered in " + o.headquarters +
                      "), a partner the rule does not reach";
              break;
            }
            // A possible partner whose facts are missing: not cleared, not refused either.
            std::string missing;
            if (!o.joint_venture_partner) missing = "whether it is a joint venture with " + Quoted(o.name) + " (\"joint_venture_partner\")";
            if (o.headquarters.empty()) {
              if (o.country.empty() || !partner_hq_ok(o.country)) continue;
              missing += std::string(missing.empty() ? "" : "; ") + "where " + Quoted(o.name) + " is headquartered (\"headquarters\"; " +
                         o.country + " is where it is located)";
            } else if (!hq_ok) {
              continue;
            }
            if (jv_doubt.empty()) {
              jv_doubt = "the temporary general license authorizes a joint venture outside Country Groups E:1/E:2 with a partner "
                         "headquartered in the US or Country Group A:5/A:6 that the rule does not reach (" + a.tgl_citation +
                         "); not known: " + missing;
            }
          }
        }
      }
      if (basis.empty() && !jv_doubt.empty()) {
        uncertain = true;
        Finding& f = ev.Add(r, Effect::kUnresolved,
                            EXPLAIN(who + (covered ? " is " + FormatShare(st.share) + "% owned by listed parties"
                                                   : " may be " + FormatShare(a.threshold) + "% or more owned by listed parties") +
                                    " (" + paths + "); " + jv_doubt + ": confirm the joint venture or apply for a license"));
        f.citation = a.tgl_citation;
        if (!a.tgl_verified) f.verified = false;
        mark(f);
        ev.tx_effects.Add(Effect::kUnresolved);
        continue;
      }
      if (!basis.empty()) {
        Finding& f = ev.Add(
            r, Effect::kInfo,
            EXPLAIN(who +
                    (covered ? " is " + FormatShare(st.share) + "% owned by listed parties"
                             : " may be " + FormatShare(a.threshold) + "% or more owned by listed parties") +
                    " (" + paths + "); the temporary general license authorizes it because " +
                    basis + " (" + a.tgl_citation + ")"));
        f.citation = a.tgl_citation;  // what authorizes it, not the rule it relieves from
        if (!a.tgl_verified) f.verified = false;
        mark(f);
        ev.Warn(EXPLAIN(who + ": shipped under the Affiliates Rule's temporary general license (" +
                        basis + "); keep the records it requires"));
        continue;
      }
    }
    if (!covered) {
      uncertain = true;
      Finding& f = ev.Add(
          r, Effect::kUnresolved,
          EXPLAIN(who + ": " + (st.red_flag_29 ? ev.rules.cite.ownership_red_flag + " (" + ev.rules.cite.red_flags + "): " : "") +
                  (paths.empty() ? "whether parties covered by the Affiliates Rule own " + FormatShare(a.threshold) + "% or more of it"
                                 : "listed parties own it (" + paths + ") but whether they own " + FormatShare(a.threshold) + "% or more") +
                  " is not known (" + why + "): resolve the ownership or apply for a license"));
      f.citation = a.red_flag_citation;
      mark(f);
      ev.tx_effects.Add(Effect::kUnresolved);
      continue;
    }
    // Covered: each listed owner's restrictions apply as if it were the party; the most
    // restrictive requirement, review policy and exception eligibility among them win.
    for (const OwnerListRule& rule : a.owner_lists) {
      std::string owners_on;
      ListedPolicy strictest{ReviewPolicy::kNone, ""};
      for (const auto& s : st.sources) {
        if (s.listing.list != rule.list) continue;
        owners_on += (owners_on.empty() ? "" : "; ") + s.path;
        ListedPolicy lp = s.listing.license_policy.empty()
                              ? ListedPolicy{ReviewPolicy::kPresumptionOfDenial, rule.wording}
                              : ReadListedPolicy(s.listing.license_policy);
        if (MostRestrictive(strictest.policy, lp.policy) != strictest.policy ||
            strictest.policy == ReviewPolicy::kNone)
          strictest = lp;
        if (!s.listing.license_requirement.empty())
          owners_on += " (listed license requirement: \"" + s.listing.license_requirement + "\")";
        if (s.listing.list == RestrictedList::kEntityList && s.listing.footnote) {
          if (auto fn = ev.rules.footnote_citations.find(s.listing.footnote);
              fn != ev.rules.footnote_citations.end()) {
            owners_on += "; the owner's foreign direct product footnote follows it: " + fn->second;
          }
        }
      }
      if (owners_on.empty()) continue;
      Finding& f =
          ev.Add(r, Effect::kLicenseRequired,
                 EXPLAIN(who + " is " + FormatShare(st.share) +
                         "% owned by parties covered by the Affiliates Rule (" + owners_on +
                         "): " + rule.summary + "; the rule is " + status_text));
      f.citation = rule.citation;
      f.review_policy = strictest.policy;
      f.policy_wording = strictest.wording;
      mark(f);
      if (!rule.verified) f.verified = false, ev.unverified_rules.push_back(r->id);
      ev.party_requirements.push_back({r->id, strictest.policy, 0});
      ev.exceptions_barred = true;
    }
  }
  if (touched && !verified) {
    ev.Warn(EXPLAIN("Affiliates Rule status on " + ev.date.ToString() + " is unverified (" +
                    status_citation + "): " + a.unverified_warning));
  }
  if (in_force && unstated > 0) {
    ev.Warn(EXPLAIN("Ownership not stated for " + std::to_string(unstated) + " part" +
                    (unstated == 1 ? "y" : "ies") + " (\"owners\"): the Affiliates Rule is " +
                    status_text +
                    "; a party " + FormatShare(a.threshold) + "% or more owned by " + ev.rules.cite.owner_lists +
                    " parties carries their restrictions, and screening names does not find it" +
                    (verified ? "" : " (" + a.unverified_warning + ")")));
    ev.Step({"ownership", uncertain ? "unresolved" : "partial",
             "ownership not stated for some parties: the Affiliates Rule was applied only to "
             "stated owners"});
  } else if (uncertain) {
    ev.Step({"ownership", "unresolved", "listed owners whose share is not known: see reasons"});
  } else if (in_force) {
    ev.Step({"ownership", "performed",
             ev.opt.ownership ? "stated owners and the ownership graph checked under the Affiliates Rule"
                              : "stated owners checked under the Affiliates Rule"});
  } else {
    ev.Step({"ownership", "performed",
             "Affiliates Rule stayed on this date: ownership by listed parties is a warning, not a "
             "requirement"});
  }
}

}  // namespace exportctl::steps
