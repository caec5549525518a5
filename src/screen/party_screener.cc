#include "screen/party_screener.h"

#include <functional>

#include "core/clock.h"
#include "screen/evasion.h"
#include "screen/normalize.h"

#include <algorithm>
#include <iostream>
#include <unordered_map>

namespace exportctl::screen {

RestrictedList EngineList(ListSource source) {
  switch (source) {
    case ListSource::kEntityList:
      return RestrictedList::kEntityList;
    case ListSource::kDeniedPersons:
      return RestrictedList::kDeniedPersons;
    case ListSource::kUnverified:
      return RestrictedList::kUnverified;
    case ListSource::kMilitaryEndUser:
      return RestrictedList::kMilitaryEndUser;
    case ListSource::kSdn:
      return RestrictedList::kSdn;
    case ListSource::kNonproliferation:
      return RestrictedList::kNonproliferationSanctions;
    case ListSource::kItarDebarred:
      return RestrictedList::kItarDebarred;
    case ListSource::kSectoral:
      return RestrictedList::kSectoralSanctions;
    case ListSource::kChineseMilitary:
      return RestrictedList::kChineseMilitaryCompanies;
    case ListSource::kMenuBased:
      return RestrictedList::kMenuBasedSanctions;
    case ListSource::kPalestinianCouncil:
      return RestrictedList::kPalestinianLegislativeCouncil;
    case ListSource::kCapta:
      return RestrictedList::kCapta;
    case ListSource::kForeignEvaders:
      return RestrictedList::kForeignSanctionsEvaders;
    case ListSource::kOther:
      return RestrictedList::kOtherList;
  }
  return RestrictedList::kOtherList;
}

ListPartyScreener::ListPartyScreener(std::unique_ptr<Screener> index,
                                     std::vector<Disposition> dispositions, double threshold,
                                     ListAgePolicy age)
    : index_(std::move(index)),
      dispositions_(std::move(dispositions)),
      threshold_(threshold),
      age_(std::move(age)) {}

std::vector<std::string> ListPartyScreener::Caveats() const {
  return StaleListWarnings(index_->versions(), age_.today ? age_.today() : TodayUtc(), age_.max_age_days);
}

Result<std::vector<Listing>> ListPartyScreener::Screen(const Party& party, Date as_of) const {
  if (parties_) {
    const std::string today = TodayUtc().ToString();
    Status st = parties_->Remember(party.name, today);
    // The owners it states, up the chain: a later listing of one of them says whom it covers.
    std::function<void(const std::string&, const std::vector<Owner>&, int)> stakes = [&](const std::string& owned,
                                                                                         const std::vector<Owner>& owners, int depth) {
      for (const Owner& o : owners) {
        if (!st.ok() || depth > 16) return;
        st = parties_->RememberStake(owned, o.name, o.percent, today);
        stakes(o.name, o.owners, depth + 1);
      }
    };
    stakes(party.name, party.owners, 0);
    if (!st.ok()) {
      std::call_once(keep_failed_, [&] {
        std::cerr << "exportctl: screened parties are not being kept for re-screening: " << st.ToString() << "\n";
      });
    }
  }
  ScreenQuery q;
  q.name = party.name;
  q.threshold = threshold_;
  q.limit = 20;
  // No country filter: a listed party's addresses are not a safe reason to drop it.
  auto hits = index_->Screen(q);
  if (!hits.ok()) return hits.status().WithFieldPrefix("party");
  std::vector<Listing> out;
  for (const Hit& h : *hits) {
    const ListRecord& r = *h.record;
    const bool cleared =
        std::any_of(dispositions_.begin(), dispositions_.end(),
                    [&](const Disposition& d) { return Clears(d, party.name, r, as_of); });
    if (cleared) continue;
    Listing l;
    l.list = EngineList(r.source);
    l.footnote = r.Footnote();
    l.entry = r.name;
    l.citation = r.federal_register_notice;
    l.record_id = r.record_id;
    l.license_requirement = r.license_requirement;
    l.license_policy = r.license_policy;
    l.programs = r.programs;
    l.score = h.score >= kCertainThreshold ? 1.0 : h.score;
    out.push_back(std::move(l));
  }
  // Fail closed: a name with words we cannot read (a script without a transliteration) is not
  // cleared on the words we could read; the check goes to review until it is romanized.
  if (out.empty()) {
    if (const std::string words = QuotedUnreadableWords(internal::CleanName(party.name).text); !words.empty()) {
      return Status::Invalid("party.name", "could not read " + words +
                                               " in Latin letters (no transliteration for its script): the "
                                               "party cannot be cleared on the rest of its name; give its romanization");
    }
  }
  return out;
}

namespace {
constexpr size_t kMemoShards = 16;
}  // namespace

struct MemoScreener::Shard {
  std::mutex mu;
  std::unordered_map<std::string, Result<std::vector<Listing>>> answers;
};

MemoScreener::MemoScreener(const PartyScreener& inner, size_t capacity)
    : inner_(inner), capacity_(std::max<size_t>(1, capacity / kMemoShards)), shards_(std::make_unique<Shard[]>(kMemoShards)) {}
MemoScreener::~MemoScreener() = default;

Result<std::vector<Listing>> MemoScreener::Screen(const Party& party, Date as_of) const {
  if (!party.owners.empty() || !party.listings.empty()) return inner_.Screen(party, as_of);
  // Everything a screener may read of a plain party: its name, where it is, its id and role.
  std::string key;
  key.reserve(party.name.size() + party.country.size() + party.party_id.size() + party.headquarters.size() + 24);
  key.append(party.name).push_back('\x1f');
  key.append(party.country).push_back('\x1f');
  key.append(party.headquarters).push_back('\x1f');
  key.append(party.ultimate_parent_headquarters).push_back('\x1f');
  key.append(party.party_id).push_back('\x1f');
  key.append(std::to_string(static_cast<int>(party.role))).push_back('\x1f');
  key.append(std::to_string(as_of.days())).push_back(party.screening_assumed_clear ? '1' : '0');
  Shard& shard = shards_[std::hash<std::string>{}(key) % kMemoShards];
  {
    std::lock_guard lock(shard.mu);
    if (auto it = shard.answers.find(key); it != shard.answers.end()) return it->second;
  }
  auto answer = inner_.Screen(party, as_of);
  std::lock_guard lock(shard.mu);
  if (shard.answers.size() >= capacity_) shard.answers.clear();
  shard.answers.emplace(std::move(key), answer);
  return answer;
}

std::vector<std::string> ListPartyScreener::ListVersions() const {
  std::vector<std::string> out;
  for (const auto& v : index_->versions()) out.push_back(v.ToString());
  return out;
}

Result<std::unique_ptr<ListPartyScreener>> OpenPartyScreener(const std::string& data_dir,
                                                             ListAgePolicy age) {
  auto index = ListStore(data_dir).OpenIndex();
  if (!index.ok()) return index.status();
  auto dispositions = DispositionStore(data_dir).LoadAll();
  if (!dispositions.ok()) return dispositions.status();
  auto parties = PartyStore::Open(data_dir);
  if (!parties.ok()) return parties.status();
  auto screener = std::make_unique<ListPartyScreener>(
      std::move(index).value(), std::move(dispositions).value(), kDefaultThreshold, std::move(age));
  screener->KeepParties(std::move(parties).value());
  return screener;
}

}  // namespace exportctl::screen
