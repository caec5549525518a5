// Licenses the company holds (15 CFR 750.7): after an item's verdict, whether a license meets its
// license requirement. A license authorizes only what it states: the ECCN or chip of one of its
// lines, one of its destinations, the parties it names, on a date within its validity, up to what
// remains of each of its limits (units, TPP, USD: ledger accounts license:<number>:<measure>).
// It never outranks a prohibition, a doubt, or a listing of a party (ApplyLicense, combine.h).
#include <cstdio>

#include "data/dataset.h"

#include "determine/steps/families.h"

namespace exportctl::steps {
namespace {

constexpr std::string_view kRule = "license.held";
constexpr std::string_view kCitation = "15 CFR 750.7";
constexpr const char* kMeasures[3] = {"units", "tpp", "usd"};

std::string Amount(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f", v);
  return buf;
}

bool LineCovers(const HeldLicense::Line& line, std::string_view eccn, std::string_view chip) {
  if (!line.chip.empty()) return line.chip == chip;
  if (eccn.empty() || line.eccn.empty()) return false;
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
// `matched` says how each was matched, for the reason.
std::string PartiesNamed(const Evaluation& ev, const HeldLicense& l, std::string& matched) {
  bool consignee = false;
  for (const auto& p : ev.tx.parties) {
    if (p.role != PartyRole::kUltimateConsignee && p.role != PartyRole::kEndUser &&
        p.role != PartyRole::kIntermediateConsignee)
      continue;
    consignee = consignee || p.role == PartyRole::kUltimateConsignee;
    double best = 0;
    const HeldLicense::Party* best_party = nullptr;
    for (const auto& lp : l.parties) {
      if (!RolesMatch(lp.role, p.role)) continue;
      if (!p.country.empty() && !lp.country.empty() && p.country != lp.country) continue;
      const double score = ev.opt.licenses->CompareNames(lp.name, p.name);
      if (score > best) best = score, best_party = &lp;
    }
    const std::string who = std::string(PartyRoleName(p.role)) + " \"" + p.name + "\"";
    if (!best_party || best < kCertainNameMatch) {
      return who + " is not named on it" +
             (best_party ? " (closest: \"" + best_party->name + "\", name score " + FormatDouble(best) + ")" : "");
    }
    if (!matched.empty()) matched += "; ";
    matched += who + " matches \"" + best_party->name + "\" (name score " + FormatDouble(best) + ")";
  }
  if (!consignee) return "the transaction names no ultimate consignee to match against the license";
  return "";
}

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
  } else {
    view->Candidates(ev.tx.destination, eccn, chip, candidates);
  }

  size_t other_parties = 0;  // licenses found for the item and destination that name other parties
  std::string first_other;
  struct Need {
    double amount = 0;
    double limit = 0;
    double remaining = 0;  // before this item
    bool applies = false;
  };
  for (const HeldLicense* l : candidates) {
    const std::string name = "License " + l->number + " (version " + std::to_string(l->version) + ")";
    const HeldLicense::Line* line = nullptr;
    for (const auto& ln : l->lines) {
      if (LineCovers(ln, eccn, chip)) {
        line = &ln;
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
    std::string matched;
    if (why.empty()) {
      if (std::string p = PartiesNamed(ev, *l, matched); !p.empty()) {
        // Found by item and destination, it names other parties: counted, the first said (a
        // company may hold hundreds for one destination).
        if (ev.tx.license.empty()) {
          if (other_parties++ == 0) first_other = name + " does not name the parties: " + p;
          continue;
        }
        why = "does not name the parties: " + p;
        would_cover = false;
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
      continue;
    }

    // What the item draws on each limit, and what remains of it (ledger less earlier items).
    Need needs[3];
    const std::optional<double> limits[3] = {line->quantity ? l->units_limit() : std::nullopt, l->tpp_limit,
                                             l->value_usd_limit};
    if (line->quantity && ti.quantity > *line->quantity) why = "allows " + Amount(static_cast<double>(*line->quantity)) + " units of this line in all";
    for (int m = 0; m < 3 && why.empty(); ++m) {
      if (!limits[m]) continue;
      Need& n = needs[m];
      n.applies = true;
      n.limit = *limits[m];
      if (m == 0) n.amount = static_cast<double>(ti.quantity);
      if (m == 1) {
        if (!c.tpp) { why = "has a TPP limit, and the item's TPP is not known"; break; }
        n.amount = ir.total_tpp;
      }
      if (m == 2) {
        if (!ti.value_usd) { why = "has a value limit, and the item states no value_usd"; break; }
        n.amount = *ti.value_usd;
      }
      if (!ev.opt.allocations) { why = "cannot be drawn down: the ledger is not available, so what remains of it is not known"; break; }
      AllocationQuery q;
      q.account = AllocationQuery::Account::kLicense;
      q.license = l->number;
      q.measure = kMeasures[m];
      q.as_of = ev.date;
      q.reference = ev.tx.reference;
      auto bal = ev.opt.allocations->Balance(q);
      if (!bal.ok()) { why = "cannot be drawn down: its account could not be read (" + bal.status().message() + ")"; break; }
      double drawn = 0;
      for (const auto& u : ev.license_uses) {
        if (u.number != l->number) continue;
        for (const auto& d : u.drawdowns) drawn += d.measure == kMeasures[m] ? d.amount : 0;
      }
      n.remaining = n.limit - bal->used - drawn;
    }
    if (!why.empty()) {
      note(Effect::kInfo, EXPLAIN(ir.label + ": " + name + " " + why));
      continue;
    }
    bool fits = true, exhausted = false;
    std::string part;  // what it would cover, measure by measure
    for (int m = 0; m < 3; ++m) {
      if (!needs[m].applies) continue;
      const Need& n = needs[m];
      if (n.remaining + 1e-9 >= n.amount) continue;
      fits = false;
      exhausted = exhausted || n.remaining <= 0;
      if (!part.empty()) part += "; ";
      part += Amount(std::max(0.0, n.remaining)) + " of the " + Amount(n.amount) + " " + kMeasures[m] + " needed remain";
    }
    if (!fits && exhausted) {
      note(Effect::kInfo, EXPLAIN(ir.label + ": " + name + " would cover this item but is exhausted (" + part + ")"));
      continue;
    }
    LicenseUse use{.number = l->number, .version = l->version, .expires = l->expires.ToString(), .items = {idx}, .partial = !fits, .drawdowns = {}};
    std::string draws;
    for (int m = 0; m < 3; ++m) {
      if (!needs[m].applies) continue;
      const Need& n = needs[m];
      if (fits) use.drawdowns.push_back({kMeasures[m], n.amount, n.limit, n.remaining - n.amount});
      if (!draws.empty()) draws += ", ";
      draws += Amount(n.amount) + " " + kMeasures[m] + " (" + Amount(n.remaining - n.amount) + " of " + Amount(n.limit) + " remain after)";
    }
    ir.license = l->number;
    if (!fits) {
      // Part of the item only: the decision says what is covered and what still needs a license.
      note(Effect::kInfo, EXPLAIN(ir.label + ": " + name + " covers only part of this item: " + part +
                                  "; the rest still needs a license (ship at most what remains under it, or apply)"));
      ev.license_uses.push_back(std::move(use));
      return v;
    }
    const std::string valid = " (valid " + l->issued.ToString() + " through " + l->expires.ToString() + "; " +
                              matched + ")";
    // A party on a list that brings its own license requirement: the license may predate the
    // listing, and does not override it (15 CFR 744.11); an officer weighs both.
    LicenseCover cover = LicenseCover::kWhole;
    auto from_party_rule = [&](const Finding& f) {
      for (const Requirement& q : ev.party_requirements.view()) {
        if (q.rule == f.rule) return true;
      }
      return false;
    };
    for (const Finding& f : ev.findings) {
      // The requirements on every item from the parties or the destination (Entity List,
      // Affiliates Rule, embargo), not the item's own.
      if (f.item >= 0 || f.effect != Effect::kLicenseRequired || !from_party_rule(f)) continue;
      const RuleDef* embargo = ev.rules.Step(StepId::kEmbargo);
      if (embargo && f.rule == embargo->id) {
        cover = LicenseCover::kNone;
        note(Effect::kInfo, EXPLAIN(ir.label + ": " + name + " would cover this item, but does not override the embargo: " + f.summary));
        break;
      }
      cover = LicenseCover::kListedParty;
      note(Effect::kUnresolved, EXPLAIN(ir.label + ": " + name + " would authorize this item" + valid +
                                        ", but " + f.summary + " (" + std::string(f.citation) +
                                        "): a listing the license does not override; an officer must review both"));
    }
    if (cover == LicenseCover::kNone) return v;
    const ItemVerdict out = ApplyLicense(v, cover);
    if (out.outcome == Outcome::kLicensed) {
      note(Effect::kLicensed, EXPLAIN(ir.label + ": authorized under " + name + valid + "; draws " + draws));
      ev.license_uses.push_back(std::move(use));
    } else if (cover == LicenseCover::kWhole) {
      note(Effect::kInfo, EXPLAIN(ir.label + ": " + name + " would authorize this item" + valid +
                                  ", but a fact left open holds it for review"));
    }
    return out;
  }
  if (other_parties > 0) {
    note(Effect::kInfo, EXPLAIN(ir.label + ": " + first_other +
                                (other_parties > 1 ? " (and " + std::to_string(other_parties - 1) +
                                                         " more license(s) for this item and destination name other parties)"
                                                   : std::string())));
  }
  if (candidates.empty()) {
    note(Effect::kInfo, EXPLAIN(ir.label + ": no license the company holds lists " +
                                (eccn.empty() ? std::string("this item") : std::string(eccn)) + (chip.empty() ? "" : " / " + std::string(chip)) +
                                " to " + ev.tx.destination));
  }
  (void)facts;
  return v;
}

}  // namespace exportctl::steps
