#include "ledger/ledger_json.h"

#include <cmath>
#include <optional>

#include "core/json_writer.h"

namespace exportctl::ledger {
namespace {

void WritePosting(JsonWriter& w, const Posting& p) {
  w.BeginObject()
      .Field("id", p.id)
      .Field("kind", PostingKindName(p.kind))
      .Field("account", p.account)
      .Field("period", p.period)
      .Field("tpp", p.tpp())
      .Field("as_of", p.as_of.ToString());
  if (p.reservation_id) w.Field("reservation_id", p.reservation_id);
  w.Field("decision_id", p.decision_id)
      .Field("transaction_ref", p.transaction_ref)
      .Field("idempotency_key", p.idempotency_key)
      .Field("reason", p.reason)
      .Field("recorded_at", p.recorded_at)
      .EndObject();
}

void NumberOrNull(JsonWriter& w, const std::string& key, std::optional<double> value) {
  w.Key(key);
  if (value && std::isfinite(*value)) {
    w.Number(*value);
  } else {
    w.Null();
  }
}

void WriteReservation(JsonWriter& w, const Reservation& r) {
  w.BeginObject()
      .Field("status", r.status == ReserveStatus::kReserved ? "reserved" : "insufficient")
      .Field("replayed", r.replayed);
  NumberOrNull(w, "cap_tpp", r.cap_tpp);
  w.Field("before_tpp", r.before_tpp);
  NumberOrNull(w, "fits_tpp", r.fits_tpp);
  w.Field("certification_due", r.certification_due);
  if (r.status == ReserveStatus::kReserved) {
    w.Key("posting");
    WritePosting(w, r.posting);
  }
  w.EndObject();
}

}  // namespace

std::string PostingToJson(const Posting& posting) {
  std::string out;
  JsonWriter w(out);
  WritePosting(w, posting);
  return out;
}

std::string PostingsToJson(const std::vector<Posting>& postings) {
  std::string out;
  JsonWriter w(out);
  w.BeginArray();
  for (const auto& p : postings) WritePosting(w, p);
  w.EndArray();
  return out;
}

std::string ReservationToJson(const Reservation& reservation) {
  std::string out;
  JsonWriter w(out);
  WriteReservation(w, reservation);
  return out;
}

std::string BatchReservationToJson(const BatchReservation& batch) {
  std::string out;
  JsonWriter w(out);
  w.BeginObject().Field("all_reserved", batch.all_reserved).Key("items").BeginArray();
  for (const auto& r : batch.items) WriteReservation(w, r);
  w.EndArray().EndObject();
  return out;
}

std::string BalancesToJson(const std::vector<Balance>& balances, Date as_of, const Ledger& ledger) {
  const AllocationRules& rules = ledger.rules();
  std::string out;
  JsonWriter w(out);
  w.BeginObject()
      .Field("as_of", as_of.ToString())
      .Field("backend", ledger.backend())
      .Field("h100_equivalent_tpp", rules.h100_equivalent_tpp());
  w.Key("balances").BeginArray();
  for (const auto& b : balances) {
    w.BeginObject().Field("account", b.account).Field("period", b.period);
    auto key = AccountKey::Parse(b.account);
    if (key.ok()) w.Field("citation", rules.Citation(key->kind));
    // A license account counts its own measure (units of a line or of the license, TPP, USD) in
    // the *_tpp fields; its limit is the license's (`licenses show`, `licenses report`).
    const bool license = key.ok() && key->kind == AccountKind::kLicense;
    const bool in_tpp = !license || key->product == "tpp";
    if (license) {
      w.Field("measure", key->product);
      w.Field("note", "a license account: amounts are in its measure; its limit and what remains: licenses report " + key->party);
    }
    auto amount = [&](const std::string& name, std::optional<double> tpp) {
      NumberOrNull(w, name + "_tpp", tpp);
      NumberOrNull(w, name + "_h100", tpp && in_tpp ? std::optional<double>(b.ToH100(*tpp)) : std::nullopt);
    };
    amount("cap", b.cap_tpp);
    amount("reserved", b.reserved_tpp);
    amount("used", b.used_tpp);
    amount("remaining", b.cap_tpp ? std::optional<double>(b.remaining_tpp()) : std::nullopt);
    w.EndObject();
  }
  w.EndArray().EndObject();
  return out;
}

}  // namespace exportctl::ledger
