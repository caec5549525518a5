#include "jurisdiction/bom.h"

#include "core/validate.h"

#include <cmath>
#include <cstdlib>
#include <optional>
#include <string>

#include "core/utf8.h"
#include "data/dataset.h"
#include "jurisdiction/jurisdiction.h"
#include "screen/csv.h"

namespace exportctl::jurisdiction {

Status ParseBom(const Dataset& data, std::string_view text, Bom& out) {
  out = Bom{};
  const auto rows = screen::ParseCsv(text);
  if (rows.empty()) return Status::Invalid("BOM", "is empty: expected a header part,eccn_or_chip,origin_country,quantity,unit_value_usd");
  // An optional sixth column states License Exception GBS eligibility (Supp. No. 2 to Part 734).
  std::vector<std::string> kHeader = {"part", "eccn_or_chip", "origin_country", "quantity", "unit_value_usd"};
  if (rows[0].size() == 6 && rows[0][5] == "gbs_eligible") kHeader.push_back("gbs_eligible");
  if (rows[0] != kHeader) {
    return Status::Invalid("BOM.line 1", "the header must be part,eccn_or_chip,origin_country,quantity,unit_value_usd (optionally ,gbs_eligible)");
  }
  for (size_t i = 1; i < rows.size(); ++i) {
    const auto& r = rows[i];
    if (r.size() == 1 && r[0].empty()) continue;  // a blank line
    const std::string at = "BOM.line " + std::to_string(i + 1);
    if (r.size() != kHeader.size()) {
      return Status::Invalid(at, "has " + std::to_string(r.size()) + " fields, expected " + std::to_string(kHeader.size()));
    }
    for (size_t k = 0; k < r.size(); ++k) {
      if (Status st = CheckUtf8(r[k], at + "." + kHeader[k]); !st.ok()) return st;
    }
    auto number = [&](const std::string& s, const char* col, double& v) -> Status {
      const auto parsed = ParseDecimal(s);
      if (!parsed) return Status::Invalid(at + "." + col, "must be a decimal number, got \"" + s + "\"");
      v = *parsed;
      if (v < 0) return Status::Invalid(at + "." + col, "must not be negative");
      return Status::Ok();
    };
    double qty = 0, unit = 0;
    EXPORTCTL_RETURN_IF_ERROR(number(r[3], "quantity", qty));
    EXPORTCTL_RETURN_IF_ERROR(number(r[4], "unit_value_usd", unit));
    if (qty != std::floor(qty) || qty < 1 || qty > 1e12) return Status::Invalid(at + ".quantity", "must be a whole number from 1 to 10^12");
    // The same bound as a transaction's values: beyond it a ratio of sums means nothing.
    constexpr double kMaxValueUsd = 1e15;
    const double line = qty * unit;
    if (unit > kMaxValueUsd || line > kMaxValueUsd || out.total_usd + line > kMaxValueUsd)
      return Status::Invalid(at + ".unit_value_usd", "the line's value (quantity x unit value) must be at most 10^15 USD in all");
    std::optional<bool> gbs;
    if (r.size() == 6 && !r[5].empty()) {
      if (r[5] != "true" && r[5] != "false") return Status::Invalid(at + ".gbs_eligible", "must be true, false or empty (not stated)");
      gbs = r[5] == "true";
    }
    auto origin = data.ResolveCountry(r[2]);
    if (!origin.ok()) return Status::Invalid(at + ".origin_country", origin.status().message());
    out.total_usd += line;
    if (!data.IsUnitedStates(*origin)) continue;  // only US-origin parts are US content (PR etc. included)
    // A US part without a value would count as no content: its value is the question.
    if (unit <= 0) return Status::Invalid(at + ".unit_value_usd", "must be positive for a US-origin part");
    UsContent u;
    u.part = r[0];
    u.quantity = static_cast<int64_t>(qty);
    u.value_usd = line;
    if (Rules::IsEccn(r[1])) {
      if (!KnownContentEccn(data, r[1])) {
        return Status::Invalid(at + ".eccn_or_chip", "\"" + r[1] + "\": no license requirement is recorded for this ECCN");
      }
      u.eccn = r[1];
    } else {
      auto chip = data.FindChip(r[1]);
      if (!chip.ok()) return Status::Invalid(at + ".eccn_or_chip", chip.status().message());
      u.chip = (*chip)->name;
      u.chip_spec = (*chip)->ToSpec();
    }
    if (u.part.empty()) u.part = r[1];
    if (gbs) u.gbs_eligible = *gbs;
    out.us_content.push_back(std::move(u));
  }
  if (out.total_usd <= 0) return Status::Invalid("BOM", "the lines' total value must be positive (the de minimis denominator)");
  return Status::Ok();
}

}  // namespace exportctl::jurisdiction
