// Coverage under the Affiliates Rule over the whole graph (Supp. No. 8 to Part 744 as OFAC
// applies its 50 percent rule, addendum §1.5): the direct stakes of covered owners add up across
// lists; a covered intermediate counts with its whole stake; nothing is multiplied along a
// chain; owners that are not covered count for nothing; 50 % exactly is covered.
#include <algorithm>
#include <charconv>

#include "ownership/ownership.h"

namespace exportctl::ownership {
namespace {

constexpr double kEps = 1e-9;       // shares written with decimals (33.33 + 16.67)
constexpr int kMaxDepth = 64;       // deeper chains are not followed: the answer is uncertain
constexpr size_t kMaxPaths = 16;    // paths kept per entity, for the explanation

std::string Quoted(const std::string& s) { return "\"" + s + "\""; }

thread_local int depth = 0;

}  // namespace

const char* CoverageStateName(Coverage::State s) {
  switch (s) {
    case Coverage::State::kNotCovered: return "not_covered";
    case Coverage::State::kCovered: return "covered";
    case Coverage::State::kUncertain: return "needs_review";
  }
  return "needs_review";
}

CoverageCalculator::CoverageCalculator(const Graph& g, ListedFn listed, std::string list_version, double threshold,
                                       std::vector<std::string> united_states)
    : g_(g),
      listed_(std::move(listed)),
      list_version_(std::move(list_version)),
      threshold_(threshold),
      united_states_(std::move(united_states)) {}

const Coverage& CoverageCalculator::Of(uint32_t entity, Date as_of) const {
  std::lock_guard lock(mu_);
  auto& memo = by_date_[as_of.days()];
  depth = 0;
  return Compute(entity, as_of, memo);
}

const Coverage& CoverageCalculator::Compute(uint32_t e, Date d, std::unordered_map<uint32_t, Coverage>& memo) const {
  if (auto it = memo.find(e); it != memo.end()) return it->second;
  const Entity& ent = g_.entities[e];
  Coverage c;
  auto lit = listed_cache_.find(e);
  if (lit == listed_cache_.end()) lit = listed_cache_.emplace(e, listed_ ? listed_(ent) : ListedStatus{}).first;
  const ListedStatus& ls = lit->second;
  std::vector<std::string> doubtful;
  if (ls.carries == ListedStatus::Carries::kYes) {
    c.listed = true;
    c.paths.push_back(Quoted(ent.name) + " (" + ls.lists + ")");
  } else if (ls.carries == ListedStatus::Carries::kMaybe) {
    c.why.push_back(ls.lists);
    doubtful.push_back(Quoted(ent.name) + " (" + ls.lists + ")");
  }
  if (++depth > kMaxDepth) {
    c.state = Coverage::State::kUncertain;
    c.why.push_back("ownership chain above " + Quoted(ent.name) + " deeper than " + std::to_string(kMaxDepth) + " levels: not followed");
    --depth;
    return memo.emplace(e, std::move(c)).first->second;
  }
  const std::span<const uint32_t> in = g_.OwnersOf(e);
  double known = 0, possible = 0, share = 0;
  for (uint32_t i : in) {
    if (g_.edges[i].ActiveOn(d)) known += g_.edges[i].share.low.value_or(0);
  }
  std::vector<std::string> covered;
  bool red_flag = false;
  std::vector<std::string> why;
  for (uint32_t i : in) {
    const Edge& edge = g_.edges[i];
    if (!edge.ActiveOn(d)) continue;  // ended before, or starts after, the date
    const Coverage& oc = Compute(edge.owner, d, memo);
    if (oc.state == Coverage::State::kNotCovered && !oc.us_stake_open) continue;
    const std::string stake = " → " + (edge.share.known() ? edge.share.ToString() : "an unknown share") + " of " + Quoted(ent.name);
    auto extend = [&](std::vector<std::string>& into) {
      for (const auto& p : oc.paths) {
        if (into.size() < kMaxPaths) into.push_back(p + stake);
      }
    };
    if (oc.state == Coverage::State::kCovered) {
      if (edge.share.known()) {
        share += *edge.share.low;
        if (edge.share.range()) {
          possible += *edge.share.high - *edge.share.low;
          why.push_back(Quoted(g_.entities[edge.owner].name) + " owns " + edge.share.ToString() + " of " + Quoted(ent.name));
        }
        extend(covered);
      } else {
        red_flag = true;
        why.push_back(Quoted(g_.entities[edge.owner].name) + " owns an unknown share of " + Quoted(ent.name));
        extend(doubtful);
      }
    } else {
      possible += edge.share.known() ? *edge.share.high : std::max(0.0, 100 - known);
      red_flag = red_flag || oc.red_flag_29;
      why.insert(why.end(), oc.why.begin(), oc.why.end());
      extend(doubtful);
    }
  }
  --depth;
  c.share = share;
  Coverage::State up = Coverage::State::kNotCovered;
  if (share + kEps >= threshold_) {
    up = Coverage::State::kCovered;
  } else if (red_flag || share + possible + kEps >= threshold_) {
    up = Coverage::State::kUncertain;
  }
  if (c.listed) {
    c.state = Coverage::State::kCovered;
    if (up == Coverage::State::kCovered) c.paths.insert(c.paths.end(), covered.begin(), covered.end());
  } else if (up != Coverage::State::kNotCovered &&
             std::find(united_states_.begin(), united_states_.end(), ent.country) != united_states_.end()) {
    // The rule covers foreign entities only, so it is not covered itself (as `check` answers for
    // a US party); whether its stake counts in what it owns is open (addendum §1.5): an officer
    // decides for those.
    c.state = Coverage::State::kNotCovered;
    c.us_stake_open = true;
    c.why.push_back(Quoted(ent.name) + " is a US entity owned by listed parties: not covered itself, but whether its stake counts under the Affiliates Rule is not settled");
    c.paths = covered;
    c.paths.insert(c.paths.end(), doubtful.begin(), doubtful.end());
  } else if (up == Coverage::State::kCovered) {
    c.state = Coverage::State::kCovered;
    c.paths = std::move(covered);
    c.why.clear();
  } else if (up == Coverage::State::kUncertain || !c.why.empty()) {
    c.state = Coverage::State::kUncertain;
    c.red_flag_29 = red_flag;
    c.why.insert(c.why.end(), why.begin(), why.end());
    c.paths = std::move(covered);
    c.paths.insert(c.paths.end(), doubtful.begin(), doubtful.end());
  } else {
    c.paths = std::move(covered);  // a listed minority, if any
  }
  return memo.emplace(e, std::move(c)).first->second;
}

}  // namespace exportctl::ownership
