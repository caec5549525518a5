// Screening quality and speed on the shared evaluation data (../shared/data). Prints the figures
// quoted in docs/PERFORMANCE.md ("Screening").
// Usage: screen_eval [SHARED_DATA_DIR] [--quick] [--speed] [--list FILE]
//   --list   write every UN name not found at the threshold and every negative with a candidate
//            (name, best listed name, score) to FILE, to compare two versions line by line
//   --quick  5,000 negatives, no brute-force comparison
//   --speed  only load, build and the single-thread negatives loop (for perf record)
#include <fmt/format.h>
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <numeric>
#include <thread>
#include <unordered_map>

#include "screen/csv.h"
#include "screen/jaro_winkler.h"
#include "screen/normalize.h"
#include "screen/screen.h"

using namespace exportctl;
using namespace exportctl::screen;
using Clock = std::chrono::steady_clock;

namespace {

// CPU time of the calling thread: latency without the time other processes on a shared machine
// take the core away.
double ThreadCpuMicros() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

std::vector<std::vector<std::string>> ReadCsv(const std::string& path) {
  std::ifstream in(path);
  return screen::ReadCsv(in);
}

std::vector<std::string> Column(const std::string& path, size_t col = 0) {
  auto rows = ReadCsv(path);
  std::vector<std::string> out;
  for (size_t i = 1; i < rows.size(); ++i) {
    if (rows[i].size() > col) out.push_back(rows[i][col]);
  }
  return out;
}

long RssKb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

std::string SortedWords(const std::string& name) {
  auto words = Tokenize(name);
  std::sort(words.begin(), words.end());
  std::string out;
  for (const auto& w : words) out += w + " ";
  return out;
}

struct Twin {
  bool changed = false;
  size_t rank = SIZE_MAX;  // among hits with score ≥ 0.5
  double score = 0;
};

std::string RecallAt(const std::vector<Twin>& twins, double threshold) {
  size_t n = 0, top1 = 0, top10 = 0, cn = 0, ctop1 = 0, ctop10 = 0;
  for (const Twin& t : twins) {
    const bool found = t.rank != SIZE_MAX && t.score >= threshold;
    ++n;
    top1 += found && t.rank == 0;
    top10 += found && t.rank < 10;
    if (t.changed) {
      ++cn;
      ctop1 += found && t.rank == 0;
      ctop10 += found && t.rank < 10;
    }
  }
  return fmt::format(
      "threshold {:.2f}: top-1 {:.3f} ({}/{}), top-10 {:.3f} ({}/{}); spelling changed: top-1 "
      "{:.3f} "
      "({}/{}), top-10 {:.3f} ({}/{})",
      threshold, double(top1) / n, top1, n, double(top10) / n, top10, n, double(ctop1) / cn, ctop1,
      cn, double(ctop10) / cn, ctop10, cn);
}

struct Recall {
  size_t n = 0, top1 = 0, top10 = 0;
  std::string Format() const {
    return fmt::format("top-1 {:.3f} ({}/{}), top-10 {:.3f} ({}/{})", n ? double(top1) / n : 0,
                       top1, n, n ? double(top10) / n : 0, top10, n);
  }
};

}  // namespace

int main(int argc, char** argv) {
  std::string shared = "../shared/data";
  bool quick = false, speed_only = false;
  std::string list_path;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--list" && i + 1 < argc)
      list_path = argv[++i];
    else if (a == "--quick")
      quick = true;
    else if (a == "--speed")
      speed_only = true;
    else
      shared = a;
  }
  const std::string csl_path = shared + "/csl/consolidated_2026-07-31.json";
  if (!std::filesystem::exists(csl_path)) {
    std::cerr << "screen_eval: " << csl_path << " is absent; pass the shared data directory\n";
    return 0;
  }
  std::cout << "# Screening evaluation (" << shared << ")\n\n";
  std::ofstream listing;
  if (!list_path.empty()) listing.open(list_path);

  // ---- Import ----
  const long rss_before = RssKb();
  auto t0 = Clock::now();
  auto csl = LoadListFile(csl_path);
  if (!csl.ok()) {
    std::cerr << csl.status().ToString() << "\n";
    return 1;
  }
  const double parse_s = Seconds(t0);
  const size_t csl_records = csl->records.size();
  t0 = Clock::now();
  auto index = Screener::Build({std::move(csl).value()});
  const double build_s = Seconds(t0);
  const long rss_after = RssKb();
  fmt::print(
      "import: parse {:.3f} s + index build {:.3f} s = {:.3f} s; {} records, {} names (with "
      "aliases)\n",
      parse_s, build_s, parse_s + build_s, csl_records, index->name_count());
  fmt::print("index memory: {:.1f} MB (accounted), RSS growth {:.1f} MB\n\n",
             index->memory_bytes() / 1e6, (rss_after - rss_before) / 1e3);

  // ---- Treated UN names against their originals ----
  const auto untreated = Column(shared + "/eval/yente/positives_un_untreated.csv");
  std::vector<Twin> un_twins, csl_twins;
  const auto treated = Column(shared + "/eval/yente/positives_un_treated.csv");
  if (!speed_only) {
    LoadedList originals;
    originals.version.list_id = "un-originals";
    for (size_t i = 0; i < untreated.size(); ++i) {
      ListRecord r;
      r.record_id = std::to_string(i);
      r.source = ListSource::kOther;
      r.type = PartyType::kIndividual;
      r.name = untreated[i];
      originals.records.push_back(r);
    }
    auto un_index = Screener::Build({originals});
    for (size_t i = 0; i < treated.size() && i < untreated.size(); ++i) {
      auto hits = un_index->Screen({.name = treated[i], .threshold = 0.5, .limit = 10});
      Twin t;
      t.changed = treated[i] != untreated[i];
      if (hits.ok()) {
        for (size_t k = 0; k < hits->size(); ++k) {
          // Duplicate originals (same name twice) count as the twin.
          if ((*hits)[k].record->name == untreated[i]) {
            t.rank = k;
            t.score = (*hits)[k].score;
            break;
          }
        }
      }
      if (listing.is_open() && (t.rank == SIZE_MAX || t.score < kDefaultThreshold)) {
        listing << "un_missed\t" << treated[i] << "\t" << untreated[i] << "\t" << t.score << "\n";
      }
      un_twins.push_back(t);
    }
    fmt::print("UN treated → originals (683 names): {}\n", RecallAt(un_twins, kDefaultThreshold));
    fmt::print("UN treated → originals, any score ≥ 0.50: {}\n", RecallAt(un_twins, 0.5));
  }

  // ---- Treated UN names whose original is a CSL name or alias, against the full CSL ----
  if (!speed_only) {
    std::unordered_map<std::string, std::vector<uint32_t>> by_words;
    const auto& records = index->records();
    for (uint32_t r = 0; r < records.size(); ++r) {
      by_words[SortedWords(records[r].name)].push_back(r);
      for (const auto& a : records[r].alt_names) by_words[SortedWords(a)].push_back(r);
    }
    for (size_t i = 0; i < treated.size() && i < untreated.size(); ++i) {
      auto it = by_words.find(SortedWords(untreated[i]));
      if (it == by_words.end()) continue;
      auto hits = index->Screen({.name = treated[i], .threshold = 0.5, .limit = 10});
      Twin t;
      t.changed = treated[i] != untreated[i];
      if (hits.ok()) {
        for (size_t k = 0; k < hits->size(); ++k) {
          if (std::find(it->second.begin(), it->second.end(), (*hits)[k].record_index) !=
              it->second.end()) {
            t.rank = k;
            t.score = (*hits)[k].score;
            break;
          }
        }
      }
      if (listing.is_open() && (t.rank != 0 || t.score < kDefaultThreshold)) {
        listing << "csl_not_first\t" << treated[i] << "\t" << untreated[i] << "\t" << t.rank << "\t"
                << t.score << "\n";
      }
      csl_twins.push_back(t);
    }
    fmt::print("UN treated → full CSL, for the {} whose original is a CSL name or alias: {}\n\n",
               csl_twins.size(), RecallAt(csl_twins, kDefaultThreshold));
  }

  // ---- Negatives: false positives and throughput ----
  std::vector<std::string> negatives = Column(shared + "/eval/yente/negatives_us.csv");
  const auto global = Column(shared + "/eval/yente/negatives_global.csv");
  const size_t us_count = negatives.size();
  negatives.insert(negatives.end(), global.begin(), global.end());
  if (quick) negatives.resize(std::min<size_t>(negatives.size(), 5000));
  {
    size_t fp_us = 0, fp_global = 0, strong = 0, errors = 0;
    std::vector<double> latency_us, cpu_us;
    latency_us.reserve(negatives.size());
    cpu_us.reserve(negatives.size());
    t0 = Clock::now();
    for (size_t i = 0; i < negatives.size(); ++i) {
      const auto q0 = Clock::now();
      const double c0 = ThreadCpuMicros();
      auto hits =
          index->Screen({.name = negatives[i], .threshold = kDefaultThreshold, .limit = 10});
      cpu_us.push_back(ThreadCpuMicros() - c0);
      latency_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - q0).count());
      if (!hits.ok()) {
        ++errors;
        continue;
      }
      if (!hits->empty()) {
        if (listing.is_open()) {
          listing << "negative\t" << negatives[i] << "\t" << (*hits)[0].matched_name << "\t"
                  << (*hits)[0].score << "\n";
        }
        (i < us_count ? fp_us : fp_global)++;
        if ((*hits)[0].score >= kCertainThreshold) ++strong;
      }
    }
    const double one_thread_s = Seconds(t0);
    std::vector<double> sorted = latency_us;
    std::sort(sorted.begin(), sorted.end());
    auto pct = [&](double p) {
      return sorted[std::min(sorted.size() - 1, size_t(p * sorted.size()))];
    };
    const size_t n = negatives.size();
    const size_t n_global = n > us_count ? n - us_count : 0;
    const size_t n_us = n - n_global;
    fmt::print(
        "negatives ({} = {} US + {} global), threshold {:.2f}: any candidate {:.3f}% ({}; US {} / "
        "global {}), "
        "certain (≥{:.2f}) {:.3f}% ({}), unmatchable names {}\n",
        n, n_us, n_global, kDefaultThreshold, 100.0 * (fp_us + fp_global) / n, fp_us + fp_global,
        fp_us, fp_global, kCertainThreshold, 100.0 * strong / n, strong, errors);
    fmt::print(
        "one thread: {:.0f} queries/s; latency p50 {:.1f} µs, p90 {:.1f} µs, p99 {:.1f} µs, p99.9 "
        "{:.1f} µs, "
        "max {:.1f} µs\n",
        n / one_thread_s, pct(0.5), pct(0.9), pct(0.99), pct(0.999), sorted.back());
    sorted = cpu_us;
    std::sort(sorted.begin(), sorted.end());
    const double cpu_total = std::accumulate(cpu_us.begin(), cpu_us.end(), 0.0);
    fmt::print(
        "one thread, CPU time per query: {:.0f} queries/CPU-second; p50 {:.1f} µs, p90 {:.1f} µs, "
        "p99 {:.1f} µs, "
        "p99.9 {:.1f} µs, max {:.1f} µs\n",
        n / (cpu_total / 1e6), pct(0.5), pct(0.9), pct(0.99), pct(0.999), sorted.back());
    if (speed_only) return 0;

    const unsigned threads = 2;
    std::atomic<size_t> next{0};
    t0 = Clock::now();
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t) {
      pool.emplace_back([&] {
        for (size_t i = next++; i < n; i = next++) {
          auto hits =
              index->Screen({.name = negatives[i], .threshold = kDefaultThreshold, .limit = 10});
          (void)hits;
        }
      });
    }
    for (auto& t : pool) t.join();
    fmt::print("{} threads: {} negatives in {:.2f} s ({:.0f} queries/s)\n\n", threads, n,
               Seconds(t0), n / Seconds(t0));
  }

  // ---- Threshold curve: recall against false positives ----
  {
    std::vector<double> top_scores;
    for (const auto& name : negatives) {
      auto hits = index->Screen({.name = name, .threshold = 0.8, .limit = 1});
      top_scores.push_back(hits.ok() && !hits->empty() ? (*hits)[0].score : 0.0);
    }
    fmt::print(
        "threshold curve (negatives: share with any candidate; recall: top-10 on the UN originals "
        "/ on the "
        "CSL subset, spelling changed):\n");
    for (double t : {0.82, 0.84, 0.86, 0.88, 0.90, 0.92}) {
      const size_t fp =
          std::count_if(top_scores.begin(), top_scores.end(), [&](double x) { return x >= t; });
      auto recall = [&](const std::vector<Twin>& twins, bool changed_only) {
        size_t n = 0, ok = 0;
        for (const Twin& w : twins) {
          if (changed_only && !w.changed) continue;
          ++n;
          ok += w.rank < 10 && w.score >= t;
        }
        return n ? double(ok) / n : 0.0;
      };
      fmt::print(
          "  {:.2f}: FP {:.3f}%  recall UN {:.3f} (changed {:.3f})  CSL {:.3f} (changed {:.3f})\n",
          t, 100.0 * fp / top_scores.size(), recall(un_twins, false), recall(un_twins, true),
          recall(csl_twins, false), recall(csl_twins, true));
    }
    fmt::print("\n");
  }

  // ---- Index versus brute force at equal results ----
  if (!quick) {
    std::vector<std::string> sample;
    for (size_t i = 0; i < negatives.size() && sample.size() < 100;
         i += negatives.size() / 100 + 1) {
      sample.push_back(negatives[i]);
    }
    for (size_t i = 0; i < treated.size() && sample.size() < 200; i += 7)
      sample.push_back(treated[i]);
    size_t mismatches = 0;
    double index_s = 0, brute_s = 0;
    for (const auto& q : sample) {
      ScreenQuery query{.name = q, .threshold = 0.6, .limit = 50};
      auto a0 = Clock::now();
      auto fast = index->Screen(query);
      index_s += Seconds(a0);
      a0 = Clock::now();
      auto slow = index->ScreenBruteForce(query);
      brute_s += Seconds(a0);
      if (!fast.ok() || !slow.ok()) continue;
      bool same = fast->size() == slow->size();
      for (size_t k = 0; same && k < fast->size(); ++k) {
        same = (*fast)[k].record_index == (*slow)[k].record_index &&
               (*fast)[k].score == (*slow)[k].score;
      }
      if (!same) ++mismatches;
    }
    fmt::print(
        "index vs brute force on {} queries (threshold 0.60, top 50): {} result mismatches; index "
        "{:.1f} µs/query, "
        "brute force {:.1f} µs/query, speed-up ×{:.0f}\n\n",
        sample.size(), mismatches, 1e6 * index_s / sample.size(), 1e6 * brute_s / sample.size(),
        brute_s / index_s);
  }

  // ---- Name-pair sets ----
  {
    auto rows = ReadCsv(shared + "/eval/jaro_winkler_test_vectors.csv");
    size_t n = 0, agree = 0;
    for (size_t i = 1; i < rows.size(); ++i) {
      if (rows[i].size() < 3) continue;
      ++n;
      if (std::abs(WatchmanBestPairs(rows[i][1], rows[i][0]) - std::stod(rows[i][2])) <= 0.01)
        ++agree;
    }
    fmt::print(
        "jaro_winkler_test_vectors.csv: {}/{} within ±0.01 (token-pair Jaro-Winkler, "
        "Watchman-compatible mode)\n",
        agree, n);
    size_t pairs = 0, min_ok = 0, matched = 0;
    std::string detail;
    for (const auto& f : ReadCsv(shared + "/eval/cross_script_pairs.csv")) {
      // Query,Expected Match,Min Score,Description; '#' lines are comments
      if (f.size() < 3 || f[0].empty() || f[0][0] == '#') continue;
      ++pairs;
      const double score = CompareNames(f[0], f[1]);
      if (score >= std::stod(f[2])) ++min_ok;
      if (score >= kDefaultThreshold) ++matched;
      detail += fmt::format("  {} → '{}' vs {}: {:.3f} (min {})\n", f[0], FoldToAscii(f[0]), f[1],
                            score, f[2]);
    }
    fmt::print(
        "cross_script_pairs.csv: {}/{} reach their minimum score, {}/{} match at the default "
        "threshold {:.2f}\n{}",
        min_ok, pairs, matched, pairs, kDefaultThreshold, detail);
  }
  return 0;
}
