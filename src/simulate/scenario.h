// A simulation scenario sent as one JSON object (POST /v1/simulate, docs/openapi.json): the
// orders, the policy sets and the country agreements, read and checked as `exportctl simulate`
// reads its files, with limits on size. Errors name the request's field and line:
// "orders:7.items[0].quantity" (JSONL text), "orders[6].items[0].quantity" (a list),
// "demand:4.quarter", "policies[2].tiers.MY", "overlays[0].changes[1].fraction".
//
//   auto scenario = simulate::ParseScenario(body, data, bundled_agreements, today, {});
//   simulate::Simulation sim(services, scenario->policies);
//   sim.Run(scenario->orders, nullptr);
#pragma once

#include <cstddef>
#include <deque>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "simulate/simulate.h"

namespace exportctl::simulate {

// A policy set's fields (docs/simulate.md, "Policy files") from a JSON object; `field` prefixes
// errors ("policy.json", "policies[2]"); `extra_keys` are keys the caller reads itself.
Result<PolicySet> ParsePolicyObject(const nlohmann::json& j, const std::string& source, const std::string& field,
                                    std::initializer_list<const char*> extra_keys = {});

// Whether an overlay is in force on some order's date to its country (an overlay the run never
// uses is a mistake, not a result).
bool OverlayUsedBy(const Agreement& overlay, const std::vector<Order>& orders, const Dataset& data);

struct ScenarioLimits {
  size_t max_orders = 10000;     // after the demand is expanded
  size_t max_policy_sets = 8;
  size_t max_overlays = 16;      // in the request, and per policy set
};

struct Scenario {
  std::vector<Order> orders;       // date order
  std::vector<PolicySet> policies;
  std::deque<Agreement> overlays;  // those sent in the request (the policy sets point into it)
};

// {"orders"?: JSONL text | [transaction…], "demand"?: CSV text, "policies"?: ["enforced" |
//  "codified" | {"id", "posture", …policy file fields; "overlays": [id | overlay]}],
//  "overlays"?: [id | overlay]}: at least orders or demand; policies default to enforced and
// codified. Overlays are bundled ids (`bundled`) or overlay objects, never files. Policy sets
// that change the data are prepared on a copy of data.dir().
Result<std::unique_ptr<Scenario>> ParseScenario(const nlohmann::json& body, const Dataset& data,
                                                std::span<const Agreement> bundled, Date today,
                                                const ScenarioLimits& limits);

}  // namespace exportctl::simulate
