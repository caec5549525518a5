// Engine benchmarks: determinations per second in-process, parse + determine + JSON, start-up.
#include <benchmark/benchmark.h>

#include "data/dataset.h"
#include "determine/decision_json.h"
#include "determine/engine.h"

namespace exportctl {
namespace {

const Dataset& Data() {
  static std::unique_ptr<Dataset> d = std::move(Dataset::Load(EXPORTCTL_DEFAULT_DATA_DIR)).value();
  return *d;
}

constexpr const char* kSingleItem =
    R"({"reference":"B-1","as_of":"2025-06-01","destination":"MY","items":[{"chip":"H100 SXM5 80GB","quantity":8}],)"
    R"("parties":[{"role":"ultimate_consignee","name":"Example Sdn Bhd","country":"MY","headquarters":"MY","ultimate_parent_headquarters":"MY"}]})";

// The issue's measure: one single-item transaction, no screening, both postures evaluated.
void BM_Determine(benchmark::State& state) {
  Engine engine(Data());
  Transaction tx = std::move(ParseTransaction(kSingleItem, Data())).value();
  DetermineOptions opts;
  opts.decision_id = "dec_bench";
  for (auto _ : state) {
    Decision d = engine.Determine(tx, opts);
    benchmark::DoNotOptimize(d);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Determine);

void BM_DetermineOnePosture(benchmark::State& state) {
  Engine engine(Data());
  Transaction tx = std::move(ParseTransaction(kSingleItem, Data())).value();
  DetermineOptions opts;
  opts.decision_id = "dec_bench";
  opts.compute_alternate = false;
  for (auto _ : state) {
    Decision d = engine.Determine(tx, opts);
    benchmark::DoNotOptimize(d);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DetermineOnePosture);

// JSON in → decision JSON out, as one batch line costs without I/O.
void BM_ParseDetermineSerialize(benchmark::State& state) {
  Engine engine(Data());
  std::string out;
  DetermineOptions opts;
  for (auto _ : state) {
    auto tx = ParseTransaction(kSingleItem, Data());
    Decision d = engine.Determine(*tx, opts);
    out.clear();
    AppendDecisionJson(d, out);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseDetermineSerialize);

// Start-up: loading and validating all bundled regulatory data.
void BM_LoadDataset(benchmark::State& state) {
  for (auto _ : state) {
    auto d = Dataset::Load(EXPORTCTL_DEFAULT_DATA_DIR);
    benchmark::DoNotOptimize(d);
  }
}
BENCHMARK(BM_LoadDataset)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace exportctl

BENCHMARK_MAIN();
