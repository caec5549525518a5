#include "classify/classify.h"
#include "data/dataset.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace exportctl {

const char* EccnName(Eccn e) {
  switch (e) {
    case Eccn::k3A090a: return "3A090.a";
    case Eccn::k3A090b: return "3A090.b";
    case Eccn::k3A090c: return "3A090.c";
    case Eccn::k4A090a: return "4A090.a";
    case Eccn::k4A090b: return "4A090.b";
    case Eccn::k4E091: return "4E091";
    case Eccn::k3A991p: return "3A991.p";
    case Eccn::k4A994l: return "4A994.l";
    case Eccn::kNotControlled4E091: return "EAR99";
    case Eccn::kEar99: return "EAR99";
  }
  return "EAR99";
}

double Classification::h100_equivalents_per_unit() const { return h100_per_unit; }

std::optional<double> ComputeTpp(const std::vector<Throughput>& throughput) {
  std::optional<double> best;
  for (const auto& t : throughput) {
    const double v = t.dense_tops * t.bit_length;
    if (!best || v > *best) best = v;
  }
  return best;
}

namespace {

void AddCandidate(std::vector<Eccn>& c, Eccn e) {
  if (std::find(c.begin(), c.end(), e) == c.end()) c.push_back(e);
}

// 3A090.a/.b tests for one IC with known TPP; pd may be unknown.
// Returns the class when determinate, else fills candidates.
void ClassifyIc(double tpp, std::optional<double> pd, std::optional<bool> datacenter,
                const Thresholds& t, Classification& out) {
  // Note to 3A090: non-datacenter items below the TPP floor are outside .a and .b.
  auto below_datacenter_floor = tpp < t.non_datacenter_tpp;
  if (datacenter.has_value() && !*datacenter && below_datacenter_floor) {
    out.eccn = Eccn::k3A991p;
    out.datacenter_note_applied = true;
    out.notes.push_back("Not designed or marketed for datacenters and TPP below the Note's threshold: outside 3A090.a/.b (Note to 3A090)");
    return;
  }
  if (tpp >= t.a1_tpp) {
    out.eccn = Eccn::k3A090a;
    out.paragraph = "a.1";
    out.notes.push_back("TPP at or above the 3A090.a.1 threshold");
    if (datacenter.has_value() && !*datacenter) out.non_datacenter_high_tpp = true;
    return;
  }
  if (tpp < t.a2_tpp && tpp < t.b2_tpp && tpp < t.b1_tpp_min) {
    out.eccn = Eccn::k3A991p;
    out.notes.push_back("TPP below every 3A090 threshold");
    return;
  }
  // From here, performance density decides; so does the datacenter flag (below the floor).
  std::vector<Eccn> by_pd;
  auto classify_with_pd = [&](double p, std::string* para) -> Eccn {
    if (tpp >= t.a2_tpp && p >= t.a2_pd) {
      if (para) *para = "a.2";
      return Eccn::k3A090a;
    }
    if (tpp >= t.b1_tpp_min && tpp < t.b1_tpp_max && p >= t.b1_pd_min && p < t.b1_pd_max) {
      if (para) *para = "b.1";
      return Eccn::k3A090b;
    }
    if (tpp >= t.b2_tpp && p >= t.b2_pd_min && p < t.b2_pd_max) {
      if (para) *para = "b.2";
      return Eccn::k3A090b;
    }
    return Eccn::k3A991p;
  };
  if (pd) {
    std::string para;
    const Eccn e = classify_with_pd(*pd, &para);
    if (!datacenter.has_value() && e != Eccn::k3A991p) {
      out.determinate = false;
      out.candidates = {e, Eccn::k3A991p};
      out.missing.push_back("datacenter");
      out.notes.push_back("Whether the item is designed or marketed for datacenters decides its class (Note to 3A090)");
      return;
    }
    out.eccn = e;
    out.paragraph = para;
    if (e == Eccn::k3A991p) out.notes.push_back("Performance density below the 3A090 thresholds for its TPP");
    else out.notes.push_back(e == Eccn::k3A090a ? "TPP and performance density meet 3A090.a.2" : para == "b.1" ? "TPP and performance density meet 3A090.b.1" : "TPP and performance density meet 3A090.b.2");
    return;
  }
  // Unknown performance density: every class the unknown value allows is a candidate.
  for (double probe : {0.0, t.b1_pd_min, t.b2_pd_min, t.a2_pd}) {
    AddCandidate(out.candidates, classify_with_pd(probe, nullptr));
  }
  if (out.candidates.size() == 1) {
    out.eccn = out.candidates.front();
    out.candidates.clear();
    return;
  }
  out.determinate = false;
  out.missing.push_back("die_area_mm2");
  if (!datacenter.has_value()) out.missing.push_back("datacenter");
  out.notes.push_back("Performance density unknown (no die area): TPP alone does not decide the class");
}

}  // namespace

Classification Classify(const ItemSpec& spec, const Thresholds& t) {
  Classification out;
  switch (spec.kind) {
    case ItemKind::kModelWeights: {
      const ModelWeightsSpec& w = spec.weights;
      if (!t.weights_active) {
        out.eccn = Eccn::kEar99;
        out.notes.push_back("ECCN 4E091 is not in force on this date under this posture");
        return out;
      }
      if (w.published) {
        out.eccn = Eccn::kNotControlled4E091;
        out.notes.push_back(t.published_weights_note);
        return out;
      }
      if (w.below_published_frontier) {
        out.eccn = Eccn::kNotControlled4E091;
        out.notes.push_back(t.below_frontier_note);
        return out;
      }
      if (!w.training_operations) {
        out.determinate = false;
        out.candidates = {Eccn::k4E091, Eccn::kNotControlled4E091};
        out.missing.push_back("training_operations");
        return out;
      }
      if (w.derived_from_published) {
        if (!w.additional_training_operations) {
          out.determinate = false;
          out.candidates = {Eccn::k4E091, Eccn::kNotControlled4E091};
          out.missing.push_back("additional_training_operations");
          return out;
        }
        const double floor = std::max(t.derived_operations_floor, t.derived_fraction * *w.training_operations);
        if (*w.additional_training_operations <= floor) {
          out.eccn = Eccn::kNotControlled4E091;
          out.notes.push_back(t.derived_note);
          return out;
        }
      }
      if (*w.training_operations >= t.weights_operations) {
        out.eccn = Eccn::k4E091;
        out.notes.push_back(t.weights_note);
      } else {
        out.eccn = Eccn::kNotControlled4E091;
        out.notes.push_back(t.weights_below_note);
      }
      return out;
    }
    case ItemKind::kHbm: {
      std::optional<double> density = spec.memory_bandwidth_density;
      if (!density && spec.memory_bandwidth_gbps && spec.package_area_mm2 && *spec.package_area_mm2 > 0) {
        density = *spec.memory_bandwidth_gbps / *spec.package_area_mm2;
      }
      out.memory_bandwidth_density = density;
      if (!t.hbm_active) {
        out.eccn = Eccn::kEar99;
        out.notes.push_back("3A090.c (HBM) is not in force on this date");
        return out;
      }
      if (!density) {
        out.determinate = false;
        out.candidates = {Eccn::k3A090c, Eccn::kEar99};
        out.missing.push_back("memory_bandwidth_density");
        return out;
      }
      if (*density > t.hbm_density) {
        out.eccn = Eccn::k3A090c;
        out.notes.push_back(t.hbm_above_note);
      } else {
        out.eccn = Eccn::kEar99;
        out.notes.push_back(t.hbm_below_note);
      }
      return out;
    }
    case ItemKind::kSystem: {
      // 4A090: computers and assemblies containing ICs that meet 3A090.a (or .b).
      double total = 0;
      bool tpp_known = true;
      bool any_a = false, any_b = false, any_indeterminate = false;
      std::vector<Eccn> worst_candidates;
      for (const auto& comp : spec.components) {
        Classification c = Classify(comp.spec, t);
        if (c.tpp) total += *c.tpp * static_cast<double>(comp.count);
        else tpp_known = false;
        if (!c.determinate) {
          any_indeterminate = true;
          for (Eccn e : c.candidates) AddCandidate(worst_candidates, e);
          for (auto& m : c.missing) out.missing.push_back(m);
        } else if (c.eccn == Eccn::k3A090a) {
          any_a = true;
        } else if (c.eccn == Eccn::k3A090b) {
          any_b = true;
        }
        for (auto& w : c.warnings) out.warnings.push_back(w);
      }
      if (tpp_known) out.tpp = total;
      out.notes.push_back("System TPP is the sum over its ICs");
      auto system_class = [](bool a, bool b) {
        return a ? Eccn::k4A090a : b ? Eccn::k4A090b : Eccn::k4A994l;
      };
      if (any_indeterminate && !any_a) {
        out.determinate = false;
        for (Eccn e : worst_candidates) {
          AddCandidate(out.candidates, system_class(any_a || e == Eccn::k3A090a, any_b || e == Eccn::k3A090b));
        }
        if (out.candidates.size() == 1) {
          out.determinate = true;
          out.eccn = out.candidates.front();
          out.candidates.clear();
        }
      } else {
        out.eccn = system_class(any_a, any_b);
      }
      out.h100_per_unit = out.tpp ? *out.tpp / t.h100_tpp : 0;
      return out;
    }
    case ItemKind::kIntegratedCircuit:
      break;
  }

  out.tpp = spec.tpp ? spec.tpp : ComputeTpp(spec.throughput);
  out.datacenter = spec.datacenter;
  if (spec.performance_density) {
    out.performance_density = spec.performance_density;
  } else if (out.tpp && spec.die_area_mm2 && *spec.die_area_mm2 > 0) {
    out.performance_density = *out.tpp / *spec.die_area_mm2;
  }
  if (spec.die_area_mm2 && !spec.die_area_verified) {
    out.warnings.push_back("die area is an estimate; performance density is indicative only");
  }
  if (!out.tpp) {
    out.determinate = false;
    out.candidates = {Eccn::k3A090a, Eccn::k3A090b, Eccn::k3A991p};
    out.missing.push_back("tpp");
    out.notes.push_back("TPP unknown: no dense throughput figure");
    return out;
  }
  ClassifyIc(*out.tpp, out.performance_density, spec.datacenter, t, out);
  out.h100_per_unit = *out.tpp / t.h100_tpp;
  // Published figures vary by a few percent (boost clocks, rounding, sparse vs dense): a value this
  // close to a threshold is said, so an officer checks the datasheet before relying on the class.
  auto near = [&](double v, double threshold, const char* what) {
    const double off = (v - threshold) / threshold;
    if (v != threshold && std::fabs(off) <= kNearThreshold) {
      char buf[200];
      std::snprintf(buf, sizeof buf, "%s %.2f is within %.0f%% of the 3A090 threshold %.2f (%.1f%% %s): confirm the figures before relying on the class",
                    what, v, kNearThreshold * 100, threshold, std::fabs(off) * 100, off < 0 ? "under" : "over");
      out.warnings.push_back(buf);
    }
  };
  for (double th : {t.a1_tpp, t.b1_tpp_min, t.a2_tpp}) near(*out.tpp, th, "TPP");
  if (out.performance_density) {
    for (double th : {t.a2_pd, t.b2_pd_min, t.b1_pd_min}) near(*out.performance_density, th, "performance density");
  }
  // Catalog figures marked unverified are not a fact to clear on: when the class could change within
  // the near-threshold margin, the class is indeterminate (the engine then fails closed unless every
  // candidate gives the same outcome).
  const bool unverified_figures = spec.catalog && !spec.catalog->verified && spec.catalog->tpp == out.tpp;
  if (unverified_figures && out.determinate) {
    std::vector<Eccn> classes{out.eccn};
    for (double f : {1 - kNearThreshold, 1 + kNearThreshold}) {
      Classification probe;
      std::optional<double> pd = out.performance_density;
      if (pd) *pd *= f;  // density scales with TPP over the same die
      ClassifyIc(*out.tpp * f, pd, spec.datacenter, t, probe);
      if (probe.determinate) AddCandidate(classes, probe.eccn);
      for (Eccn e : probe.candidates) AddCandidate(classes, e);
    }
    if (classes.size() > 1) {
      out.determinate = false;
      out.candidates = std::move(classes);
      out.paragraph.clear();
      out.missing.push_back("verified catalog figures (unverified and within 2% of a 3A090 threshold)");
    }
  }
  return out;
}

}  // namespace exportctl
