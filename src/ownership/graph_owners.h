// The ownership graph in a check: parties matched to graph entities through the screening
// matcher, and their owners up the chain handed to the Affiliates Rule step
// (OwnershipGraphView), or the owners that count for `ownership show` and re-screening.
//
//   auto graph = ownership::OpenGraph(data_dir);             // nullptr when none imported
//   ownership::GraphOwnership view(*graph);
//   options.ownership = &view;                                // engine.Determine(tx, options)
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "determine/engine.h"
#include "ownership/ownership.h"

namespace exportctl {
class Dataset;
namespace screen {
class Screener;
}
}  // namespace exportctl

namespace exportctl::ownership {

// The graph in use in <data_dir>; nullptr (not an error) when none was imported.
Result<std::shared_ptr<const Graph>> OpenGraph(const std::string& data_dir);

struct EntityMatch {
  uint32_t entity = 0;
  std::string how;  // "identifier 9144…", "name \"…\" (folded), country CN", a screening explanation
};

class GraphOwnership final : public OwnershipGraphView {
 public:
  // `matcher`: the screening index over the graph's entities, when the caller has one (else it
  // is built on the first name that is not found as written).
  explicit GraphOwnership(std::shared_ptr<const Graph> graph, const screen::Screener* matcher = nullptr);
  ~GraphOwnership() override;
  Result<GraphOwners> OwnersOf(const Party& party, Date as_of) const override;
  std::string Version() const override;
  // The graph entity a party is: by identifier (party_id), then by name and country folded
  // alike, then by the screening matcher at its certain threshold. Possible matches below it are
  // returned in `doubts`; OwnersOf weighs their owners as candidates.
  std::optional<EntityMatch> Match(const Party& party, std::vector<std::string>* doubts = nullptr) const;
  const Graph& graph() const { return *g_; }

 private:
  const screen::Screener& Matcher() const;
  struct MatchMemo;
  std::shared_ptr<const Graph> g_;
  const screen::Screener* matcher_ = nullptr;
  mutable std::once_flag index_once_;
  mutable std::unique_ptr<screen::Screener> index_;
  // Which entity a party is, by (party_id, name, country): asked again for the same party under
  // each posture and on every line that names it, and dear for a name the graph does not hold.
  std::unique_ptr<MatchMemo> memo_;
};

// The graph in <data_dir> read per party rather than loaded whole: the entity a party is (by id,
// identifier, folded name, then the screening matcher) and its owners up the chain, by indexed
// queries on ownership.sqlite. The matcher over every entity's name is built on the first name
// not found as written and cached in <data_dir>/ownership.matcher for later processes. For
// one-off checks (the CLI); a server keeps the graph loaded (GraphOwnership). Answers as
// GraphOwnership over the same graph does.
class StoredGraphOwnership final : public OwnershipGraphView {
 public:
  // nullptr (not an error) when no graph was imported.
  static Result<std::unique_ptr<StoredGraphOwnership>> Open(const std::string& data_dir);
  ~StoredGraphOwnership() override;
  Result<GraphOwners> OwnersOf(const Party& party, Date as_of) const override;
  std::string Version() const override;

 private:
  struct Impl;
  explicit StoredGraphOwnership(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Whether an entity's own listing carries over under the Affiliates Rule, from the screener's
// lists and the regime data's owner_lists (Entity List, MEU List, SDN under a 744.8(a)(1)
// program).
ListedFn ListedByScreening(const PartyScreener& screener, const Dataset& data, Date as_of);

// Coverage of the graph's entities under the screener's lists (nullptr: none imported, so no
// owner is known to be listed) and the regime data's threshold. The screener must outlive it.
std::unique_ptr<CoverageCalculator> CoverageUnder(const Graph& g, const PartyScreener* screener, const Dataset& data, Date as_of);

}  // namespace exportctl::ownership
