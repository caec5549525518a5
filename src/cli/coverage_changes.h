// Who became covered (or stopped being covered) under the Affiliates Rule when the lists or the
// ownership graph change: shared by `lists import` and `ownership import`.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "core/date.h"
#include "ownership/graph_owners.h"
#include "screen/party_screener.h"
#include "screen/party_store.h"

namespace exportctl::cli {

// Who owns what under the lists in use: a calculator over a graph with the data directory's lists
// as they are when it is opened (none imported: no owner is known to be listed, as `lists` says).
struct CoverageWeigher {
  std::unique_ptr<screen::ListPartyScreener> screener;
  std::unique_ptr<ownership::CoverageCalculator> calc;
  std::string lists;  // the list versions, or why there are none
};
Result<CoverageWeigher> OpenCoverageWeigher(const CliContext& ctx, const Dataset& data, const ownership::Graph& g,
                                            Date as_of);

// The remembered parties whose coverage differs between two weighings (`before_graph`/`before`
// null: nothing was known before), each with the owners it is now covered through.
nlohmann::json CoverageChanges(const std::vector<std::string>& parties, const ownership::GraphOwnership* before_graph,
                               const ownership::CoverageCalculator* before, const ownership::GraphOwnership& after_graph,
                               const ownership::CoverageCalculator& after, Date as_of);

// The same for the owners that earlier checks stated (remembered with the parties): the parties
// whose coverage through them differs between the lists before (`before`: null when there were
// none) and after an import. Each change names the stated owners it is covered through.
nlohmann::json StatedCoverageChanges(const std::vector<screen::PartyStore::StatedStake>& stakes, const Dataset& data,
                                     const PartyScreener* before, const PartyScreener& after, Date as_of);

void PrintCoverageChanges(const nlohmann::json& changes);

}  // namespace exportctl::cli
