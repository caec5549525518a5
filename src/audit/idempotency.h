// Which earlier request a retry is: the ids a request and every retry of it share, so that a
// retry finds the decision or change recorded for it (docs/audit.md, "Retries").
//
// A request is known by its idempotency key within the caller's scope (an API key id, a CLI
// user): another caller sending the same key sends another request. A reservation sent without a
// key is known by its transaction reference, which names the company's transaction whoever sends
// it.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace exportctl::audit {

struct RetryIdentity {
  std::string ledger_key;   // the idempotency key given to the ledger (reservation.h)
  std::string decision_id;  // the decision id every retry gets
  bool by_reference = false;
};
// kInvalidInput (field "reference") when there is neither a key nor a reference.
Result<RetryIdentity> IdentifyRetry(std::string_view caller, std::string_view idempotency_key,
                                    std::string_view reference);
// The decision id of the checks this caller sends under this idempotency key.
std::string ScopedDecisionId(std::string_view caller, std::string_view idempotency_key);
// The audit record id of a change (kind "ledger.commit", "screen.cleared", …) this caller makes
// under this idempotency key.
std::string ScopedEventId(std::string_view kind, std::string_view caller,
                          std::string_view idempotency_key);
// The ledger's idempotency key for a change this caller makes under this key.
std::string ScopedLedgerKey(std::string_view caller, std::string_view idempotency_key);

}  // namespace exportctl::audit
