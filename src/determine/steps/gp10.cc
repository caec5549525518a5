// General Prohibition 10 (15 CFR 736.2(b)(10)) and PRC-designed advanced-computing ICs: before
// BIS's guidance of 2025-05-13 its knowledge standard (a red flag to resolve), from it the
// guidance's presumption (Huawei Ascend 910B/910C/910D named), any activity, anywhere.
#include "determine/steps/families.h"

namespace exportctl::steps {
namespace {

bool NamedInGuidance(const Evaluation& ev, const ItemSpec& s) {
  return s.catalog && std::find(ev.rules.gp10_named.begin(), ev.rules.gp10_named.end(),
                                s.catalog->id) != ev.rules.gp10_named.end();
}

}  // namespace

// Before the guidance: a PRC-designed 3A090 IC is a red flag that its production likely violated
// the EAR; resolve it before dealing (no presumption yet).
void Gp10KnowledgeStep(Evaluation& ev, const TransactionFacts&, ItemContext& item,
                       const RuleDef& rule) {
  if (ev.Active(StepId::kGp10PrcIcs)) return;
  const ItemSpec& s = item.spec;
  if (NamedInGuidance(ev, s) || (ev.D5OrMacau(s.designer_headquarters) && IsAdvanced(item.eccn))) {
    // The guidance's date: its regime's effective date in the data.
    const RuleDef* guidance = ev.rules.Step(StepId::kGp10PrcIcs);
    const Regime* regime = guidance ? ev.data.FindRegime(guidance->regime_id) : nullptr;
    ev.Add(&rule, Effect::kUnresolved,
           EXPLAIN(item.label +
                   " is a PRC-designed 3A090 IC: under General Prohibition 10 dealing "
                   "in it is prohibited with knowledge that a violation "
                   "occurred in its production; that is a red flag to resolve before "
                   "proceeding (BIS's guidance presuming it came " +
                   (regime ? "on " + regime->effective.ToString() : std::string("later")) + ")"),
           item.idx);
    item.effects.Add(Effect::kUnresolved);
  }
}

// From the guidance: dealing in a PRC 3A090 IC risks violating GP10 (prohibited), except for
// technical evaluation or destructive testing (its safe harbour); an IC whose designer's
// headquarters is not stated cannot be ruled out.
void Gp10PrcIcsStep(Evaluation& ev, const TransactionFacts&, ItemContext& item,
                    const RuleDef& rule) {
  const ItemSpec& s = item.spec;
  const bool named = NamedInGuidance(ev, s);
  const bool prc = ev.D5OrMacau(s.designer_headquarters);
  if (named || (prc && IsAdvanced(item.eccn))) {
    if (ev.tx.end_use.technical_evaluation) {
      ev.Add(
          &rule, Effect::kInfo,
          EXPLAIN(item.label + " is a PRC advanced-computing IC; acquired solely for technical "
                               "evaluation or destructive testing (safe harbour in the guidance)"),
          item.idx);
      ev.Warn(EXPLAIN(item.label + ": GP10 safe harbour relied on; keep the item to technical "
                                   "evaluation or destructive testing"));
    } else {
      ev.Add(&rule, Effect::kProhibited,
             EXPLAIN(item.label + " is a PRC 3A090 IC" +
                     std::string(named ? " named in BIS's guidance" : "") +
                     ": using, transferring or otherwise dealing in it risks violating General "
                     "Prohibition 10"),
             item.idx);
      item.effects.Add(Effect::kProhibited);
    }
  } else if (s.kind == ItemKind::kIntegratedCircuit && s.designer_headquarters.empty() &&
             IsAdvanced(item.eccn)) {
    ev.Add(
        &rule, Effect::kUnresolved,
        EXPLAIN(item.label +
                ": designer headquarters not stated, so GP10 (PRC 3A090 ICs) cannot be ruled out"),
        item.idx);
    item.effects.Add(Effect::kUnresolved);
  }
}

}  // namespace exportctl::steps
