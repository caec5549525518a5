// Licenses the company holds (15 CFR 750.7): after an item's verdict, whether a license meets its
// license requirement. A license authorizes only what it states: the ECCN or chip of one of its
// lines, one of its destinations, the parties it names, on a date within its validity, up to what
// remains of each of its limits (units, TPP, USD: ledger accounts license:<number>:<measure>).
// It never outranks a prohibition, a doubt, or a listing of a party (ApplyLicense, combine.h).
#include <cctype>
#include <cstdio>
#include <optional>

#include "data/dataset.h"

#include "determine/steps/families.h"

namespace exportctl::steps {
namespace {

constexpr std::string_view kRule = "license.held";
constexpr std::string_view kCitation = "15 CFR 750.7";
// Licenses whose party names are compared by the matcher when none names the consignee word for
// word: a bound on the cost of a check against thousands of licenses (see CandidatesAlike).
constexpr size_t kMaxAlike = 16;

std::string Amount(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f", v);
  return buf;
}

bool LineCovers(const HeldLicense::Line& line, std::string_view eccn, std::string_view chip) {
  if (!line.chip.empty() && line.chip != chip) return false;
  if (line.eccn.empty()) return true;  // the chip alone
  if (eccn.empty()) return false;  // a line of an ECCN, and the item's class is not known
  // A whole entry ("3A090") covers its paragraphs ("3A090.a").
  return eccn == line.eccn || (eccn.size() > line.eccn.size() && eccn.substr(0, line.eccn.size()) == line.eccn &&
                               eccn[line.eccn.size()] == '.');
}

bool RolesMatch(std::string_view licensed, PartyRole stated) {
  const std::string_view s = PartyRoleName(stated);
  // A license's ultimate consignee may be the end user too.
  return licensed == s || (stated == PartyRole::kEndUser && licensed == "ultimate_consignee");
}

// Every consignee and end user of the transaction named on the license ("" when so, else why not).
// `matched` says how each was matched, for the reason; `alike` names the parties whose name is only
// alike to the licensed one (the screening matcher's certain score, not the same words): the
// license may then be for another company, which an officer must rule out.
std::string PartiesNamed(const Evaluation& ev, const HeldLicense& l, bool exact_only, std::string& matched,
                         std::string& alike) {
  bool consignee = false;
  for (const auto& p : ev.tx.parties) {
    if (p.role != PartyRole::kUltimateConsignee && p.role != PartyRole::kEndUser &&
        p.role != PartyRole::kIntermediateConsignee)
      continue;
    consignee = consignee || p.role == PartyRole::kUltimateConsignee;
    double best = 0;
    bool same = false;
    bool country_unstated = false;  // the name is the licensed one, the party's country is not said
    const HeldLicense::Party* best_party = nullptr;
    for (const auto& lp : l.parties) {
      if (!RolesMatch(lp.role, p.role)) continue;
      if (!p.country.empty() && !lp.country.empty() && p.country != lp.country) continue;
      const bool same_name = ev.opt.licenses->SameName(lp.name, p.name);
      if (same_name && (!p.country.empty() || lp.country.empty())) {
        same = true, best = 1, best_party = &lp;
        break;
      }
      if (exact_only) continue;
      const double score = same_name ? 1.0 : ev.opt.licenses->CompareNames(lp.name, p.name);
      if (score > best) best = score, best_party = &lp, country_unstated = same_name;
    }
    const std::string who = std::string(PartyRoleName(p.role)) + " \"" + p.name + "\"";
    if (exact_only && !same) return who + " is not named on it word for word";
    if (!best_party || best < kCertainNameMatch) {
      return who + " is not named on it" +
             (best_party ? " (closest: \"" + best_party->name + "\", name score " + FormatDouble(best) + ")" : "");
    }
    if (!matched.empty()) matched += "; ";
    if (same) {
      matched += who + " is named on it";
      continue;
    }
    matched += who + " is alike to \"" + best_party->name + "\" (name score " + FormatDouble(best) + ")";
    if (!alike.empty()) alike += "; ";
    alike += country_unstated ? who + " states no country, and the license names \"" + best_party->name + "\" in " + best_party->country
                              : who + " is not the licensed \"" + best_party->name + "\" word for word (name score " + FormatDouble(best) + ")";
  }
  if (!consignee) return "the transaction names no ultimate consignee to match against the license";
  return "";
}

// Conditions the engine can check against the transaction: a reexport or transfer under a license
// that forbids them. The text of the condition decides ("No reexport without BIS authorization").
std::string BrokenCondition(const Evaluation& ev, const HeldLicense& l) {
  if (ev.tx.activity != Activity::kReexport && ev.tx.activity != Activity::kTransfer) return "";
  for (const std::string& c : l.conditions) {
    std::string folded;
    for (char ch : c) folded += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    for (std::string_view bar : {"no reexport", "no re-export", "no retransfer", "no re-transfer", "no transfer"}) {
      if (folded.find(bar) != std::string::npos) {
        return std::string("the transaction is a ") + ActivityName(ev.tx.activity) + " and the license's condition says \"" + c + "\"";
      }
    }
  }
  return "";
}

// The steps whose license requirement is the item's own, to its destination: what a license for
// the item and destination is granted for. A requirement of any other rule (an end use, the
// parties' headquarters, an is-informed letter) the license does not say it weighed.
constexpr StepId kItemDestinationSteps[] = {StepId::kLicenseArea3a090, StepId::kWorldwideLicenseA, StepId::kLicenseAreaB,
                                            StepId::kHbmLicense,       StepId::kH200CaseByCase,    StepId::kCountryAllocation,
                                            StepId::kModelWeights4e091};

}  // namespace

ItemVerdict HeldLicenseStep(Evaluation& ev, const TransactionFacts& facts, size_t i, const Classification& c,
                            ItemVerdict v, ItemResult& ir) {
  const LicenseView* view = ev.opt.licenses;
  if (!view || v.outcome != Outcome::kLicenseRequired) return v;
  const TransactionItem& ti = ev.tx.items[i];
  const int idx = static_cast<int>(i);
  const std::string_view eccn = c.determinate ? std::string_view(EccnName(c.eccn)) : std::string_view();
  const std::string_view chip = ti.spec.catalog ? std::string_view(ti.spec.catalog->name) : std::string_view();
  auto note = [&](Effect e, auto&& text) -> Finding& {
    Finding f;
    f.rule = kRule;
    f.citation = kCitation;
    f.summary = ev.Render(text);
    f.effect = e;
    f.item = idx;
    ev.findings.push_back(std::move(f));
    return ev.findings.back();
  };

  // A prohibition on the transaction (SDN, Denied Persons, …): no license is weighed against it.
  if (ev.tx_effects.Has(Effect::kProhibited)) {
    note(Effect::kInfo, EXPLAIN(ir.label + ": a prohibition holds; no license the company holds overrides it"));
    return v;
  }
  std::vector<const HeldLicense*> candidates;
  if (!ev.tx.license.empty()) {
    const HeldLicense* named = view->Find(ev.tx.license);
    if (!named) {
      note(Effect::kInfo, EXPLAIN(ir.label + ": the transaction names license " + ev.tx.license +
                                  ", which the company does not hold (licenses list); the item still needs a license"));
      return v;
    }
    candidates.push_back(named);
  }
  // The licenses a check reads, without the named one: those naming the ultimate consignee word
  // for word, then (only if none does) those naming a party that shares a word with it.
  std::string_view consignee;
  for (const auto& p : ev.tx.parties) {
    if (p.role == PartyRole::kUltimateConsignee) {
      consignee = p.name;
      break;
    }
  }
  size_t sharing_a_word = 0;  // licenses naming a party that shares a word with the consignee
  auto lookup = [&](bool exact_names) {
    if (!ev.tx.license.empty()) return;
    candidates.clear();
    if (consignee.empty()) return;
    if (exact_names) {
      view->CandidatesNaming(ev.tx.destination, eccn, chip, consignee, candidates);
    } else {
      sharing_a_word = view->CandidatesAlike(ev.tx.destination, eccn, chip, consignee, kMaxAlike, candidates);
    }
  };

  size_t other_parties = 0;  // licenses found for the item and destination that name other parties
  std::string first_other;
  // A license that covers only part of the item is said only when no other covers the whole.
  std::optional<LicenseUse> partial_use;
  std::string partial_note;
  // Weighs one license: nullopt to go on with the next, else the item's verdict. With
  // exact_names, a license whose parties are not the transaction's word for word is passed over
  // without the matcher (a company may hold thousands of licenses for one chip and destination):
  // the second pass weighs those, only when no license named the parties exactly.
  std::vector<const HeldLicense*> weighed;
  bool named_exactly = false;  // a license named the parties word for word: no second pass
  auto weigh = [&](const HeldLicense* l, bool exact_names) -> std::optional<ItemVerdict> {
    weighed.push_back(l);
    const std::string name = "License " + l->number + " (version " + std::to_string(l->version) + ")";
    size_t line_index = 0;
    const HeldLicense::Line* line = nullptr;
    for (size_t k = 0; k < l->lines.size(); ++k) {
      if (LineCovers(l->lines[k], eccn, chip)) {
        line = &l->lines[k];
        line_index = k;
        break;
      }
    }
    std::string why;  // why it does not cover, "" when it does
    bool would_cover = true;  // but for expiry, revocation or what remains
    if (!line) {
      why = "does not list " + (eccn.empty() ? std::string("the item's class") : std::string(eccn)) +
            (chip.empty() ? "" : " or " + std::string(chip));
      would_cover = false;
    } else if (std::find(l->destinations.begin(), l->destinations.end(), ev.tx.destination) == l->destinations.end()) {
      why = "does not authorize the destination " + ev.tx.destination;
      would_cover = false;
    }
    std::string matched, alike;
    if (why.empty()) {
      if (std::string p = PartiesNamed(ev, *l, exact_names, matched, alike); !p.empty()) {
        if (exact_names) {
          weighed.pop_back();  // weighed again by the matcher if no license names them exactly
          return std::nullopt;
        }
        // Found by item and destination, it names other parties: counted, the first said (a
        // company may hold hundreds for one destination).
        if (ev.tx.license.empty()) {
          if (other_parties++ == 0) first_other = name + " does not name the parties: " + p;
          return std::nullopt;
        }
        why = "does not name the parties: " + p;
        would_cover = false;
      } else if (exact_names) {
        named_exactly = true;
      }
    }
    if (why.empty() && l->revoked) {
      why = "was revoked" + (l->revocation_reason.empty() ? "" : " (" + l->revocation_reason + ")") + " and authorizes nothing";
    } else if (why.empty() && ev.date > l->expires) {
      why = "expired on " + l->expires.ToString();
    } else if (why.empty() && ev.date < l->issued) {
      why = "is not valid before its issuing date " + l->issued.ToString();
    }
    if (!why.empty()) {
      note(Effect::kInfo, EXPLAIN(ir.label + ": " + name + (would_cover ? " would cover this item but " : " ") + why));
      return std::nullopt;
    }

    // What the item draws on each limit, and what remains of it (ledger less earlier items): the
    // line's own units, the units of every line with a quantity, TPP, USD.
    struct Need {
      std::string measure;
      double amount = 0, limit = 0, remaining = 0;  // remaining: before this item
    };
    std::vector<Need> needs;
    if (line->quantity) {
      needs.push_back({LicenseLineMeasure(line_index), static_cast<double>(ti.quantity), static_cast<double>(*line->quantity)});
      needs.push_back({"units", static_cast<double>(ti.quantity), *l->units_limit()});
    }
    if (l->tpp_limit) {
      if (!c.tpp) why = "has a TPP limit, and the item's TPP is not known";
      needs.push_back({"tpp", ir.total_tpp, *l->tpp_limit});
    }
    if (l->value_usd_limit && why.empty()) {
      // A value limit counts what the shipment is worth: a shipment said to be worth nothing
      // cannot be shown to fit it.
      if (!ti.value_usd) why = "has a value limit, and the item states no value_usd";
      else if (*ti.value_usd <= 0) why = "has a value limit, and the item's value_usd is 0 (state what the shipment is worth)";
      else needs.push_back({"usd", *ti.value_usd, *l->value_usd_limit});
    }
    for (Need& n : needs) {
      if (!why.empty()) break;
      if (!ev.opt.allocations) { why = "cannot be drawn down: the ledger is not available, so what remains of it is not known"; break; }
      AllocationQuery q;
      q.account = AllocationQuery::Account::kLicense;
      q.license = l->number;
      q.measure = n.measure;
      q.as_of = ev.date;
      q.reference = ev.tx.reference;
      auto bal = ev.opt.allocations->Balance(q);
      if (!bal.ok()) { why = "cannot be drawn down: its account could not be read (" + bal.status().message() + ")"; break; }
      double drawn = 0;
      for (const auto& u : ev.license_uses) {
        if (u.number != l->number) continue;
        for (const auto& d : u.drawdowns) drawn += d.measure == n.measure ? d.amount : 0;
      }
      n.remaining = n.limit - bal->used - drawn;
    }
    if (!why.empty()) {
      note(Effect::kInfo, EXPLAIN(ir.label + ": " + name + " " + why));
      return std::nullopt;
    }
    bool fits = true, exhausted = false;
    std::string part;  // what it would cover, measure by measure
    for (const Need& n : needs) {
      if (n.remaining + 1e-9 >= n.amount) continue;
      fits = false;
      exhausted = exhausted || n.remaining <= 0;
      if (!part.empty()) part += "; ";
      const bool line_measure = n.measure.rfind("line", 0) == 0;
      part += Amount(std::max(0.0, n.remaining)) + " of the " + Amount(n.amount) + " " +
              (line_measure ? "units needed remain on its line " + n.measure.substr(4) : n.measure + " needed remain");
    }
    if (!fits && exhausted) {
      note(Effect::kInfo, EXPLAIN(ir.label + ": " + name + " would cover this item but is exhausted (" + part + ")"));
      return std::nullopt;
    }
    LicenseUse use{.number = l->number, .version = l->version, .expires = l->expires.ToString(), .items = {idx}, .partial = !fits, .drawdowns = {}};
    if (!fits) {
      // Part of the item only: said once no other license covers the whole of it.
      if (!partial_use) {
        partial_use = std::move(use);
        partial_note = ir.label + ": " + name + " covers only part of this item: " + part +
                       "; the rest still needs a license (ship at most what remains under it, or apply)";
      }
      return std::nullopt;
    }
    std::string draws;
    for (const Need& n : needs) {
      use.drawdowns.push_back({n.measure, n.amount, n.limit, n.remaining - n.amount});
      if (!draws.empty()) draws += ", ";
      draws += Amount(n.amount) + " " + (n.measure.rfind("line", 0) == 0 ? "units of line " + n.measure.substr(4) : n.measure) +
               " (" + Amount(n.remaining - n.amount) + " of " + Amount(n.limit) + " remain after)";
    }
    const std::string valid = " (valid " + l->issued.ToString() + " through " + l->expires.ToString() + "; " +
                              matched + ")";
    // What the license may not have weighed: an officer weighs both. A party on a list with its
    // own license requirement (the license may predate the listing; 15 CFR 744.11); a requirement
    // of another rule than the item's own to its destination; a name only alike; a condition the
    // transaction breaks.
    LicenseCover cover = LicenseCover::kWhole;
    auto unweighed = [&](const std::string& what) {
      cover = LicenseCover::kUnweighed;
      note(Effect::kUnresolved, EXPLAIN(ir.label + ": " + name + " would authorize this item" + valid + ", but " + what +
                                        "; an officer must review both"));
    };
    auto from_party_rule = [&](const Finding& f) {
      for (const Requirement& q : ev.party_requirements.view()) {
        if (q.rule == f.rule) return true;
      }
      return false;
    };
    auto item_destination_rule = [&](const Finding& f) {
      for (StepId s : kItemDestinationSteps) {
        const RuleDef* r = ev.rules.Step(s);
        if (r && r->id == f.rule) return true;
      }
      return false;
    };
    for (const Finding& f : ev.findings) {
      if (f.effect != Effect::kLicenseRequired) continue;
      if (f.item < 0 && from_party_rule(f)) {
        // The requirements on every item from the parties or the destination (Entity List,
        // Affiliates Rule, embargo).
        const RuleDef* embargo = ev.rules.Step(StepId::kEmbargo);
        if (embargo && f.rule == embargo->id) {
          cover = LicenseCover::kNone;
          note(Effect::kInfo, EXPLAIN(ir.label + ": " + name + " would cover this item, but does not override the embargo: " + f.summary));
          break;
        }
        unweighed(f.summary + " (" + std::string(f.citation) + "): a listing the license does not override");
      } else if (f.item == idx && !item_destination_rule(f)) {
        unweighed(f.summary + " (" + std::string(f.citation) + "): a requirement the license does not say it was granted for");
      }
    }
    if (cover == LicenseCover::kNone) return v;
    if (!alike.empty()) unweighed(alike + ": confirm it is the licensed party");
    // A license authorizes its holder: an exporter that is another company is not shown to ship
    // under it (an exporter not stated is taken to be the company that holds its licenses).
    for (const auto& p : ev.tx.parties) {
      if (p.role != PartyRole::kExporter || l->holder.empty() || ev.opt.licenses->SameName(l->holder, p.name)) continue;
      unweighed("the license is held by \"" + l->holder + "\" and the transaction's exporter is \"" + p.name + "\"");
    }
    if (std::string broken = BrokenCondition(ev, *l); !broken.empty()) unweighed(broken);
    const ItemVerdict out = ApplyLicense(v, cover);
    if (out.outcome == Outcome::kLicensed) {
      note(Effect::kLicensed, EXPLAIN(ir.label + ": authorized under " + name + valid + "; draws " + draws));
      ir.license = l->number;
      ev.license_uses.push_back(std::move(use));
    } else if (cover == LicenseCover::kWhole) {
      note(Effect::kInfo, EXPLAIN(ir.label + ": " + name + " would authorize this item" + valid +
                                  ", but a fact left open holds it for review"));
    }
    return out;
  };
  for (bool exact_names : {true, false}) {
    if (!exact_names && named_exactly) break;
    lookup(exact_names);
    for (const HeldLicense* l : candidates) {
      if (std::find(weighed.begin(), weighed.end(), l) != weighed.end()) continue;
      if (auto verdict = weigh(l, exact_names)) return *verdict;
    }
  }
  if (partial_use) {
    note(Effect::kInfo, EXPLAIN(partial_note));
    ev.license_uses.push_back(std::move(*partial_use));
    return v;
  }
  if (!ev.explain) return v;
  if (sharing_a_word > kMaxAlike) {
    note(Effect::kInfo, EXPLAIN(ir.label + ": " + std::to_string(sharing_a_word) + " licenses for this item and destination name a party sharing a word with \"" +
                                std::string(consignee) + "\"; the " + std::to_string(kMaxAlike) +
                                " sharing the most were compared by the name matcher, none names it word for word"));
  }
  // What the decision says of the other licenses for the item and destination: the first that
  // names other parties, how many more do, or that none lists the item there.
  std::vector<const HeldLicense*> all = candidates;
  if (ev.tx.license.empty()) {
    all.clear();
    view->Candidates(ev.tx.destination, eccn, chip, all);
  }
  for (const HeldLicense* l : all) {
    if (std::find(weighed.begin(), weighed.end(), l) != weighed.end()) continue;
    if (other_parties++ > 0) continue;
    std::string matched, alike;
    first_other = "License " + l->number + " (version " + std::to_string(l->version) + ") does not name the parties: " +
                  PartiesNamed(ev, *l, false, matched, alike);
  }
  if (other_parties > 0) {
    note(Effect::kInfo, EXPLAIN(ir.label + ": " + first_other +
                                (other_parties > 1 ? " (and " + std::to_string(other_parties - 1) +
                                                         " more license(s) for this item and destination name other parties)"
                                                   : std::string())));
  }
  if (all.empty()) {
    note(Effect::kInfo, EXPLAIN(ir.label + ": no license the company holds lists " +
                                (eccn.empty() ? std::string("this item") : std::string(eccn)) + (chip.empty() ? "" : " / " + std::string(chip)) +
                                " to " + ev.tx.destination));
  }
  (void)facts;
  return v;
}

}  // namespace exportctl::steps
