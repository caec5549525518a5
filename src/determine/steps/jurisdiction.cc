// The jurisdiction step: whether the EAR reaches each item that states its origin (15 CFR 734.3,
// 734.4, 734.9), decided by jurisdiction/ on the transaction's facts. An item outside the EAR
// meets no licensing step (Evaluation::Run); one a missing fact leaves open is taken as subject.
#include <algorithm>

#include "determine/steps/families.h"

namespace exportctl::steps {
namespace {
void WeighItems(Evaluation& ev);
}  // namespace

// Entity List footnote 1 or 4 for 734.9(e): stated or screened listings of the party itself.
// Unknown unless screening ran for the party and found nothing. Owners count through the
// Affiliates Rule, in its windows (Evaluation::owner_footnotes), not here.
jurisdiction::Answer FootnoteAnswer(const Party& p, const std::vector<Listing>& listings, bool screened, int footnote) {
  using jurisdiction::Answer;
  bool uncertain = !screened && !p.screening_assumed_clear;
  for (const auto& l : listings) {
    if (l.list != RestrictedList::kEntityList) continue;
    if (l.score < 1.0) uncertain = true;
    else if (l.footnote == footnote) return Answer::kYes;
  }
  return uncertain ? Answer::kUnknown : Answer::kNo;
}

namespace {

void WeighItems(Evaluation& ev) {
  const std::vector<Classification>& classes = *ev.classes;
  using jurisdiction::Answer;
  using jurisdiction::Verdict;
  // Items without origin facts have no determination: the list is only needed beside one that has.
  if (std::any_of(ev.tx.items.begin(), ev.tx.items.end(), [](const TransactionItem& it) { return it.origin.has_value(); })) {
    ev.jurisdictions.assign(ev.tx.items.size(), std::nullopt);
    ev.subject_by_entity_fdp.assign(ev.tx.items.size(), false);
  }
  const RuleDef* assumed = ev.rules.jurisdiction_assumed;
  std::string without;
  bool weighed = false;
  auto tri = [](const std::optional<bool>& b) { return b ? (*b ? Answer::kYes : Answer::kNo) : Answer::kUnknown; };
  for (size_t i = 0; i < ev.tx.items.size(); ++i) {
    const TransactionItem& item = ev.tx.items[i];
    const int idx = static_cast<int>(i);
    if (!item.origin) {
      if (ev.explain) without += (without.empty() ? "" : ", ") + item.label;
      continue;
    }
    weighed = true;
    if (!ev.rules.jurisdiction_rules) {
      jurisdiction::Determination d;
      d.missing.push_back("the jurisdiction data (" + ev.rules.jurisdiction_error + ")");
      ev.jurisdictions[i] = std::move(d);
      ev.Warn(EXPLAIN(item.label + ": the jurisdiction data cannot be read (" + ev.rules.jurisdiction_error + "); taken as subject to the EAR"));
      continue;
    }
    jurisdiction::Facts f;
    f.item = item.label;
    f.field = "items[" + std::to_string(i) + "]";
    f.origin = *item.origin;
    const Classification& c = classes[i];
    if (c.determinate) f.eccns.push_back(EccnName(c.eccn));
    for (Eccn e : c.candidates) f.eccns.push_back(EccnName(e));
    f.computer = item.spec.kind == ItemKind::kSystem;
    f.technology = item.spec.kind == ItemKind::kModelWeights;
    f.model_weights = f.technology;
    if (f.technology && !f.origin.published) f.origin.published = item.spec.weights.published;
    f.designer_headquarters = item.spec.designer_headquarters;
    f.spec = &item.spec;  // the GP10 presumption reads a catalog chip's name and a system's chips
    f.destination = ev.tx.destination;
    f.as_of = ev.date;
    f.posture = ev.posture;
    for (size_t k = 0; k < ev.tx.parties.size(); ++k) {
      const Party& p = ev.tx.parties[k];
      jurisdiction::PartyFacts pf;
      pf.who = RoleInWords(p.role) + " \"" + p.name + "\"";
      pf.headquarters = p.headquarters;
      pf.ultimate_parent_headquarters = p.ultimate_parent_headquarters;
      if (k < ev.party_footnotes.size()) {
        pf.footnote_1 = ev.party_footnotes[k][0];
        pf.footnote_4 = ev.party_footnotes[k][1];
      } else {  // screening did not run: stated listings only, which never clear a party
        pf.footnote_1 = FootnoteAnswer(p, p.listings, false, 1);
        pf.footnote_4 = FootnoteAnswer(p, p.listings, false, 4);
      }
      if (k < ev.owner_footnotes.size()) {  // the owner's footnote follows a covered party
        auto stronger = [](Answer a, Answer b) { return a == Answer::kYes || b == Answer::kYes ? Answer::kYes
                                                        : a == Answer::kUnknown || b == Answer::kUnknown ? Answer::kUnknown
                                                                                                         : Answer::kNo; };
        pf.footnote_1 = stronger(pf.footnote_1, ev.owner_footnotes[k][0]);
        pf.footnote_4 = stronger(pf.footnote_4, ev.owner_footnotes[k][1]);
      }
      f.parties.push_back(std::move(pf));
    }
    f.incorporated_into_items_for = ev.tx.end_use.incorporated_into_items_for;
    f.for_footnote_entity = tri(ev.tx.end_use.for_footnote_1_4_entity);
    f.supercomputer_prc_macau = tri(ev.tx.end_use.supercomputer_prc_macau);
    const std::string_view dest = ev.data.EffectiveCode(ev.tx.destination);
    if (ev.tx.end_use.supercomputer && (dest == "CN" || dest == "MO")) f.supercomputer_prc_macau = Answer::kYes;

    jurisdiction::Determination j = jurisdiction::Decide(*ev.rules.jurisdiction_rules, f, [&ev](std::string_view code, uint32_t read) {
      return ev.Groups(code, read);
    });
    const std::string when = ev.date.ToString() + " (" + PostureName(ev.posture) + ")";
    auto rule_of = [&](std::string_view id) { return ev.data.FindRule(id); };
    if (j.verdict == Verdict::kSubject) {
      for (const auto& r : j.routes) {
        if (r.met == Answer::kYes && !r.excludes) {
          ev.Add(rule_of(r.rule), Effect::kInfo, EXPLAIN(item.label + " is subject to the EAR (" + r.name + "): " + r.summary), idx);
          if (r.name == "fdp_e") ev.subject_by_entity_fdp[i] = true;
        }
      }
      if (j.gp10) {
        ev.Warn(EXPLAIN(item.label + ": presumed a foreign direct product made in violation of the EAR (BIS guidance of 2025-05-13); "
                     "General Prohibition 10 reaches using or dealing in it unless its authorization is documented"));
      }
    } else if (j.verdict == Verdict::kNotSubject) {
      std::string facts;
      for (const auto& r : j.routes) facts += (facts.empty() ? "" : "; ") + r.name + ": " + r.summary;
      ev.Add(rule_of(j.routes.size() == 1 && j.routes[0].excludes ? "jurisdiction.published" : "jurisdiction.not_subject"),
          Effect::kNotSubject, EXPLAIN(item.label + " is not subject to the EAR on " + when + ", on the facts stated: " + facts), idx);
      ev.Warn(EXPLAIN(item.label + ": not subject to the EAR rests on the facts stated and on the knowledge the reach of " + ev.rules.cite.jurisdiction_reach + " turns on; "
                   "re-check it for every shipment"));
    } else {
      // What the engine cannot weigh (data not in force on the date, a rule it does not model)
      // is no fact the caller can add: the decision goes to review.
      for (const auto& u : j.unsupported) {
        ev.Add(rule_of("jurisdiction.unsupported"), Effect::kUnresolved,
            EXPLAIN(item.label + ": " + u + "; whether the EAR reaches it is left to review (taken as subject)"), idx);
        ev.tx_effects.Add(Effect::kUnresolved);
      }
      std::string missing;
      for (const auto& m : j.missing) missing += (missing.empty() ? "" : ", ") + m;
      if (!j.missing.empty()) {
        ev.Add(rule_of("jurisdiction.undetermined"), Effect::kInfo,
            EXPLAIN(item.label + ": whether the EAR reaches it cannot be determined without " + missing +
                    "; decided as subject to the EAR (fail closed)"), idx);
        ev.Warn(EXPLAIN(item.label + ": jurisdiction undetermined (missing " + missing + "); taken as subject to the EAR"));
      } else {
        ev.Warn(EXPLAIN(item.label + ": jurisdiction undetermined (the engine cannot weigh all of it); taken as subject to the EAR, for review"));
      }
      if (auto* proposals = ev.counterfactuals()) {
        // Each missing fact given the answer that keeps the item out, and all of them together.
        std::vector<Counterfactual> each;
        for (const auto& m : j.missing) {
          const std::string o = f.field + ".origin.";
          std::function<void(Transaction&)> give;
          std::string value = "false", summary;
          if (m == o + "in_us") give = [i](Transaction& x) { x.items[i].origin->in_us = false; };
          else if (m == o + "produced_in_us") give = [i](Transaction& x) { x.items[i].origin->produced_in_us = false; };
          else if (m == o + "us_origin_plant") give = [i](Transaction& x) { x.items[i].origin->us_origin_plant = false; };
          else if (m == o + "us_technology_eccns") value = "[]", give = [i](Transaction& x) { x.items[i].origin->us_technology_eccns.emplace(); };
          else if (m == o + "us_content") value = "[]", give = [i](Transaction& x) { x.items[i].origin->us_content.emplace(); };
          else if (m == o + "trained_on_chips_subject_to_ear") give = [i](Transaction& x) { x.items[i].origin->trained_on_chips_subject_to_ear = false; };
          else if (m == o + "design_technology_subject_to_ear") give = [i](Transaction& x) { x.items[i].origin->design_technology_subject_to_ear = false; };
          else if (m == "end_use.supercomputer_prc_macau") give = [](Transaction& x) { x.end_use.supercomputer_prc_macau = false; };
          else if (m == "end_use.for_footnote_1_4_entity") give = [](Transaction& x) { x.end_use.for_footnote_1_4_entity = false; };
          else if (m == "end_use.incorporated_into_items_for") value = "[]", give = [](Transaction& x) { x.end_use.incorporated_into_items_for.emplace(); };
          else if (m.starts_with("parties[") && m.ends_with("].restricted_lists")) {
            // Screening that finds no Entity List footnote 1 or 4 listing for the party.
            const size_t k = std::stoul(m.substr(8));
            value = "[]";
            summary = "screening finds no Entity List footnote 1 or 4 listing for the " + f.parties[k].who;
            give = [k](Transaction& x) { x.parties[k].screening_assumed_clear = true; };
          }
          if (give) each.push_back({m, value, summary.empty() ? "stated as " + value + " (" + item.label + ")" : summary, give});
        }
        for (const auto& cf : each) proposals->push_back(cf);
        if (each.size() > 1) {
          std::string fields, value = "{";
          for (const auto& cf : each) {
            fields += (fields.empty() ? "" : ", ") + cf.field;
            value += (value.size() > 1 ? "," : "") + std::string("\"") + cf.field + "\":" + cf.value;
          }
          proposals->push_back({fields, value + "}", "all of these stated as shown (" + item.label + ")",
                                       [each](Transaction& x) { for (const auto& cf : each) cf.give(x); }});
        }
      }
    }
    for (const auto& c : j.codified_reach) ev.Add(rule_of(c.rule), Effect::kInfo, EXPLAIN(item.label + ": " + c.note), idx);
    for (const auto& n : j.notes) ev.Warn(EXPLAIN(item.label + ": " + n));
    ev.jurisdictions[i] = std::move(j);
  }
  if (!without.empty() && assumed) {
    ev.Add(assumed, Effect::kInfo, EXPLAIN(Cat({"No origin facts for ", without, ": taken as US-origin, subject to the EAR (",
                                                assumed->citation, "); give items[].origin to weigh whether the EAR reaches a foreign-made item"})));
  }
  ev.Step({"jurisdiction", weighed ? "performed" : "assumed",
        weighed ? std::string_view(ev.rules.cite.jurisdiction_weighed_detail)
                : "no origin facts: every item taken as US-origin and subject to the EAR"});
}

}  // namespace

void JurisdictionStep(Evaluation& ev, const TransactionFacts&, const RuleDef*) {
  // Its reasons lead the decision: the first question is whether the EAR reaches the item.
  const size_t before = ev.findings.size();
  WeighItems(ev);
  std::rotate(ev.findings.begin(), ev.findings.begin() + static_cast<std::ptrdiff_t>(before), ev.findings.end());
}

}  // namespace exportctl::steps
