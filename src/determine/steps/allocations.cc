// Allocation accounting read from the ledger (AllocationView): the License Exception LPP room of
// the ultimate consignee this calendar year (740.29) and the AI Diffusion country allocation of
// a Tier 2 destination (742.6(b)(10)(iii)(B)). Without a ledger the limits are checked against
// this transaction alone, and the decision says so.
#include "determine/steps/families.h"

namespace exportctl::steps {
namespace {

// An account of the destination on the date; the transaction's own reservation is left out.
AllocationQuery DestinationQuery(const Evaluation& ev, AllocationQuery::Account account) {
  AllocationQuery q;
  q.account = account;
  q.country = std::string(ev.data.EffectiveCode(ev.tx.destination));
  q.as_of = ev.date;
  q.reference = ev.tx.reference;
  return q;
}

}  // namespace

// Before the transaction steps: what LPP still allows the consignee (ev.lpp_remaining).
void LppBalanceStep(Evaluation& ev, const TransactionFacts& facts, const RuleDef* r) {
  const Party* consignee = facts.consignee;
  if (!ev.opt.allocations || ev.lpp_tpp <= 0 || !consignee ||
      (consignee->name.empty() && consignee->party_id.empty()))
    return;
  AllocationQuery q = DestinationQuery(ev, AllocationQuery::Account::kLppConsignee);
  q.consignee = consignee->name;
  q.consignee_id = consignee->party_id;
  auto bal = ev.opt.allocations->Balance(q);
  if (!bal.ok()) {
    ev.Add(r, Effect::kUnresolved,
           EXPLAIN("LPP balance for \"" + consignee->name +
                   "\" could not be read: " + bal.status().message()));
    ev.tx_effects.Add(Effect::kUnresolved);
    return;
  }
  ev.lpp_remaining = std::max(0.0, bal->remaining());
  const std::string whose =
      "\"" + consignee->name + "\"" + LedgerSource(*bal) + " in " + std::to_string(ev.date.year());
  if (*ev.lpp_remaining < ev.lpp_tpp) {
    ev.Add(r, Effect::kInfo,
           EXPLAIN("License Exception LPP: " + FormatTpp(*ev.lpp_remaining) + " TPP remain for " +
                   whose + "; this transaction needs " + FormatTpp(ev.lpp_tpp) +
                   ", so LPP does not cover it (at most " + FormatTpp(*ev.lpp_remaining) +
                   " TPP would still fit)"));
  } else {
    ev.Add(r, Effect::kInfo,
           EXPLAIN("License Exception LPP: " + FormatTpp(*ev.lpp_remaining) + " TPP remain for " +
                   whose + "; this transaction needs " + FormatTpp(ev.lpp_tpp)));
  }
}

// The country allocation binds Tier 2 only, on the approval side: once it is met, the item needs a
// license under a policy of denial that only LPP overcomes. Earlier items of the transaction
// draw on it first (ev.country_drawn).
void CountryAllocationStep(Evaluation& ev, const TransactionFacts& facts, ItemContext& item,
                           const RuleDef& rule) {
  if (item.worldwide_policy != ReviewPolicy::kPresumptionOfApproval || facts.dest_tier1 ||
      facts.hq_all_tier1)
    return;
  const RuleDef* ca = &rule;
  if (!ev.agreements.empty() && AgreementVeu(ev, facts, item)) return;
  if (!ev.opt.allocations) {
    ev.Add(ca, Effect::kInfo,
           EXPLAIN("Country allocation (" + FormatTpp(ev.rules.country_allocation) + " TPP for " +
                   ev.rules.country_allocation_period +
                   ") not checked: allocation accounting not performed"),
           item.idx);
    ev.Warn(
        "Allocation accounting not performed: the country allocation and LPP limits were not "
        "checked against cumulative shipments");
    return;
  }
  auto bal = ev.opt.allocations->Balance(
      DestinationQuery(ev, AllocationQuery::Account::kCountryAllocation));
  if (!bal.ok()) {
    ev.Add(ca, Effect::kUnresolved,
           EXPLAIN("Country allocation could not be read: " + bal.status().message()), item.idx);
    item.effects.Add(Effect::kUnresolved);
    return;
  }
  // An agreement's uplift raises the cap the rule sets (a ledger told of it holds the same cap).
  if (ev.agreements.uplift_by) bal->cap = AgreementAllocationCap(ev, ev.rules.country_allocation, item.idx);
  if (bal->remaining() - ev.country_drawn < item.item_tpp) {
    Finding& af =
        ev.Add(ca, Effect::kLicenseRequired,
               EXPLAIN("Country allocation for " + ev.tx.destination + LedgerSource(*bal) + ": " +
                       FormatTpp(std::max(0.0, bal->remaining() - ev.country_drawn)) +
                       " TPP remain of " + FormatTpp(bal->cap) + "; this item needs " +
                       FormatTpp(item.item_tpp) + " TPP. Once the allocation is met: \"" +
                       ev.rules.allocation_exhausted_wording + "\""),
               item.idx);
    af.review_policy = ReviewPolicy::kPresumptionOfDenial;
    af.policy_wording = ev.rules.allocation_exhausted_wording;
    item.reqs.push_back(
        {ca->id, ReviewPolicy::kPresumptionOfDenial, ExceptionBit(LicenseException::kLPP)});
  } else {
    ev.Add(ca, Effect::kInfo,
           EXPLAIN("Country allocation for " + ev.tx.destination + LedgerSource(*bal) + ": " +
                   FormatTpp(bal->remaining() - ev.country_drawn) +
                   " TPP remain; this item needs " + FormatTpp(item.item_tpp)),
           item.idx);
    item.draws_country_allocation = true;
    if (item.c.determinate)
      ev.country_drawn += item.item_tpp;  // the next item of this transaction draws on what is left
  }
}

}  // namespace exportctl::steps
