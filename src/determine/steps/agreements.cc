// Country agreements as overlays (data/agreements.h). AgreementEffectOn decides which overlays are
// in force for the destination on the date and what they change; this file applies that to one
// evaluation: the country allocation's cap, and the review policy of named rules' requirements for
// named parties. Nothing here knows a country: the overlays are data.
#include <algorithm>
#include <optional>

#include "determine/steps/families.h"

namespace exportctl::steps {
namespace {

ReviewPolicy PolicyOf(AgreementPolicy p) {
  switch (p) {
    case AgreementPolicy::kPresumptionOfApproval: return ReviewPolicy::kPresumptionOfApproval;
    case AgreementPolicy::kCaseByCase: return ReviewPolicy::kCaseByCase;
    case AgreementPolicy::kPresumptionOfDenial: return ReviewPolicy::kPresumptionOfDenial;
  }
  return ReviewPolicy::kPresumptionOfDenial;
}

void MarkApplied(Evaluation& ev, const Agreement* a) {
  if (std::find(ev.agreements_applied.begin(), ev.agreements_applied.end(), a) == ev.agreements_applied.end())
    ev.agreements_applied.push_back(a);
}

// The finding an overlay adds: its id as the rule, the change's citation.
void AddFinding(Evaluation& ev, const Agreement& a, const AgreementChange& ch, std::string summary, int item,
                ReviewPolicy policy = ReviewPolicy::kNone) {
  Finding f;
  f.rule = a.id;
  f.citation = ch.citation;
  f.summary = ev.explain ? std::move(summary) : std::string();
  f.effect = Effect::kInfo;
  f.review_policy = policy;
  f.item = item;
  f.verified = a.status == AgreementStatus::kCodified;
  ev.findings.push_back(std::move(f));
}

std::string Label(const Agreement& a) {
  return "overlay \"" + a.id + "\" (" + AgreementStatusName(a.status) + ", " + a.Dates() + ")";
}

// Whether the change names the ultimate consignee (by party_id or name, written alike); a change
// naming no parties reaches every recipient.
bool Names(const AgreementChange& ch, const Party* consignee) {
  if (ch.parties.empty()) return true;
  if (!consignee) return false;
  const std::string name = AgreementPartyKey(consignee->name), id = AgreementPartyKey(consignee->party_id);
  return std::any_of(ch.parties.begin(), ch.parties.end(), [&](const std::string& p) {
    const std::string k = AgreementPartyKey(p);
    return k == name || (!id.empty() && k == id);
  });
}

}  // namespace

// The country allocation as raised by the largest uplift in force (742.6(b)(10)(iii)(C)).
double AgreementAllocationCap(Evaluation& ev, double cap, int item) {
  const AgreementEffect& e = ev.agreements;
  if (!e.uplift_by) return cap;
  MarkApplied(ev, e.uplift_by);
  const double raised = cap * (1.0 + e.allocation_uplift);
  if (ev.explain)
    AddFinding(ev, *e.uplift_by, *e.uplift_change,
               "Country allocation for " + ev.tx.destination + " raised by " + FormatDouble(e.allocation_uplift * 100) +
                   " % to " + FormatTpp(raised) + " TPP under " + Label(*e.uplift_by) + ": " + e.uplift_by->title,
               item);
  return raised;
}

// A validated end user under an overlay: its items do not draw on the country allocation.
bool AgreementVeu(Evaluation& ev, const TransactionFacts& facts, const ItemContext& item) {
  for (const auto& pc : ev.agreements.party_changes) {
    if (pc.change->kind != AgreementChangeKind::kVeu || !Names(*pc.change, facts.consignee)) continue;
    MarkApplied(ev, pc.agreement);
    AddFinding(ev, *pc.agreement, *pc.change,
               "\"" + facts.consignee->name + "\" is a validated end user under " + Label(*pc.agreement) +
                   ": its items do not draw on the country allocation",
               item.idx);
    return true;
  }
  return false;
}

// Quota, review policy and VEU changes: the requirements of the rules a change names take its
// policy, for the parties it names. A quota holds only while the whole transaction fits what is
// left of it: the ledger keeps what earlier orders took (quota:<overlay>/<change>, reserved with
// the decision); without a ledger its use is not tracked, which the decision says.
void ApplyAgreementChanges(Evaluation& ev, const TransactionFacts& facts, ItemContext& item) {
  int64_t units = 0;
  double tpp = 0;
  bool tpp_known = true;
  for (size_t i = 0; i < ev.tx.items.size(); ++i) {
    units += ev.tx.items[i].quantity;
    if (ev.classes && (*ev.classes)[i].tpp) tpp += *(*ev.classes)[i].tpp * static_cast<double>(ev.tx.items[i].quantity);
    else tpp_known = false;
  }
  for (const auto& pc : ev.agreements.party_changes) {
    const AgreementChange& ch = *pc.change;
    if (!Names(ch, facts.consignee)) continue;
    ReviewPolicy policy = ReviewPolicy::kPresumptionOfApproval;
    std::string why;
    std::optional<QuotaDraw> draw;
    if (ch.kind == AgreementChangeKind::kQuota) {
      const std::string measure = ch.units ? "units" : "tpp";
      const double limit = ch.units ? static_cast<double>(*ch.units) : *ch.tpp;
      const double need = ch.units ? static_cast<double>(units) : tpp;
      const std::string quota = ch.units ? std::to_string(*ch.units) + " units" : FormatTpp(*ch.tpp) + " TPP";
      auto amount = [&](double v) { return FormatTpp(v) + (ch.units ? " units" : " TPP"); };
      auto refuse = [&](const std::string& what) {
        AddFinding(ev, *pc.agreement, ch, what + " under " + Label(*pc.agreement) + ": the quota does not cover it", item.idx);
      };
      if (!ch.units && !tpp_known) {
        refuse("The quota of " + quota + " is in TPP and an item's TPP is not known");
        continue;
      }
      // What earlier orders took of it, from the ledger.
      std::optional<double> used;
      if (ev.opt.allocations) {
        AllocationQuery q;
        q.account = AllocationQuery::Account::kAgreementQuota;
        q.quota = AgreementQuotaName(*pc.agreement, ch);
        q.measure = measure;
        q.as_of = ev.date;
        q.reference = ev.tx.reference;
        auto bal = ev.opt.allocations->Balance(q);
        if (!bal.ok()) {
          refuse("What is left of the quota of " + quota + " could not be read (" + bal.status().message() + ")");
          continue;
        }
        used = bal->used;
      }
      const double left = limit - used.value_or(0);
      if (need > left + 1e-9) {
        refuse("This transaction (" + std::to_string(units) + " units, " + FormatTpp(tpp) + " TPP) exceeds " +
               (used && *used > 0 ? "what is left of the quota of " + quota + " (" + amount(std::max(0.0, left)) +
                                        "; earlier orders took " + amount(*used) + ")"
                                  : "the quota of " + quota));
        continue;
      }
      why = "within the quota of " + quota + " for \"" + (facts.consignee ? facts.consignee->name : "") + "\"";
      if (used) {
        why += ", " + amount(left - need) + " left after this transaction";
        draw = QuotaDraw{AgreementQuotaName(*pc.agreement, ch), measure, need, limit};
      } else {
        ev.Warn([&] {
          return "Overlay \"" + pc.agreement->id + "\": use of its quota (" + quota +
                 ") by earlier shipments is not tracked (no ledger); confirm what is left of it";
        });
      }
    } else if (ch.kind == AgreementChangeKind::kReviewPolicy) {
      policy = PolicyOf(ch.policy);
      why = "review policy set by the agreement";
    } else {
      why = "validated end user under the agreement";
    }
    Requirements changed;
    bool any = false;
    for (Requirement r : item.reqs.view()) {
      if (std::find(ch.rules.begin(), ch.rules.end(), r.rule) != ch.rules.end() && r.policy != policy) {
        r.policy = policy;
        any = true;
      }
      changed.push_back(r);
    }
    if (!any) continue;
    item.reqs = std::move(changed);
    MarkApplied(ev, pc.agreement);
    if (draw && std::none_of(ev.quota_draws.begin(), ev.quota_draws.end(),
                             [&](const QuotaDraw& d) { return d.quota == draw->quota; }))
      ev.quota_draws.push_back(std::move(*draw));
    AddFinding(ev, *pc.agreement, ch,
               item.label + ": " + std::string(ReviewPolicyName(policy)) + " for the license requirements of " +
                   [&] {
                     std::string rules;
                     for (const auto& r : ch.rules) rules += (rules.empty() ? "" : ", ") + r;
                     return rules;
                   }() + " (" + why + ") under " + Label(*pc.agreement) + ": " + pc.agreement->title,
               item.idx, policy);
  }
}

// Every overlay in force for the destination is named; one not codified in law is a warning; one
// for the destination but not in force on the date is said too.
void NoteAgreements(Evaluation& ev, Decision& out) {
  const std::string_view dest = ev.data.EffectiveCode(ev.tx.destination);
  for (const Agreement* a : ev.opt.overlays) {
    if (a->country != dest) continue;
    const bool applied =
        std::find(ev.agreements_applied.begin(), ev.agreements_applied.end(), a) != ev.agreements_applied.end();
    if (!a->InForce(ev.date)) {
      ev.warnings.push_back("Overlay \"" + a->id + "\" is not in force on " + ev.date.ToString() + " (" + a->Dates() +
                            "): not applied");
      continue;
    }
    out.overlays.push_back({a->id, a->title, AgreementStatusName(a->status), a->Dates(), applied});
    if (a->status == AgreementStatus::kAnnounced)
      ev.warnings.push_back("Overlay \"" + a->id + "\" is announced, not codified law (secondary sources: " +
                            (a->sources.empty() ? std::string("none given") : a->sources.front()) + ")" +
                            (applied ? "; this decision relies on it" : "; it changed nothing here"));
    else if (a->status == AgreementStatus::kHypothetical)
      ev.warnings.push_back("Overlay \"" + a->id + "\" is hypothetical (user-made), not law" +
                            std::string(applied ? "; this decision relies on it" : "; it changed nothing here"));
  }
  for (const Agreement* a : ev.opt.overlays) {
    if (a->country != dest)
      ev.warnings.push_back("Overlay \"" + a->id + "\" is for " + a->country + ", not " + std::string(dest) + ": not applied");
  }
}

}  // namespace exportctl::steps
