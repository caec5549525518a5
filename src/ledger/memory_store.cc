// A ledger held in memory only ("memory:"): for what-if runs (the policy simulator) that must
// draw allocations down exactly as the durable ledger does but keep nothing. The posting
// semantics are ledger.cc's, unchanged; this backend only stores. Writers are serialised by one
// mutex; a transaction whose function fails is undone from its undo log.
#include <chrono>
#include <ctime>
#include <map>
#include <mutex>
#include <unordered_map>

#include "ledger/store.h"

namespace exportctl::ledger::internal {
namespace {

// The time written on a posting, to the millisecond; formatted again only when the millisecond
// changed (a simulation writes a hundred thousand postings a second).
std::string NowUtc() {
  const auto now = std::chrono::system_clock::now();
  const auto total_ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  thread_local long long last_ms = -1;
  thread_local std::string last;
  if (total_ms == last_ms) return last;
  const auto ms = total_ms % 1000;
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[40];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms));
  last_ms = total_ms;
  last = out;
  return last;
}

// One (account, period): its running totals and its postings' effects in the order written.
struct AccountPeriod {
  Totals totals;
  Date latest;  // the latest as_of posted: TotalsAsOf on or after it is `totals`
  std::vector<size_t> postings;  // indexes into State::postings
};

struct State {
  std::vector<StoredPosting> postings;  // id = index + 1
  std::unordered_map<std::string, size_t> by_key;
  std::unordered_map<int64_t, size_t> settlement_of;  // reservation id → settling posting
  std::map<std::pair<std::string, std::string>, AccountPeriod> accounts;  // (account, period)
};

class MemoryTxn final : public StoreTxn {
 public:
  explicit MemoryTxn(State& s) : s_(s), first_new_(s.postings.size()) {}

  Status Lock(const std::string&) override { return Status::Ok(); }  // the store's mutex is held
  Result<std::optional<StoredPosting>> FindByIdempotencyKey(const std::string& key) override {
    auto it = s_.by_key.find(key);
    if (it == s_.by_key.end()) return std::optional<StoredPosting>();
    return std::optional<StoredPosting>(s_.postings[it->second]);
  }
  Result<std::optional<Posting>> FindById(int64_t id) override {
    if (id <= 0 || static_cast<size_t>(id) > s_.postings.size()) return std::optional<Posting>();
    return std::optional<Posting>(s_.postings[static_cast<size_t>(id) - 1].posting);
  }
  Result<std::optional<Posting>> FindSettlement(int64_t reservation_id) override {
    auto it = s_.settlement_of.find(reservation_id);
    if (it == s_.settlement_of.end()) return std::optional<Posting>();
    return std::optional<Posting>(s_.postings[it->second].posting);
  }
  Result<Totals> GetTotals(const std::string& account, const std::string& period) override {
    auto it = s_.accounts.find({account, period});
    return it == s_.accounts.end() ? Totals() : it->second.totals;
  }
  Result<std::vector<std::pair<std::string, Totals>>> GetTotalsWithPrefix(
      const std::string& prefix, const std::string& period) override {
    std::vector<std::pair<std::string, Totals>> out;
    for (auto it = s_.accounts.lower_bound({prefix, ""}); it != s_.accounts.end(); ++it) {
      if (it->first.first.compare(0, prefix.size(), prefix) != 0) break;
      if (it->first.second == period) out.push_back({it->first.first, it->second.totals});
    }
    return out;
  }
  Status Append(Posting& p, const std::string& fingerprint, int64_t delta_reserved,
                int64_t delta_used) override {
    // The constraints the SQL tables declare (store.cc), enforced here the same way.
    if (!p.idempotency_key.empty() && s_.by_key.count(p.idempotency_key))
      return Status::Error(ErrorCode::kConflict, "idempotency_key",
                           "already used: " + p.idempotency_key);
    if (p.reservation_id && s_.settlement_of.count(p.reservation_id))
      return Status::Error(ErrorCode::kConflict, "reservation_id", "already settled");
    p.id = static_cast<int64_t>(s_.postings.size()) + 1;
    p.recorded_at = NowUtc();
    const size_t index = s_.postings.size();
    s_.postings.push_back({p, fingerprint});
    if (!p.idempotency_key.empty()) s_.by_key[p.idempotency_key] = index;
    if (p.reservation_id) s_.settlement_of[p.reservation_id] = index;
    AccountPeriod& a = s_.accounts[{p.account, p.period}];
    a.totals.reserved_milli += delta_reserved;
    a.totals.used_milli += delta_used;
    if (a.postings.empty() || a.latest < p.as_of) a.latest = p.as_of;
    a.postings.push_back(index);
    undo_.push_back({index, delta_reserved, delta_used});
    return Status::Ok();
  }

  // Takes back everything this transaction wrote, newest first.
  void Undo() {
    for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) {
      const Posting& p = s_.postings[it->index].posting;
      AccountPeriod& a = s_.accounts[{p.account, p.period}];
      a.totals.reserved_milli -= it->delta_reserved;
      a.totals.used_milli -= it->delta_used;
      a.postings.pop_back();
      a.latest = Date();
      for (size_t i : a.postings)
        if (a.latest < s_.postings[i].posting.as_of) a.latest = s_.postings[i].posting.as_of;
      if (a.postings.empty()) s_.accounts.erase({p.account, p.period});
      if (!p.idempotency_key.empty()) s_.by_key.erase(p.idempotency_key);
      if (p.reservation_id) s_.settlement_of.erase(p.reservation_id);
    }
    s_.postings.resize(first_new_);
    undo_.clear();
  }

 private:
  struct Written {
    size_t index;
    int64_t delta_reserved, delta_used;
  };
  State& s_;
  size_t first_new_;
  std::vector<Written> undo_;
};

class MemoryStore final : public Store {
 public:
  Status Transact(const std::function<Status(StoreTxn&)>& fn) override {
    std::lock_guard g(mu_);
    MemoryTxn txn(s_);
    Status st = fn(txn);
    if (!st.ok()) txn.Undo();
    return st;
  }
  Result<std::vector<Posting>> Postings(const std::string& account) override {
    std::lock_guard g(mu_);
    std::vector<Posting> out;
    for (const auto& sp : s_.postings)
      if (account.empty() || sp.posting.account == account) out.push_back(sp.posting);
    return out;
  }
  Result<std::optional<Posting>> FindPosting(int64_t id) override {
    std::lock_guard g(mu_);
    return MemoryTxn(s_).FindById(id);
  }
  Result<std::optional<Posting>> FindPostingByKey(const std::string& key) override {
    std::lock_guard g(mu_);
    auto it = s_.by_key.find(key);
    if (it == s_.by_key.end()) return std::optional<Posting>();
    return std::optional<Posting>(s_.postings[it->second].posting);
  }
  Result<std::vector<std::string>> Accounts() override {
    std::lock_guard g(mu_);
    std::vector<std::string> out;
    for (const auto& [key, a] : s_.accounts)
      if (out.empty() || out.back() != key.first) out.push_back(key.first);
    return out;
  }
  Result<std::vector<Posting>> PostingsOfTransaction(const std::string& ref) override {
    std::lock_guard g(mu_);
    std::vector<Posting> out;
    if (ref.empty()) return out;
    for (const auto& sp : s_.postings)
      if (sp.posting.transaction_ref == ref) out.push_back(sp.posting);
    return out;
  }
  Result<Totals> TotalsAsOf(const std::string& account, const std::string& period,
                            Date as_of) override {
    std::lock_guard g(mu_);
    return TotalsAsOfLocked(account, period, as_of);
  }
  Result<std::vector<std::pair<std::string, Totals>>> TotalsAsOfWithPrefix(
      const std::string& prefix, const std::string& period, Date as_of) override {
    std::lock_guard g(mu_);
    std::vector<std::pair<std::string, Totals>> out;
    for (auto it = s_.accounts.lower_bound({prefix, ""}); it != s_.accounts.end(); ++it) {
      if (it->first.first.compare(0, prefix.size(), prefix) != 0) break;
      if (it->first.second == period)
        out.push_back({it->first.first, TotalsAsOfLocked(it->first.first, period, as_of)});
    }
    return out;
  }
  std::string name() const override { return "memory"; }

 private:
  Totals TotalsAsOfLocked(const std::string& account, const std::string& period, Date as_of) {
    auto it = s_.accounts.find({account, period});
    if (it == s_.accounts.end()) return Totals();
    const AccountPeriod& a = it->second;
    if (!(as_of < a.latest)) return a.totals;  // orders run in date order: the usual case
    std::vector<Posting> dated;
    for (size_t i : a.postings)
      if (!(as_of < s_.postings[i].posting.as_of)) dated.push_back(s_.postings[i].posting);
    return SumPostings(dated);
  }

  std::mutex mu_;
  State s_;
};

}  // namespace

std::unique_ptr<Store> OpenMemoryStore() { return std::make_unique<MemoryStore>(); }

}  // namespace exportctl::ledger::internal
