#include "audit/idempotency.h"

#include "audit/crypto.h"

namespace exportctl::audit {
namespace {

std::string HashedId(std::string_view prefix, std::string_view scope, std::string_view key) {
  std::string text(scope);
  text += '\n';
  text += key;
  return std::string(prefix) + Sha256Hex(text).substr(0, 26);
}

}  // namespace

std::string ScopedDecisionId(std::string_view caller, std::string_view idempotency_key) {
  return HashedId("dec_", caller, idempotency_key);
}

std::string ScopedEventId(std::string_view kind, std::string_view caller,
                          std::string_view idempotency_key) {
  return HashedId("evt_", std::string(kind) + "\n" + std::string(caller), idempotency_key);
}

std::string ScopedLedgerKey(std::string_view caller, std::string_view idempotency_key) {
  return std::string(caller) + ":" + std::string(idempotency_key);
}

Result<RetryIdentity> IdentifyRetry(std::string_view caller, std::string_view idempotency_key,
                                    std::string_view reference) {
  RetryIdentity out;
  if (!idempotency_key.empty()) {
    out.ledger_key = ScopedLedgerKey(caller, idempotency_key);
    out.decision_id = ScopedDecisionId(caller, idempotency_key);
    return out;
  }
  if (reference.empty()) {
    return Status::Invalid("reference",
                           "a reservation needs an idempotency key or a transaction reference");
  }
  // The reference itself is the ledger key, as before keys were scoped: a retry of a
  // reservation made then still finds its postings.
  out.ledger_key = std::string(reference);
  out.decision_id = HashedId("dec_", "reference", reference);
  out.by_reference = true;
  return out;
}

}  // namespace exportctl::audit
