// Ownership graph benchmark (docs/PERFORMANCE.md, "Ownership graph"): import 1,000,000 generated
// stakes as `ownership import` does (parse, validate, store in one transaction), the memory it
// takes, and the coverage of one party under the Affiliates Rule (cold and cached).
//
//   build/src/ownership/ownership_bench [edges=1000000] [dir=/tmp]
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

#include "ownership/ownership.h"

using namespace exportctl;
using Clock = std::chrono::steady_clock;

namespace {

long CurrentRssKb() {
  std::ifstream in("/proc/self/statm");
  long pages = 0, rss = 0;
  in >> pages >> rss;
  return rss * (sysconf(_SC_PAGESIZE) / 1024);
}
long PeakRssKb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

// Layers of companies: each company below the top has one to three owners in the layer above,
// whose stakes sum to at most 100 %.
std::string Generate(size_t edges, std::vector<std::string>& names) {
  std::mt19937 rng(42);
  const char* countries[] = {"CN", "HK", "MY", "SG", "AE", "IN", "DE", "RU", "VN", "TH"};
  const size_t layers = 5, per_layer = edges / 8;  // ~2 owners each → edges / 2 owned entities
  std::string out = "owner,owned,percent,source,as_of,owner_country,owned_country\n";
  out.reserve(edges * 80);
  std::vector<std::vector<size_t>> layer(layers);
  size_t next = 0;
  for (size_t l = 0; l < layers; ++l) {
    for (size_t i = 0; i < (l == 0 ? per_layer / 2 : per_layer); ++i) layer[l].push_back(next++);
  }
  names.resize(next);
  std::vector<const char*> country(next);
  for (size_t i = 0; i < next; ++i) {
    names[i] = "Company " + std::to_string(i) + " Holdings Ltd";
    country[i] = countries[rng() % 10];
  }
  size_t written = 0;
  char line[256];
  for (size_t l = 1; l < layers && written < edges; ++l) {
    for (size_t owned : layer[l]) {
      const int n = 1 + static_cast<int>(rng() % 3);
      int left = 100;
      for (int k = 0; k < n && written < edges; ++k) {
        const size_t owner = layer[l - 1][rng() % layer[l - 1].size()];
        const int pct = k == n - 1 ? static_cast<int>(rng() % (left + 1)) : static_cast<int>(rng() % (left / 2 + 1));
        left -= pct;
        std::snprintf(line, sizeof line, "%s,%s,%d%%,Registry,2026-10-01,%s,%s\n", names[owner].c_str(), names[owned].c_str(), pct,
                      country[owner], country[owned]);
        out += line;
        ++written;
      }
    }
  }
  // Top up to the exact count with small stakes of fresh owners.
  while (written < edges) {
    const size_t owned = layer[layers - 1][rng() % layer[layers - 1].size()];
    std::snprintf(line, sizeof line, "Extra Owner %zu,%s,0.001,Registry,2026-10-01,SG,%s\n", written, names[owned].c_str(), country[owned]);
    out += line;
    ++written;
  }
  return out;
}

// CPU seconds of this process: on a shared machine the wall clock also counts other work.
double CpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  const size_t edges = argc > 1 ? std::stoul(argv[1]) : 1000000;
  const std::string dir = std::string(argc > 2 ? argv[2] : "/tmp") + "/ownership-bench-" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  std::vector<std::string> names;
  std::string csv = Generate(edges, names);
  std::printf("generated %zu stakes (%.1f MB CSV)\n", edges, static_cast<double>(csv.size()) / 1e6);

  const long rss_before = CurrentRssKb();
  const auto t0 = Clock::now();
  const double c0 = CpuSeconds();
  auto g = ownership::ParseGraph(csv, "bench.csv");
  const double c1 = CpuSeconds();
  if (!g.ok()) {
    std::fprintf(stderr, "parse: %s\n", g.status().ToString().c_str());
    return 1;
  }
  const auto t1 = Clock::now();
  ownership::GraphStore store(dir);
  auto imported = store.Import(*g);
  if (!imported.ok()) {
    std::fprintf(stderr, "import: %s\n", imported.status().ToString().c_str());
    return 1;
  }
  const auto t2 = Clock::now();
  const double c2 = CpuSeconds();
  const long rss_peak = PeakRssKb();
  const double parse_s = std::chrono::duration<double>(t1 - t0).count(), store_s = std::chrono::duration<double>(t2 - t1).count();
  std::printf("import: %zu entities, %zu stakes: parse+validate %.2f s, store %.2f s, total %.2f s\n", g->entities.size(), g->edges.size(),
              parse_s, store_s, parse_s + store_s);
  std::printf("import CPU time: parse+validate %.2f s, store %.2f s, total %.2f s\n", c1 - c0, c2 - c1, c2 - c0);
  std::printf("memory: %.0f MB more than before the import at its peak (peak RSS %.0f MB, of which the CSV text %.0f MB)\n",
              static_cast<double>(rss_peak - rss_before) / 1024, static_cast<double>(rss_peak) / 1024, static_cast<double>(csv.size()) / 1e6);
  csv.clear();
  csv.shrink_to_fit();

  const auto t3 = Clock::now();
  const double c3 = CpuSeconds();
  auto loaded = store.Load();
  const auto t4 = Clock::now();
  if (!loaded.ok()) return 1;
  std::printf("load the stored graph: %.2f s (CPU %.2f s)\n", std::chrono::duration<double>(t4 - t3).count(), CpuSeconds() - c3);

  // 1 % of the top two layers are listed.
  std::mt19937 rng(7);
  std::unordered_set<uint32_t> listed;
  for (uint32_t i = 0; i < loaded->entities.size() / 4; ++i) {
    if (rng() % 100 == 0) listed.insert(i);
  }
  const ownership::Graph& lg = *loaded;
  ownership::CoverageCalculator calc(lg, [&](const ownership::Entity& e) {
    ownership::ListedStatus s;
    if (listed.count(static_cast<uint32_t>(&e - lg.entities.data()))) s = {ownership::ListedStatus::Carries::kYes, "entity_list"};
    return s;
  }, "bench");
  const Date d = *Date::Parse("2026-11-30");
  std::vector<uint32_t> queries(100000);
  for (auto& q : queries) q = static_cast<uint32_t>(rng() % loaded->entities.size());
  for (int pass = 0; pass < 2; ++pass) {
    std::vector<double> us;
    us.reserve(queries.size());
    size_t covered = 0;
    for (uint32_t q : queries) {
      const auto a = Clock::now();
      const auto& c = calc.Of(q, d);
      const auto b = Clock::now();
      covered += c.state == ownership::Coverage::State::kCovered;
      us.push_back(std::chrono::duration<double, std::micro>(b - a).count());
    }
    std::printf("coverage of one party (%s, %zu queries, %zu covered): p50 %.2f us, p99 %.2f us, max %.1f us\n",
                pass == 0 ? "first query of each, cache filling" : "cached", us.size(), covered, Percentile(us, 0.5), Percentile(us, 0.99),
                *std::max_element(us.begin(), us.end()));
  }
  std::filesystem::remove_all(dir);
  return 0;
}
