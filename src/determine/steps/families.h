// The rule steps, by family (one .cc file each). The table that registers them, in the order they
// run, is kRuleSteps in determine/engine.cc. Internal to determine/.
#pragma once

#include "determine/steps/step.h"

namespace exportctl::steps {

// embargo.cc — Part 746.
void EmbargoStep(Evaluation& ev, const TransactionFacts& facts, const RuleDef* rule);
// restricted_parties.cc — Entity List, DPL, UVL, MEU, SDN and the lists an officer reviews.
void RestrictedPartiesStep(Evaluation& ev, const TransactionFacts& facts, const RuleDef* rule);
// affiliates.cc — the Affiliates Rule (ownership by listed parties).
void AffiliatesStep(Evaluation& ev, const TransactionFacts& facts, const RuleDef* rule);
// red_flags.cc — red flags of diversion (runs unbound: says whether any were reported).
void RedFlagsStep(Evaluation& ev, const TransactionFacts& facts, const RuleDef* rule);
// ai_diffusion.cc — the compliance-date notice, the worldwide .a license and the .b license area.
void CompliancePendingStep(Evaluation& ev, const TransactionFacts& facts, const RuleDef* rule);
void WorldwideLicenseStep(Evaluation& ev, const TransactionFacts& facts, ItemContext& item,
                          const RuleDef& rule);
void LicenseAreaBStep(Evaluation& ev, const TransactionFacts& facts, ItemContext& item,
                      const RuleDef& rule);
// h20_h200.cc — the H200 rule's zone (first item step) and the H20 is-informed letters.
void H200ZoneStep(Evaluation& ev, const TransactionFacts& facts, ItemContext& item,
                  const RuleDef& rule);
void H20IsInformedStep(Evaluation& ev, const TransactionFacts& facts, ItemContext& item,
                       const RuleDef& rule);
// license_area.cc — AC/S 2023: license area, headquarters rule, supercomputer end use.
void LicenseArea2023Step(Evaluation& ev, const TransactionFacts& facts, ItemContext& item,
                         const RuleDef& rule);
void HeadquartersStep(Evaluation& ev, const TransactionFacts& facts, ItemContext& item,
                      const RuleDef& rule);
void SupercomputerEndUseStep(Evaluation& ev, const TransactionFacts& facts, ItemContext& item,
                             const RuleDef& rule);
// allocations.cc — the LPP room (before the transaction steps) and the country allocation.
void LppBalanceStep(Evaluation& ev, const TransactionFacts& facts, const RuleDef* rule);
void CountryAllocationStep(Evaluation& ev, const TransactionFacts& facts, ItemContext& item,
                           const RuleDef& rule);
// hbm.cc — 3A090.c to Macau/D:5.
void HbmLicenseStep(Evaluation& ev, const TransactionFacts& facts, ItemContext& item,
                    const RuleDef& rule);
// model_weights.cc — 4E091.
void ModelWeightsStep(Evaluation& ev, const TransactionFacts& facts, ItemContext& item,
                      const RuleDef& rule);
// training_policy.cc — the 2025-05-13 AI-training policy.
void AiTrainingPolicyStep(Evaluation& ev, const TransactionFacts& facts, ItemContext& item,
                          const RuleDef& rule);
// gp10.cc — General Prohibition 10 and PRC advanced-computing ICs.
void Gp10KnowledgeStep(Evaluation& ev, const TransactionFacts& facts, ItemContext& item,
                       const RuleDef& rule);
void Gp10PrcIcsStep(Evaluation& ev, const TransactionFacts& facts, ItemContext& item,
                    const RuleDef& rule);
// exceptions.cc — whether each exception's own conditions hold, and the reason for the one chosen.
bool NacConditions(Evaluation& ev, const TransactionFacts& facts, const ItemContext& item);
bool AcaConditions(Evaluation& ev, const TransactionFacts& facts, const ItemContext& item);
bool AiaConditions(Evaluation& ev, const TransactionFacts& facts, const ItemContext& item);
bool LppConditions(Evaluation& ev, const TransactionFacts& facts, const ItemContext& item);
bool HbmConditions(Evaluation& ev, const TransactionFacts& facts, const ItemContext& item);
void ExplainException(Evaluation& ev, const TransactionFacts& facts, const ItemContext& item,
                      LicenseException e);

// The step of each license exception (the table's `grants`).
StepId ExceptionStepId(LicenseException e);

}  // namespace exportctl::steps
