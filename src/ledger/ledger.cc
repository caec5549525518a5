// Posting semantics, once for both backends: validation, caps, idempotency, settle rules.
#include "ledger/ledger.h"
#include "core/csv_writer.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <cstdio>
#include <limits>
#include <map>
#include <mutex>
#include <set>

#include "core/data_dir.h"
#include "core/validate.h"
#include "ledger/store.h"

namespace exportctl::ledger {
namespace {

using internal::Store;
using internal::StoredPosting;
using internal::StoreTxn;
using internal::Totals;

constexpr double kMaxTpp = 1e12;  // far above any cap; keeps milli-TPP inside int64
constexpr char kSep = '\x1f';

std::string FormatTpp(double tpp) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.3f", tpp);
  std::string s = buf;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

// A request's free-text fields (core/validate.h: printable, at most 200 characters); required
// ones non-blank. The first bad field is named.
struct TextField {
  const char* field;
  const std::string& value;
  bool required = false;
};
Status CheckTexts(std::initializer_list<TextField> fields) {
  for (const TextField& f : fields) {
    EXPORTCTL_RETURN_IF_ERROR(CheckText(f.field, f.value, {.required = f.required, .max_chars = 200}));
  }
  return Status::Ok();
}

Result<int64_t> AmountMilli(double tpp, bool allow_negative) {
  if (!std::isfinite(tpp)) return Status::Invalid("tpp", "must be a finite number");
  if (!allow_negative && tpp <= 0)
    return Status::Invalid("tpp", "must be positive, got " + FormatTpp(tpp));
  if (allow_negative && tpp == 0) return Status::Invalid("tpp", "must not be zero");
  if (std::fabs(tpp) > kMaxTpp) return Status::Invalid("tpp", "is larger than 1e12 TPP");
  const int64_t milli = std::llround(tpp * 1000.0);
  if (milli == 0) return Status::Invalid("tpp", "is smaller than 0.001 TPP");
  return milli;
}

// Writers that must see each other's postings share a lock key: the account itself, or the
// group whose totals decide its cap.
std::string LockKey(const AccountKey& key) {
  switch (key.kind) {
    case AccountKind::kUveuCountry:
      return "uveu:" + key.party;
    case AccountKind::kH200China:
    case AccountKind::kH200Us:
      return "h200:" + key.party + ":" + key.product;
    case AccountKind::kCountryAllocation:
    case AccountKind::kLppConsignee:
    case AccountKind::kAiaCertification:
    case AccountKind::kNveu:
    case AccountKind::kLicense:
    case AccountKind::kAgreementQuota:
      return key.ToString();
  }
  return key.ToString();
}

using TotalsFn = std::function<Result<Totals>(const std::string&, const std::string&)>;
using PrefixFn = std::function<Result<std::vector<std::pair<std::string, Totals>>>(
    const std::string&, const std::string&)>;

struct Capacity {
  std::optional<int64_t> cap;  // nullopt: uncapped
  Totals own;
};

// The cap of an account and what it holds, reading totals through the given functions (either
// inside a write transaction, or as of a date).
Result<Capacity> ComputeCapacity(const AllocationRules& rules, const AccountKey& key,
                                 const std::string& period, Date as_of,
                                 const std::string& headquarters, const TotalsFn& totals,
                                 const PrefixFn& with_prefix) {
  Capacity c;
  auto own = totals(key.ToString(), period);
  if (!own.ok()) return own.status();
  c.own = *own;
  switch (key.kind) {
    case AccountKind::kCountryAllocation:
    case AccountKind::kLppConsignee:
    case AccountKind::kAiaCertification:
    case AccountKind::kNveu:
    case AccountKind::kH200Us:
    case AccountKind::kLicense:  // uncapped here: a reservation carries the license's limit
    case AccountKind::kAgreementQuota:
      c.cap = rules.CapMilli(key, as_of);
      return c;
    case AccountKind::kH200China: {
      auto us = totals(AccountKey::H200Us(key.party, key.product).ToString(), period);
      if (!us.ok()) return us.status();
      // Only shipped (committed) US units count as the base: fail closed.
      c.cap = static_cast<int64_t>(
          std::floor(rules.h200_china_to_us_ratio() * static_cast<double>(us->used_milli)));
      return c;
    }
    case AccountKind::kUveuCountry: {
      auto all = with_prefix("uveu:" + key.party + ":", period);
      if (!all.ok()) return all.status();
      double total = 0, outside_tier1 = 0, us = 0;
      for (const auto& [account, t] : *all) {
        const std::string country = account.substr(account.rfind(':') + 1);
        total += static_cast<double>(t.held());
        if (!rules.IsTier1(country)) outside_tier1 += static_cast<double>(t.held());
        if (country == "US") us += static_cast<double>(t.held());
      }
      const double own_held = static_cast<double>(c.own.held());
      double fits = std::numeric_limits<double>::infinity();
      if (!rules.IsTier1(key.country)) {
        const double m = rules.uveu_max_single_tier2();
        fits = std::min(fits, (m * total - own_held) / (1 - m));
        const double t1 = rules.uveu_min_tier1();
        fits = std::min(fits, ((1 - t1) * total - outside_tier1) / t1);
      }
      if (headquarters == "US" && key.country != "US") {
        const double u = rules.uveu_min_us_when_us_headquartered();
        fits = std::min(fits, ((1 - u) * total - (total - us)) / u);
      }
      if (!std::isinf(fits))
        c.cap = c.own.held() + std::max<int64_t>(0, static_cast<int64_t>(std::floor(fits + 1e-6)));
      return c;
    }
  }
  return Status::Error(ErrorCode::kInternal, "account.kind", "unknown account kind");
}

std::string Fingerprint(std::initializer_list<std::string> parts) {
  std::string out;
  for (const auto& p : parts) {
    out += p;
    out += kSep;
  }
  return out;
}

Status KeyConflict(const StoredPosting& existing) {
  return Status::Error(ErrorCode::kConflict, "idempotency_key",
                       "was already used for a different request (" +
                           std::string(PostingKindName(existing.posting.kind)) + " posting " +
                           std::to_string(existing.posting.id) + " on " + existing.posting.account +
                           "); nothing written");
}

// The posting an earlier request with the same idempotency key wrote (same content), nothing
// (new key), or kConflict (the key was used for different content).
Result<std::optional<StoredPosting>> Replay(StoreTxn& txn, const std::string& key,
                                            const std::string& fingerprint) {
  if (key.empty()) return std::optional<StoredPosting>();
  auto existing = txn.FindByIdempotencyKey(key);
  if (!existing.ok()) return existing.status();
  if (*existing && (*existing)->fingerprint != fingerprint) return KeyConflict(**existing);
  return existing;
}

class LedgerImpl final : public Ledger {
 public:
  LedgerImpl(std::unique_ptr<Store> store, AllocationRules rules)
      : store_(std::move(store)), rules_(std::move(rules)) {}

  Result<Reservation> Reserve(const ReserveRequest& req) override {
    auto prepared = Prepare(req);
    if (!prepared.ok()) return prepared.status();
    Reservation out;
    Status st =
        store_->Transact([&](StoreTxn& txn) -> Status { return ReserveIn(txn, *prepared, out); });
    if (!st.ok()) return st;
    return out;
  }

  Result<BatchReservation> ReserveAll(const std::vector<ReserveRequest>& requests) override {
    if (requests.empty()) return Status::Invalid("requests", "is empty");
    std::vector<PreparedReserve> prepared;
    std::set<std::string> keys;
    for (size_t i = 0; i < requests.size(); ++i) {
      const std::string prefix = "requests[" + std::to_string(i) + "]";
      auto r = Prepare(requests[i]);
      if (!r.ok()) return r.status().WithFieldPrefix(prefix);
      if (!keys.insert(requests[i].idempotency_key).second) {
        return Status::Invalid(prefix + ".idempotency_key", "is used twice in one batch");
      }
      prepared.push_back(std::move(*r));
    }
    // A fixed lock order (by lock key) keeps two batches from deadlocking.
    std::vector<size_t> order(prepared.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return LockKey(prepared[a].req.account) < LockKey(prepared[b].req.account);
    });
    static const Status kRollBack = Status::Error(ErrorCode::kConflict, "", "insufficient");
    BatchReservation out;
    Status st = store_->Transact([&](StoreTxn& txn) -> Status {
      out = BatchReservation();
      out.items.resize(prepared.size());
      EXPORTCTL_RETURN_IF_ERROR(txn.RequireTransaction());
      bool all = true;
      for (size_t i : order) {
        EXPORTCTL_RETURN_IF_ERROR(ReserveIn(txn, prepared[i], out.items[i]));
        all = all && out.items[i].status == ReserveStatus::kReserved;
      }
      out.all_reserved = all;
      return all ? Status::Ok() : kRollBack;  // all or nothing
    });
    if (!st.ok() && !(st.code() == kRollBack.code() && st.message() == kRollBack.message() &&
                      st.field().empty())) {
      return st;
    }
    if (!out.all_reserved) {
      for (auto& item : out.items) {
        item.status = ReserveStatus::kInsufficient;
        item.replayed = false;
        item.posting = Posting();
      }
    }
    return out;
  }

  Result<Posting> Commit(const SettleRequest& req) override {
    return Settle(PostingKind::kCommit, req);
  }
  Result<Posting> Release(const SettleRequest& req) override {
    return Settle(PostingKind::kRelease, req);
  }

  Result<Posting> Adjust(const AdjustRequest& req) override {
    EXPORTCTL_RETURN_IF_ERROR(req.account.Validate());
    auto milli = AmountMilli(req.tpp, true);
    if (!milli.ok()) return milli.status();
    EXPORTCTL_RETURN_IF_ERROR(CheckTexts({{"reason", req.reason, true},
                                          {"idempotency_key", req.idempotency_key},
                                          {"decision_id", req.decision_id},
                                          {"transaction_ref", req.transaction_ref}}));
    auto period = rules_.Period(req.account, req.as_of);
    if (!period.ok()) return period.status();
    const std::string account = req.account.ToString();
    const std::string fingerprint =
        Fingerprint({"adjust", account, std::to_string(*milli), req.as_of.ToString(), req.reason,
                     req.decision_id, req.transaction_ref});
    Posting out;
    Status st = store_->Transact([&](StoreTxn& txn) -> Status {
      out = Posting();
      auto existing = Replay(txn, req.idempotency_key, fingerprint);
      if (!existing.ok()) return existing.status();
      if (*existing) {
        out = (*existing)->posting;
        return Status::Ok();
      }
      EXPORTCTL_RETURN_IF_ERROR(txn.Lock(LockKey(req.account)));
      auto totals = txn.GetTotals(account, *period);
      if (!totals.ok()) return totals.status();
      if (totals->used_milli + *milli < 0) {
        return Status::Invalid(
            "tpp", "would make the used TPP of " + account + " negative (used " +
                       FormatTpp(static_cast<double>(totals->used_milli) / 1000.0) + ")");
      }
      Posting p;
      p.kind = PostingKind::kAdjust;
      p.account = account;
      p.period = *period;
      p.amount_milli = *milli;
      p.as_of = req.as_of;
      p.decision_id = req.decision_id;
      p.transaction_ref = req.transaction_ref;
      p.idempotency_key = req.idempotency_key;
      p.reason = req.reason;
      EXPORTCTL_RETURN_IF_ERROR(txn.Append(p, fingerprint, 0, *milli));
      out = p;
      return Status::Ok();
    });
    if (!st.ok()) return st;
    return out;
  }

  Result<Balance> GetBalance(const AccountKey& key, Date as_of) override {
    EXPORTCTL_RETURN_IF_ERROR(key.Validate());
    auto period = rules_.Period(key, as_of);
    if (!period.ok()) return period.status();
    // What a license (or an agreement's quota) allows is drawn by every shipment on it, whatever
    // its date: a balance as of an earlier date would not see later shipments, nor a release made today.
    const Date totals_as_of = key.CarriesLimit() ? Date::FromYmd(9999, 12, 31) : as_of;
    auto cap = ComputeCapacity(
        rules_, key, *period, as_of, "",
        [&](const std::string& a, const std::string& p) { return store_->TotalsAsOf(a, p, totals_as_of); },
        [&](const std::string& a, const std::string& p) {
          return store_->TotalsAsOfWithPrefix(a, p, totals_as_of);
        });
    if (!cap.ok()) return cap.status();
    Balance b;
    b.account = key.ToString();
    b.period = *period;
    if (cap->cap) b.cap_tpp = static_cast<double>(*cap->cap) / 1000.0;
    b.reserved_tpp = static_cast<double>(cap->own.reserved_milli) / 1000.0;
    b.used_tpp = static_cast<double>(cap->own.used_milli) / 1000.0;
    b.h100_equivalent_tpp = rules_.h100_equivalent_tpp();
    return b;
  }

  Result<std::vector<Balance>> Balances(Date as_of) override {
    auto accounts = store_->Accounts();
    if (!accounts.ok()) return accounts.status();
    std::vector<Balance> out;
    for (const auto& text : *accounts) {
      auto key = AccountKey::Parse(text);
      if (!key.ok())
        return Status::Error(ErrorCode::kDataError, "account",
                             "stored account \"" + text + "\" does not parse");
      if (!rules_.Period(*key, as_of).ok()) continue;  // no period contains as_of (e.g. after 2027)
      auto b = GetBalance(*key, as_of);
      if (!b.ok()) return b.status();
      out.push_back(std::move(*b));
    }
    return out;
  }

  Result<std::vector<Posting>> History(const std::string& account) override {
    if (!account.empty()) {
      auto key = AccountKey::Parse(account);
      if (!key.ok()) return key.status();
    }
    return store_->Postings(account);
  }

  Result<Posting> GetPosting(int64_t id) override {
    auto p = store_->FindPosting(id);
    if (!p.ok()) return p.status();
    if (!*p)
      return Status::Error(ErrorCode::kNotFound, "posting_id", "no posting " + std::to_string(id));
    return **p;
  }

  Result<std::vector<Posting>> TransactionPostings(const std::string& transaction_ref) override {
    if (transaction_ref.empty()) return std::vector<Posting>();
    return store_->PostingsOfTransaction(transaction_ref);
  }

  Result<std::optional<Posting>> FindByIdempotencyKey(const std::string& key) override {
    return store_->FindPostingByKey(key);
  }

  Result<std::vector<std::pair<std::string, std::string>>> UnmigratedConsigneeAccounts() override {
    std::lock_guard<std::mutex> lock(legacy_mu_);
    if (legacy_) return *legacy_;
    auto legacy = FindLegacyConsigneeAccounts();
    if (!legacy.ok()) return legacy.status();
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& l : *legacy) {
      if (!l.migrated) out.emplace_back(l.account, l.identity_account);
    }
    legacy_ = out;  // only a migration (below) or a pre-identity binary adds or removes any
    return out;
  }

  Result<std::vector<Posting>> MigrateConsigneeAccounts() override {
    std::lock_guard<std::mutex> lock(legacy_mu_);
    legacy_.reset();
    auto legacy = FindLegacyConsigneeAccounts();
    if (!legacy.ok()) return legacy.status();
    std::vector<Posting> out;
    for (const auto& l : *legacy) {
      for (const auto& [period, carry] : l.periods) {
        if (carry.held_milli <= 0) continue;
        auto key = AccountKey::Parse(l.identity_account);
        if (!key.ok()) return key.status();
        AdjustRequest req;
        req.account = *key;
        req.tpp = static_cast<double>(carry.held_milli) / 1000.0;
        req.as_of = carry.last_as_of;
        req.reason = "carried over from " + l.account + " (" + period + "): consignee accounts are kept by identity";
        if (req.reason.size() > 200) {  // a long name: the audit record of the migration names it
          req.reason = "carried over from a consignee account kept under a spelling (" + period + ")";
        }
        req.idempotency_key = MigrationKey(l.account, period);
        auto p = Adjust(req);
        if (!p.ok()) return p.status().WithFieldPrefix(l.account);
        out.push_back(std::move(*p));
      }
    }
    return out;
  }

  const AllocationRules& rules() const override { return rules_; }
  std::string backend() const override { return store_->name(); }

 private:
  static std::string MigrationKey(const std::string& account, const std::string& period) {
    if (account.size() <= 160) return "consignee-migration:" + account + ":" + period;
    uint64_t h = 1469598103934665603ull;  // FNV-1a: a stable short name for a long account
    for (unsigned char c : account) h = (h ^ c) * 1099511628211ull;
    char hex[20];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
    return "consignee-migration:fnv-" + std::string(hex) + ":" + period;
  }
  struct LegacyAccount {
    std::string account, identity_account;
    struct Carry {
      int64_t held_milli = 0;
      Date last_as_of;
    };
    std::map<std::string, Carry> periods;
    bool migrated = true;  // every period holding TPP has its carry-over posting
  };
  // lpp:/aia: accounts whose consignee is a spelling, not an identity.
  Result<std::vector<LegacyAccount>> FindLegacyConsigneeAccounts() {
    auto accounts = store_->Accounts();
    if (!accounts.ok()) return accounts.status();
    std::vector<LegacyAccount> out;
    for (const auto& text : *accounts) {
      auto key = AccountKey::Parse(text);
      if (!key.ok()) continue;
      if (key->kind != AccountKind::kLppConsignee && key->kind != AccountKind::kAiaCertification) continue;
      if (IsConsigneeIdentity(key->party)) continue;
      auto identity = ConsigneeIdentity(key->party, "");
      if (!identity.ok()) continue;  // nothing to key it under; it can match no decision
      LegacyAccount l;
      l.account = text;
      l.identity_account = (key->kind == AccountKind::kLppConsignee ? AccountKey::Lpp(*identity) : AccountKey::Aia(*identity)).ToString();
      auto postings = store_->Postings(text);
      if (!postings.ok()) return postings.status();
      for (const auto& p : *postings) {
        auto& carry = l.periods[p.period];
        carry.held_milli += internal::SumPostings({p}).held();
        if (!carry.last_as_of.valid() || carry.last_as_of < p.as_of) carry.last_as_of = p.as_of;
      }
      for (const auto& [period, carry] : l.periods) {
        if (carry.held_milli <= 0) continue;
        auto done = store_->FindPostingByKey(MigrationKey(text, period));
        if (!done.ok()) return done.status();
        if (!*done) l.migrated = false;
      }
      out.push_back(std::move(l));
    }
    return out;
  }
  std::mutex legacy_mu_;
  std::optional<std::vector<std::pair<std::string, std::string>>> legacy_;

  Result<Posting> Settle(PostingKind kind, const SettleRequest& req) {
    const char* verb = PostingKindName(kind);
    if (req.reservation_id <= 0)
      return Status::Invalid("reservation_id", "must be a positive posting id");
    if (!req.as_of.valid()) return Status::Invalid("as_of", "is required");
    EXPORTCTL_RETURN_IF_ERROR(CheckTexts({{"idempotency_key", req.idempotency_key}, {"reason", req.reason}}));
    const std::string fingerprint =
        Fingerprint({verb, std::to_string(req.reservation_id), req.as_of.ToString(), req.reason});
    Posting out;
    Status st = store_->Transact([&](StoreTxn& txn) -> Status {
      out = Posting();
      auto existing = Replay(txn, req.idempotency_key, fingerprint);
      if (!existing.ok()) return existing.status();
      if (*existing) {
        out = (*existing)->posting;
        return Status::Ok();
      }
      auto reservation = txn.FindById(req.reservation_id);
      if (!reservation.ok()) return reservation.status();
      if (!*reservation) {
        return Status::Error(ErrorCode::kNotFound, "reservation_id",
                             "no posting " + std::to_string(req.reservation_id));
      }
      const Posting& r = **reservation;
      if (r.kind != PostingKind::kReserve) {
        return Status::Invalid("reservation_id", "posting " + std::to_string(r.id) + " is a " +
                                                     PostingKindName(r.kind) +
                                                     ", not a reservation");
      }
      if (req.as_of < r.as_of) {
        return Status::Invalid("as_of",
                               std::string("cannot ") + verb + " on " + req.as_of.ToString() +
                                   ", before the reservation's date " + r.as_of.ToString());
      }
      auto key = AccountKey::Parse(r.account);
      if (!key.ok()) return key.status();
      EXPORTCTL_RETURN_IF_ERROR(txn.Lock(LockKey(*key)));
      auto settled = txn.FindSettlement(r.id);
      if (!settled.ok()) return settled.status();
      if (*settled) {
        const Posting& s = **settled;
        return Status::Error(ErrorCode::kConflict, "reservation_id",
                             "reservation " + std::to_string(r.id) + " was already " +
                                 (s.kind == PostingKind::kCommit ? "committed" : "released") +
                                 " (posting " + std::to_string(s.id) + " on " + s.as_of.ToString() +
                                 "); cannot " + verb + " it; nothing written");
      }
      Posting p;
      p.kind = kind;
      p.account = r.account;
      p.period = r.period;
      p.amount_milli = r.amount_milli;
      p.as_of = req.as_of;
      p.reservation_id = r.id;
      p.decision_id = r.decision_id;
      p.transaction_ref = r.transaction_ref;
      p.idempotency_key = req.idempotency_key;
      p.reason = req.reason;
      const int64_t used = kind == PostingKind::kCommit ? r.amount_milli : 0;
      EXPORTCTL_RETURN_IF_ERROR(txn.Append(p, fingerprint, -r.amount_milli, used));
      out = p;
      return Status::Ok();
    });
    if (!st.ok()) return st;
    return out;
  }

  struct PreparedReserve {
    ReserveRequest req;
    Posting posting;
    std::string period, fingerprint;
    int64_t milli = 0;
    bool trigger = false, own_cap = false;
    std::optional<int64_t> own_cap_milli;
  };

  Result<PreparedReserve> Prepare(const ReserveRequest& req) const {
    EXPORTCTL_RETURN_IF_ERROR(req.account.Validate());
    auto milli = AmountMilli(req.tpp, false);
    if (!milli.ok()) return milli.status();
    EXPORTCTL_RETURN_IF_ERROR(CheckTexts({{"idempotency_key", req.idempotency_key, true},
                                          {"decision_id", req.decision_id},
                                          {"transaction_ref", req.transaction_ref},
                                          {"company_headquarters", req.company_headquarters}}));
    auto period = rules_.Period(req.account, req.as_of);
    if (!period.ok()) return period.status();
    const bool licensed = req.account.CarriesLimit();
    std::optional<int64_t> limit_milli;
    if (licensed) {
      // A license account's cap is the license's limit: without one, nothing is reserved.
      if (!req.limit) return Status::Invalid("limit", "is required for a license account");
      if (!std::isfinite(*req.limit) || *req.limit < 0 || *req.limit > kMaxTpp) {
        return Status::Invalid("limit", "must be a number from 0 to 1e12");
      }
      limit_milli = std::llround(*req.limit * 1000.0);
    }
    PreparedReserve r;
    r.req = req;
    r.milli = *milli;
    r.period = *period;
    const std::string account = req.account.ToString();
    r.fingerprint = Fingerprint({"reserve", account, std::to_string(*milli), req.as_of.ToString(),
                                 req.decision_id, req.transaction_ref, req.company_headquarters});
    // The limit is part of a license reservation's content (other fingerprints stay as stored).
    if (limit_milli) r.fingerprint += "limit=" + std::to_string(*limit_milli);
    r.posting.kind = PostingKind::kReserve;
    r.posting.account = account;
    r.posting.period = *period;
    r.posting.amount_milli = *milli;
    r.posting.as_of = req.as_of;
    r.posting.decision_id = req.decision_id;
    r.posting.transaction_ref = req.transaction_ref;
    r.posting.idempotency_key = req.idempotency_key;
    r.trigger = rules_.IsTrigger(req.account.kind);
    // Accounts whose cap depends only on their own totals take the one-step path.
    r.own_cap = LockKey(req.account) == account;
    r.own_cap_milli = licensed ? limit_milli : rules_.CapMilli(req.account, req.as_of);
    return r;
  }

  // The reservation step inside a write transaction: replay, cap check, append.
  Status ReserveIn(StoreTxn& txn, const PreparedReserve& r, Reservation& out) {
    out = Reservation();
    auto existing = Replay(txn, r.req.idempotency_key, r.fingerprint);
    if (!existing.ok()) return existing.status();
    const bool replayed = existing->has_value();
    std::optional<Totals> appended_on;  // totals before our posting, when it was written
    if (r.own_cap && !replayed) {
      Posting attempt = r.posting;
      const int64_t limit =
          r.own_cap_milli && !r.trigger ? *r.own_cap_milli : std::numeric_limits<int64_t>::max();
      auto before = txn.AppendReserveIfFits(attempt, r.fingerprint, limit);
      if (!before.ok()) return before.status();
      if (*before) {
        appended_on = **before;
        out.posting = attempt;
      }
    } else if (!replayed) {
      EXPORTCTL_RETURN_IF_ERROR(txn.Lock(LockKey(r.req.account)));
    }
    Capacity cap;
    if (appended_on) {
      cap.cap = r.own_cap_milli;
      cap.own = *appended_on;
    } else {
      auto computed = ComputeCapacity(
          rules_, r.req.account, r.period, r.req.as_of, r.req.company_headquarters,
          [&](const std::string& a, const std::string& q) { return txn.GetTotals(a, q); },
          [&](const std::string& a, const std::string& q) {
            return txn.GetTotalsWithPrefix(a, q);
          });
      if (!computed.ok()) return computed.status();
      cap = *computed;
      if (r.req.account.CarriesLimit()) cap.cap = r.own_cap_milli;
    }
    const int64_t before = cap.own.held();
    out.before_tpp = static_cast<double>(before) / 1000.0;
    if (cap.cap) out.cap_tpp = static_cast<double>(*cap.cap) / 1000.0;
    const int64_t fits = cap.cap ? std::max<int64_t>(0, *cap.cap - before) : 0;
    out.fits_tpp = cap.cap && !r.trigger ? static_cast<double>(fits) / 1000.0
                                         : std::numeric_limits<double>::infinity();
    if (replayed) {  // the original posting; the cap fields describe the account now
      out.status = ReserveStatus::kReserved;
      out.replayed = true;
      out.posting = (*existing)->posting;
      return Status::Ok();
    }
    if (r.trigger && cap.cap) out.certification_due = before + r.milli >= *cap.cap;
    if (appended_on) {
      out.status = ReserveStatus::kReserved;
      return Status::Ok();
    }
    if (r.own_cap || (cap.cap && !r.trigger && r.milli > fits)) {
      out.status = ReserveStatus::kInsufficient;  // nothing written
      return Status::Ok();
    }
    out.posting = r.posting;
    EXPORTCTL_RETURN_IF_ERROR(txn.Append(out.posting, r.fingerprint, r.milli, 0));
    out.status = ReserveStatus::kReserved;
    return Status::Ok();
  }

  std::unique_ptr<Store> store_;
  AllocationRules rules_;
};


}  // namespace

namespace internal {

Result<PostingKind> ParsePostingKind(const std::string& text) {
  for (PostingKind k :
       {PostingKind::kReserve, PostingKind::kCommit, PostingKind::kRelease, PostingKind::kAdjust}) {
    if (text == PostingKindName(k)) return k;
  }
  return Status::Error(ErrorCode::kDataError, "kind", "unknown posting kind \"" + text + "\"");
}

Totals SumPostings(const std::vector<Posting>& postings) {
  Totals t;
  for (const auto& p : postings) {
    switch (p.kind) {
      case PostingKind::kReserve:
        t.reserved_milli += p.amount_milli;
        break;
      case PostingKind::kCommit:
        t.reserved_milli -= p.amount_milli;
        t.used_milli += p.amount_milli;
        break;
      case PostingKind::kRelease:
        t.reserved_milli -= p.amount_milli;
        break;
      case PostingKind::kAdjust:
        t.used_milli += p.amount_milli;
        break;
    }
  }
  return t;
}

}  // namespace internal

std::string Ledger::DefaultLocation(const std::string& data_dir) { return DataDir(data_dir).ledger(); }

Result<std::unique_ptr<Ledger>> Ledger::Open(const LedgerOptions& options,
                                             const AllocationRules& rules) {
  const std::string& loc = options.location;
  if (loc.empty()) return Status::Invalid("ledger", "location is empty");
  Result<std::unique_ptr<Store>> store = Status::Error(ErrorCode::kInternal, "", "");
  if (loc == kMemoryLocation) {
    store = internal::OpenMemoryStore();
  } else if (IsPostgresUrl(loc)) {
    store = internal::OpenPostgresStore(loc);
  } else {
    store = internal::OpenSqliteStore(loc, options.busy_timeout_ms);
  }
  if (!store.ok()) return store.status();
  return std::unique_ptr<Ledger>(new LedgerImpl(std::move(*store), rules));
}

Result<AccountKey> LedgerAllocationView::AccountFor(const AllocationQuery& q) {
  using A = AllocationQuery::Account;
  AccountKey key;
  switch (q.account) {
    case A::kCountryAllocation:
      key = AccountKey::Country(q.country);
      break;
    case A::kLppConsignee:
    case A::kAiaCertification: {
      auto identity = ConsigneeIdentity(q.consignee, q.consignee_id);
      if (!identity.ok()) return identity.status().WithFieldPrefix("consignee");
      key = q.account == A::kLppConsignee ? AccountKey::Lpp(*identity) : AccountKey::Aia(*identity);
      break;
    }
    case A::kH200ChinaShare:
      key = AccountKey::H200China(q.exporter, q.product);
      break;
    case A::kLicense:
      key = AccountKey::License(q.license, q.measure);
      break;
    case A::kAgreementQuota:
      key = AccountKey::Quota(q.quota, q.measure);
      break;
  }
  EXPORTCTL_RETURN_IF_ERROR(key.Validate());
  return key;
}

Status CheckConsigneeAccountMigrated(Ledger& ledger, const AccountKey& key) {
  if (key.kind != AccountKind::kLppConsignee && key.kind != AccountKind::kAiaCertification) return Status::Ok();
  auto legacy = ledger.UnmigratedConsigneeAccounts();
  if (!legacy.ok()) return legacy.status();
  const std::string account = key.ToString();
  for (const auto& [old_account, identity_account] : *legacy) {
    if (identity_account != account) continue;
    return Status::Error(ErrorCode::kDataError, "account",
                         "the ledger still holds " + old_account + ", kept under a spelling of this consignee; until "
                         "`exportctl ledger migrate-consignees` carries it over to " + account +
                         " the balance is not known (docs/ledger.md)");
  }
  return Status::Ok();
}

Result<std::vector<Posting>> OwnReservations(Ledger& ledger, const AccountKey& account, const std::string& reference,
                                             const std::string& key) {
  const std::string name = account.ToString();
  auto made = ledger.TransactionPostings(reference);
  if (!made.ok()) return made.status();
  std::vector<Posting> candidates;
  for (const auto& p : *made) {
    if (p.kind == PostingKind::kReserve && p.account == name) candidates.push_back(p);
  }
  if (!key.empty()) {
    auto keyed = ledger.FindByIdempotencyKey(key + "/" + name);
    if (!keyed.ok()) return keyed.status();
    if (*keyed && (*keyed)->kind == PostingKind::kReserve && (*keyed)->account == name &&
        std::none_of(candidates.begin(), candidates.end(), [&](const Posting& c) { return c.id == (*keyed)->id; })) {
      candidates.push_back(**keyed);
    }
  }
  if (candidates.empty()) return candidates;
  // A released reservation holds nothing: there is nothing to leave out. Settlements carry their
  // reservation's transaction reference; without one, the account's history says.
  std::vector<Posting> settled;
  for (const auto& c : candidates) {
    auto s = c.transaction_ref.empty() ? ledger.History(name) : ledger.TransactionPostings(c.transaction_ref);
    if (!s.ok()) return s.status();
    settled.insert(settled.end(), s->begin(), s->end());
  }
  std::vector<Posting> out;
  for (const auto& c : candidates) {
    const bool released = std::any_of(settled.begin(), settled.end(), [&](const Posting& s) {
      return s.kind == PostingKind::kRelease && s.reservation_id == c.id;
    });
    if (!released) out.push_back(c);
  }
  return out;
}

// A reservation the transaction already holds is not in the balance it is weighed against (it
// would count twice); the balance's note names it. Shared by the live and the batch views.
static void LeaveOutOwnReservation(const Posting& p, AllocationBalance& out) {
  out.used -= p.tpp();
  char line[160];
  std::snprintf(line, sizeof line, "posting %lld, %.0f TPP", static_cast<long long>(p.id), p.tpp());
  out.note += std::string(out.note.empty() ? "" : "; ") + "leaves out the reservation this transaction already holds: " +
              line + (p.transaction_ref.empty() ? "" : " for " + p.transaction_ref);
}

// A reservation under the transaction's reference made for another request (an earlier version
// of the order, or another order naming the same reference) stays in the balance: the decision
// says so, and how to replace it, since reserving this request would count it too.
static void CountReferenceReservation(const Posting& p, AllocationBalance& out) {
  char line[200];
  std::snprintf(line, sizeof line, "posting %lld, %.0f TPP", static_cast<long long>(p.id), p.tpp());
  out.note += std::string(out.note.empty() ? "" : "; ") + "counts the reservation " + line + " held under reference " +
              p.transaction_ref + " for a different request" +
              (p.decision_id.empty() ? std::string() : " (decision " + p.decision_id + ")") +
              ": if this order replaces it, release that reservation (exportctl ledger release " + std::to_string(p.id) +
              ") before reserving this one";
}

// The unreleased reservations of the query's reference on the account: left out when the
// request made them (same_request), else counted and named. Shared by the live and batch views.
static void WeighReferenceReservations(const std::vector<Posting>& held, const AllocationQuery& q, bool every_date,
                                       const SameRequest& same_request, AllocationBalance& out) {
  for (const Posting& p : held) {
    // Not in the balance as of the decision date (a license's or quota's balance has every date).
    if (p.as_of > q.as_of && !every_date) continue;
    if (same_request && same_request(p)) {
      LeaveOutOwnReservation(p, out);
    } else {
      CountReferenceReservation(p, out);
    }
  }
}

Result<AllocationBalance> LedgerAllocationView::Balance(const AllocationQuery& q) const {
  auto key = AccountFor(q);
  if (!key.ok()) return key.status();
  EXPORTCTL_RETURN_IF_ERROR(CheckConsigneeAccountMigrated(ledger_, *key));
  auto b = ledger_.GetBalance(*key, q.as_of);
  if (!b.ok()) return b.status();
  AllocationBalance out;
  out.cap = b->cap_tpp.value_or(0);  // uncapped accounts are not queried by the engine
  out.used = b->reserved_tpp + b->used_tpp;
  out.account = key->ToString();
  // Reserving (own_key_ given), only this request's own earlier postings are left out (a retry):
  // another request for the same reference is another reservation.
  if (!own_key_.empty()) {
    auto own = OwnReservations(ledger_, *key, "", own_key_);
    if (!own.ok()) return own.status();
    for (const auto& p : *own) {
      if (p.as_of > q.as_of && !key->CarriesLimit()) continue;
      LeaveOutOwnReservation(p, out);
    }
    return out;
  }
  // A check: the reservation an earlier `check --reserve` of this very request holds is not
  // counted against it (a re-check answers as the reserving check did); one made for another
  // request under the same reference (an amended order) is counted, as reserving would count it.
  auto held = OwnReservations(ledger_, *key, q.reference, "");
  if (!held.ok()) return held.status();
  WeighReferenceReservations(*held, q, key->CarriesLimit(), same_request_, out);
  return out;
}

Result<AllocationBalance> BatchAllocationView::Balance(const AllocationQuery& q) const {
  return Balance(q, nullptr);
}

Result<AllocationBalance> BatchAllocationView::Balance(const AllocationQuery& q, const SameRequest& same_request) const {
  auto key = LedgerAllocationView::AccountFor(q);
  if (!key.ok()) return key.status();
  const std::string name = key->ToString();
  // A license's (or a quota's) balance does not depend on the date asked (every shipment on it
  // counts, whatever its date): one read serves every order. Any other account's does.
  const bool every_date = key->CarriesLimit();
  const std::string slot = every_date ? name : name + '@' + q.as_of.ToString();
  std::shared_ptr<const Snapshot> snap;
  {
    std::lock_guard lock(mu_);
    auto it = accounts_.find(slot);
    if (it != accounts_.end() && std::chrono::steady_clock::now() - it->second->read < max_age_) snap = it->second;
  }
  if (!snap) {
    auto fresh = std::make_shared<Snapshot>();
    fresh->read = std::chrono::steady_clock::now();
    EXPORTCTL_RETURN_IF_ERROR(CheckConsigneeAccountMigrated(ledger_, *key));
    // The postings first, then the totals: a reservation written in between is in the totals and
    // not among the postings, so it is counted, never left out (fail closed).
    auto history = ledger_.History(name);
    if (!history.ok()) return history.status();
    for (auto& p : *history) {
      if (p.kind == PostingKind::kReserve || p.kind == PostingKind::kRelease) fresh->settlements.push_back(std::move(p));
    }
    auto b = ledger_.GetBalance(*key, q.as_of);
    if (!b.ok()) return b.status();
    fresh->balance = std::move(*b);
    snap = fresh;
    std::lock_guard lock(mu_);
    accounts_[slot] = fresh;
  }
  AllocationBalance out;
  out.cap = snap->balance.cap_tpp.value_or(0);  // uncapped accounts are not queried by the engine
  out.used = snap->balance.reserved_tpp + snap->balance.used_tpp;
  out.account = name;
  // As LedgerAllocationView weighs them (OwnReservations): the reference's reservations on the
  // account that were not released.
  if (q.reference.empty()) return out;
  std::vector<Posting> held;
  for (const Posting& p : snap->settlements) {
    if (p.kind != PostingKind::kReserve || p.transaction_ref != q.reference) continue;
    const bool released = std::any_of(snap->settlements.begin(), snap->settlements.end(), [&](const Posting& s) {
      return s.kind == PostingKind::kRelease && s.reservation_id == p.id;
    });
    if (!released) held.push_back(p);
  }
  WeighReferenceReservations(held, q, every_date, same_request, out);
  return out;
}

std::string PostingsToCsv(const std::vector<Posting>& postings) {
  std::string out =
      "id,kind,account,period,tpp,as_of,reservation_id,decision_id,transaction_ref,idempotency_key,"
      "reason,"
      "recorded_at\r\n";
  for (const auto& p : postings) {
    char amount[64];
    std::snprintf(amount, sizeof amount, "%.3f", p.tpp());
    // Text through the one CSV cell writer (a reference or reason beginning with = + - @ stays text
    // in a spreadsheet); the amount as a number (an adjustment may be negative).
    out += std::to_string(p.id) + ",";
    for (const std::string& cell : {std::string(PostingKindName(p.kind)), p.account, p.period}) {
      AppendCsvText(cell, out);
      out += ',';
    }
    AppendCsvNumber(amount, out);
    out += ',';
    out += p.as_of.ToString();
    out += ',';
    if (p.reservation_id) out += std::to_string(p.reservation_id);
    for (const std::string* cell : {&p.decision_id, &p.transaction_ref, &p.idempotency_key, &p.reason, &p.recorded_at}) {
      out += ',';
      AppendCsvText(*cell, out);
    }
    out += "\r\n";
  }
  return out;
}

Result<std::array<double, 3>> HeldOnLicense(Ledger& ledger, const std::string& number, Date as_of) {
  std::array<double, 3> held{};
  const char* measures[3] = {"units", "tpp", "usd"};
  for (int m = 0; m < 3; ++m) {
    auto b = ledger.GetBalance(AccountKey::License(number, measures[m]), as_of);
    if (!b.ok()) return b.status();
    held[m] = b->reserved_tpp + b->used_tpp;
  }
  return held;
}

}  // namespace exportctl::ledger
