// Seams for the modules the server serves but does not own: the allocation ledger and
// restricted-party screening. Until an implementation is plugged in, their routes answer
// 503 {"error":{"code":"unavailable",…}} and `POST /v1/check` with "reserve": true fails the same way.
// Every method returns JSON text (an object or array) or an error Status, which the server maps:
// kInvalidInput → 400, kNotFound → 404, kConflict → 409 (idempotency), kUnavailable → 503.
#pragma once

#include <functional>
#include <string>

#include "core/status.h"
#include "determine/engine.h"

namespace exportctl::server {

// Who is asking and how to recognise a retry: passed to every state-changing call.
struct RequestContext {
  std::string actor;            // API key id
  std::string idempotency_key;  // the Idempotency-Key header, "" when absent
  // DecideAndReserve: wraps the allocation view the decision reads, so that the balances it
  // used are recorded with it (audit::FactRecorder); empty = none.
  std::function<const AllocationView*(const AllocationView*)> wrap_allocations;
};

class LedgerService {
 public:
  virtual ~LedgerService() = default;
  // What the engine consults while deciding (nullptr = allocation step not performed).
  virtual const AllocationView* allocations() const = 0;
  // Decides and reserves in one step: atomic with respect to other reservations (the decision
  // is made again if the ledger moved) and idempotent on ctx.idempotency_key.
  // ctx.idempotency_key is the request's ledger key (reservation.h, RetryIdentity).
  struct Reserved {
    Decision decision;
    std::string postings = "[]";  // JSON array of the reserve postings (written or replayed)
    std::string written = "[]";   // the ones this call wrote itself (not replayed)
  };
  virtual Result<Reserved> DecideAndReserve(const Engine& engine, const Transaction& tx,
                                            DetermineOptions options,
                                            const RequestContext& ctx) = 0;
  // Releases the reservations in `written` (Reserved::written: never a posting an earlier
  // attempt made); used when the decision's audit record cannot be written, so that nothing
  // stays half-applied. Returns the release postings written (JSON array), for the audit log.
  virtual Result<std::string> Cancel(const std::string& written, const RequestContext& ctx) = 0;
  virtual Result<std::string> Balances(const std::string& as_of) const = 0;
  virtual Result<std::string> History(const std::string& account) const = 0;
  // body: the request's JSON object: {"reservation_id", "as_of"?, "reason"?} for commit and
  // release; {"account", "tpp", "reason", "as_of"?} for adjust.
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
