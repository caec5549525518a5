// The facts of an item's origin, as the transaction states them ("origin" on an item).
// Absent (nullopt) means unknown, never "no".
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "classify/classify.h"

namespace exportctl::jurisdiction {

// One US-origin part incorporated in the foreign item (J8).
struct UsContent {
  std::string part;                 // as named in a bill of materials ("" when not named)
  std::string eccn;                 // "3A090.a"; empty when given by catalog chip
  std::string chip;                 // the catalog chip's name, when given by chip
  std::optional<ItemSpec> chip_spec;  // classified on the decision's date
  std::string origin_country = "US";
  int64_t quantity = 1;
  double value_usd = 0;             // fair market value of the line (all its units)
  // License Exception GBS (15 CFR 740.4) is available for the part ("GBS: Yes" in its ECCN
  // entry); nullopt = not stated, counted as not eligible.
  std::optional<bool> gbs_eligible;
};

struct Origin {
  std::optional<bool> in_us;           // J2: in, or shipping from or through, the US
  std::optional<bool> produced_in_us;  // J3: produced in, or ever in, the US
  std::vector<std::string> produced_in;  // J4: ISO codes of the countries of production
  std::optional<std::vector<std::string>> us_technology_eccns;  // J6; [] = none
  std::optional<bool> us_origin_plant;                          // J7
  std::optional<std::vector<UsContent>> us_content;             // J8
  std::optional<double> value_usd;                              // J8: the foreign item's value
  std::optional<bool> published;                                // J16
  // 734.9(l): model weights produced by a plant (chips or computers) subject to the EAR in
  // 3A090, 4A090 or a .z ECCN, i.e. trained on such chips.
  std::optional<bool> trained_on_chips_subject_to_ear;
  // J14, 734.9(h)(2)(ii): the design technology the item was made from (for its mask, wafer or
  // die) is itself subject to the EAR, e.g. developed by a D:5- or Macau-headquartered designer
  // with listed US software or technology. Asked when the designer is headquartered there.
  std::optional<bool> design_technology_subject_to_ear;
};

}  // namespace exportctl::jurisdiction
