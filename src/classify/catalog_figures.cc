#include "classify/catalog_figures.h"

#include <cmath>
#include <cstdio>

#include "data/dataset.h"

namespace exportctl {
namespace {

std::string Figure(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

// a < b beyond rounding of the same figure written out (a relative 1e-9).
bool Below(double a, double b) { return a < b - std::fabs(b) * 1e-9; }

CatalogDisagreement Disagree(const ItemSpec& s, std::string field, std::string stated, std::string catalog, std::string_view why) {
  CatalogDisagreement d{std::move(field), std::move(stated), std::move(catalog), ""};
  d.message = "stated " + d.stated + ", but the catalog gives " + d.catalog + " for \"" + s.catalog->name + "\" (" +
              std::string(why) +
              "): a figure that would lower a catalog chip's control is not taken; leave the field out to use the catalog's, "
              "or describe a different part by vendor, model and its own figures without \"chip\"";
  return d;
}

}  // namespace

std::optional<CatalogDisagreement> StatedFigureLowersControl(const ItemSpec& s) {
  if (!s.catalog) return std::nullopt;
  const ChipRecord& c = *s.catalog;
  // TPP (stated, or computed from a stated throughput): lower is less controlled.
  if (c.tpp && s.tpp && Below(*s.tpp, *c.tpp)) {
    return Disagree(s, "tpp", Figure(*s.tpp), Figure(*c.tpp), "a lower TPP");
  }
  // Die area: larger gives a lower performance density.
  if (c.die_area_mm2 && s.die_area_mm2 && Below(*c.die_area_mm2, *s.die_area_mm2)) {
    return Disagree(s, "die_area_mm2", Figure(*s.die_area_mm2), Figure(*c.die_area_mm2), "a larger die area gives a lower performance density");
  }
  // Performance density given directly: against the catalog's TPP over its die area, floored to
  // the hundredths the thresholds are written in (5.92, 3.2, 1.6), so a figure rounded as usual
  // agrees and none crosses a threshold the catalog's meets.
  if (s.performance_density && c.tpp && c.die_area_mm2 && *c.die_area_mm2 > 0) {
    const double catalog_pd = *c.tpp / *c.die_area_mm2;
    const double floored = std::floor(catalog_pd * 100) / 100;
    if (Below(*s.performance_density, floored)) {
      return Disagree(s, "performance_density", Figure(*s.performance_density), Figure(catalog_pd),
                      "a lower performance density");
    }
  }
  // Designed or marketed for datacenters: "not" can take an item out of 3A090.
  if (c.datacenter && s.datacenter && !*s.datacenter) {
    return Disagree(s, "datacenter", "false", "true", "an item not for datacenters can fall outside 3A090");
  }
  // Memory bandwidth: the H20 letters and the H200 zone turn on it; lower reaches less.
  if (c.memory_bandwidth_gbps && s.memory_bandwidth_gbps && Below(*s.memory_bandwidth_gbps, *c.memory_bandwidth_gbps)) {
    return Disagree(s, "memory_bandwidth_gbps", Figure(*s.memory_bandwidth_gbps), Figure(*c.memory_bandwidth_gbps),
                    "a lower memory bandwidth");
  }
  // The designer's headquarters (GP10, the foreign direct product rules) is the chip's own.
  if (!c.designer_headquarters.empty() && s.designer_headquarters != c.designer_headquarters) {
    return Disagree(s, "designer_headquarters", s.designer_headquarters, c.designer_headquarters,
                    "the rules on PRC- and D:5-designed chips turn on the designer");
  }
  return std::nullopt;
}

}  // namespace exportctl
