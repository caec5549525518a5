#include "reservation/reservation.h"

#include "core/clock.h"

#include <algorithm>
#include <cstdio>
#include <map>

namespace exportctl {

namespace {

std::string PartyName(const Transaction& tx, PartyRole role) {
  for (const auto& p : tx.parties) {
    if (p.role == role && !p.name.empty()) return p.name;
  }
  return "";
}

// The ultimate consignee's identity (ledger::ConsigneeIdentity), "" when it has neither name nor
// party_id.
Result<std::string> ConsigneeKey(const Transaction& tx) {
  for (const auto& p : tx.parties) {
    if (p.role != PartyRole::kUltimateConsignee || (p.name.empty() && p.party_id.empty())) continue;
    auto identity = ledger::ConsigneeIdentity(p.name, p.party_id);
    if (!identity.ok()) return identity.status().WithFieldPrefix("parties");
    return identity;
  }
  return std::string();
}

}  // namespace

Result<std::vector<ledger::ReserveRequest>> ReservationRequests(const Dataset& data, const Transaction& tx,
                                                                const Decision& d, const std::string& key) {
  std::vector<ledger::ReserveRequest> out;
  // Nothing is reserved for an item the EAR does not reach (NOT_SUBJECT_TO_EAR).
  if (d.outcome == Outcome::kProhibited || d.outcome == Outcome::kNeedsReview || d.outcome == Outcome::kNotSubjectToEar) return out;
  if (key.empty()) {
    return Status::Invalid("idempotency_key", "a reservation needs an idempotency key or a transaction reference");
  }
  auto consignee_key = ConsigneeKey(tx);
  if (!consignee_key.ok()) return consignee_key.status();
  const std::string& consignee = *consignee_key;
  // One request per account: amounts of several items add up.
  std::map<std::string, ledger::ReserveRequest> by_account;
  auto add = [&](ledger::AccountKey account, double tpp) {
    const std::string name = account.ToString();
    auto [it, inserted] = by_account.try_emplace(name);
    if (inserted) {
      it->second.account = std::move(account);
      it->second.as_of = d.as_of;
      it->second.idempotency_key = key + "/" + name;
      it->second.decision_id = d.decision_id;
      it->second.transaction_ref = tx.reference;
    }
    it->second.tpp += tpp;
  };
  const std::string dest(data.EffectiveCode(tx.destination));
  // An item that needs a license, or ships under one the company holds (the license was granted
  // within the allocation it counts against).
  auto licensed = [](const ItemResult& it) {
    return it.outcome == Outcome::kLicenseRequired || it.outcome == Outcome::kLicensed;
  };
  // The licenses the company holds, drawn down only when the whole shipment is authorized.
  if (d.outcome == Outcome::kLicensed) {
    for (const LicenseUse& use : d.licenses) {
      if (use.partial) continue;
      for (const LicenseDrawdown& x : use.drawdowns) {
        if (x.amount <= 0) continue;
        add(ledger::AccountKey::License(use.number, x.measure), x.amount);
        by_account[ledger::AccountKey::License(use.number, x.measure).ToString()].limit = x.limit;
      }
    }
  }
  // A country agreement's quota the license requirement was approved under: what the order takes
  // of it is reserved, so that the next order is decided on what is left.
  if (d.outcome == Outcome::kLicenseRequired && d.review_policy == ReviewPolicy::kPresumptionOfApproval) {
    for (const QuotaDraw& q : d.quota_draws) {
      if (q.amount <= 0) continue;
      add(ledger::AccountKey::Quota(q.quota, q.measure), q.amount);
      by_account[ledger::AccountKey::Quota(q.quota, q.measure).ToString()].limit = q.limit;
    }
  }
  for (size_t i = 0; i < d.items.size(); ++i) {
    const ItemResult& it = d.items[i];
    if (it.total_tpp <= 0) continue;
    if (it.license_exception == "LPP" || it.license_exception == "AIA") {
      if (consignee.empty()) return Status::Invalid("parties", "the ultimate consignee's name is needed for its " + it.license_exception + " account");
      add(it.license_exception == "LPP" ? ledger::AccountKey::Lpp(consignee) : ledger::AccountKey::Aia(consignee), it.total_tpp);
    } else if (licensed(it) && it.draws_country_allocation &&
               it.review_policy == ReviewPolicy::kPresumptionOfApproval) {
      add(ledger::AccountKey::Country(dest), it.total_tpp);
    } else if (licensed(it) && it.review_policy == ReviewPolicy::kCaseByCase &&
               (dest == "CN" || dest == "MO")) {
      const std::string exporter = PartyName(tx, PartyRole::kExporter);
      if (exporter.empty()) return Status::Invalid("parties", "an exporter party is needed for the H200 rule's China/US account");
      add(ledger::AccountKey::H200China(exporter, it.label), it.total_tpp);
    }
  }
  for (auto& [name, req] : by_account) {
    EXPORTCTL_RETURN_IF_ERROR(req.account.Validate());
    out.push_back(std::move(req));
  }
  return out;
}

namespace {

// What an account's amounts count: TPP, or a license or quota account's own measure (units, tpp,
// usd).
std::string MeasureOf(const std::string& account) {
  if (account.rfind("license:", 0) != 0 && account.rfind("quota:", 0) != 0) return "TPP";
  return account.substr(account.rfind(':') + 1);
}

// "country:MY needs 1000 TPP, 200 fit; …" for the requests that did not fit (a license account's
// amounts are in its own measure).
std::string Refusal(const std::vector<ledger::ReserveRequest>& requests, const ledger::BatchReservation& batch) {
  std::string out;
  for (size_t i = 0; i < requests.size() && i < batch.items.size(); ++i) {
    if (requests[i].tpp <= batch.items[i].fits_tpp) continue;
    char line[160];
    const std::string measure = MeasureOf(requests[i].account.ToString());
    std::snprintf(line, sizeof line, " needs %.0f %s, %.0f fit", requests[i].tpp, measure.c_str(), std::max(0.0, batch.items[i].fits_tpp));
    if (!out.empty()) out += "; ";
    out += requests[i].account.ToString() + line;
  }
  return out;
}

// Reserve postings already written under this request's key, by account, and the decision
// they were made for (one lookup per candidate account by its idempotency key).
struct Earlier {
  std::map<std::string, double> own;
  std::string decision_id;
};
Result<Earlier> EarlierReservations(const Dataset& data, ledger::Ledger& ledger, const Transaction& tx,
                                    const std::string& key) {
  Earlier out;
  std::vector<ledger::AccountKey> candidates;
  auto consignee_key = ConsigneeKey(tx);
  if (!consignee_key.ok()) return consignee_key.status();
  const std::string& consignee = *consignee_key;
  const std::string exporter = PartyName(tx, PartyRole::kExporter);
  if (!consignee.empty()) {
    candidates.push_back(ledger::AccountKey::Lpp(consignee));
    candidates.push_back(ledger::AccountKey::Aia(consignee));
  }
  candidates.push_back(ledger::AccountKey::Country(std::string(data.EffectiveCode(tx.destination))));
  if (!exporter.empty()) {
    for (const auto& item : tx.items) candidates.push_back(ledger::AccountKey::H200China(exporter, item.label));
  }
  for (const auto& account : candidates) {
    if (!account.Validate().ok()) continue;
    const std::string name = account.ToString();
    if (out.own.count(name)) continue;  // two items of one product
    auto posting = ledger.FindByIdempotencyKey(key + "/" + name);
    if (!posting.ok()) return posting.status();
    if (*posting && (*posting)->kind == ledger::PostingKind::kReserve && (*posting)->account == name) {
      // Released since (its decision could not be recorded, or an officer cancelled it): a retry
      // must not answer with it as if it held, nor reserve again under the same key.
      auto history = ledger.History(name);
      if (!history.ok()) return history.status();
      for (const auto& p : *history) {
        if (p.kind == ledger::PostingKind::kRelease && p.reservation_id == (*posting)->id) {
          return Status::Error(ErrorCode::kConflict, "idempotency_key",
                               "the reservation this request made earlier (posting " + std::to_string(p.reservation_id) +
                                   ", decision " + (*posting)->decision_id + ") was released (posting " +
                                   std::to_string(p.id) + "); nothing reserved: send the transaction again under a new reference or key");
        }
      }
      out.own[name] = (*posting)->tpp();
      out.decision_id = (*posting)->decision_id;
    }
  }
  return out;
}

}  // namespace

namespace {

// The reservation of a decision, all-or-nothing: the postings, or nothing when the decision
// reserves nothing. False when the ledger refused (`refused` says what did not fit; the caller
// decides again), an error when the same refusal came twice. The requests carry `decision_id`.
Result<bool> ReservePostings(const Engine& engine, ledger::Ledger& ledger, const Transaction& tx, const Decision& decision,
                             const std::string& decision_id, const std::string& key, const ReserveOptions& reserve,
                             ReservedPostings& out, std::string& refused) {
  auto requests = ReservationRequests(engine.data(), tx, decision, key);
  if (!requests.ok()) return requests.status();
  for (auto& r : *requests) r.decision_id = decision_id;
  if (decision.outcome == Outcome::kLicensed) {
    // The drawdown is made today: a license that has expired since the shipment's date
    // authorizes no new reservation (a shipment that left in time was reserved in time).
    const Date today = reserve.today.value_or(TodayUtc());
    for (const LicenseUse& use : decision.licenses) {
      if (!use.partial && !use.revoked_from.empty() && today.ToString() >= use.revoked_from) {
        return Status::Error(ErrorCode::kConflict, "license",
                             "license " + use.number + " is revoked with effect from " + use.revoked_from + "; a reservation made on " +
                                 today.ToString() + " cannot draw on it, whatever the shipment's as_of (" +
                                 decision.as_of.ToString() + ")");
      }
      if (use.partial || use.expires.empty() || today.ToString() <= use.expires) continue;
      return Status::Error(ErrorCode::kConflict, "license",
                           "license " + use.number + " expired on " + use.expires + "; a reservation made on " +
                               today.ToString() + " cannot draw on it, whatever the shipment's as_of (" +
                               decision.as_of.ToString() + ")");
    }
  }
  if (requests->empty()) return true;
  for (const auto& r : *requests) EXPORTCTL_RETURN_IF_ERROR(ledger::CheckConsigneeAccountMigrated(ledger, r.account));
  auto batch = ledger.ReserveAll(*requests);
  if (!batch.ok()) return batch.status();
  if (!batch->all_reserved) {
    std::string now = Refusal(*requests, *batch);
    // The same decision asked for the same amounts and was refused again: the ledger caps an
    // account the decision does not see, so retrying cannot help.
    if (!now.empty() && now == refused) {
      return Status::Error(ErrorCode::kConflict, "", "the reservation does not fit: " + now);
    }
    refused = std::move(now);
    return false;
  }
  for (auto& r : batch->items) {
    out.certification_due = out.certification_due || r.certification_due;
    if (!r.replayed) out.written.push_back(r.posting);
    out.replayed.push_back(r.replayed);
    out.postings.push_back(std::move(r.posting));
  }
  return true;
}

// One attempt's reservation for its decision (out.decision): nothing when the decision reserves
// nothing, else every request all-or-nothing, written into the decision (its ledger postings,
// and the AIA certification obligation when due). False when the ledger refused (`refused` says
// what did not fit; the caller decides again), an error when the same refusal came twice.
Result<bool> ReserveAttempt(const Engine& engine, ledger::Ledger& ledger, const Transaction& tx, const std::string& key,
                            const ReserveOptions& reserve, ReservedDecision& out, std::string& refused) {
  ReservedPostings reserved;
  auto done = ReservePostings(engine, ledger, tx, out.decision, out.decision.decision_id, key, reserve, reserved, refused);
  if (!done.ok() || !*done) return done;
  out.certification_due = reserved.certification_due;
  out.written = std::move(reserved.written);
  for (size_t i = 0; i < reserved.postings.size(); ++i) {
    const ledger::Posting& p = reserved.postings[i];
    char tpp[32];
    std::snprintf(tpp, sizeof tpp, "%.0f", p.tpp());
    out.decision.ledger_postings.push_back("posting " + std::to_string(p.id) + ": reserve " + tpp + " " + MeasureOf(p.account) + " on " +
                                           p.account + " (" + p.period + ")" + (reserved.replayed[i] ? ", replayed" : ""));
  }
  out.postings = std::move(reserved.postings);
  if (out.certification_due) {
    // The citation is the regime data's, as the engine's AIA obligations are (start-up checks it).
    const Parameter* cite = engine.data().Param("ai-diffusion-2025", "aia_certification_citation");
    const std::string where = cite && cite->value.contains("value") && cite->value["value"].is_string()
                                  ? cite->value["value"].get<std::string>()
                                  : std::string("the AIA certification citation is missing from the regime data");
    out.decision.obligations.push_back("License Exception AIA: the consignee's cumulative TPP reaches the certification trigger; submit its certification to BIS (" + where + ")");
  }
  return true;
}

}  // namespace

Result<ReservedDecision> ReserveForDecision(const Engine& engine, ledger::Ledger& ledger, const Transaction& tx,
                                            DetermineOptions options, const ReserveOptions& reserve) {
  const std::string key = reserve.idempotency_key.empty() ? tx.reference : reserve.idempotency_key;
  if (key.empty()) {
    return Status::Invalid("idempotency_key", "a reservation needs an idempotency key or a transaction reference");
  }
  auto earlier = EarlierReservations(engine.data(), ledger, tx, key);
  if (!earlier.ok()) return earlier.status();
  if (!earlier->decision_id.empty()) options.decision_id = earlier->decision_id;  // a retry
  // The ledger without this request's own earlier reservations (those of its reference, and a
  // retry's under its key): it is decided as the first attempt was, then replays its postings.
  ledger::LedgerAllocationView view(ledger, key);
  options.allocations = reserve.wrap_allocations ? reserve.wrap_allocations(&view) : &view;
  if (options.decision_id.empty()) options.decision_id = NewDecisionId();
  // The decision reads balances, then reserves in one transaction; if another request took the
  // allocation in between, the reservation is refused whole and the transaction is decided again.
  constexpr int kAttempts = 5;
  std::string refused;  // the account and amounts that did not fit in the previous attempt
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    ReservedDecision out;
    out.attempts = attempt + 1;
    out.decision = engine.Determine(tx, options);
    auto done = ReserveAttempt(engine, ledger, tx, key, reserve, out, refused);
    if (!done.ok()) return done.status();
    if (*done) return out;
  }
  return Status::Error(ErrorCode::kConflict, "", "the allocation kept changing while reserving; retry the request");
}

Result<std::optional<ReservedDecision>> ReserveDecided(const Engine& engine, ledger::Ledger& ledger,
                                                       const Transaction& tx, Decision decision,
                                                       const ReserveOptions& reserve) {
  const std::string key = reserve.idempotency_key.empty() ? tx.reference : reserve.idempotency_key;
  if (key.empty()) {
    return Status::Invalid("idempotency_key", "a reservation needs an idempotency key or a transaction reference");
  }
  ReservedDecision out;
  out.decision = std::move(decision);
  std::string refused;
  auto done = ReserveAttempt(engine, ledger, tx, key, reserve, out, refused);
  if (!done.ok()) return done.status();
  if (!*done) return std::optional<ReservedDecision>();
  return std::optional<ReservedDecision>(std::move(out));
}

Result<std::optional<ReservedPostings>> ReservePostingsFor(const Engine& engine, ledger::Ledger& ledger,
                                                         const Transaction& tx, const Decision& decision,
                                                         const std::string& decision_id, const ReserveOptions& reserve) {
  const std::string key = reserve.idempotency_key.empty() ? tx.reference : reserve.idempotency_key;
  if (key.empty()) {
    return Status::Invalid("idempotency_key", "a reservation needs an idempotency key or a transaction reference");
  }
  ReservedPostings out;
  std::string refused;
  auto done = ReservePostings(engine, ledger, tx, decision, decision_id, key, reserve, out, refused);
  if (!done.ok()) return done.status();
  if (!*done) return std::optional<ReservedPostings>();
  return std::optional<ReservedPostings>(std::move(out));
}

}  // namespace exportctl
