// Posting semantics, run against both backends (the same suite, parameterized).
#include <gtest/gtest.h>

#include <cmath>

#include "ledger/ledger_json.h"
#include "ledger/ledger_test_util.h"

namespace exportctl::ledger {
namespace {

using testing::D;
using testing::OpenOrDie;
using testing::SumLog;
using testing::TestLocation;

#define EXPORTCTL_EXPECT_OK(r) EXPECT_TRUE((r).ok()) << (r).status().ToString()

class LedgerTest : public testing::BackendTest {
 protected:
  ReserveRequest Req(AccountKey account, double tpp, const std::string& key,
                     const char* as_of = "2026-06-01") {
    ReserveRequest r;
    r.account = std::move(account);
    r.tpp = tpp;
    r.as_of = D(as_of);
    r.idempotency_key = key;
    r.decision_id = "dec_" + key;
    r.transaction_ref = "tx-" + key;
    return r;
  }
  Posting MustReserve(const ReserveRequest& r) {
    auto res = ledger_->Reserve(r);
    EXPORTCTL_EXPECT_OK(res);
    if (!res.ok()) return {};
    EXPECT_EQ(res->status, ReserveStatus::kReserved) << r.idempotency_key;
    return res->posting;
  }
  size_t LogSize() {
    auto h = ledger_->History("");
    EXPECT_TRUE(h.ok());
    return h.ok() ? h->size() : 0;
  }
  // The running totals behind every balance equal the sum of the log.
  void ExpectReconciles(Date as_of) {
    auto log = ledger_->History("");
    ASSERT_TRUE(log.ok());
    auto sums = SumLog(*log);
    auto balances = ledger_->Balances(as_of);
    ASSERT_TRUE(balances.ok()) << balances.status().ToString();
    for (const auto& b : *balances) {
      const auto& s = sums[{b.account, b.period}];
      EXPECT_EQ(std::llround(b.reserved_tpp * 1000), s.reserved_milli) << b.account;
      EXPECT_EQ(std::llround(b.used_tpp * 1000), s.used_milli) << b.account;
    }
  }
};

TEST_P(LedgerTest, ReservesUpToTheCountryAllocationAndSaysWhatStillFits) {
  const double cap = 790000000;  // 15 CFR 742.6(b)(10)(iii)(B)(1), from the data file
  MustReserve(Req(AccountKey::Country("AE"), 700000000, "k1"));
  auto over = ledger_->Reserve(Req(AccountKey::Country("AE"), 100000000, "k2"));
  ASSERT_TRUE(over.ok()) << over.status().ToString();
  EXPECT_EQ(over->status, ReserveStatus::kInsufficient);
  EXPECT_DOUBLE_EQ(over->fits_tpp, 90000000);
  EXPECT_DOUBLE_EQ(*over->cap_tpp, cap);
  EXPECT_EQ(LogSize(), 1u);

  auto b = ledger_->GetBalance(AccountKey::Country("AE"), D("2026-06-01"));
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->period, "2025-2027");
  EXPECT_DOUBLE_EQ(*b->cap_tpp, cap);
  EXPECT_DOUBLE_EQ(b->reserved_tpp, 700000000);
  EXPECT_DOUBLE_EQ(b->remaining_tpp(), 90000000);
  EXPECT_NEAR(b->ToH100(*b->cap_tpp), 49899.0, 1.0);  // ≈ 49,900 H100-equivalents

  MustReserve(Req(AccountKey::Country("AE"), 90000000, "k3"));
  EXPECT_EQ(ledger_->Reserve(Req(AccountKey::Country("AE"), 0.001, "k4"))->status,
            ReserveStatus::kInsufficient);
  // Other countries have their own allocation.
  MustReserve(Req(AccountKey::Country("SA"), 1000, "k5"));
  ExpectReconciles(D("2026-06-01"));
}

TEST_P(LedgerTest, RetryWithSameKeyReturnsTheSameReservation) {
  Posting first = MustReserve(Req(AccountKey::Country("AE"), 1000, "same"));
  auto again = ledger_->Reserve(Req(AccountKey::Country("AE"), 1000, "same"));
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->replayed);
  EXPECT_EQ(again->posting.id, first.id);
  EXPECT_EQ(LogSize(), 1u);
  auto b = ledger_->GetBalance(AccountKey::Country("AE"), D("2026-06-01"));
  EXPECT_DOUBLE_EQ(b->reserved_tpp, 1000);
}

TEST_P(LedgerTest, KeyReusedWithDifferentContentIsAConflictAndWritesNothing) {
  MustReserve(Req(AccountKey::Country("AE"), 1000, "k"));
  for (auto changed :
       {Req(AccountKey::Country("AE"), 2000, "k"), Req(AccountKey::Country("SA"), 1000, "k"),
        Req(AccountKey::Country("AE"), 1000, "k", "2026-06-02")}) {
    auto r = ledger_->Reserve(changed);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), ErrorCode::kConflict);
    EXPECT_EQ(r.status().field(), "idempotency_key");
  }
  // A settle or adjust cannot reuse a reservation's key either.
  auto adj = ledger_->Adjust({.account = AccountKey::Country("AE"),
                              .tpp = 5,
                              .as_of = D("2026-06-01"),
                              .reason = "x",
                              .idempotency_key = "k"});
  ASSERT_FALSE(adj.ok());
  EXPECT_EQ(adj.status().code(), ErrorCode::kConflict);
  EXPECT_EQ(LogSize(), 1u);
}

struct BadReserve {
  const char* name;
  std::function<void(ReserveRequest&)> mutate;
  ErrorCode code;
  const char* field;
};

TEST_P(LedgerTest, BadReservationsNameTheFieldAndWriteNothing) {
  const std::vector<BadReserve> cases = {
      {"negative", [](ReserveRequest& r) { r.tpp = -5; }, ErrorCode::kInvalidInput, "tpp"},
      {"zero", [](ReserveRequest& r) { r.tpp = 0; }, ErrorCode::kInvalidInput, "tpp"},
      {"nan", [](ReserveRequest& r) { r.tpp = std::nan(""); }, ErrorCode::kInvalidInput, "tpp"},
      {"huge", [](ReserveRequest& r) { r.tpp = 1e300; }, ErrorCode::kInvalidInput, "tpp"},
      {"no key", [](ReserveRequest& r) { r.idempotency_key = ""; }, ErrorCode::kInvalidInput,
       "idempotency_key"},
      {"no date", [](ReserveRequest& r) { r.as_of = Date(); }, ErrorCode::kInvalidInput, "as_of"},
      {"lower-case country", [](ReserveRequest& r) { r.account = AccountKey::Country("ae"); },
       ErrorCode::kInvalidInput, "account.country"},
      {"no consignee", [](ReserveRequest& r) { r.account = AccountKey::Lpp(""); },
       ErrorCode::kInvalidInput, "account.consignee"},
      {"colon in company", [](ReserveRequest& r) { r.account = AccountKey::Nveu("a:b", "AE"); },
       ErrorCode::kInvalidInput, "account.company"},
      {"bidi override in consignee",
       [](ReserveRequest& r) { r.account = AccountKey::Lpp("Acme \xe2\x80\xae" "droC"); },
       ErrorCode::kInvalidInput, "account.consignee"},
      {"bidi isolate in exporter",
       [](ReserveRequest& r) { r.account = AccountKey::H200China("\xe2\x81\xa6" "Acme", "H200"); },
       ErrorCode::kInvalidInput, "account.exporter"},
      {"line break in reference", [](ReserveRequest& r) { r.transaction_ref = "SO-1\r\nSO-2"; },
       ErrorCode::kInvalidInput, "transaction_ref"},
      {"after 2027", [](ReserveRequest& r) { r.as_of = D("2028-01-01"); }, ErrorCode::kInvalidInput,
       "as_of"},
      {"before 2025", [](ReserveRequest& r) { r.as_of = D("2024-12-31"); },
       ErrorCode::kInvalidInput, "as_of"},
  };
  for (const auto& c : cases) {
    ReserveRequest r = Req(AccountKey::Country("AE"), 1000, std::string("bad-") + c.name);
    c.mutate(r);
    auto res = ledger_->Reserve(r);
    ASSERT_FALSE(res.ok()) << c.name;
    EXPECT_EQ(res.status().code(), c.code) << c.name << ": " << res.status().ToString();
    EXPECT_EQ(res.status().field(), c.field) << c.name << ": " << res.status().ToString();
    EXPECT_FALSE(res.status().message().empty());
  }
  EXPECT_EQ(LogSize(), 0u);
}

TEST_P(LedgerTest, UnknownAccountIsNotFound) {
  for (const char* text : {"allotment:AE", "country", "country:AE:extra", "nveu:OnlyCompany", ""}) {
    auto key = AccountKey::Parse(text);
    ASSERT_FALSE(key.ok()) << text;
    EXPECT_EQ(key.status().field(), "account") << text;
  }
  EXPECT_EQ(AccountKey::Parse("allotment:AE").status().code(), ErrorCode::kNotFound);
  auto h = ledger_->History("allotment:AE");
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.status().field(), "account");
  for (const char* text : {"country:AE", "lpp:Acme GmbH", "aia:Acme GmbH", "nveu:Acme:AE",
                           "uveu:Acme:IN", "h200-cn:Nvidia:H200", "h200-us:Nvidia:H200"}) {
    auto key = AccountKey::Parse(text);
    ASSERT_TRUE(key.ok()) << text << ": " << key.status().ToString();
    EXPECT_EQ(key->ToString(), text);
  }
}

TEST_P(LedgerTest, CommitMovesReservedToUsedAndReleaseFreesTheCap) {
  Posting a = MustReserve(Req(AccountKey::Country("AE"), 1000, "a"));
  Posting b = MustReserve(Req(AccountKey::Country("AE"), 2000, "b"));
  auto c = ledger_->Commit({.reservation_id = a.id, .as_of = D("2026-06-10")});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->kind, PostingKind::kCommit);
  EXPECT_EQ(c->reservation_id, a.id);
  EXPECT_EQ(c->amount_milli, 1000000);
  auto r = ledger_->Release(
      {.reservation_id = b.id, .as_of = D("2026-06-11"), .reason = "order cancelled"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();

  auto bal = ledger_->GetBalance(AccountKey::Country("AE"), D("2026-06-30"));
  EXPECT_DOUBLE_EQ(bal->used_tpp, 1000);
  EXPECT_DOUBLE_EQ(bal->reserved_tpp, 0);
  // As of a date before the commit, the reservation was still only held.
  auto earlier = ledger_->GetBalance(AccountKey::Country("AE"), D("2026-06-05"));
  EXPECT_DOUBLE_EQ(earlier->used_tpp, 0);
  EXPECT_DOUBLE_EQ(earlier->reserved_tpp, 3000);
  ExpectReconciles(D("2026-06-30"));
}

TEST_P(LedgerTest, ReleasingTwiceOrCommittingAReleasedReservationIsAConflict) {
  Posting a = MustReserve(Req(AccountKey::Country("AE"), 1000, "a"));
  ASSERT_TRUE(ledger_->Release({.reservation_id = a.id, .as_of = D("2026-06-02")}).ok());
  const size_t before = LogSize();
  auto twice = ledger_->Release({.reservation_id = a.id, .as_of = D("2026-06-03")});
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.status().code(), ErrorCode::kConflict);
  EXPECT_EQ(twice.status().field(), "reservation_id");
  EXPECT_NE(twice.status().message().find("already released"), std::string::npos)
      << twice.status().message();
  auto commit = ledger_->Commit({.reservation_id = a.id, .as_of = D("2026-06-03")});
  ASSERT_FALSE(commit.ok());
  EXPECT_EQ(commit.status().code(), ErrorCode::kConflict);
  EXPECT_EQ(LogSize(), before);

  // With an idempotency key, retrying the same release returns the same posting.
  Posting b = MustReserve(Req(AccountKey::Country("AE"), 1000, "b"));
  auto r1 = ledger_->Release(
      {.reservation_id = b.id, .as_of = D("2026-06-02"), .idempotency_key = "rel-b"});
  auto r2 = ledger_->Release(
      {.reservation_id = b.id, .as_of = D("2026-06-02"), .idempotency_key = "rel-b"});
  ASSERT_TRUE(r1.ok() && r2.ok());
  EXPECT_EQ(r1->id, r2->id);
}

TEST_P(LedgerTest, SettlingSomethingThatIsNotAReservationFails) {
  auto missing = ledger_->Commit({.reservation_id = 999, .as_of = D("2026-06-01")});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(missing.status().field(), "reservation_id");
  EXPECT_EQ(ledger_->Commit({.reservation_id = 0, .as_of = D("2026-06-01")}).status().field(),
            "reservation_id");

  Posting a = MustReserve(Req(AccountKey::Country("AE"), 1000, "a"));
  auto c = ledger_->Commit({.reservation_id = a.id, .as_of = D("2026-06-01")});
  ASSERT_TRUE(c.ok());
  auto commit_of_commit = ledger_->Commit({.reservation_id = c->id, .as_of = D("2026-06-01")});
  ASSERT_FALSE(commit_of_commit.ok());
  EXPECT_EQ(commit_of_commit.status().field(), "reservation_id");
  auto before_reservation = ledger_->Release({.reservation_id = a.id, .as_of = D("2026-05-01")});
  ASSERT_FALSE(before_reservation.ok());
  EXPECT_EQ(LogSize(), 2u);
}

TEST_P(LedgerTest, LppResetsEachCalendarYear) {
  const AccountKey lpp = AccountKey::Lpp("Acme Cloud GmbH");
  MustReserve(Req(lpp, 26900000, "y1", "2026-03-01"));  // 15 CFR 740.29(a): 26,900,000 TPP per year
  auto full = ledger_->Reserve(Req(lpp, 1, "y1b", "2026-12-31"));
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(full->status, ReserveStatus::kInsufficient);
  EXPECT_DOUBLE_EQ(full->fits_tpp, 0);
  MustReserve(Req(lpp, 26900000, "y2", "2027-01-01"));
  auto b26 = ledger_->GetBalance(lpp, D("2026-12-31"));
  auto b27 = ledger_->GetBalance(lpp, D("2027-06-01"));
  EXPECT_EQ(b26->period, "2026");
  EXPECT_EQ(b27->period, "2027");
  EXPECT_DOUBLE_EQ(b26->remaining_tpp(), 0);
  EXPECT_DOUBLE_EQ(b27->reserved_tpp, 26900000);
}

TEST_P(LedgerTest, CountryAllocationEndsWith2027) {
  MustReserve(Req(AccountKey::Country("AE"), 1000, "a", "2027-12-31"));
  auto after = ledger_->GetBalance(AccountKey::Country("AE"), D("2028-01-01"));
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.status().field(), "as_of");
  // Balances as of 2028 leave out accounts whose period is over.
  auto all = ledger_->Balances(D("2028-01-01"));
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->empty());
}

TEST_P(LedgerTest, NveuCapStepsByQuarter) {
  const AccountKey nveu = AccountKey::Nveu("Acme Data Centers", "IN");
  MustReserve(Req(nveu, 633000000, "q1", "2025-02-01"));  // 2025 Q1 cumulative cap
  auto q1 = ledger_->Reserve(Req(nveu, 1, "q1b", "2025-03-31"));
  EXPECT_EQ(q1->status, ReserveStatus::kInsufficient);
  auto q2 = ledger_->Reserve(Req(nveu, 400000000, "q2", "2025-04-01"));
  EXPECT_EQ(q2->status, ReserveStatus::kInsufficient);
  EXPECT_DOUBLE_EQ(q2->fits_tpp, 949500000 - 633000000);
  MustReserve(Req(nveu, 316500000, "q2b", "2025-04-01"));
  auto b = ledger_->GetBalance(nveu, D("2027-11-30"));
  EXPECT_DOUBLE_EQ(*b->cap_tpp, 5064000000);
  auto after_table = ledger_->GetBalance(nveu, D("2028-01-01"));
  EXPECT_DOUBLE_EQ(*after_table->cap_tpp, 0);  // no cap defined: nothing fits (fail closed)
}

TEST_P(LedgerTest, AiaCertificationIsATriggerNotACap) {
  const AccountKey aia = AccountKey::Aia("Acme Cloud GmbH");
  auto r1 = ledger_->Reserve(Req(aia, 250000000, "a1"));
  EXPECT_FALSE(r1->certification_due);
  auto r2 = ledger_->Reserve(Req(aia, 5000000, "a2"));
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(r2->status, ReserveStatus::kReserved);
  EXPECT_TRUE(r2->certification_due);  // 253,000,000 TPP reached (15 CFR 740.27)
}

TEST_P(LedgerTest, H200ChinaShareFollowsShippedUsUnits) {
  const AccountKey cn = AccountKey::H200China("Nvidia", "H200");
  const AccountKey us = AccountKey::H200Us("Nvidia", "H200");
  auto none = ledger_->Reserve(Req(cn, 1000, "cn0"));
  EXPECT_EQ(none->status, ReserveStatus::kInsufficient);
  Posting u = MustReserve(Req(us, 10000, "us1"));
  // Reserved US units are not yet shipped: the base is still zero.
  EXPECT_EQ(ledger_->Reserve(Req(cn, 1000, "cn1"))->status, ReserveStatus::kInsufficient);
  ASSERT_TRUE(ledger_->Commit({.reservation_id = u.id, .as_of = D("2026-06-02")}).ok());
  auto cn2 = ledger_->Reserve(Req(cn, 6000, "cn2", "2026-06-03"));
  EXPECT_EQ(cn2->status, ReserveStatus::kInsufficient);
  EXPECT_DOUBLE_EQ(cn2->fits_tpp, 5000);  // china_to_us_ratio 0.5 (91 FR 1684)
  MustReserve(Req(cn, 5000, "cn3", "2026-06-03"));
}

TEST_P(LedgerTest, UveuSharesLimitOneTier2Country) {
  MustReserve(Req(AccountKey::Uveu("Acme", "US"), 930000, "us"));
  // At most 7% of the company's compute in one Tier 2 country: x ≤ 0.07 (930,000 + x) → 70,000.
  auto over = ledger_->Reserve(Req(AccountKey::Uveu("Acme", "IN"), 70001, "in1"));
  EXPECT_EQ(over->status, ReserveStatus::kInsufficient);
  EXPECT_NEAR(over->fits_tpp, 70000, 0.01);
  MustReserve(Req(AccountKey::Uveu("Acme", "IN"), 70000, "in2"));
  // Tier 1 countries are not limited one by one.
  MustReserve(Req(AccountKey::Uveu("Acme", "JP"), 500000, "jp"));
  // A US-headquartered UVEU must keep at least 50% in the US: US 930,000 of 1,500,000 now.
  ReserveRequest gb = Req(AccountKey::Uveu("Acme", "GB"), 400000, "gb");
  gb.company_headquarters = "US";
  EXPECT_EQ(ledger_->Reserve(gb)->status, ReserveStatus::kInsufficient);
  gb.tpp = 360000;
  gb.idempotency_key = "gb2";
  MustReserve(gb);
}

TEST_P(LedgerTest, AdjustNeedsAReasonAndCannotMakeUsedNegative) {
  auto no_reason =
      ledger_->Adjust({.account = AccountKey::Country("AE"), .tpp = 5, .as_of = D("2026-06-01")});
  ASSERT_FALSE(no_reason.ok());
  EXPECT_EQ(no_reason.status().field(), "reason");
  for (const char* bad : {"   ", "shipped\r\nforged line", "not \xe9 UTF-8"}) {
    auto r = ledger_->Adjust({.account = AccountKey::Country("AE"), .tpp = 5, .as_of = D("2026-06-01"), .reason = bad});
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().field(), "reason") << bad;
  }
  auto long_reason = ledger_->Adjust({.account = AccountKey::Country("AE"), .tpp = 5, .as_of = D("2026-06-01"),
                                      .reason = std::string(100 * 1024, 'x')});
  EXPECT_EQ(long_reason.status().field(), "reason");
  auto zero = ledger_->Adjust(
      {.account = AccountKey::Country("AE"), .tpp = 0, .as_of = D("2026-06-01"), .reason = "x"});
  EXPECT_EQ(zero.status().field(), "tpp");
  auto negative = ledger_->Adjust({.account = AccountKey::Country("AE"),
                                   .tpp = -5,
                                   .as_of = D("2026-06-01"),
                                   .reason = "correction"});
  ASSERT_FALSE(negative.ok());
  EXPECT_EQ(negative.status().field(), "tpp");
  auto ok = ledger_->Adjust({.account = AccountKey::Country("AE"),
                             .tpp = 1500,
                             .as_of = D("2026-06-01"),
                             .reason = "shipment recorded outside exportctl (license D123456)"});
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  auto down = ledger_->Adjust({.account = AccountKey::Country("AE"),
                               .tpp = -500,
                               .as_of = D("2026-06-02"),
                               .reason = "returned units"});
  ASSERT_TRUE(down.ok()) << down.status().ToString();
  EXPECT_DOUBLE_EQ(ledger_->GetBalance(AccountKey::Country("AE"), D("2026-06-30"))->used_tpp, 1000);
  EXPECT_EQ(LogSize(), 2u);
  ExpectReconciles(D("2026-06-30"));
}

// A license account (15 CFR 750.7): its limit comes with each reservation, is never passed, is
// part of the request's content, and a license reservation joins an allocation all or nothing.
TEST_P(LedgerTest, LicenseAccountsNeverPassTheLicensesLimit) {
  const AccountKey lic = AccountKey::License("D1234567", "units");
  EXPECT_EQ(AccountKey::Parse("license:D1234567:units")->ToString(), "license:D1234567:units");
  EXPECT_EQ(AccountKey::Parse("license:D1234567:pallets").status().field(), "account.measure");
  ReserveRequest r = Req(lic, 30000, "l1");
  auto no_limit = ledger_->Reserve(r);
  ASSERT_FALSE(no_limit.ok());
  EXPECT_EQ(no_limit.status().field(), "limit");
  r.limit = -1;
  EXPECT_EQ(ledger_->Reserve(r).status().field(), "limit");
  EXPECT_EQ(LogSize(), 0u);

  r.limit = 35000;
  auto first = ledger_->Reserve(r);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->status, ReserveStatus::kReserved);
  EXPECT_EQ(first->posting.period, "cumulative");
  ReserveRequest more = Req(lic, 6000, "l2");
  more.limit = 35000;
  auto refused = ledger_->Reserve(more);
  ASSERT_TRUE(refused.ok()) << refused.status().ToString();
  EXPECT_EQ(refused->status, ReserveStatus::kInsufficient);
  EXPECT_DOUBLE_EQ(refused->fits_tpp, 5000);
  ASSERT_TRUE(refused->cap_tpp);
  EXPECT_DOUBLE_EQ(*refused->cap_tpp, 35000);
  EXPECT_EQ(LogSize(), 1u);

  // The same key with another limit is another request.
  r.limit = 40000;
  EXPECT_EQ(ledger_->Reserve(r).status().code(), ErrorCode::kConflict);
  r.limit = 35000;
  EXPECT_TRUE(ledger_->Reserve(r)->replayed);

  // A revoked or expired license is a limit of 0: nothing fits.
  ReserveRequest none = Req(lic, 1, "l3");
  none.limit = 0;
  EXPECT_EQ(ledger_->Reserve(none)->status, ReserveStatus::kInsufficient);

  // With a country allocation, all or nothing.
  ReserveRequest tail = Req(lic, 5001, "l4");
  tail.limit = 35000;
  auto batch = ledger_->ReserveAll({Req(AccountKey::Country("AE"), 1000, "l5"), tail});
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  EXPECT_FALSE(batch->all_reserved);
  EXPECT_EQ(LogSize(), 1u);
  tail.tpp = 5000;
  tail.idempotency_key = "l6";
  batch = ledger_->ReserveAll({Req(AccountKey::Country("AE"), 1000, "l5"), tail});
  ASSERT_TRUE(batch.ok() && batch->all_reserved);
  EXPECT_EQ(LogSize(), 3u);
  auto b = ledger_->GetBalance(lic, D("2026-06-01"));
  ASSERT_TRUE(b.ok());
  EXPECT_DOUBLE_EQ(b->reserved_tpp, 35000);
}

// What a license allows is spent by shipments of any date: a check dated before a later
// shipment sees it (the license's quantity is not there any more), and a line has its own account.
TEST_P(LedgerTest, ALicenseBalanceHoldsShipmentsOfEveryDate) {
  const AccountKey line = AccountKey::License("D1234567", "line1");
  EXPECT_EQ(AccountKey::Parse("license:D1234567:line2")->product, "line2");
  EXPECT_EQ(AccountKey::Parse("license:D1234567:line0").status().field(), "account.measure");
  EXPECT_EQ(AccountKey::Parse("license:D1234567:linex").status().field(), "account.measure");
  ReserveRequest later = Req(line, 1000, "later", "2026-09-01");
  later.limit = 1000;
  ASSERT_EQ(ledger_->Reserve(later)->status, ReserveStatus::kReserved);
  auto before = ledger_->GetBalance(line, D("2026-06-01"));
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  EXPECT_DOUBLE_EQ(before->reserved_tpp, 1000);
  // A country allocation is still counted as of its date.
  ASSERT_EQ(ledger_->Reserve(Req(AccountKey::Country("AE"), 500, "c-later", "2026-09-01"))->status, ReserveStatus::kReserved);
  EXPECT_DOUBLE_EQ(ledger_->GetBalance(AccountKey::Country("AE"), D("2026-06-01"))->reserved_tpp, 0);
}

// A country agreement's quota is kept like a license: its limit comes with each reservation, and
// what later-dated orders took of it counts on every date.
TEST_P(LedgerTest, AnAgreementQuotaIsCappedByItsLimitAndHoldsOrdersOfEveryDate) {
  const AccountKey quota = AccountKey::Quota("my-deal/1", "units");
  EXPECT_EQ(AccountKey::Parse("quota:my-deal/1:units")->ToString(), "quota:my-deal/1:units");
  EXPECT_EQ(AccountKey::Parse("quota:my-deal/1:usd").status().field(), "account.measure");
  ReserveRequest r = Req(quota, 30000, "q1", "2026-09-01");
  EXPECT_EQ(ledger_->Reserve(r).status().field(), "limit");
  r.limit = 35000;
  ASSERT_EQ(ledger_->Reserve(r)->status, ReserveStatus::kReserved);
  ReserveRequest more = Req(quota, 6000, "q2", "2026-06-01");
  more.limit = 35000;
  auto refused = ledger_->Reserve(more);
  ASSERT_TRUE(refused.ok()) << refused.status().ToString();
  EXPECT_EQ(refused->status, ReserveStatus::kInsufficient);
  EXPECT_DOUBLE_EQ(refused->fits_tpp, 5000);
  auto before = ledger_->GetBalance(quota, D("2026-06-01"));
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  EXPECT_DOUBLE_EQ(before->reserved_tpp, 30000);
}

TEST_P(LedgerTest, ReserveAllIsAllOrNothing) {
  const AccountKey lpp = AccountKey::Lpp("Acme");
  std::vector<ReserveRequest> batch = {Req(AccountKey::Country("AE"), 1000, "b1"),
                                       Req(lpp, 26000000, "b2")};
  auto ok = ledger_->ReserveAll(batch);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  ASSERT_TRUE(ok->all_reserved);
  ASSERT_EQ(ok->items.size(), 2u);
  EXPECT_EQ(ok->items[0].posting.account, "country:AE");
  EXPECT_EQ(ok->items[1].posting.account, "lpp:Acme");
  EXPECT_EQ(LogSize(), 2u);
  // A retried batch replays.
  auto again = ledger_->ReserveAll(batch);
  ASSERT_TRUE(again.ok() && again->all_reserved);
  EXPECT_TRUE(again->items[0].replayed);
  EXPECT_EQ(again->items[0].posting.id, ok->items[0].posting.id);
  EXPECT_EQ(LogSize(), 2u);

  // The second request no longer fits: nothing of the batch is written.
  auto short_batch =
      ledger_->ReserveAll({Req(AccountKey::Country("AE"), 1000, "c1"), Req(lpp, 1000000, "c2")});
  ASSERT_TRUE(short_batch.ok()) << short_batch.status().ToString();
  EXPECT_FALSE(short_batch->all_reserved);
  EXPECT_EQ(short_batch->items[0].status, ReserveStatus::kInsufficient);
  EXPECT_DOUBLE_EQ(short_batch->items[1].fits_tpp, 900000);
  EXPECT_EQ(LogSize(), 2u);
  EXPECT_DOUBLE_EQ(ledger_->GetBalance(AccountKey::Country("AE"), D("2026-06-01"))->reserved_tpp,
                   1000);

  auto dup = ledger_->ReserveAll({Req(AccountKey::Country("AE"), 1, "d"), Req(lpp, 1, "d")});
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.status().field(), "requests[1].idempotency_key");
  auto bad = ledger_->ReserveAll({Req(AccountKey::Country("AE"), -1, "e")});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().field(), "requests[0].tpp");
  EXPECT_EQ(LogSize(), 2u);
}

TEST_P(LedgerTest, AllocationViewGivesTheEngineCapAndHeldTpp) {
  Posting a = MustReserve(Req(AccountKey::Country("AE"), 1000, "a"));
  MustReserve(Req(AccountKey::Country("AE"), 500, "b"));
  ASSERT_TRUE(ledger_->Commit({.reservation_id = a.id, .as_of = D("2026-06-01")}).ok());
  LedgerAllocationView view(*ledger_);
  AllocationQuery q;
  q.account = AllocationQuery::Account::kCountryAllocation;
  q.country = "AE";
  q.as_of = D("2026-06-01");
  auto b = view.Balance(q);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_DOUBLE_EQ(b->cap, 790000000);
  EXPECT_DOUBLE_EQ(b->used, 1500);
  EXPECT_DOUBLE_EQ(b->remaining(), 790000000 - 1500);

  q.account = AllocationQuery::Account::kLppConsignee;
  q.consignee = "Acme";
  EXPECT_DOUBLE_EQ(view.Balance(q)->cap, 26900000);
  q.account = AllocationQuery::Account::kAiaCertification;
  EXPECT_DOUBLE_EQ(view.Balance(q)->cap, 253000000);
  q.account = AllocationQuery::Account::kH200ChinaShare;
  q.exporter = "Nvidia";
  q.product = "H200";
  EXPECT_DOUBLE_EQ(view.Balance(q)->cap, 0);
  q.product = "";
  EXPECT_FALSE(view.Balance(q).ok());  // a missing fact is an error, never "fits"
  q.account = AllocationQuery::Account::kCountryAllocation;
  q.as_of = D("2028-02-01");
  EXPECT_FALSE(view.Balance(q).ok());
}

// A batch reads a license account once and answers every order from it as the direct view
// does: the reservations an order already holds under its reference are left out (not released
// ones), named in the note. Within its max age it does not read again; past it, it does.
TEST_P(LedgerTest, ABatchViewAnswersLicenseAccountsAsTheDirectViewDoes) {
  const AccountKey units = AccountKey::License("D1234567", "units");
  auto reserve = [&](double amount, const std::string& key, const std::string& ref) {
    ReserveRequest r = Req(units, amount, key);
    r.limit = 35000;
    r.transaction_ref = ref;
    return MustReserve(r);
  };
  reserve(1000, "k1", "SO-1");
  Posting released = reserve(200, "k2", "SO-1");
  Posting shipped = reserve(300, "k3", "SO-2");
  reserve(50, "k4", "");
  ASSERT_TRUE(ledger_->Release({.reservation_id = released.id, .as_of = D("2026-06-02"), .reason = "cancelled"}).ok());
  ASSERT_TRUE(ledger_->Commit({.reservation_id = shipped.id, .as_of = D("2026-06-03")}).ok());
  ASSERT_TRUE(ledger_->Adjust({.account = units, .tpp = 75, .as_of = D("2026-06-04"), .reason = "shipped before go-live"}).ok());
  // Every reservation of the reference is the request's own here (check/ decides that from the
  // audit log); without that, each is counted (below).
  const SameRequest mine = [](const Posting&) { return true; };
  LedgerAllocationView direct(*ledger_, "", mine);
  BatchAllocationView batch(*ledger_, std::chrono::hours(1));
  LedgerAllocationView plain(*ledger_);
  AllocationQuery q;
  q.account = AllocationQuery::Account::kLicense;
  q.license = "D1234567";
  q.measure = "units";
  q.as_of = D("2026-06-01");
  for (const std::string ref : {"SO-1", "SO-2", "SO-3", ""}) {
    q.reference = ref;
    auto a = direct.Balance(q);
    auto b = batch.Balance(q, mine);
    ASSERT_TRUE(a.ok() && b.ok()) << ref;
    EXPECT_DOUBLE_EQ(a->used, b->used) << ref;
    EXPECT_DOUBLE_EQ(a->cap, b->cap) << ref;
    EXPECT_EQ(a->account, b->account) << ref;
    EXPECT_EQ(a->note, b->note) << ref;
  }
  q.reference = "SO-3";
  EXPECT_DOUBLE_EQ(batch.Balance(q, mine)->used, 1000 + 300 + 50 + 75);
  q.reference = "SO-1";
  EXPECT_DOUBLE_EQ(batch.Balance(q, mine)->used, 300 + 50 + 75);  // its own 1000 left out, the released 200 not held
  // A request that did not make SO-1's reservation (an amended order under the same reference)
  // counts it, on both views, and is told which posting and how to replace it.
  for (const AllocationView* view : std::initializer_list<const AllocationView*>{&batch, &plain}) {
    auto counted = view->Balance(q);
    ASSERT_TRUE(counted.ok());
    EXPECT_DOUBLE_EQ(counted->used, 1000 + 300 + 50 + 75);
    EXPECT_NE(counted->note.find("counts the reservation posting"), std::string::npos) << counted->note;
    EXPECT_NE(counted->note.find("for a different request"), std::string::npos) << counted->note;
  }
  // Kept for its max age: a reservation made meanwhile is seen by a view read after it.
  reserve(400, "k5", "SO-4");
  q.reference = "SO-3";
  EXPECT_DOUBLE_EQ(batch.Balance(q, mine)->used, 1425);
  BatchAllocationView fresh(*ledger_, std::chrono::milliseconds(0));
  EXPECT_DOUBLE_EQ(fresh.Balance(q, mine)->used, 1825);
  EXPECT_DOUBLE_EQ(direct.Balance(q)->used, 1825);
  // A dated account (a country allocation) is kept per decision date, and answers as the direct
  // view does: its own reservation dated after the decision is not in the balance of that date.
  const AccountKey ae = AccountKey::Country("AE");
  ReserveRequest early = Req(ae, 1000, "c1");
  early.transaction_ref = "SO-9";
  MustReserve(early);
  ReserveRequest later = Req(ae, 500, "c2", "2026-07-01");
  later.transaction_ref = "SO-9";
  MustReserve(later);
  q.account = AllocationQuery::Account::kCountryAllocation;
  q.country = "AE";
  for (const char* date : {"2026-06-15", "2026-07-15"}) {
    for (const std::string ref : {"SO-9", "SO-3"}) {
      q.as_of = D(date);
      q.reference = ref;
      auto a = direct.Balance(q);
      auto b = batch.Balance(q, mine);
      ASSERT_TRUE(a.ok() && b.ok()) << date << ref;
      EXPECT_DOUBLE_EQ(a->cap, b->cap) << date << ref;
      EXPECT_DOUBLE_EQ(a->used, b->used) << date << ref;
      EXPECT_EQ(a->note, b->note) << date << ref;
    }
  }
  q.as_of = D("2026-07-15");
  q.reference = "SO-3";
  EXPECT_DOUBLE_EQ(batch.Balance(q, mine)->used, 1500);
  q.account = AllocationQuery::Account::kLppConsignee;
  q.consignee = "Acme";
  EXPECT_DOUBLE_EQ(batch.Balance(q)->cap, direct.Balance(q)->cap);
}

TEST_P(LedgerTest, PostingsSurviveReopenAndExportAsCsv) {
  MustReserve(Req(AccountKey::Country("AE"), 1234.5, "a"));
  ASSERT_TRUE(ledger_
                  ->Adjust({.account = AccountKey::Lpp("Acme, \"Cloud\""),
                            .tpp = 10,
                            .as_of = D("2026-06-01"),
                            .reason = "line1"})
                  .ok());
  if (GetParam() != "memory") {  // a memory ledger is gone with its process
    ledger_.reset();
    ledger_ = OpenOrDie(loc_->location());
    ASSERT_NE(ledger_, nullptr);
  }
  auto log = ledger_->History("");
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->size(), 2u);
  EXPECT_EQ((*log)[0].amount_milli, 1234500);
  EXPECT_EQ((*log)[0].decision_id, "dec_a");
  EXPECT_FALSE((*log)[0].recorded_at.empty());
  const std::string csv = PostingsToCsv(*log);
  EXPECT_NE(csv.find("reserve,country:AE,2025-2027,1234.500,2026-06-01,,dec_a,tx-a,a,,"),
            std::string::npos)
      << csv;
  EXPECT_NE(csv.find("\"lpp:Acme, \"\"Cloud\"\"\""), std::string::npos) << csv;
  EXPECT_NE(PostingToJson((*log)[0]).find(
                "\"account\":\"country:AE\",\"period\":\"2025-2027\",\"tpp\":1234.5"),
            std::string::npos)
      << PostingToJson((*log)[0]);
  auto balances = ledger_->Balances(D("2026-06-01"));
  ASSERT_TRUE(balances.ok());
  const std::string json = BalancesToJson(*balances, D("2026-06-01"), *ledger_);
  EXPECT_NE(json.find("\"cap_tpp\":790000000"), std::string::npos) << json;
  EXPECT_NE(json.find("\"citation\":\"15 CFR 740.29(a)\""), std::string::npos) << json;
  auto one = ledger_->History("country:AE");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->size(), 1u);
  EXPECT_EQ(ledger_->GetPosting((*log)[0].id)->account, "country:AE");
  EXPECT_EQ(ledger_->GetPosting(424242).status().code(), ErrorCode::kNotFound);
}

// Migrating a ledger written before consignee identities, on both backends (docs/ledger.md).
TEST_P(LedgerTest, LegacyConsigneeAccountsAreCarriedOverOncePerPeriod) {
  MustReserve(Req(AccountKey::Lpp("Saigon Cloud JSC"), 1000, "old-2025", "2025-03-01"));
  MustReserve(Req(AccountKey::Lpp("Saigon Cloud JSC"), 700, "old-2026", "2026-05-01"));
  MustReserve(Req(AccountKey::Lpp("saigon cloud"), 50, "new"));  // already an identity
  auto pending = ledger_->UnmigratedConsigneeAccounts();
  ASSERT_TRUE(pending.ok()) << pending.status().ToString();
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].first, "lpp:Saigon Cloud JSC");
  EXPECT_EQ((*pending)[0].second, "lpp:saigon cloud");
  EXPECT_FALSE(CheckConsigneeAccountMigrated(*ledger_, AccountKey::Lpp("saigon cloud")).ok());
  EXPECT_TRUE(CheckConsigneeAccountMigrated(*ledger_, AccountKey::Lpp("other")).ok());
  auto carried = ledger_->MigrateConsigneeAccounts();
  ASSERT_TRUE(carried.ok()) << carried.status().ToString();
  ASSERT_EQ(carried->size(), 2u);  // one adjust per calendar year
  auto b2025 = ledger_->GetBalance(AccountKey::Lpp("saigon cloud"), D("2025-12-31"));
  auto b2026 = ledger_->GetBalance(AccountKey::Lpp("saigon cloud"), D("2026-12-31"));
  EXPECT_DOUBLE_EQ(b2025->used_tpp, 1000);
  EXPECT_DOUBLE_EQ(b2026->used_tpp + b2026->reserved_tpp, 750);
  EXPECT_TRUE(ledger_->UnmigratedConsigneeAccounts()->empty());
  EXPECT_TRUE(CheckConsigneeAccountMigrated(*ledger_, AccountKey::Lpp("saigon cloud")).ok());
  const size_t size = LogSize();
  ASSERT_TRUE(ledger_->MigrateConsigneeAccounts().ok());
  EXPECT_EQ(LogSize(), size);  // a rerun writes nothing
}

// A reference or reason a spreadsheet would run as a formula is exported as text; a negative
// adjustment stays a number.
TEST(PostingsToCsv, NeutralisesFormulaTextAndKeepsNegativeAmounts) {
  Posting p;
  p.id = 7;
  p.kind = PostingKind::kAdjust;
  p.account = "country:AE";
  p.period = "2025-2027";
  p.amount_milli = -4500;
  p.as_of = D("2026-06-01");
  p.transaction_ref = "=HYPERLINK(\"http://x\")";
  p.reason = "@SUM(A1)";
  p.recorded_at = "2026-06-01T00:00:00Z";
  const std::string csv = PostingsToCsv({p});
  EXPECT_NE(csv.find("7,adjust,country:AE,2025-2027,-4.500,2026-06-01,,,\"'=HYPERLINK(\"\"http://x\"\")\",,\"'@SUM(A1)\","),
            std::string::npos)
      << csv;
}

TEST(ConsigneeIdentity, FoldsSpellingsAndLegalFormsAndPrefersThePartyId) {
  for (const char* name : {"Saigon Cloud JSC", "SAIGON CLOUD J.S.C.", "Saigon Cloud Co., Ltd.", "  saigon-cloud  ",
                           "The Saigon Cloud Joint Stock Company"}) {
    auto id = ConsigneeIdentity(name, "");
    ASSERT_TRUE(id.ok()) << name;
    EXPECT_EQ(*id, "saigon cloud") << name;
    EXPECT_TRUE(IsConsigneeIdentity(*id));
  }
  EXPECT_FALSE(IsConsigneeIdentity("Saigon Cloud JSC"));
  EXPECT_EQ(*ConsigneeIdentity("Saigon Cloud JSC", "VN-0312"), "id=VN-0312");
  EXPECT_TRUE(IsConsigneeIdentity("id=VN-0312"));
  EXPECT_EQ(*ConsigneeIdentity("Limited Company", ""), "limited company");  // nothing else to go by
  EXPECT_EQ(ConsigneeIdentity("?!", "").status().field(), "name");
  EXPECT_EQ(ConsigneeIdentity("X", "a:b").status().field(), "party_id");
  EXPECT_EQ(ConsigneeIdentity("X", "a\xe2\x80\xae" "b").status().field(), "party_id");
}

INSTANTIATE_TEST_SUITE_P(Backends, LedgerTest, ::testing::Values("sqlite", "postgresql", "memory"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace exportctl::ledger
