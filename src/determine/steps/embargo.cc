// Embargoes and comprehensive controls (15 CFR Part 746): every item to a covered destination
// needs a license, no exception overcomes it, and the review policy is the section's own.
#include "determine/steps/families.h"

namespace exportctl::steps {

// Part 746 (the section in the data, e.g. 746.2 Cuba): the destination is covered on the date
// and the activity is an export, reexport or transfer (use in place is not).
void EmbargoStep(Evaluation& ev, const TransactionFacts& facts, const RuleDef* r) {
  if (!facts.embargo || ev.tx.activity == Activity::kUse) return;
  Finding& f = ev.Add(r, Effect::kLicenseRequired,
                      EXPLAIN(facts.embargo->summary + " (" + facts.embargo->section + ")"));
  f.citation = facts.embargo->section;
  f.review_policy = facts.embargo->policy;
  f.policy_wording = facts.embargo->wording;
  if (!facts.embargo->verified) {
    f.verified = false;
    ev.unverified_rules.push_back(r->id);
  }
  ev.party_requirements.push_back({r->id, facts.embargo->policy, 0});
}

}  // namespace exportctl::steps
