// The determination engine's PartyScreener, backed by the lists imported into a data directory.
//
//   auto screener = screen::OpenPartyScreener(ctx.data_dir);   // Result<unique_ptr<…>>
//   if (!screener.ok()) …                                      // e.g. no lists imported
//   options.screener = screener->get();
//
// A hit at or above kCertainThreshold becomes a Listing with score 1.0; a hit between the match
// threshold and the certain threshold keeps its score (< 1.0), which the engine turns into
// NEEDS_REVIEW with the candidate. Every list becomes a Listing: the Entity List, DPL, UVL, MEU
// and SDN with their EAR/OFAC effect, the other State and Treasury lists for an officer's review.
// Pairs cleared by a disposition (same record content, not expired on the as-of date) are dropped.
// Thread-safe: Screen may be called concurrently.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "determine/ports.h"
#include "screen/party_store.h"
#include "screen/screen.h"

namespace exportctl::screen {

// How old an imported list may be before screening on it is uncertain (docs/screening.md,
// "List age"): its source date more than max_age_days before today().
struct ListAgePolicy {
  int max_age_days = kDefaultMaxListAgeDays;
  std::function<Date()> today;  // empty = the UTC date now
};

class ListPartyScreener final : public PartyScreener {
 public:
  ListPartyScreener(std::unique_ptr<Screener> index, std::vector<Disposition> dispositions,
                    double threshold = kDefaultThreshold, ListAgePolicy age = {});
  // Keeps every screened party's name in `parties` for re-screening after list imports. A name
  // that cannot be stored does not block the decision; the first failure is reported on stderr.
  void KeepParties(std::unique_ptr<PartyStore> parties) { parties_ = std::move(parties); }
  Result<std::vector<Listing>> Screen(const Party& party, Date as_of) const override;
  std::vector<std::string> ListVersions() const override;
  // One warning per imported list older than the policy allows (or undated), as of today.
  std::vector<std::string> Caveats() const override;
  const Screener& index() const { return *index_; }
  const ListAgePolicy& age_policy() const { return age_; }

 private:
  std::unique_ptr<Screener> index_;
  std::vector<Disposition> dispositions_;
  double threshold_;
  ListAgePolicy age_;
  std::unique_ptr<PartyStore> parties_;
  mutable std::once_flag keep_failed_;
};

// A batch's screening, kept: the same name is screened once per batch rather than once per
// decision, posture and owner (graph owners recur in every line that names one of the companies
// they own). For a screener whose answers do not change during the batch (the CLI's lists, opened
// once); the answer to a name is the inner screener's first answer, errors included. Parties that
// state owners or listings are screened afresh (what the inner screener keeps of them may differ).
// Thread-safe; bounded (emptied past `capacity` names).
class MemoScreener final : public PartyScreener {
 public:
  explicit MemoScreener(const PartyScreener& inner, size_t capacity = size_t{1} << 18);
  ~MemoScreener() override;
  Result<std::vector<Listing>> Screen(const Party& party, Date as_of) const override;
  std::vector<std::string> ListVersions() const override { return inner_.ListVersions(); }
  std::vector<std::string> Caveats() const override { return inner_.Caveats(); }
  bool Ready() const override { return inner_.Ready(); }

 private:
  struct Shard;
  const PartyScreener& inner_;
  size_t capacity_;
  std::unique_ptr<Shard[]> shards_;
};

// Loads every list in <data_dir>/lists and the dispositions in <data_dir>/screen, and keeps the
// parties it screens in <data_dir>/screen/parties.jsonl (PartyStore). Fails (kNotFound) when no
// list has been imported: screening against nothing must not look like "no hit".
Result<std::unique_ptr<ListPartyScreener>> OpenPartyScreener(const std::string& data_dir,
                                                             ListAgePolicy age = {});

// The engine's list for a screening source.
RestrictedList EngineList(ListSource source);

}  // namespace exportctl::screen
