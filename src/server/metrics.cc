#include "server/metrics.h"

#include <cstdio>

namespace exportctl::server {

Metrics::Metrics(std::vector<std::string> routes) : routes_(std::move(routes)), stats_(routes_.size()) {}

void Metrics::Histogram::Observe(double seconds) {
  size_t i = 0;
  while (i < kBuckets.size() && seconds > kBuckets[i]) ++i;
  buckets[i].fetch_add(1, std::memory_order_relaxed);
  sum_ns.fetch_add(static_cast<uint64_t>(seconds * 1e9), std::memory_order_relaxed);
  count.fetch_add(1, std::memory_order_relaxed);
}

void Metrics::Histogram::Render(const std::string& name, const std::string& labels,
                                std::string& out) const {
  uint64_t cumulative = 0;
  char buf[64];
  const std::string sep = labels.empty() ? "" : ",";
  for (size_t i = 0; i <= kBuckets.size(); ++i) {
    cumulative += buckets[i].load(std::memory_order_relaxed);
    if (i < kBuckets.size()) {
      std::snprintf(buf, sizeof buf, "%g", kBuckets[i]);
    } else {
      std::snprintf(buf, sizeof buf, "+Inf");
    }
    out += name + "_bucket{" + labels + sep + "le=\"" + buf + "\"} " + std::to_string(cumulative) + "\n";
  }
  std::snprintf(buf, sizeof buf, "%.9f", static_cast<double>(sum_ns.load()) / 1e9);
  const std::string braces = labels.empty() ? "" : "{" + labels + "}";
  out += name + "_sum" + braces + " " + buf + "\n";
  out += name + "_count" + braces + " " + std::to_string(count.load()) + "\n";
}

void Metrics::Observe(size_t route, int status, double seconds) {
  if (route >= stats_.size()) return;
  size_t code = kCodes.size() - 1;
  for (size_t i = 0; i + 1 < kCodes.size(); ++i) {
    if (kCodes[i] == status) {
      code = i;
      break;
    }
  }
  stats_[route].codes[code].fetch_add(1, std::memory_order_relaxed);
  stats_[route].latency.Observe(seconds);
}

void Metrics::CountDecision(int outcome) {
  if (outcome >= 0 && outcome < kOutcomes) decisions_[outcome].fetch_add(1, std::memory_order_relaxed);
}

std::string Metrics::Render(const std::vector<std::string>& outcome_names) const {
  std::string out;
  out.reserve(16384);
  out += "# HELP exportctl_http_requests_total HTTP requests by route and status code.\n";
  out += "# TYPE exportctl_http_requests_total counter\n";
  for (size_t r = 0; r < routes_.size(); ++r) {
    for (size_t c = 0; c < kCodes.size(); ++c) {
      const uint64_t n = stats_[r].codes[c].load(std::memory_order_relaxed);
      if (n == 0) continue;
      const std::string code = kCodes[c] == 0 ? "other" : std::to_string(kCodes[c]);
      out += "exportctl_http_requests_total{route=\"" + routes_[r] + "\",code=\"" + code + "\"} " +
             std::to_string(n) + "\n";
    }
  }
  out += "# HELP exportctl_http_request_duration_seconds Request latency by route.\n";
  out += "# TYPE exportctl_http_request_duration_seconds histogram\n";
  for (size_t r = 0; r < routes_.size(); ++r) {
    if (stats_[r].latency.count.load() == 0) continue;
    stats_[r].latency.Render("exportctl_http_request_duration_seconds",
                             "route=\"" + routes_[r] + "\"", out);
  }
  out += "# HELP exportctl_decisions_total Decisions made, by outcome.\n";
  out += "# TYPE exportctl_decisions_total counter\n";
  for (int i = 0; i < kOutcomes && i < static_cast<int>(outcome_names.size()); ++i) {
    out += "exportctl_decisions_total{outcome=\"" + outcome_names[static_cast<size_t>(i)] + "\"} " +
           std::to_string(decisions_[static_cast<size_t>(i)].load()) + "\n";
  }
  out += "# HELP exportctl_ledger_postings_total Ledger postings made through the API.\n";
  out += "# TYPE exportctl_ledger_postings_total counter\n";
  out += "exportctl_ledger_postings_total " + std::to_string(ledger_postings_.load()) + "\n";
  out += "# HELP exportctl_auth_failures_total Requests refused for authentication (401) or role (403).\n";
  out += "# TYPE exportctl_auth_failures_total counter\n";
  out += "exportctl_auth_failures_total{code=\"401\"} " + std::to_string(auth_401_.load()) + "\n";
  out += "exportctl_auth_failures_total{code=\"403\"} " + std::to_string(auth_403_.load()) + "\n";
  out += "# HELP exportctl_audit_append_seconds Time to append (durably) to the audit log.\n";
  out += "# TYPE exportctl_audit_append_seconds histogram\n";
  audit_.Render("exportctl_audit_append_seconds", "", out);
  return out;
}

}  // namespace exportctl::server
