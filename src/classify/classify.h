// Classification of advanced-computing items under ECCNs 3A090 / 4A090 / 3A991.p / 4E091.
// Pure functions of the item's specs and the thresholds in the regulatory data; no dates read here
// except which thresholds the caller passes.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace exportctl {

struct ChipRecord;

enum class ItemKind { kIntegratedCircuit, kSystem, kHbm, kModelWeights };

// Dense throughput by precision, in tera-operations per second (TOPS / TFLOPS), with bit length.
struct Throughput {
  int bit_length = 0;
  double dense_tops = 0;
};

struct ModelWeightsSpec {
  std::optional<double> training_operations;
  bool published = false;
  bool derived_from_published = false;
  std::optional<double> additional_training_operations;  // for derived models
  bool below_published_frontier = false;                  // Note 2 exclusion, self-classified
};

struct SystemComponent;

struct ItemSpec {
  ItemKind kind = ItemKind::kIntegratedCircuit;
  const ChipRecord* catalog = nullptr;     // when the item is a catalog chip
  std::string vendor, model;
  std::optional<double> tpp;               // given or computed from throughput
  std::vector<Throughput> throughput;      // optional; TPP is computed from it when tpp is absent
  std::optional<double> die_area_mm2;
  std::optional<double> performance_density;  // given directly instead of die area
  std::optional<bool> datacenter;          // designed or marketed for datacenters
  std::optional<double> memory_bandwidth_gbps;
  std::optional<double> interconnect_bandwidth_gbps;
  std::string designer_headquarters;       // ISO code, "" = unknown
  bool die_area_verified = true;           // false when the die area is an estimate
  // kSystem: the ICs it contains (each with a count).
  std::vector<SystemComponent> components;
  // kHbm
  std::optional<double> package_area_mm2;
  std::optional<double> memory_bandwidth_density;  // GB/s per mm²
  // kModelWeights
  ModelWeightsSpec weights;
};

struct SystemComponent {
  ItemSpec spec;
  int64_t count = 1;
  // ISO codes of the countries the chip was produced in; nullopt = not stated (the GP10
  // presumption asks it of a 3A090 chip in a system produced in D:5 or Macau).
  std::optional<std::vector<std::string>> produced_in;
};

// Thresholds of ECCN 3A090 and friends, loaded from the regime data (never constants in code).
// A figure within this fraction of a threshold gets a warning (2 %).
inline constexpr double kNearThreshold = 0.02;

struct Thresholds {
  double a1_tpp = 4800;           // 3A090.a.1
  double a2_tpp = 1600;           // 3A090.a.2 with PD >= a2_pd
  double a2_pd = 5.92;
  double b1_tpp_min = 2400, b1_tpp_max = 4800, b1_pd_min = 1.6, b1_pd_max = 5.92;
  double b2_tpp = 1600, b2_pd_min = 3.2, b2_pd_max = 5.92;
  double non_datacenter_tpp = 4800;  // note: non-datacenter items below this are outside .a/.b
  double hbm_density = 2.0;          // 3A090.c: memory bandwidth density > this (GB/s/mm²)
  bool hbm_active = false;           // 3A090.c exists on the date asked
  double h100_tpp = 15832;           // one H100-equivalent
  double weights_operations = 1e26;  // 4E091
  double derived_operations_floor = 2.5e25;
  double derived_fraction = 0.25;
  bool weights_active = false;       // 4E091 exists on the date asked
  // The notes that state these figures (Classification::notes holds views). The Dataset writes
  // them from its data (ThresholdsOn); these defaults say the defaults above.
  std::string_view hbm_above_note = "Memory bandwidth density above 2 GB/s/mm2 (3A090.c)";
  std::string_view hbm_below_note = "Memory bandwidth density at or below 2 GB/s/mm2: outside 3A090.c";
  std::string_view weights_note = "Model trained with 1e26 or more operations (4E091)";
  std::string_view weights_below_note = "Model trained with fewer than 1e26 operations";
  std::string_view derived_note =
      "Derived from published weights; additional training does not exceed the higher of 2.5e25 operations or 25% of "
      "training operations (4E091 Note 1)";
  std::string_view published_weights_note = "Published weights are not controlled (4E091 Note 1; 15 CFR 734.7(a))";
  std::string_view below_frontier_note =
      "Trained with fewer operations than needed to match the most capable published model (4E091 Note 2)";
};

// ECCN classes in order of severity; kIndeterminate when a missing input could change the class.
enum class Eccn {
  k3A090a, k3A090b, k3A090c, k4A090a, k4A090b, k4E091, k3A991p, k4A994l, kNotControlled4E091, kEar99,
};
const char* EccnName(Eccn e);

struct Classification {
  bool determinate = true;
  Eccn eccn = Eccn::k3A991p;
  std::vector<Eccn> candidates;      // when !determinate: every class the missing inputs allow
  std::string paragraph;             // "a.1", "a.2", "b.1", "b.2" when known
  std::optional<double> tpp;         // per unit
  std::optional<double> performance_density;
  std::optional<double> memory_bandwidth_density;
  std::optional<bool> datacenter;
  bool datacenter_note_applied = false;  // non-datacenter carve-out took the item out of .a/.b
  bool non_datacenter_high_tpp = false;  // non-datacenter .a/.b: NAC/ACA eligible
  std::vector<std::string_view> missing;  // inputs whose absence made it indeterminate
  std::vector<std::string_view> notes;    // why, in a sentence each (static text)
  std::vector<std::string> warnings; // e.g. estimated die area
  double h100_equivalents_per_unit() const;  // filled by Classify (needs thresholds)
  double h100_per_unit = 0;
};

// TPP = max over precisions of (dense TOPS × bit length); returns nullopt when no throughput.
std::optional<double> ComputeTpp(const std::vector<Throughput>& throughput);

Classification Classify(const ItemSpec& spec, const Thresholds& t);

}  // namespace exportctl
