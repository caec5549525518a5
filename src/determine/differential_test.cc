// A small, obviously-correct reference model of the classification and tier logic, and a
// randomized differential test of the engine against it.
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "data/dataset.h"
#include "data/test_data.h"
#include "determine/engine.h"

namespace exportctl {
namespace {

const Dataset& Data() { return BundledData(); }

// ECCN 3A090 as written (88 FR 73458), for a datacenter IC with known TPP and PD.
std::string ReferenceEccn(double tpp, double pd, bool datacenter) {
  if (!datacenter && tpp < 4800) return "3A991.p";
  if (tpp >= 4800) return "3A090.a";
  if (tpp >= 1600 && pd >= 5.92) return "3A090.a";
  if (tpp >= 2400 && tpp < 4800 && pd >= 1.6 && pd < 5.92) return "3A090.b";
  if (tpp >= 1600 && pd >= 3.2 && pd < 5.92) return "3A090.b";
  return "3A991.p";
}

TEST(Differential, ClassificationAgainstReference) {
  std::mt19937_64 rng(20261129);
  std::uniform_real_distribution<double> tpp_dist(0, 8000), pd_dist(0, 12);
  Thresholds t;
  for (int i = 0; i < 200000; ++i) {
    // Mix continuous values with exact boundary values.
    static constexpr double kTpp[] = {1599, 1600, 2399, 2400, 4799, 4800};
    static constexpr double kPd[] = {1.59, 1.6, 3.19, 3.2, 5.91, 5.92};
    const double tpp = (i % 4 == 0) ? kTpp[rng() % 6] : std::round(tpp_dist(rng));
    const double pd = (i % 3 == 0) ? kPd[rng() % 6] : pd_dist(rng);
    const bool dc = rng() % 4 != 0;
    ItemSpec s;
    s.tpp = tpp;
    s.performance_density = pd;
    s.datacenter = dc;
    Classification c = Classify(s, t);
    ASSERT_TRUE(c.determinate);
    ASSERT_EQ(EccnName(c.eccn), ReferenceEccn(tpp, pd, dc)) << "tpp " << tpp << " pd " << pd << " dc " << dc;
  }
}

// The codified AI Diffusion tiers for one datacenter 3A090.a item to a consignee headquartered
// where it is located: Tier 3 (Macau, D:5) denial; Tier 1 AIA; Tier 2 LPP up to 26,900,000 TPP,
// else a license with presumption of approval. Part 746 destinations: license, policy of denial.
struct Expected {
  Outcome outcome;
  std::string exception;
  ReviewPolicy policy;
};

Expected ReferenceTier(const std::string& code, double total_tpp, Date d) {
  static const std::set<std::string> tier1 = {"AU", "BE", "CA", "DK", "FI", "FR", "DE", "IE", "IT", "JP",
                                              "NL", "NZ", "NO", "KR", "ES", "SE", "TW", "GB", "US"};
  static const std::set<std::string> part746 = {"CU", "IR", "KP", "SY", "RU", "BY", "UA-43", "UA-40", "UA-14", "UA-09"};
  const std::string eff(Data().EffectiveCode(code));
  if (eff == "US") return {Outcome::kNoLicenseRequired, "", ReviewPolicy::kNone};
  if (part746.count(eff)) return {Outcome::kLicenseRequired, "", ReviewPolicy::kPresumptionOfDenial};
  if (eff == "MO" || Data().InGroup(eff, Group::D5, d)) return {Outcome::kLicenseRequired, "", ReviewPolicy::kPresumptionOfDenial};
  if (tier1.count(eff)) return {Outcome::kLicenseException, "AIA", ReviewPolicy::kNone};
  if (total_tpp <= 26900000) return {Outcome::kLicenseException, "LPP", ReviewPolicy::kNone};
  return {Outcome::kLicenseRequired, "", ReviewPolicy::kPresumptionOfApproval};
}

TEST(Differential, CodifiedTiersAgainstReference) {
  Engine engine(Data());
  std::mt19937_64 rng(42);
  const Date d = *Date::Parse("2025-08-01");
  int checked = 0;
  for (const auto& country : Data().countries()) {
    for (int rep = 0; rep < 3; ++rep) {
      const int64_t quantity = 1 + static_cast<int64_t>(rng() % 3000);
      Transaction tx;
      tx.as_of = d;
      tx.posture = Posture::kCodified;
      tx.destination = country.code;
      TransactionItem item;
      item.label = "H100";
      item.spec.catalog = *Data().FindChip("H100 SXM5 80GB");
      item.spec.tpp = 15832;
      item.spec.performance_density = 19.45;
      item.spec.datacenter = true;
      item.spec.memory_bandwidth_gbps = 3350;
      item.spec.designer_headquarters = "US";
      item.quantity = quantity;
      tx.items.push_back(item);
      Party p;
      p.role = PartyRole::kUltimateConsignee;
      p.name = "Consignee";
      p.country = country.code;
      p.headquarters = country.code;
      p.ultimate_parent_headquarters = country.code;
      tx.parties.push_back(p);
      Decision dec = engine.Determine(tx, {.compute_alternate = false});
      Expected ex = ReferenceTier(country.code, 15832.0 * quantity, d);
      ASSERT_EQ(OutcomeName(dec.outcome), std::string(OutcomeName(ex.outcome))) << country.code << " x" << quantity;
      ASSERT_EQ(dec.license_exception, ex.exception) << country.code << " x" << quantity;
      ASSERT_EQ(ReviewPolicyName(dec.review_policy), std::string(ReviewPolicyName(ex.policy))) << country.code << " x" << quantity;
      ++checked;
    }
  }
  EXPECT_GT(checked, 600);
}

}  // namespace
}  // namespace exportctl
