// The H20 / MI308 is-informed letters (15 CFR 744.23(b), 2025) and the H200 rule (91 FR 1684,
// 2026): China (incl. Hong Kong, Macau) and D:5.
#include "determine/steps/families.h"

namespace exportctl::steps {

// H200 rule, run first among the item steps: exports to China/Macau of chips inside the
// performance zone, commercially available in the US on the rule's date, with all five exporter
// certifications, are reviewed case by case instead of under a presumption of denial
// (ItemContext::ApplyH200). With a ledger attached the exporter's China/Macau share is checked.
void H200ZoneStep(Evaluation& ev, const TransactionFacts& facts, ItemContext& item,
                  const RuleDef& rule) {
  if (!facts.dest_china_macau || !(item.advanced || item.eccn == Eccn::k3A991p) || !item.c.tpp)
    return;
  const RuleDef* h200 = &rule;
  bool h200_zone = false;
  {
    std::optional<double> bw = item.spec.memory_bandwidth_gbps;
    if (item.spec.kind == ItemKind::kSystem) bw.reset();
    h200_zone = *item.c.tpp < ev.rules.h200_max_tpp && bw && *bw < ev.rules.h200_max_bw;
    const bool certifying = ev.tx.activity == Activity::kExport && ev.tx.h200_certifications &&
                            ev.tx.h200_certifications->all();
    if (h200_zone && certifying) {
      // The rule covers chips commercially available in the US when it was published
      // (commercially_available_in_us_on in the data).
      const ChipRecord* cat = item.spec.catalog;
      if (!cat || !cat->us_market_2026_01_15) {
        h200_zone = false;
        ev.Warn(EXPLAIN(item.label +
                        ": H200 rule: whether it was commercially available in the US on " +
                        ev.rules.h200_us_market_date +
                        " is not established, so the case-by-case policy is not applied "
                        "(presumption of denial stays)"));
      } else {
        Finding& f = ev.Add(
            h200, Effect::kInfo,
            EXPLAIN(item.label + " is inside the H200 rule's zone (TPP " + FormatTpp(*item.c.tpp) +
                    " < " + FormatTpp(ev.rules.h200_max_tpp) + ", DRAM bandwidth " +
                    FormatTpp(*bw) + " < " + FormatTpp(ev.rules.h200_max_bw) +
                    " GB/s) and was commercially available in the US on " +
                    ev.rules.h200_us_market_date + " (" + cat->us_market_citation + ")"),
            item.idx);
        if (!ev.rules.h200_zone_verified) {
          f.verified = false;
          ev.Warn(EXPLAIN(item.label +
                          ": the H200 rule's zone thresholds rest on secondary summaries, not the "
                          "rule's text (" +
                          ev.rules.h200_zone_citation +
                          "); the case-by-case policy relies on them: rule " + h200->id));
        }
      }
    }
    if (certifying) {
      auto near = [&](double v, double limit, const char* what) {
        if (std::fabs(v - limit) / limit <= kNearThreshold && v != limit) {
          ev.Warn(EXPLAIN(item.label + ": " + what + " " + FormatTpp(v) + " is within " +
                          FormatTpp(kNearThreshold * 100) + "% of the H200 rule's limit " +
                          FormatTpp(limit) + " (" +
                          FormatDouble(std::fabs(v - limit) / limit * 100) + "% " +
                          (v < limit ? "under" : "over") +
                          "): confirm the figures before relying on the zone"));
        }
      };
      near(*item.c.tpp, ev.rules.h200_max_tpp, "TPP");
      if (bw) near(*bw, ev.rules.h200_max_bw, "DRAM bandwidth (GB/s)");
    }
  }
  item.h200_certified = h200_zone &&
                        ev.tx.activity == Activity::kExport &&  // reexports stay under denial
                        ev.tx.h200_certifications && ev.tx.h200_certifications->all();
  // The exporter certifies that China/Macau volume stays within half of its US shipments of the
  // product; with a ledger attached that share is checked, not taken on trust.
  if (item.h200_certified && ev.opt.allocations) {
    std::string_view exporter;
    for (const auto& p : ev.tx.parties) {
      if (p.role == PartyRole::kExporter && !p.name.empty()) exporter = p.name;
    }
    if (!exporter.empty()) {
      AllocationQuery q;
      q.account = AllocationQuery::Account::kH200ChinaShare;
      q.exporter = std::string(exporter);
      q.product = item.label;
      q.as_of = ev.date;
      q.reference = ev.tx.reference;
      auto bal = ev.opt.allocations->Balance(q);
      if (!bal.ok()) {
        ev.Add(h200, Effect::kUnresolved,
               EXPLAIN("H200 rule: the China/Macau share of \"" + std::string(exporter) +
                       "\" for " + item.label + " could not be read: " + bal.status().message()),
               item.idx);
        item.effects.Add(Effect::kUnresolved);
      } else if (double& drawn = ev.h200_drawn[item.label];
                 bal->remaining() - drawn < item.item_tpp) {
        item.h200_share_exceeded = true;
        ev.Add(
            h200, Effect::kInfo,
            EXPLAIN("H200 rule: " + item.label + " needs " + FormatTpp(item.item_tpp) +
                    " TPP but only " + FormatTpp(std::max(0.0, bal->remaining() - drawn)) +
                    " TPP remain of the China/Macau share (" +
                    FormatTpp(ev.rules.h200_china_to_us_ratio * 100) + "% of US shipments) of \"" +
                    std::string(exporter) + "\"" + LedgerSource(*bal) +
                    "; the volume certification does not hold, so the policy stays presumption of "
                    "denial"),
            item.idx);
      } else if (item.c.determinate) {
        drawn += item.item_tpp;
      }
    }
  }
}

// H20 / MI308 is-informed letters: China (incl. Hong Kong, Macau) and D:5, or companies
// headquartered (or with an ultimate parent) there. A letter binds the company informed.
void H20IsInformedStep(Evaluation& ev, const TransactionFacts& facts, ItemContext& item,
                       const RuleDef& rule) {
  if (!item.abroad || item.spec.kind != ItemKind::kIntegratedCircuit) return;
  const RuleDef* r = &rule;
  const bool in_scope = facts.dest_china_macau || facts.dest_d5_macau || facts.hq_d5_macau;
  // Every finding below needs the scope, or a recipient's headquarters unknown: no letter to look up.
  if (!in_scope && !facts.hq_unknown) return;
  const auto& mb = item.spec.memory_bandwidth_gbps;
  const auto& ib = item.spec.interconnect_bandwidth_gbps;
  const CompiledRules::Letter* letter = nullptr;
  enum class Reach { kNamed, kMemory, kInterconnect } reach = Reach::kNamed;
  for (const auto& l : ev.rules.h20_letters) {
    if (ev.date < l.from || letter) continue;
    if (item.spec.catalog &&
        std::find(l.chips.begin(), l.chips.end(), item.spec.catalog->id) != l.chips.end()) {
      letter = &l;
      reach = Reach::kNamed;
    } else if (l.bandwidth_test && mb && *mb >= ev.rules.h20_memory_bw) {
      letter = &l;
      reach = Reach::kMemory;
    } else if (l.bandwidth_test && ib && *ib >= ev.rules.h20_interconnect_bw) {
      letter = &l;
      reach = Reach::kInterconnect;
    }
  }
  // How the letter reaches the item, in words (only for a decision that is shown).
  auto why = [&]() -> std::string {
    switch (reach) {
      case Reach::kNamed: return "named in " + letter->vendor + "'s letter";
      case Reach::kMemory:
        return "memory bandwidth " + FormatTpp(*mb) + " GB/s reaches the H20's " +
               FormatTpp(ev.rules.h20_memory_bw) + " (" + letter->vendor + "'s letter)";
      case Reach::kInterconnect:
        return "interconnect bandwidth " + FormatTpp(*ib) + " GB/s reaches the H20's " +
               FormatTpp(ev.rules.h20_interconnect_bw) + " (" + letter->vendor + "'s letter)";
    }
    return {};
  };
  if (letter && in_scope) {
    const std::string where =
        facts.dest_china_macau || facts.dest_d5_macau
            ? "destined to " + ev.tx.destination
            : "for an entity headquartered (or with its ultimate parent) in China, Macau or D:5";
    Finding& f = ev.Add(r, Effect::kLicenseRequired,
                        EXPLAIN(item.label + " is covered by the is-informed requirement (" + why() +
                                "), " + where + ": " + letter->citation),
                        item.idx);
    f.review_policy = item.ApplyH200(ReviewPolicy::kPresumptionOfDenial);
    f.policy_wording = r->policy_wording;
    item.reqs.push_back({r->id, f.review_policy, 0});
    // 744.23(b): the letter binds the company informed; for any other exporter it is a flag.
    std::string_view exporter;
    for (const auto& p : ev.tx.parties) {
      if (p.role == PartyRole::kExporter) exporter = p.name;
    }
    std::string lower_exporter(exporter), lower_vendor = letter->vendor;
    for (char& ch : lower_exporter)
      ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    for (char& ch : lower_vendor)
      ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (lower_exporter.find(lower_vendor) == std::string::npos) {
      f.verified = false;
      ev.Warn(EXPLAIN(
          item.label + ": the is-informed letter applied is " + letter->vendor +
          "'s, which binds " + letter->vendor + " (" + ev.rules.cite.is_informed + "); " +
          (exporter.empty()
               ? std::string("the exporter is not stated")
               : "the exporter \"" + std::string(exporter) + "\" is not shown to be informed") +
          ", so the requirement is applied as a flag: confirm whether your company was informed"));
    }
  } else if (letter && facts.hq_unknown && !in_scope) {
    ev.Add(r, Effect::kUnresolved,
           EXPLAIN(item.label + " is covered by " + letter->vendor +
                   "'s is-informed letter, which also reaches companies headquartered in China, "
                   "Macau or D:5: " +
                   facts.HqUnknownFact()),
           item.idx);
    item.effects.Add(Effect::kUnresolved);
  } else if (!letter && in_scope && !mb && (item.advanced || item.eccn == Eccn::k3A991p)) {
    ev.Add(r, Effect::kUnresolved,
           EXPLAIN(item.label + ": memory bandwidth not given, so coverage by the H20 is-informed "
                                "requirement cannot be ruled out"),
           item.idx);
    item.effects.Add(Effect::kUnresolved);
  } else if (!letter && in_scope && !ib && (item.advanced || item.eccn == Eccn::k3A991p)) {
    ev.Warn(EXPLAIN(
        item.label +
        ": interconnect bandwidth not given; H20 coverage was judged on memory bandwidth alone"));
  }
}

}  // namespace exportctl::steps
