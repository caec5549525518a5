// The one place that decides precedence between findings:
//   PROHIBITED > LICENSE_REQUIRED > NEEDS_REVIEW > LICENSED > LICENSE_EXCEPTION >
//   NO_LICENSE_REQUIRED > NOT_SUBJECT_TO_EAR,
// so any unresolved check gives NEEDS_REVIEW unless PROHIBITED or LICENSE_REQUIRED already
// holds, and a license the company holds never outranks a prohibition, a requirement it does
// not meet, or a doubt (ApplyLicense). NOT_SUBJECT_TO_EAR only when every item is outside the EAR and nothing else binds. No
// findings at all is NEEDS_REVIEW: nothing established that no license is needed.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "determine/decision.h"

namespace exportctl {

// The effects seen so far, as a set (order and repetition do not matter to precedence).
class EffectSet {
 public:
  void Add(Effect e) { bits_ |= static_cast<uint8_t>(1u << static_cast<int>(e)); }
  bool Has(Effect e) const { return bits_ >> static_cast<int>(e) & 1u; }

 private:
  uint8_t bits_ = 0;
};

Outcome Combine(EffectSet effects);
Outcome Combine(std::span<const Effect> effects);

// The most restrictive review policy: denial > case-by-case > approval > none.
ReviewPolicy MostRestrictive(ReviewPolicy a, ReviewPolicy b);

// Maps an outcome back to the effect it has when combined at a higher level (item → transaction).
Effect EffectOf(Outcome o);

// License exceptions in order of preference: the ones needing no notification first.
enum class LicenseException : uint8_t { kAIA, kACA, kNAC, kLPP, kHBM, kCount };
const char* LicenseExceptionName(LicenseException e);  // "AIA", …
using ExceptionSet = uint8_t;                           // one bit per LicenseException
constexpr ExceptionSet ExceptionBit(LicenseException e) { return static_cast<ExceptionSet>(1u << static_cast<int>(e)); }

// One license requirement on an item: its rule, review policy, and the exceptions that may
// overcome it.
struct Requirement {
  std::string_view rule;
  ReviewPolicy policy = ReviewPolicy::kPresumptionOfApproval;
  ExceptionSet exceptions = 0;
};

// An item's requirements: a handful at most, kept inline (this is the hot path), contiguous.
class Requirements {
 public:
  Requirements() = default;
  // Copies only the requirements held (each item starts from the transaction's: a copy per item).
  Requirements(const Requirements& o) : size_(o.size_), overflow_(o.overflow_) {
    std::copy_n(o.items_.begin(), o.size_, items_.begin());
  }
  Requirements& operator=(const Requirements& o) {
    if (this != &o) {
      std::copy_n(o.items_.begin(), o.size_, items_.begin());
      size_ = o.size_;
      overflow_ = o.overflow_;
    }
    return *this;
  }
  void push_back(const Requirement& r) {
    if (!overflow_.empty() || size_ == kCapacity) {
      if (overflow_.empty()) overflow_.assign(items_.begin(), items_.end());
      overflow_.push_back(r);
    } else {
      items_[size_++] = r;
    }
  }
  bool empty() const { return size_ == 0 && overflow_.empty(); }
  std::span<const Requirement> view() const {
    return overflow_.empty() ? std::span<const Requirement>(items_.data(), size_) : std::span<const Requirement>(overflow_);
  }

 private:
  static constexpr size_t kCapacity = 12;
  std::array<Requirement, kCapacity> items_;  // [0, size_) in use
  size_t size_ = 0;
  std::vector<Requirement> overflow_;
};

// What decides an item: its outcome, the exception that overcomes its requirements (when
// LICENSE_EXCEPTION) and the review policy (when LICENSE_REQUIRED).
struct ItemVerdict {
  Outcome outcome = Outcome::kNoLicenseRequired;
  std::optional<LicenseException> exception;
  ReviewPolicy policy = ReviewPolicy::kNone;
  // Licensed against the destination's country allocation (the allocation step counted it).
  bool draws_country_allocation = false;
  // An unresolved finding on the item was outranked by its license requirement: it returns if
  // a license meets the requirement (ApplyLicense).
  bool unresolved = false;
};

// One item: no requirement → no license required; else the first exception (in preference order)
// whose own conditions hold (`available`) and that every requirement allows, unless exceptions
// are barred (Entity List, Unverified List); else a license with the most restrictive policy.
// `effects` are the item's other findings (unresolved, prohibited), combined as Combine does; the
// exception stays named when they hold the item at NEEDS_REVIEW.
ItemVerdict CombineItem(EffectSet effects, std::span<const Requirement> requirements, ExceptionSet available,
                        bool exceptions_barred);

// How a license the company holds meets an item's license requirements (15 CFR 750.7).
enum class LicenseCover {
  kNone,          // no license covers the item, or only part of it
  kWhole,         // a license covers the item and every one of its requirements
  kUnweighed,     // a license would cover it, but something it may not have weighed holds it
                  // for review: a listed party (Entity List, Affiliates Rule), a requirement of
                  // another rule (end use, headquarters, is-informed letter), a party name that is
                  // only alike, a condition of the license the transaction may break
};
// The item with the license applied: LICENSED only where the item needs a license (a
// prohibition, an exception, a doubt are left as they are); an unresolved finding the
// requirement outranked makes it NEEDS_REVIEW; so does kUnweighed.
ItemVerdict ApplyLicense(ItemVerdict v, LicenseCover cover);

// The transaction: its own effects with every item's outcome. A license requirement takes the
// most restrictive policy among the items and `transaction_policy` (the requirements on the
// whole transaction), denial when none is stated; an exception outcome names the items'
// exceptions, in item order, joined with "+".
struct Verdict {
  Outcome outcome = Outcome::kNeedsReview;
  std::string license_exception;
  ReviewPolicy review_policy = ReviewPolicy::kNone;
};
Verdict CombineTransaction(EffectSet effects, std::span<const ItemVerdict> items, ReviewPolicy transaction_policy);

}  // namespace exportctl
