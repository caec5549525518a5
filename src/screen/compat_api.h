// The request and response shapes of screening APIs clients already speak, answered from our
// lists and matcher (docs/screening.md, "Compatible APIs"):
//
//   - the trade.gov Consolidated Screening List API v1 (`GET /consolidated_screening_list/v1/search`
//     and `/sources`): the records as the CSL JSON carries them, our explanation beside them;
//   - the OpenSanctions yente matching API (`POST /match/{dataset}`): FollowTheMoney queries,
//     scored by our name matcher with dates of birth, nationality and identifiers weighed.
//
//   CompatApis api(screener, caveats);
//   auto body = api.CslSearch({{"name", "huawei"}, {"fuzzy_name", "true"}}, "2026-11-30T10:00:00Z");
//
// A bad parameter is an invalid_input Status naming it (HTTP 400); an unknown dataset is not_found.
// Thread-safe after construction.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "screen/screen.h"

namespace exportctl::screen {

using QueryParams = std::vector<std::pair<std::string, std::string>>;  // in request order

class CompatApis {
 public:
  // `screener` must outlive this object; `caveats` gives the stale-list warnings of the moment.
  CompatApis(const Screener& screener, std::function<std::vector<std::string>()> caveats);
  ~CompatApis();

  // GET /consolidated_screening_list/v1/search. `performed_at` is the ISO 8601 time of the search.
  Result<std::string> CslSearch(const QueryParams& params, const std::string& performed_at) const;
  // GET /consolidated_screening_list/v1/sources.
  std::string CslSources() const;
  // POST /match/{dataset} with the request body and its query parameters.
  Result<std::string> Match(std::string_view dataset, std::string_view body,
                            const QueryParams& params) const;

  // The yente datasets served (default, sanctions, us_trade_csl, us_ofac_sdn, …).
  static std::vector<std::string> Datasets();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The CSL's label of a source list ("Entity List (EL) - Bureau of Industry and Security") and the
// abbreviation its `sources` parameter takes ("EL"; "MBS" for NS-MBS).
const char* CslSourceLabel(ListSource source);
const char* CslSourceAbbreviation(ListSource source);

}  // namespace exportctl::screen
