// JSON shapes of the ledger's values, shared by the CLI (`exportctl ledger … --json`) and the
// HTTP API so that both speak the same objects. Each function returns one JSON object.
//
//   {"id":7,"kind":"reserve","account":"country:AE","period":"2025-2027","tpp":1000,
//    "as_of":"2026-06-01","decision_id":"dec_…","transaction_ref":"…","idempotency_key":"…",
//    "reason":"","recorded_at":"2026-06-01T10:00:00.000Z"}       (reservation_id on commit/release)
#pragma once

#include <string>
#include <vector>

#include "ledger/ledger.h"

namespace exportctl::ledger {

std::string PostingToJson(const Posting& posting);
// A JSON array of PostingToJson objects.
std::string PostingsToJson(const std::vector<Posting>& postings);
// {"status":"reserved"|"insufficient","replayed","cap_tpp"|null,"before_tpp","fits_tpp"|null,
//  "certification_due","posting"?}
std::string ReservationToJson(const Reservation& reservation);
// {"all_reserved", "items":[reservation…]}
std::string BatchReservationToJson(const BatchReservation& batch);
// {"as_of","backend","h100_equivalent_tpp","balances":[{"account","period","citation",
//  "cap_tpp","cap_h100","reserved_tpp","reserved_h100","used_tpp","used_h100",
//  "remaining_tpp","remaining_h100"}]} — cap and remaining are null for uncapped counters.
std::string BalancesToJson(const std::vector<Balance>& balances, Date as_of, const Ledger& ledger);

}  // namespace exportctl::ledger
