// Counts what one determination costs in instructions, which the machine's load does not change:
//   valgrind --tool=callgrind --toggle-collect='*RunLoop*' build/bench/determine_loop data 2000 1
// (arguments: data directory, determinations, 1 = both postures / 0 = one). Divide the collected
// instructions by the determinations plus the 10 warm-up ones. The transaction is engine_bench's.
#include <cstdio>
#include <cstdlib>

#include "data/dataset.h"
#include "determine/engine.h"

namespace {

constexpr const char* kSingleItem =
    R"({"reference":"B-1","as_of":"2025-06-01","destination":"MY","items":[{"chip":"H100 SXM5 80GB","quantity":8}],)"
    R"("parties":[{"role":"ultimate_consignee","name":"Example Sdn Bhd","country":"MY","headquarters":"MY","ultimate_parent_headquarters":"MY"}]})";

__attribute__((noinline)) size_t RunLoop(const exportctl::Engine& engine, const exportctl::Transaction& tx,
                                         const exportctl::DetermineOptions& opts, int n) {
  size_t reasons = 0;
  for (int i = 0; i < n; ++i) reasons += engine.Determine(tx, opts).reasons.size();
  return reasons;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace exportctl;
  if (argc != 4) {
    std::fprintf(stderr, "usage: determine_loop DATA_DIR COUNT BOTH_POSTURES(0|1)\n");
    return 2;
  }
  auto data = LoadRegulatoryData(argv[1]);
  if (!data.ok()) {
    std::fprintf(stderr, "%s\n", data.status().ToString().c_str());
    return 2;
  }
  Engine engine(**data);
  auto tx = ParseTransaction(kSingleItem, **data);
  if (!tx.ok()) return 2;
  DetermineOptions opts;
  opts.decision_id = "dec_bench";
  opts.compute_alternate = std::atoi(argv[3]) != 0;
  RunLoop(engine, *tx, opts, 10);  // warm-up
  std::printf("%zu reasons\n", RunLoop(engine, *tx, opts, std::atoi(argv[2])));
  return 0;
}
