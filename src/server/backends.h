// Seams for the modules the server serves but does not own: the allocation ledger and
// restricted-party screening. Until an implementation is plugged in, their routes answer
// 503 {"error":{"code":"unavailable",…}} and `POST /v1/check` with "reserve": true fails the same way.
// Every method returns JSON text (an object or array) or an error Status, which the server maps:
// kInvalidInput → 400, kNotFound → 404, kConflict → 409 (idempotency), kUnavailable → 503.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "determine/engine.h"

namespace exportctl::ledger {
class Ledger;
}  // namespace exportctl::ledger

namespace exportctl::server {

// Who is asking and how to recognise a retry: passed to every state-changing call.
struct RequestContext {
  std::string actor;            // API key id
  std::string idempotency_key;  // the Idempotency-Key header scoped to the caller, "" when absent
};

class LedgerService {
 public:
  virtual ~LedgerService() = default;
  // The ledger itself, which checks consult and reserve on (check/check.h).
  virtual ledger::Ledger* ledger() = 0;
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

  // The APIs screening clients already speak (screen/compat_api.h): the trade.gov CSL API v1
  // search and sources, and the yente matching API. `params` are the query parameters in order.
  using Params = std::vector<std::pair<std::string, std::string>>;
  virtual Result<std::string> CslSearch(const Params& params, const std::string& performed_at) const {
    (void)params, (void)performed_at;
    return Status::Error(ErrorCode::kUnavailable, "", "the CSL search is not available on this server");
  }
  virtual Result<std::string> CslSources() const {
    return Status::Error(ErrorCode::kUnavailable, "", "the CSL search is not available on this server");
  }
  virtual Result<std::string> Match(const std::string& dataset, const std::string& body,
                                    const Params& params) const {
    (void)dataset, (void)body, (void)params;
    return Status::Error(ErrorCode::kUnavailable, "", "matching is not available on this server");
  }
};

// The ownership graph (src/ownership): what checks weigh beside the stated owners, and its routes.
class OwnershipService {
 public:
  virtual ~OwnershipService() = default;
  // What checks consult: always the graph in use, also after an import (nullptr = none).
  virtual const OwnershipGraphView* view() const = 0;
  // GET /v1/ownership/{id}: the entity (id or name) with its owners up the chain and coverage.
  virtual Result<std::string> Show(const std::string& id, const std::string& as_of) const = 0;
  // POST /v1/ownership/import: {"file_name", "content"} → the import report; a bad file is
  // kInvalidInput naming "<file_name>:<line>.<field>", and the graph in use is unchanged.
  virtual Result<std::string> Import(const std::string& body, const RequestContext& ctx) = 0;
  // For /v1/screen: the graph entity a name is and its coverage; "" when not in the graph.
  virtual std::string CoverageOf(const std::string& name, const std::string& country) const = 0;
};

// Licenses the company holds (src/license).
class LicenseService {
 public:
  virtual ~LicenseService() = default;
  // GET /v1/licenses[?attention=true][&as_of=]: {"as_of", "licenses": [...]}. With the server's
  // ledger (nullable), a license with under 10 % of a limit left is reported too.
  virtual Result<std::string> List(bool attention, const std::string& as_of, ledger::Ledger* ledger) const = 0;
  // GET /v1/licenses/{number}: {"license", "versions"}.
  virtual Result<std::string> Show(const std::string& number) const = 0;
  // POST /v1/licenses: body is a license file; the recorded license (version 1). A bad file is
  // kInvalidInput naming the field, an existing number kConflict; nothing is stored then.
  virtual Result<std::string> Add(const std::string& body, const RequestContext& ctx) = 0;
  // The licenses checks weigh now (license::LicenseSource); nullptr: none.
  virtual std::shared_ptr<const LicenseView> Current() const { return nullptr; }
};

}  // namespace exportctl::server
