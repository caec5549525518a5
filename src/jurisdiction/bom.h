// A bill of materials for the de minimis worksheet (Supp. No. 2 to Part 734), as CSV with the
// header part,eccn_or_chip,origin_country,quantity,unit_value_usd[,gbs_eligible]. Only US-origin lines are US
// content; every line counts toward the item's value. Bad bytes or values are an input error
// naming "BOM.line N.column", never dropped.
//
//   jurisdiction::Bom bom;
//   Status st = jurisdiction::ParseBom(data, csv_text, bom);   // bom.us_content, bom.total_usd
#pragma once

#include <string_view>
#include <vector>

#include "core/status.h"
#include "jurisdiction/origin.h"

namespace exportctl {

class Dataset;

namespace jurisdiction {

struct Bom {
  std::vector<UsContent> us_content;  // the US-origin lines, each valued quantity × unit value
  double total_usd = 0;               // every line, US-origin or not
};

Status ParseBom(const Dataset& data, std::string_view text, Bom& out);

}  // namespace jurisdiction
}  // namespace exportctl
