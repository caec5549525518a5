// General Prohibition 10 (15 CFR 736.2(b)(10)) and PRC advanced-computing ICs: before
// BIS's guidance of 2025-05-13 its knowledge standard (a red flag to resolve), from it the
// guidance's presumption (Huawei Ascend 910B/910C/910D named), any activity, anywhere. Which items
// are PRC 3A090 ICs is jurisdiction::PresumeGp10's question, for these steps and the jurisdiction
// step alike: named chips, a 3A090/4A090 item designed or produced in D:5 or Macau, and systems
// containing any of them.
#include "determine/steps/families.h"

namespace exportctl::steps {
namespace {

// The presumption for the item under the class being weighed (one candidate at a time).
jurisdiction::Gp10Presumption Presume(Evaluation& ev, const ItemContext& item) {
  if (!ev.rules.jurisdiction_rules) {  // fail closed: the data that says which ICs are PRC ones
    return {jurisdiction::Answer::kUnknown, false,
            "the GP10 data cannot be read (" + ev.rules.jurisdiction_error + ")", {}};
  }
  // The other posture's evaluation of the same item and class takes the answer kept by the first,
  // reading the same memberships again (so that they are recorded, and checked to answer alike).
  SharedFacts* shared = item.spec.kind == ItemKind::kSystem ? nullptr : ev.shared_facts();
  if (shared && !shared->keep_gp10) shared = nullptr;
  if (shared) {
    for (const SharedFacts::Gp10Kept& k : shared->gp10) {
      if (k.item != item.index || k.eccn != item.eccn) continue;
      bool same = true;
      for (const auto& [code, read, answer] : k.reads) same = ev.Groups(code, read) == answer && same;
      if (same) return k.presumption;
      shared = nullptr;  // answered otherwise: weighed again, and not kept
      break;
    }
  }
  jurisdiction::Gp10Facts f;
  f.item = item.label;
  f.field = "items[" + std::to_string(item.index) + "]";
  f.spec = &item.spec;
  f.eccns.push_back(EccnName(item.eccn));
  if (item.tx_item.origin) f.produced_in = item.tx_item.origin->produced_in;
  f.as_of = ev.date;
  f.posture = ev.posture;
  f.why_if_not = false;  // both steps return on a "no" without its words
  if (!shared) {
    return jurisdiction::PresumeGp10(*ev.rules.jurisdiction_rules, f,
                                     [&ev](std::string_view code, uint32_t read) { return ev.Groups(code, read); });
  }
  SharedFacts::Gp10Kept& kept = shared->gp10.emplace_back();
  kept.item = item.index;
  kept.eccn = item.eccn;
  kept.presumption = jurisdiction::PresumeGp10(
      *ev.rules.jurisdiction_rules, f, [&ev, &kept](std::string_view code, uint32_t read) {
        const uint32_t answer = ev.Groups(code, read);
        kept.reads.emplace_back(std::string(code), read, answer);
        return answer;
      });
  return kept.presumption;
}

}  // namespace

// Before the guidance: a PRC 3A090 IC is a red flag that its production likely violated the EAR;
// resolve it before dealing (no presumption yet).
void Gp10KnowledgeStep(Evaluation& ev, const TransactionFacts&, ItemContext& item,
                       const RuleDef& rule) {
  if (ev.Active(StepId::kGp10PrcIcs)) return;
  const jurisdiction::Gp10Presumption p = Presume(ev, item);
  if (p.applies != jurisdiction::Answer::kYes) return;
  // The guidance's date: its regime's effective date in the data.
  const RuleDef* guidance = ev.rules.Step(StepId::kGp10PrcIcs);
  const Regime* regime = guidance ? ev.data.FindRegime(guidance->regime_id) : nullptr;
  ev.Add(&rule, Effect::kUnresolved,
         EXPLAIN(p.why +
                 ": a PRC 3A090 IC (or an item containing one); under General Prohibition 10 dealing "
                 "in it is prohibited with knowledge that a violation "
                 "occurred in its production; that is a red flag to resolve before "
                 "proceeding (BIS's guidance presuming it came " +
                 (regime ? "on " + regime->effective.ToString() : std::string("later")) + ")"),
         item.idx);
  item.effects.Add(Effect::kUnresolved);
}

// From the guidance: dealing in a PRC 3A090 IC (or a system containing one) risks violating GP10
// (prohibited), except for technical evaluation or destructive testing (its safe harbour); an
// item a fact left out could make one (an IC's designer not stated) cannot be ruled out.
void Gp10PrcIcsStep(Evaluation& ev, const TransactionFacts&, ItemContext& item,
                    const RuleDef& rule) {
  const jurisdiction::Gp10Presumption p = Presume(ev, item);
  if (p.applies == jurisdiction::Answer::kNo) return;
  if (p.applies == jurisdiction::Answer::kUnknown) {
    ev.Add(&rule, Effect::kUnresolved,
           EXPLAIN(p.why + ", so GP10 (PRC 3A090 ICs) cannot be ruled out"), item.idx);
    item.effects.Add(Effect::kUnresolved);
    return;
  }
  if (ev.tx.end_use.technical_evaluation) {
    ev.Add(&rule, Effect::kInfo,
           EXPLAIN(p.why + ": a PRC advanced-computing IC (or an item containing one); acquired solely for technical "
                           "evaluation or destructive testing (safe harbour in the guidance)"),
           item.idx);
    ev.Warn(EXPLAIN(item.label + ": GP10 safe harbour relied on; keep the item to technical "
                                 "evaluation or destructive testing"));
    return;
  }
  ev.Add(&rule, Effect::kProhibited,
         EXPLAIN(p.why +
                 ": presumed a PRC 3A090 IC (or an item containing one) made in violation of the EAR; using, "
                 "transferring or otherwise dealing in it risks violating General Prohibition 10"),
         item.idx);
  item.effects.Add(Effect::kProhibited);
}

}  // namespace exportctl::steps
