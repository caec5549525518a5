// Prometheus counters and latency histograms, lock-free on the request path.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

namespace exportctl::server {

class Metrics {
 public:
  static constexpr std::array<double, 14> kBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                                      0.005,  0.01,    0.025,  0.05,  0.1,
                                                      0.25,   0.5,     1,      2.5};
  static constexpr std::array<int, 11> kCodes = {200, 400, 401, 403, 404, 405,
                                                 409, 413, 500, 503, 0 /* other */};
  static constexpr int kOutcomes = 7;  // Outcome enum values (LICENSED the last)

  // Route labels are fixed at construction ("POST /v1/check", …; index = position).
  explicit Metrics(std::vector<std::string> routes);

  void Observe(size_t route, int status, double seconds);
  void CountDecision(int outcome);
  void CountLedgerPostings(int64_t n) { ledger_postings_.fetch_add(n, std::memory_order_relaxed); }
  void CountAuthFailure(int status) {
    (status == 401 ? auth_401_ : auth_403_).fetch_add(1, std::memory_order_relaxed);
  }
  void ObserveAudit(double seconds) { audit_.Observe(seconds); }

  // Prometheus text exposition format 0.0.4.
  std::string Render(const std::vector<std::string>& outcome_names) const;

 private:
  struct Histogram {
    std::array<std::atomic<uint64_t>, kBuckets.size() + 1> buckets{};  // last = +Inf
    std::atomic<uint64_t> sum_ns{0};
    std::atomic<uint64_t> count{0};
    void Observe(double seconds);
    void Render(const std::string& name, const std::string& labels, std::string& out) const;
  };
  struct RouteStats {
    std::array<std::atomic<uint64_t>, kCodes.size()> codes{};
    Histogram latency;
  };
  std::vector<std::string> routes_;
  std::vector<RouteStats> stats_;
  std::array<std::atomic<uint64_t>, kOutcomes> decisions_{};
  std::atomic<int64_t> ledger_postings_{0};
  std::atomic<uint64_t> auth_401_{0}, auth_403_{0};
  Histogram audit_;
};

}  // namespace exportctl::server
