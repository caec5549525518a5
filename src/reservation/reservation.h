// From a decision to ledger reservations: which allocation accounts a decided transaction draws
// on, reserved all-or-nothing so that two concurrent requests never both take the last of an
// allocation. Used by `exportctl check --reserve` and by the server's `"reserve": true`.
//
//   auto outcome = ReserveForDecision(engine, ledger, tx, options, {.idempotency_key = "req-7"});
//   // outcome->decision is final: if a concurrent request took the last of an allocation, the
//   // transaction was decided again against the new balances before reserving.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "determine/engine.h"
#include "ledger/ledger.h"

namespace exportctl {

struct ReserveOptions {
  // Retrying the same request with the same key never double-counts. Default: the transaction's
  // reference (a reservation without either is refused).
  std::string idempotency_key;
  // Wraps the allocation view the decision reads (the audit log records the balances used);
  // empty = none.
  std::function<const AllocationView*(const AllocationView*)> wrap_allocations = nullptr;
  // The day the reservation is made (default: today, UTC). A license that has expired by then
  // is not drawn on, whatever date the shipment states: the reservation is refused.
  std::optional<Date> today;
};

struct ReservedDecision {
  Decision decision;
  std::vector<ledger::Posting> postings;  // the reserve postings written (or replayed)
  // The postings this call wrote itself (not replayed from an earlier attempt): the only ones
  // it may release if its decision cannot be recorded.
  std::vector<ledger::Posting> written;
  bool certification_due = false;         // AIA: the consignee's certification is now due
  int attempts = 1;  // how many times the transaction was decided (more when the ledger moved)
};

// The accounts a decision draws on, one request per (account), amounts in TPP:
//   LPP items → lpp:<consignee identity>; AIA items → aia:<identity> (certification counter;
//   ledger::ConsigneeIdentity: its party_id, else its folded name);
//   items the decision counted against the destination's country allocation (licensed under a
//   presumption of approval in Tier 2, codified; ItemResult::draws_country_allocation) → country:<dest>;
//   case-by-case H200-zone exports to China/Macau → h200-cn:<exporter>:<product>;
//   a LICENSE_REQUIRED decision under a presumption of approval that relies on a country
//   agreement's quota (Decision::quota_draws) → quota:<overlay>/<change>:units|tpp, with its limit.
// The destination's account is the one the engine queried (Dataset::EffectiveCode: HK → CN).
// Errors name the missing fact (e.g. the exporter party for the H200 account).
Result<std::vector<ledger::ReserveRequest>> ReservationRequests(const Dataset& data, const Transaction& tx,
                                                                const Decision& d,
                                                                const std::string& idempotency_key);

// Decides, reserves all-or-nothing, and decides again (up to a few times) if the ledger moved in
// between. PROHIBITED / NEEDS_REVIEW decisions reserve nothing.
Result<ReservedDecision> ReserveForDecision(const Engine& engine, ledger::Ledger& ledger,
                                            const Transaction& tx, DetermineOptions options,
                                            const ReserveOptions& reserve);

// The reservation for a decision already made, in one attempt: what ReserveForDecision does after
// deciding. For a caller that knows the decision is the one the engine gives now (the policy
// simulator, reusing an evaluation for an order identical but for its reference, on a ledger
// that has not moved for the balances it read) and that the key has no earlier postings.
// Nullopt when the ledger refused it: decide again (ReserveForDecision).
Result<std::optional<ReservedDecision>> ReserveDecided(const Engine& engine, ledger::Ledger& ledger,
                                                       const Transaction& tx, Decision decision,
                                                       const ReserveOptions& reserve);

// What ReserveDecided reserves, for a caller that keeps the decision as it is (the policy
// simulator, when orders alike share one decision): the same requests, made under `decision_id`
// (the order's own), and the postings returned rather than written into the decision's text
// (ledger_postings) and obligations. Nullopt when the ledger refused it: decide again.
struct ReservedPostings {
  std::vector<ledger::Posting> postings;  // the reserve postings written (or replayed)
  std::vector<bool> replayed;             // per posting
  std::vector<ledger::Posting> written;   // those this call wrote itself
  bool certification_due = false;         // AIA: the consignee's certification is now due
};
Result<std::optional<ReservedPostings>> ReservePostingsFor(const Engine& engine, ledger::Ledger& ledger,
                                                         const Transaction& tx, const Decision& decision,
                                                         const std::string& decision_id, const ReserveOptions& reserve);

}  // namespace exportctl
