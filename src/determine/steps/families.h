// The rule steps, by family (one .cc file each), declared by their kind (step.h: a transaction,
// item or exception step). The table that registers them, in the order they run, is kRuleSteps
// in determine/engine.cc. Internal to determine/.
#pragma once

#include "determine/steps/step.h"

namespace exportctl::steps {

// embargo.cc — Part 746.
TransactionStepFn EmbargoStep;
// restricted_parties.cc — Entity List, DPL, UVL, MEU, SDN and the lists an officer reviews.
TransactionStepFn RestrictedPartiesStep;
// An item subject to the EAR stated to be for an Entity List footnote 1 or 4 entity
// (end_use.for_footnote_1_4_entity), whether or not the entity is a screened party.
ItemStepFn FootnoteEntityEndUseStep;
// affiliates.cc — the Affiliates Rule (ownership by listed parties).
TransactionStepFn AffiliatesStep;
// jurisdiction.cc — whether the EAR reaches each item with origin facts (734.3, 734.4, 734.9);
// and, for restricted_parties, a party's Entity List footnote 1 or 4 answer for 734.9(e).
TransactionStepFn JurisdictionStep;
jurisdiction::Answer FootnoteAnswer(const Party& p, const std::vector<Listing>& listings, bool screened, int footnote);
// red_flags.cc — red flags of diversion (runs unbound: says whether any were reported).
TransactionStepFn RedFlagsStep;
// ai_diffusion.cc — the compliance-date notice, the worldwide .a license and the .b license area.
TransactionStepFn CompliancePendingStep;
ItemStepFn WorldwideLicenseStep;
ItemStepFn LicenseAreaBStep;
// h20_h200.cc — the H200 rule's zone (first item step) and the H20 is-informed letters.
ItemStepFn H200ZoneStep;
ItemStepFn H20IsInformedStep;
// license_area.cc — AC/S 2023: license area, headquarters rule, supercomputer end use.
ItemStepFn LicenseArea2023Step;
ItemStepFn HeadquartersStep;
ItemStepFn SupercomputerEndUseStep;
// allocations.cc — the LPP room (before the transaction steps) and the country allocation.
TransactionStepFn LppBalanceStep;
ItemStepFn CountryAllocationStep;
// agreements.cc — country agreements as overlays (data/agreements.h): the uplift of the country
// allocation, and the changes for named parties to the requirements of named rules (run after the
// item steps, before the exceptions); then what the decision says about the overlays weighed.
double AgreementAllocationCap(Evaluation& ev, double cap, int item);
bool AgreementVeu(Evaluation& ev, const TransactionFacts& facts, const ItemContext& item);
void ApplyAgreementChanges(Evaluation& ev, const TransactionFacts& facts, ItemContext& item);
void NoteAgreements(Evaluation& ev, Decision& out);
// hbm.cc — 3A090.c to Macau/D:5.
ItemStepFn HbmLicenseStep;
// model_weights.cc — 4E091.
ItemStepFn ModelWeightsStep;
// training_policy.cc — the 2025-05-13 AI-training policy.
ItemStepFn AiTrainingPolicyStep;
// gp10.cc — General Prohibition 10 and PRC advanced-computing ICs.
ItemStepFn Gp10KnowledgeStep;
ItemStepFn Gp10PrcIcsStep;
// exceptions.cc — whether each exception's own conditions hold, and the reason for the one chosen.
ExceptionStepFn NacConditions;
ExceptionStepFn AcaConditions;
ExceptionStepFn AiaConditions;
ExceptionStepFn LppConditions;
ExceptionStepFn HbmConditions;
void ExplainException(Evaluation& ev, const TransactionFacts& facts, const ItemContext& item,
                      LicenseException e);

// held_licenses.cc — after an item's verdict: a license the company holds meeting its license
// requirement (15 CFR 750.7); the verdict with the license applied (ApplyLicense).
ItemVerdict HeldLicenseStep(Evaluation& ev, const TransactionFacts& facts, size_t i, const Classification& c,
                            ItemVerdict v, ItemResult& ir);

// A license condition as the engine reads it (held_licenses.cc): the machine-checkable subset of
// the usual wordings; anything else stays an obligation an officer confirms.
struct LicenseCondition {
  enum class Kind {
    kNoReexportOrTransfer,  // "No reexport …", "Not to be reexported", "Re-export prohibited", "No transfer (in-country)"
    kCustomerCap,           // "per-customer cap of 75,000 units", "not more than N units per customer"
    kReporting,             // "Quarterly end-use reports": an obligation after shipment
    kUnread,                // not machine-checked
  };
  Kind kind = Kind::kUnread;
  int64_t cap = 0;  // kCustomerCap: units
};
LicenseCondition ReadLicenseCondition(std::string_view text);
// The obligation a licensed shipment carries for one condition: the text as written, and what the
// engine checked of it or that it did not.
std::string LicenseConditionObligation(const std::string& number, const std::string& text);

// The step of each license exception (the table's `grants`).
StepId ExceptionStepId(LicenseException e);

}  // namespace exportctl::steps
