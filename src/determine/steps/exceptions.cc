// License exceptions that may overcome an item's license requirements: NAC and ACA (740.8), AIA
// (740.27), LPP (740.29), HBM (740.25). Each step says whether the exception's own conditions
// hold for the item; which one applies (the first in preference order that every requirement
// allows) is Combine's (determine/combine.h), and no exception applies when a listing or an
// embargo bars them.
#include "determine/steps/families.h"

namespace exportctl::steps {

// NAC: non-datacenter .a items and .b items to Macau/D:5 or for Macau/D:5-headquartered
// entities; BIS is notified first (740.8(a)).
bool NacConditions(Evaluation&, const TransactionFacts& facts, const ItemContext& item) {
  return item.nac_aca_item && (facts.dest_d5_macau || facts.hq_d5_macau) && !facts.embargo;
}

// ACA: the same items to D:1/D:4 destinations other than Macau/D:5, for entities not
// headquartered in Macau/D:5 (740.8(b)).
bool AcaConditions(Evaluation&, const TransactionFacts& facts, const ItemContext& item) {
  return item.nac_aca_item && (facts.Dest(Group::D1) || facts.Dest(Group::D4)) &&
         !facts.dest_d5_macau && !facts.hq_d5_macau && !facts.hq_unknown && !facts.embargo;
}

// AIA: located in and every recipient headquartered in Supp. No. 5 paragraph (a); 4E091 weights
// only with the storage assurance (740.27).
bool AiaConditions(Evaluation& ev, const TransactionFacts& facts, const ItemContext& item) {
  if (!facts.dest_tier1 || !facts.hq_all_tier1 || facts.hq_d5_macau) return false;
  return item.eccn != Eccn::k4E091 || ev.tx.model_weights_secure_storage;
}

// LPP: .a items within the per-consignee TPP a calendar year (the data's limit, and what the
// ledger says is left), never for Tier 3 (740.29).
bool LppConditions(Evaluation& ev, const TransactionFacts& facts, const ItemContext& item) {
  return IsA(item.eccn) && !facts.dest_d5_macau && !facts.hq_d5_macau && !facts.hq_unknown &&
         item.c.tpp && ev.lpp_tpp <= ev.rules.lpp_limit &&
         (!ev.lpp_remaining || ev.lpp_tpp <= *ev.lpp_remaining);
}

// HBM: 3A090.c shipped directly to the co-package designer, below the memory bandwidth density
// limit, by an exporter headquartered in the US or A:5 (not Macau/D:5) (740.25).
bool HbmConditions(Evaluation& ev, const TransactionFacts&, const ItemContext& item) {
  const auto& hbm = ev.tx.hbm;
  return item.eccn == Eccn::k3A090c && hbm && hbm->direct_to_copackager &&
         item.c.memory_bandwidth_density &&
         *item.c.memory_bandwidth_density < ev.rules.hbm_exception_max_density &&
         !ev.D5OrMacau(hbm->exporter_headquarters) &&
         (ev.data.EffectiveCode(hbm->exporter_headquarters) == "US" ||
          ev.Groups(hbm->exporter_headquarters, GroupBit(Group::A5)) != 0);
}

// The exception that overcomes every requirement on the item: its rule, and why its own
// conditions hold (favourable outcomes cite their rules like the others).
void ExplainException(Evaluation& ev, const TransactionFacts& facts, const ItemContext& item,
                      LicenseException e) {
  const RuleDef* r = ev.Active(ExceptionStepId(e));
  if (!r) return;
  const Eccn eccn = item.eccn;
  const Classification& c = item.c;
  ev.Add(r, Effect::kLicenseException, EXPLAIN([&] {
           const std::string cls = item.label + " (" + EccnName(eccn) + ")";
           std::string overcome;
           for (const Requirement& rq : item.reqs.view()) {
             if (overcome.find(rq.rule) == std::string::npos)
               overcome += (overcome.empty() ? "" : ", ") + std::string(rq.rule);
           }
           std::string why;
           switch (e) {
             case LicenseException::kNAC:
               why = std::string(IsA(eccn) ? "not designed or marketed for datacenters"
                                           : "a .b item") +
                     ", and " +
                     (facts.dest_d5_macau ? ev.tx.destination + " is Macau or in D:5"
                                          : facts.hq_d5_fact + " (D:5 or Macau)");
               break;
             case LicenseException::kACA:
               why = std::string(IsA(eccn) ? "not designed or marketed for datacenters"
                                           : "a .b item") +
                     "; " + ev.tx.destination + " is in " + ev.DestinationGroups(facts) +
                     " (D:1 or D:4, not D:5 or Macau), and no recipient is headquartered in D:5 or "
                     "Macau (" +
                     ev.RecipientHeadquarters() + ")";
               break;
             case LicenseException::kAIA:
               why = ev.tx.destination +
                     " is a " + ev.rules.cite.tier1_list + " destination and every recipient is "
                     "headquartered in one (" +
                     ev.RecipientHeadquarters() + ")";
               break;
             case LicenseException::kLPP:
               why = "the transaction's 3A090.a/4A090.a total, " + FormatTpp(ev.lpp_tpp) +
                     " TPP, is within " + FormatTpp(ev.rules.lpp_limit) +
                     " TPP per ultimate consignee per calendar year" +
                     (ev.lpp_remaining
                          ? " (" + FormatTpp(*ev.lpp_remaining) + " TPP remain for \"" +
                                (facts.consignee ? facts.consignee->name : std::string()) +
                                "\" in " + std::to_string(ev.date.year()) + ")"
                          : " (cumulative shipments to the consignee not checked: no ledger)") +
                     "; neither the destination nor a recipient is Tier 3 (" +
                     ev.RecipientHeadquarters() + ")";
               break;
             case LicenseException::kHBM:
               why = "shipped directly to the co-package designer; memory bandwidth density " +
                     (c.memory_bandwidth_density ? FormatDouble(*c.memory_bandwidth_density)
                                                 : std::string("?")) +
                     " GB/s/mm2 is below " + FormatDouble(ev.rules.hbm_exception_max_density) +
                     "; exporter headquartered in " + ev.tx.hbm->exporter_headquarters;
               break;
             case LicenseException::kCount:
               break;
           }
           return cls + ": License Exception " + std::string(LicenseExceptionName(e)) +
                  " applies: " + why + "; it overcomes " + overcome;
         }()),
         item.idx);
}

}  // namespace exportctl::steps
