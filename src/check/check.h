// The check use case, whole: parse the transaction → decide it (under both postures) → record
// the facts screening and the ledger gave → reserve its allocations (all-or-nothing, idempotent)
// → append the decision to the audit log → answer. A decision that is not in the log is not
// given out: when recording fails after reserving, the reservations this call wrote are
// released (and the release recorded). The CLI (`check`, `check --batch`, `check --reserve`)
// and the HTTP API (`POST /v1/check`, `/v1/check/batch`) call it and only translate input and
// output.
//
//   check::Checker checker({.dataset = &data, .engine = &engine, .screener = screener,
//                           .ledger = ledger, .audit = log});
//   auto answer = checker.Check(body, {.today = today, .reserve = true, .caller = key_id,
//                                      .idempotency_key = "so-7", .route = "POST /v1/check"});
//   if (!answer.ok()) …  // kInvalidInput: the transaction (field path); kConflict: the key or
//                        // reference answered another request; kUnavailable: ledger or log
//   if (answer->recorded) … // a retry of a recorded request: its recorded answer
//
// Retries (docs/audit.md, "Retries"): a request is known by its idempotency key scoped to the
// caller (`<API key id>:<key>`, `cli:<user>:<key>`); a reservation sent without a key by its
// transaction reference, whoever sends it, so a reference is reserved once.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "audit/audit_log.h"
#include "core/date.h"
#include "core/status.h"
#include "data/dataset.h"
#include "determine/engine.h"
#include "ledger/ledger.h"

namespace exportctl::check {

// What checks run against: opened once by a front end, shared by every check (all thread-safe).
struct Services {
  const Dataset* dataset = nullptr;         // required
  const Engine* engine = nullptr;           // required
  const PartyScreener* screener = nullptr;  // nullptr: screening not performed (decisions say so)
  ledger::Ledger* ledger = nullptr;         // nullptr: allocations not consulted, reserving refused
  audit::AuditLog* audit = nullptr;         // nullptr: decisions not recorded, retries not known
  const OwnershipGraphView* ownership = nullptr;  // nullptr: only the owners a transaction states
  // The licenses the company holds, as of each check (license::LicenseSource::Current); empty
  // or answering nullptr: none weighed.
  std::function<std::shared_ptr<const LicenseView>()> licenses = nullptr;
};

// How a retry of a recorded request is answered.
enum class RetryAnswer {
  kFromRecord,   // with the recorded answer (Checked::recorded), nothing decided again
  kDecideAgain,  // decided again under the recorded decision's id; the ledger replays the postings
};

// How checks are made: the same for every line of a batch.
struct CheckOptions {
  Date today;                      // the edge's today: the as_of of a transaction without one
  std::optional<Posture> posture;  // overrides the transaction's posture
  bool reserve = false;            // reserve the allocations the decision draws on
  std::string caller;              // the audit actor: an API key id, "cli:<user>"
  std::string idempotency_key;     // as the caller sent it; "" = none
  std::string route;               // recorded with the decision, e.g. "POST /v1/check"
  RetryAnswer retry = RetryAnswer::kFromRecord;
  bool strict = false;             // fields the format does not define are an input error
  // Country agreements to apply (data/agreements.h), outliving the checks. One for the
  // destination that is not in force on the transaction's date is an input error ("--overlay").
  std::span<const Agreement* const> overlays;
};

struct Checked {
  Decision decision;
  std::vector<ledger::Posting> postings;  // the reserve postings (written or replayed)
  size_t postings_written = 0;            // of those, written by this call
  // A retry of a request recorded before (RetryAnswer::kFromRecord): its record, whose answer
  // is audit::RecordedAnswer(*recorded); `decision` is then empty.
  std::optional<audit::AuditRecord> recorded;
  double audit_seconds = 0;  // Check: time spent appending to the audit log (0 in a batch)
};

// One line of a batch: its number in the input and its text (a transaction JSON object). A
// line the front end refused already (`refused` not ok) keeps its error in its place.
struct BatchLine {
  size_t number = 0;
  std::string_view text;
  Status refused = Status::Ok();
};
struct LineAnswer {
  size_t number = 0;
  Result<Checked> answer;
};
// Writes one line's answer (a decision or an error) as the front end prints it. Called on the
// worker that decided the line, while the decision is at hand; must be safe to call from
// several threads at once.
using LineWriter = std::function<void(const LineAnswer& line, std::string& out)>;

class Checker {
 public:
  explicit Checker(Services services);
  ~Checker();
  Checker(const Checker&) = delete;
  Checker& operator=(const Checker&) = delete;

  // One transaction (`request`: its JSON, kept in the decision's audit record). The decision is
  // in the audit log when this returns.
  Result<Checked> Check(std::string_view request, const CheckOptions& options) const;

  // A batch, one group commit: each non-blank line is parsed and decided (on `workers` threads,
  // each taking a contiguous share), its answer appended by `write` to texts[share]; then every
  // decision is recorded in one commit. What was appended to the texts, one after another, is
  // the lines in order; it may be given out once this returns Ok. Front ends feed it a chunk at
  // a time and clear the texts they have given out (the CLI: 4096 lines, reusing `texts`), or,
  // with one worker, keep appending the chunks to texts[0] (the server: 512 lines at a time into
  // its response, so a line is written once, where it is sent from). If the commit fails, no
  // decision of the chunk may be given (what it reserved is released): an error.
  [[nodiscard]] Status CheckBatch(std::span<const BatchLine> lines, const CheckOptions& options,
                                  const LineWriter& write, std::vector<std::string>& texts,
                                  unsigned workers = 1) const;

 private:
  struct Decided;
  struct BatchShared;  // what the lines of a batch chunk that reserves nothing share (check.cc)
  Result<Decided> Decide(std::string_view request, const CheckOptions& options, BatchShared* batch = nullptr) const;
  Status RetryOf(const std::string& id, std::string_view request, const Transaction& tx,
                 bool by_reference, const CheckOptions& options,
                 std::optional<audit::AuditRecord>* same) const;
  std::string Release(const std::vector<ledger::Posting>& written, const std::string& ledger_key,
                      const std::string& caller) const;

  Services s_;
};

}  // namespace exportctl::check
