#include "classify/classify.h"
#include "classify/catalog_figures.h"
#include "data/dataset.h"

#include <gtest/gtest.h>

namespace exportctl {
namespace {

ItemSpec Ic(double tpp, std::optional<double> pd, std::optional<bool> dc = true) {
  ItemSpec s;
  s.tpp = tpp;
  s.performance_density = pd;
  s.datacenter = dc;
  return s;
}

TEST(Tpp, MaxOverPrecisionsOfTopsTimesBits) {
  // The rule's own example: 600 TOPS at 8 bits or 300 TFLOPS at 16 bits is TPP 4800.
  EXPECT_DOUBLE_EQ(*ComputeTpp({{8, 600}}), 4800);
  EXPECT_DOUBLE_EQ(*ComputeTpp({{16, 300}}), 4800);
  EXPECT_DOUBLE_EQ(*ComputeTpp({{16, 989.5}, {8, 1979}, {4, 0}}), 15832);
  EXPECT_DOUBLE_EQ(*ComputeTpp({{16, 100}, {6, 1000}, {4, 1000}}), 6000);  // FP6 wins
  EXPECT_FALSE(ComputeTpp({}).has_value());
}

TEST(Classify, Thresholds) {
  const Thresholds t;
  EXPECT_EQ(Classify(Ic(4800, 1.0), t).eccn, Eccn::k3A090a);
  EXPECT_EQ(Classify(Ic(4800, 1.0), t).paragraph, "a.1");
  EXPECT_EQ(Classify(Ic(4799, 4.0), t).eccn, Eccn::k3A090b);
  EXPECT_EQ(Classify(Ic(4799, 4.0), t).paragraph, "b.1");
  EXPECT_EQ(Classify(Ic(4799, 1.59), t).eccn, Eccn::k3A991p);
  EXPECT_EQ(Classify(Ic(1600, 5.92), t).eccn, Eccn::k3A090a);
  EXPECT_EQ(Classify(Ic(1600, 5.92), t).paragraph, "a.2");
  EXPECT_EQ(Classify(Ic(1599, 5.92), t).eccn, Eccn::k3A991p);
  EXPECT_EQ(Classify(Ic(1600, 5.91), t).eccn, Eccn::k3A090b);
  EXPECT_EQ(Classify(Ic(1600, 5.91), t).paragraph, "b.2");
  EXPECT_EQ(Classify(Ic(1600, 3.2), t).eccn, Eccn::k3A090b);
  EXPECT_EQ(Classify(Ic(1600, 3.19), t).eccn, Eccn::k3A991p);
  EXPECT_EQ(Classify(Ic(2400, 1.6), t).eccn, Eccn::k3A090b);
  EXPECT_EQ(Classify(Ic(2399, 1.6), t).eccn, Eccn::k3A991p);
}

TEST(Classify, PerformanceDensityFromDieArea) {
  ItemSpec s = Ic(15832, std::nullopt);
  s.die_area_mm2 = 814;
  Classification c = Classify(s, Thresholds{});
  ASSERT_TRUE(c.performance_density.has_value());
  EXPECT_NEAR(*c.performance_density, 19.45, 0.01);
  EXPECT_NEAR(c.h100_per_unit, 1.0, 1e-12);
}

TEST(Classify, NonDatacenterNote) {
  const Thresholds t;
  Classification below = Classify(Ic(4799, 10, false), t);
  EXPECT_EQ(below.eccn, Eccn::k3A991p);
  EXPECT_TRUE(below.datacenter_note_applied);
  Classification above = Classify(Ic(4800, 10, false), t);
  EXPECT_EQ(above.eccn, Eccn::k3A090a);
  EXPECT_TRUE(above.non_datacenter_high_tpp);
}

TEST(Classify, IndeterminateListsCandidates) {
  const Thresholds t;
  Classification c = Classify(Ic(3000, std::nullopt), t);
  EXPECT_FALSE(c.determinate);
  EXPECT_EQ(c.candidates, (std::vector<Eccn>{Eccn::k3A991p, Eccn::k3A090b, Eccn::k3A090a}));
  EXPECT_EQ(c.missing.front(), "die_area_mm2");
  // Unknown die area cannot matter at TPP >= 4800.
  EXPECT_TRUE(Classify(Ic(5000, std::nullopt), t).determinate);
  // Below every TPP floor it cannot matter either.
  EXPECT_TRUE(Classify(Ic(1500, std::nullopt), t).determinate);
  // Unknown TPP.
  ItemSpec none;
  EXPECT_FALSE(Classify(none, t).determinate);
  // Unknown datacenter status where it decides.
  Classification dc = Classify(Ic(3000, 5.0, std::nullopt), t);
  EXPECT_FALSE(dc.determinate);
  EXPECT_EQ(dc.missing, std::vector<std::string_view>{"datacenter"});
}

TEST(Classify, Systems) {
  const Thresholds t;
  ItemSpec sys;
  sys.kind = ItemKind::kSystem;
  sys.components.push_back({Ic(15832, 19.45), 8});
  Classification c = Classify(sys, t);
  EXPECT_EQ(c.eccn, Eccn::k4A090a);
  EXPECT_DOUBLE_EQ(*c.tpp, 126656);
  sys.components = {{Ic(2368, 2.91), 8}};
  EXPECT_EQ(Classify(sys, t).eccn, Eccn::k4A994l);
  sys.components = {{Ic(3000, 4.0), 2}, {Ic(1000, 1.0), 1}};
  EXPECT_EQ(Classify(sys, t).eccn, Eccn::k4A090b);
  sys.components = {{Ic(3000, std::nullopt), 2}};
  EXPECT_FALSE(Classify(sys, t).determinate);
}

TEST(Classify, Hbm) {
  Thresholds t;
  t.hbm_active = true;
  ItemSpec h;
  h.kind = ItemKind::kHbm;
  h.memory_bandwidth_density = 2.01;
  EXPECT_EQ(Classify(h, t).eccn, Eccn::k3A090c);
  h.memory_bandwidth_density = 2.0;
  EXPECT_EQ(Classify(h, t).eccn, Eccn::kEar99);
  h.memory_bandwidth_density.reset();
  h.memory_bandwidth_gbps = 1200;
  h.package_area_mm2 = 100;
  EXPECT_EQ(Classify(h, t).eccn, Eccn::k3A090c);
  t.hbm_active = false;
  EXPECT_EQ(Classify(h, t).eccn, Eccn::kEar99);
}

TEST(Classify, ModelWeights) {
  Thresholds t;
  t.weights_active = true;
  ItemSpec w;
  w.kind = ItemKind::kModelWeights;
  w.weights.training_operations = 1e26;
  EXPECT_EQ(Classify(w, t).eccn, Eccn::k4E091);
  w.weights.training_operations = 9.99e25;
  EXPECT_NE(Classify(w, t).eccn, Eccn::k4E091);
  w.weights.training_operations = 2e26;
  w.weights.published = true;
  EXPECT_NE(Classify(w, t).eccn, Eccn::k4E091);
  w.weights.published = false;
  w.weights.derived_from_published = true;
  w.weights.additional_training_operations = 5e25;  // = 25% of 2e26: not more than the floor
  EXPECT_NE(Classify(w, t).eccn, Eccn::k4E091);
  w.weights.additional_training_operations = 5.1e25;
  EXPECT_EQ(Classify(w, t).eccn, Eccn::k4E091);
  w.weights.training_operations = 5e25;  // floor is then 2.5e25 (the higher of the two)
  w.weights.additional_training_operations = 2.5e25;
  EXPECT_NE(Classify(w, t).eccn, Eccn::k4E091);
  t.weights_active = false;
  w.weights.training_operations = 5e26;
  w.weights.derived_from_published = false;
  EXPECT_EQ(Classify(w, t).eccn, Eccn::kEar99);
}

// A catalog chip's figures stand against stated ones that would lower its control; figures that
// agree, raise control or fill a gap are taken.
TEST(CatalogFigures, StatedFigureThatLowersControlIsNamed) {
  ChipRecord h100;
  h100.name = "H100 SXM5 80GB";
  h100.tpp = 15832;
  h100.die_area_mm2 = 814;
  h100.memory_bandwidth_gbps = 3350;
  h100.datacenter = true;
  h100.designer_headquarters = "US";
  auto stated = [&](auto&& change) {
    ItemSpec s = h100.ToSpec();
    change(s);
    return StatedFigureLowersControl(s);
  };
  EXPECT_FALSE(stated([](ItemSpec&) {}));
  auto tpp = stated([](ItemSpec& s) { s.tpp = 1000; });
  ASSERT_TRUE(tpp);
  EXPECT_EQ(tpp->field, "tpp");
  EXPECT_EQ(tpp->stated, "1000");
  EXPECT_EQ(tpp->catalog, "15832");
  EXPECT_NE(tpp->message.find("H100 SXM5 80GB"), std::string::npos);
  EXPECT_EQ(stated([](ItemSpec& s) { s.datacenter = false; })->field, "datacenter");
  EXPECT_EQ(stated([](ItemSpec& s) { s.die_area_mm2 = 2000; })->field, "die_area_mm2");
  EXPECT_EQ(stated([](ItemSpec& s) { s.performance_density = 5.0; })->field, "performance_density");
  EXPECT_EQ(stated([](ItemSpec& s) { s.memory_bandwidth_gbps = 3000; })->field, "memory_bandwidth_gbps");
  EXPECT_EQ(stated([](ItemSpec& s) { s.designer_headquarters = "CN"; })->field, "designer_headquarters");
  // Agreeing, raising and the usual rounding of the catalog's density (19.45) are taken.
  EXPECT_FALSE(stated([](ItemSpec& s) { s.tpp = 15832; s.datacenter = true; }));
  EXPECT_FALSE(stated([](ItemSpec& s) { s.tpp = 20000; s.die_area_mm2 = 700; s.memory_bandwidth_gbps = 4000; }));
  EXPECT_FALSE(stated([](ItemSpec& s) { s.performance_density = 19.45; }));
  EXPECT_FALSE(stated([](ItemSpec& s) { s.interconnect_bandwidth_gbps = 100; }));  // the catalog has none
  // Without a catalog chip nothing is compared.
  ItemSpec own;
  own.tpp = 1;
  EXPECT_FALSE(StatedFigureLowersControl(own));
}

}  // namespace
}  // namespace exportctl
