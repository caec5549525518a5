// Pair decisions on the labelled name-pair set (tests/data/screen_pairs/pairs.csv): precision,
// recall and F1 at the default threshold, overall and per class of error. Figures in
// docs/PERFORMANCE.md ("Screening: labelled pairs").
// Usage: screen_pairs [PAIRS_CSV] [--threshold T] [--errors] [--csl CSL_FILE]
//   --errors  also print every pair decided wrongly
//   --csl     word weights from this list (as `screen compare` with the list imported); without
//             it, class factors only (`screen compare` with no list imported)
#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <map>
#include <string>

#include "screen/csv.h"
#include "screen/screen.h"

using namespace exportctl::screen;

namespace {
struct Counts {
  size_t tp = 0, fp = 0, fn = 0, tn = 0;
  double Precision() const { return tp + fp ? double(tp) / (tp + fp) : 1.0; }
  double Recall() const { return tp + fn ? double(tp) / (tp + fn) : 1.0; }
  double F1() const {
    const double p = Precision(), r = Recall();
    return p + r > 0 ? 2 * p * r / (p + r) : 0.0;
  }
  std::string Format() const {
    return fmt::format("P {:.3f}  R {:.3f}  F1 {:.3f}  (tp {}, fp {}, fn {}, tn {})", Precision(),
                       Recall(), F1(), tp, fp, fn, tn);
  }
};
}  // namespace

int main(int argc, char** argv) {
  std::string path = "tests/data/screen_pairs/pairs.csv";
  double threshold = kDefaultThreshold;
  bool errors = false;
  std::string csl;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--csl" && i + 1 < argc) {
      csl = argv[++i];
    } else if (a == "--threshold" && i + 1 < argc) {
      threshold = std::stod(argv[++i]);
    } else if (a == "--errors") {
      errors = true;
    } else {
      path = a;
    }
  }
  std::ifstream in(path);
  if (!in) {
    std::cerr << "screen_pairs: cannot open " << path << "\n";
    return 2;
  }
  const auto rows = ReadCsv(in);
  std::vector<LoadedList> lists;
  if (!csl.empty()) {
    auto list = LoadListFile(csl);
    if (!list.ok()) {
      std::cerr << list.status().ToString() << "\n";
      return 2;
    }
    lists.push_back(std::move(list).value());
  }
  const auto index = Screener::Build(std::move(lists));
  std::vector<std::pair<double, bool>> scored;  // for the threshold curve
  Counts all;
  std::map<std::string, Counts> by_class;
  std::string wrong;
  for (size_t i = 1; i < rows.size(); ++i) {
    const auto& r = rows[i];
    if (r.size() < 4) continue;
    const bool label = r[2] == "1";
    const auto compared = index->Compare(r[0], r[1]);
    const double score = compared.ok() ? *compared : 0.0;  // unreadable: no match
    scored.push_back({score, label});
    const bool match = score >= threshold;
    Counts& c = by_class[r[3]];
    for (Counts* x : {&all, &c}) {
      if (match && label) ++x->tp;
      if (match && !label) ++x->fp;
      if (!match && label) ++x->fn;
      if (!match && !label) ++x->tn;
    }
    if (errors && match != label) {
      wrong += fmt::format("  {} {} | {} | {:.3f} ({})\n", label ? "missed" : "false match", r[0],
                           r[1], score, r[3]);
    }
  }
  fmt::print("# {} pairs, threshold {:.2f} (screen compare; word weights: {})\n", rows.size() - 1,
             threshold, csl.empty() ? "neutral" : csl);
  fmt::print("all: {}\n", all.Format());
  for (const auto& [name, c] : by_class) fmt::print("  {:<18} {}\n", name, c.Format());
  fmt::print("threshold curve:\n");
  for (double t : {0.70, 0.75, 0.80, 0.84, 0.88, 0.92, 0.97}) {
    Counts c;
    for (const auto& [score, label] : scored) {
      const bool match = score >= t;
      c.tp += match && label, c.fp += match && !label, c.fn += !match && label, c.tn += !match && !label;
    }
    fmt::print("  {:.2f}: {}\n", t, c.Format());
  }
  if (errors) fmt::print("errors:\n{}", wrong);
  return 0;
}
