// A catalog chip's figures against the figures an item names beside it. The catalog is what the
// chip is; a stated figure that would lower its control (a lower TPP, a larger die area, "not
// for datacenters", …) is refused rather than used, so nobody lowers an H100 out of 3A090 by
// typing a number. A stated figure that agrees, raises control or fills one the catalog lacks
// stands.
#pragma once

#include <optional>
#include <string>

#include "classify/classify.h"

namespace exportctl {

struct CatalogDisagreement {
  std::string field;    // the item's field: "tpp", "die_area_mm2", "performance_density", "datacenter", …
  std::string stated;   // the two values, as a message says them
  std::string catalog;
  std::string message;  // "stated 1000, but the catalog gives 15832 for \"H100 SXM5 80GB\": …"
};

// The first figure of `stated` (the catalog chip's spec with the item's own figures applied) that
// disagrees with the catalog's (`stated.catalog`) in the direction that lowers control; nullopt
// when none does or the item names no catalog chip.
std::optional<CatalogDisagreement> StatedFigureLowersControl(const ItemSpec& stated);

}  // namespace exportctl
