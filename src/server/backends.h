// Seams for the modules the server serves but does not own: the allocation ledger and
// restricted-party screening. Until an implementation is plugged in, their routes answer
// 503 {"error":{"code":"unavailable",…}} and `POST /v1/check` with "reserve": true fails the same way.
// Every method returns JSON text (an object or array) or an error Status, which the server maps:
// kInvalidInput → 400, kNotFound → 404, kConflict → 409 (idempotency), kUnavailable → 503.
#pragma once

#include <string>

#include "core/status.h"
#include "determine/engine.h"

namespace exportctl::server {

// Who is asking and how to recognise a retry: passed to every state-changing call.
struct RequestContext {
  std::string actor;            // API key id
  std::string idempotency_key;  // the Idempotency-Key header, "" when absent
};

class LedgerService {
 public:
  virtual ~LedgerService() = default;
  // What the engine consults while deciding (nullptr = allocation step not performed).
  virtual const AllocationView* allocations() const = 0;
  // Reserves what the decision allows; returns the postings as a JSON array. Must be atomic
  // with respect to other reservations and idempotent on ctx.idempotency_key.
  virtual Result<std::string> Reserve(const Transaction& tx, const Decision& decision,
                                      const RequestContext& ctx) = 0;
  // Undoes a reservation made by Reserve (used when the audit record cannot be written).
  virtual Status Cancel(const std::string& decision_id, const RequestContext& ctx) = 0;
  virtual Result<std::string> Balances(const std::string& as_of) const = 0;
  virtual Result<std::string> History(const std::string& account) const = 0;
  // body: the request's JSON object ({"posting_id"} for commit/release; account, amount_tpp,
  // reason for adjust).
  virtual Result<std::string> Commit(const std::string& body, const RequestContext& ctx) = 0;
  virtual Result<std::string> Release(const std::string& body, const RequestContext& ctx) = 0;
  virtual Result<std::string> Adjust(const std::string& body, const RequestContext& ctx) = 0;
};

class ScreenService {
 public:
  virtual ~ScreenService() = default;
  // What the engine consults while deciding (nullptr = screening step not performed).
  virtual const PartyScreener* screener() const = 0;
  // body: {"name", "country"?, "limit"?} → {"hits": [...], "list_versions": [...]}
  virtual Result<std::string> Screen(const std::string& body) const = 0;
  virtual Result<std::string> Lists() const = 0;
  // Officer disposition: {"party", "record_id", "reason", "expires"}.
  virtual Result<std::string> Clear(const std::string& body, const RequestContext& ctx) = 0;
};

}  // namespace exportctl::server
