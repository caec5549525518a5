// A check against 10,000 licenses the company holds: what weighing them adds to a determination
// (docs/PERFORMANCE.md, "Licenses"). The licenses are spread over 40 destinations and 4 items, so
// the order's bucket (destination × ECCN or chip) holds about 60 of them, each naming its own
// consignee; one covers the order. The same engine decides the order without licenses, with the
// 10,000 and none covering it (the order's consignee is named on none), and with one covering it
// (LICENSED: a drawdown read from an in-memory ledger). Each benchmark reports p50 and p99.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "data/dataset.h"
#include "determine/engine.h"
#include "ledger/ledger.h"
#include "license/license.h"

namespace exportctl {
namespace {

const Dataset& Data() {
  static std::unique_ptr<Dataset> d = std::move(Dataset::Load(EXPORTCTL_DEFAULT_DATA_DIR)).value();
  return *d;
}

constexpr const char* kOrder =
    R"j({"reference":"B-1","as_of":"2026-06-01","posture":"enforced","destination":"AE",)j"
    R"j("items":[{"chip":"B300 SXM (HGX, Blackwell Ultra)","quantity":1000}],)j"
    R"j("parties":[{"role":"ultimate_consignee","name":"%s","country":"AE","headquarters":"AE","ultimate_parent_headquarters":"AE"}]})j";

const char* kDestinations[] = {"AE", "SA", "QA", "KW", "BH", "OM", "IN", "VN", "MY", "TH", "ID", "PH", "IL", "TR",
                               "EG", "MA", "KE", "NG", "ZA", "BR", "MX", "AR", "CL", "CO", "PE", "PK", "BD", "LK",
                               "KZ", "UZ", "AZ", "GE", "AM", "MN", "KH", "LA", "MM", "NP", "JO", "LB"};

std::vector<license::License> TenThousand() {
  std::vector<license::License> out;
  const char* eccns[] = {"3A090.a", "4A090.a", "3A090", "4A090"};
  for (int n = 0; n < 10000; ++n) {
    license::License l;
    char number[16];
    std::snprintf(number, sizeof number, "D%07d", 1000000 + n);
    l.number = number;
    l.version = 1;
    l.holder = "Example Exporter Inc";
    l.issued = *Date::Parse("2026-01-01");
    l.expires = *Date::Parse("2027-12-31");
    const char* dest = kDestinations[n % 40];
    l.destinations = {dest};
    license::LicenseItem item;
    if (n % 5 == 0) item.chip = "B300 SXM (HGX, Blackwell Ultra)";
    else item.eccn = eccns[(n / 40) % 4];
    item.quantity = 35000;
    l.items = {item};
    l.parties = {{"ultimate_consignee", "Customer " + std::to_string(n) + " Cloud Services LLC", dest}};
    out.push_back(std::move(l));
  }
  return out;
}

struct Fixture {
  Engine engine{Data()};
  license::LicenseIndex licenses{TenThousand()};
  ledger::AllocationRules rules = std::move(ledger::AllocationRules::Load(EXPORTCTL_DEFAULT_DATA_DIR)).value();
  std::unique_ptr<ledger::Ledger> ledger =
      std::move(ledger::Ledger::Open({.location = ledger::kMemoryLocation}, rules)).value();
  ledger::LedgerAllocationView view{*ledger};
};

Fixture& F() {
  static Fixture f;
  return f;
}

Transaction Order(const std::string& consignee) {
  char buf[1024];
  std::snprintf(buf, sizeof buf, kOrder, consignee.c_str());
  return std::move(ParseTransaction(buf, Data())).value();
}

// Times each determination; p50 and p99 in microseconds as counters.
void Run(benchmark::State& state, const Transaction& tx, const LicenseView* licenses, Outcome expected) {
  Fixture& f = F();
  DetermineOptions opts;
  opts.decision_id = "dec_bench";
  opts.allocations = &f.view;
  opts.licenses = licenses;
  if (f.engine.Determine(tx, opts).outcome != expected) {
    state.SkipWithError("unexpected outcome");
    return;
  }
  std::vector<double> us;
  us.reserve(1 << 20);
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    Decision d = f.engine.Determine(tx, opts);
    benchmark::DoNotOptimize(d);
    us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(us.begin(), us.end());
  state.counters["p50_us"] = us[us.size() / 2];
  state.counters["p99_us"] = us[std::min(us.size() - 1, us.size() * 99 / 100)];
  state.SetItemsProcessed(state.iterations());
}

// No licenses weighed: LICENSE_REQUIRED.
void BM_CheckWithoutLicenses(benchmark::State& state) {
  Run(state, Order("Customer 0 Cloud Services LLC"), nullptr, Outcome::kLicenseRequired);
}
BENCHMARK(BM_CheckWithoutLicenses);

// 10,000 licenses, the order's bucket weighed, its consignee named on none: LICENSE_REQUIRED.
void BM_CheckAgainst10kLicensesNoneCovers(benchmark::State& state) {
  Run(state, Order("Falcon Desert Compute FZ-LLC"), &F().licenses, Outcome::kLicenseRequired);
}
BENCHMARK(BM_CheckAgainst10kLicensesNoneCovers);

// 10,000 licenses, one covering the order (D1000000: B300 to AE for Customer 0): LICENSED.
void BM_CheckAgainst10kLicensesOneCovers(benchmark::State& state) {
  Run(state, Order("Customer 0 Cloud Services LLC"), &F().licenses, Outcome::kLicensed);
}
BENCHMARK(BM_CheckAgainst10kLicensesOneCovers);

}  // namespace
}  // namespace exportctl

BENCHMARK_MAIN();
