// The engine's view of the licenses the company holds (determine/ports.h LicenseView): the latest
// version of each, indexed by destination and ECCN entry or chip, so that a check against
// thousands of licenses reads only those that could cover its item.
#include <algorithm>
#include <cstdint>
#include <filesystem>

#include "license/license.h"
#include "screen/normalize.h"
#include "screen/screen.h"

namespace exportctl::license {
namespace {

// The words that say who a party is (screening's folding; names and numbers, else every word):
// two names the screening matcher holds for the same party share one of them.
std::vector<std::string> IdentityWords(std::string_view name) {
  std::vector<std::string> all = screen::Tokenize(name), out;
  for (const auto& t : all) {
    const screen::TokenClass c = screen::ClassifyToken(t);
    if (c == screen::TokenClass::kName || c == screen::TokenClass::kNumber) out.push_back(t);
  }
  if (out.empty()) out = std::move(all);
  std::sort(out.begin(), out.end());
  return out;
}

// A name's folded words in their order: two names with the same key are the same name.
std::string NameKey(std::string_view name) {
  std::string key;
  for (const auto& t : screen::Tokenize(name)) {
    key += t;
    key += ' ';
  }
  return key;
}

// A stated party's key and words, kept for the last name asked by the thread: a decision asks
// them for the same consignee in each look-up and each license weighed.
const std::string& StatedKey(std::string_view stated) {
  thread_local std::string last, key;
  thread_local bool ready = false;
  if (!ready || stated != last) {
    last.assign(stated);
    key = NameKey(stated);
    ready = true;
  }
  return key;
}
const std::vector<std::string>& StatedWords(std::string_view stated) {
  thread_local std::string last;
  thread_local std::vector<std::string> words;
  thread_local bool ready = false;
  if (!ready || stated != last) {
    last.assign(stated);
    words = IdentityWords(stated);
    ready = true;
  }
  return words;
}

std::string Key(std::string_view destination, std::string_view what) {
  std::string k(destination);
  k += '|';
  k += what;
  return k;
}

}  // namespace

LicenseIndex::LicenseIndex(const std::vector<License>& licenses) {
  held_.reserve(licenses.size());
  for (const License& l : licenses) {
    HeldLicense h;
    h.number = l.number;
    h.holder = l.holder;
    h.version = l.version;
    h.revoked = l.status == LicenseStatus::kRevoked;
    h.revocation_reason = h.revoked ? l.reason : "";
    h.issued = l.issued;
    h.expires = l.expires;
    h.effective = l.effective.value_or(l.issued);
    h.destinations = l.destinations;
    for (const auto& i : l.items) {
      h.lines.push_back({i.eccn, i.chip, i.quantity, i.tpp, i.performance_density, i.memory_bandwidth_gbps,
                         i.interconnect_bandwidth_gbps});
    }
    h.tpp_limit = l.tpp_limit;
    h.value_usd_limit = l.value_usd_limit;
    for (const auto& p : l.parties) h.parties.push_back({p.role, p.name, p.country, p.id, CustomerIdentity(p)});
    h.conditions = l.conditions;
    held_.push_back(std::move(h));
  }
  std::sort(held_.begin(), held_.end(), [](const HeldLicense& a, const HeldLicense& b) {
    return a.number != b.number ? a.number < b.number : a.version < b.version;
  });
  // Each number's versions in order, each pointing at the one before; the last is the license.
  for (uint32_t n = 0; n < held_.size(); ++n) {
    if (n > 0 && held_[n - 1].number == held_[n].number) held_[n].previous = &held_[n - 1];
    if (n + 1 == held_.size() || held_[n + 1].number != held_[n].number) latest_.push_back(n);
  }
  for (uint32_t n : latest_) {
    by_number_.emplace(held_[n].number, n);
    auto file = [n](std::vector<uint32_t>& slot) {
      if (slot.empty() || slot.back() != n) slot.push_back(n);
    };
    // Filed under what any of its versions covers, so that an order is weighed against the
    // version in force on its date (an amendment may add or drop a destination, line or party).
    for (const HeldLicense* h = &held_[n]; h; h = h->previous) {
      for (const auto& p : h->parties) {
        party_words_.emplace(p.name.data(), IdentityWords(p.name));
        party_key_.emplace(p.name.data(), NameKey(p.name));
      }
      for (const auto& d : h->destinations) {
        for (const auto& line : h->lines) {
          const std::string bucket = line.chip.empty() ? Key(d, line.eccn) : Key(d, "chip:" + line.chip);
          file(by_key_[bucket]);
          for (const auto& p : h->parties) {
            file(by_name_[bucket + '\x1f' + party_key_[p.name.data()]]);
            for (const auto& w : party_words_[p.name.data()]) file(by_word_[bucket + '\x1f' + w]);
          }
        }
      }
    }
  }
}

void LicenseIndex::Candidates(std::string_view destination, std::string_view eccn, std::string_view chip,
                              std::vector<const HeldLicense*>& out) const {
  Lookup(by_key_, destination, eccn, chip, {""}, out);
}

size_t LicenseIndex::Buckets(const std::unordered_map<std::string, std::vector<uint32_t>>& index, std::string_view destination,
                             std::string_view eccn, std::string_view chip, std::string_view suffix,
                             const std::vector<uint32_t>* out[3]) const {
  size_t n = 0;
  auto add = [&](std::string bucket) {
    bucket += suffix;
    if (auto it = index.find(bucket); it != index.end()) out[n++] = &it->second;
  };
  if (!eccn.empty()) {
    add(Key(destination, eccn));
    if (const size_t dot = eccn.find('.'); dot != std::string_view::npos) add(Key(destination, eccn.substr(0, dot)));
  }
  if (!chip.empty()) add(Key(destination, "chip:" + std::string(chip)));
  return n;
}

size_t LicenseIndex::CountCandidates(std::string_view destination, std::string_view eccn, std::string_view chip,
                                     const std::vector<const HeldLicense*>& skip, size_t* unskipped,
                                     const HeldLicense** first) const {
  const std::vector<uint32_t>* buckets[3];
  const size_t n = Buckets(by_key_, destination, eccn, chip, "", buckets);
  // The places to skip, ascending (skip holds a few licenses: those a decision weighed).
  thread_local std::vector<uint32_t> skipped;
  skipped.clear();
  for (const HeldLicense* h : skip) {
    if (h >= held_.data() && h < held_.data() + held_.size()) skipped.push_back(static_cast<uint32_t>(h - held_.data()));
  }
  std::sort(skipped.begin(), skipped.end());
  skipped.erase(std::unique(skipped.begin(), skipped.end()), skipped.end());
  *first = nullptr;
  if (n == 1) {
    // One bucket (places ascending, each once): counted by its size less the skipped it holds.
    const std::vector<uint32_t>& b = *buckets[0];
    size_t in_bucket = 0;
    for (uint32_t k : skipped) in_bucket += std::binary_search(b.begin(), b.end(), k) ? 1 : 0;
    size_t s = 0;
    for (uint32_t k : b) {
      while (s < skipped.size() && skipped[s] < k) ++s;
      if (s < skipped.size() && skipped[s] == k) continue;
      *first = &held_[k];
      break;
    }
    *unskipped = b.size() - in_bucket;
    return b.size();
  }
  if (n == 0) {
    *unskipped = 0;
    return 0;
  }
  // The buckets' places merged in ascending order, each once.
  size_t at[3] = {0, 0, 0}, total = 0, left = 0, s = 0;
  for (;;) {
    uint32_t next = UINT32_MAX;
    for (size_t b = 0; b < n; ++b) {
      if (at[b] < buckets[b]->size()) next = std::min(next, (*buckets[b])[at[b]]);
    }
    if (next == UINT32_MAX) break;
    for (size_t b = 0; b < n; ++b) {
      if (at[b] < buckets[b]->size() && (*buckets[b])[at[b]] == next) ++at[b];
    }
    ++total;
    while (s < skipped.size() && skipped[s] < next) ++s;
    if (s < skipped.size() && skipped[s] == next) continue;
    if (left++ == 0) *first = &held_[next];
  }
  *unskipped = left;
  return total;
}

void LicenseIndex::CandidatesNaming(std::string_view destination, std::string_view eccn, std::string_view chip,
                                    std::string_view party, std::vector<const HeldLicense*>& out) const {
  const std::string& key = StatedKey(party);
  if (key.empty()) return;
  Lookup(by_name_, destination, eccn, chip, {'\x1f' + key}, out);
}

size_t LicenseIndex::CandidatesAlike(std::string_view destination, std::string_view eccn, std::string_view chip,
                                     std::string_view party, size_t max, std::vector<const HeldLicense*>& out) const {
  thread_local std::vector<std::string> suffixes;
  suffixes.clear();
  for (const auto& w : StatedWords(party)) suffixes.push_back('\x1f' + w);
  // A license's place once per word it shares, ascending: a run of places is one license, its
  // length the words it shares.
  thread_local std::vector<uint32_t> found;
  Places(by_word_, destination, eccn, chip, suffixes, found, false);
  size_t most = 0, licenses = 0;
  for (size_t i = 0, j = 0; i < found.size(); i = j) {
    for (j = i + 1; j < found.size() && found[j] == found[i];) ++j;
    most = std::max(most, j - i);
    ++licenses;
  }
  // The `max` sharing the most words, in number order among those sharing as many: what a stable
  // sort by words shared (most first) would put first, without sorting them all (a word such as
  // "compute" may be shared by hundreds, and a license shares at most a few words).
  size_t taken = 0;
  for (size_t shared = most; shared > 0 && taken < max; --shared) {
    for (size_t i = 0, j = 0; i < found.size() && taken < max; i = j) {
      for (j = i + 1; j < found.size() && found[j] == found[i];) ++j;
      if (j - i != shared) continue;
      out.push_back(&held_[found[i]]);
      ++taken;
    }
  }
  return licenses;
}

void LicenseIndex::Lookup(const std::unordered_map<std::string, std::vector<uint32_t>>& index, std::string_view destination,
                          std::string_view eccn, std::string_view chip, const std::vector<std::string>& suffixes,
                          std::vector<const HeldLicense*>& out, bool unique) const {
  thread_local std::vector<uint32_t> found;
  Places(index, destination, eccn, chip, suffixes, found, unique);
  out.reserve(out.size() + found.size());
  for (uint32_t n : found) out.push_back(&held_[n]);
}

void LicenseIndex::Places(const std::unordered_map<std::string, std::vector<uint32_t>>& index, std::string_view destination,
                          std::string_view eccn, std::string_view chip, const std::vector<std::string>& suffixes,
                          std::vector<uint32_t>& found, bool unique) const {
  // Each bucket holds places in held_, ascending; held_ is in number order, so ordering places
  // orders licenses by number without comparing numbers (a bucket may hold thousands).
  found.clear();
  size_t buckets = 0;
  auto add = [&](const std::string& bucket) {
    for (const std::string& suffix : suffixes) {
      auto it = index.find(bucket + suffix);
      if (it == index.end()) continue;
      found.insert(found.end(), it->second.begin(), it->second.end());
      ++buckets;
    }
  };
  if (!eccn.empty()) {
    add(Key(destination, eccn));
    // A line naming the whole entry ("3A090") covers its paragraphs ("3A090.a").
    if (const size_t dot = eccn.find('.'); dot != std::string_view::npos) add(Key(destination, eccn.substr(0, dot)));
  }
  if (!chip.empty()) add(Key(destination, "chip:" + std::string(chip)));
  // In number order, each once (a license may be reached by two keys).
  if (buckets > 1) std::sort(found.begin(), found.end());
  if (unique) found.erase(std::unique(found.begin(), found.end()), found.end());
}

const HeldLicense* LicenseIndex::Find(std::string_view number) const {
  auto it = by_number_.find(CanonicalNumber(number));
  return it == by_number_.end() ? nullptr : &held_[it->second];
}

double LicenseIndex::CompareNames(std::string_view licensed, std::string_view stated) const {
  // Names that share no identifying word are not the same party: answered without the scorer,
  // which costs microseconds a name (a check weighs every license of its destination and item).
  if (auto it = party_words_.find(licensed.data()); it != party_words_.end()) {
    const std::vector<std::string>& last_words = StatedWords(stated);
    bool shared = false;
    for (const auto& w : last_words) shared = shared || std::binary_search(it->second.begin(), it->second.end(), w);
    if (!shared) return 0;
  }
  // A decision weighs the same names in each of its evaluations (postures, facts tried): scored
  // once per stated name.
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  thread_local std::string scored_for;
  thread_local std::unordered_map<std::string, double, Hash, std::equal_to<>> scored;
  if (stated != scored_for) {
    scored_for.assign(stated);
    scored.clear();
  }
  if (auto it = scored.find(licensed); it != scored.end()) return it->second;
  const double score = screen::CompareNames(licensed, stated);
  scored.emplace(std::string(licensed), score);
  return score;
}

bool LicenseIndex::SameName(std::string_view licensed, std::string_view stated) const {
  const std::string& last_key = StatedKey(stated);
  if (last_key.empty()) return false;  // no words to compare (punctuation only): never the same
  if (auto it = party_key_.find(licensed.data()); it != party_key_.end()) return it->second == last_key;
  return NameKey(licensed) == last_key;
}

Result<std::unique_ptr<LicenseIndex>> LicenseIndex::Load(const LicenseStore& store) {
  auto all = store.AllVersions();
  if (!all.ok()) return all.status();
  return std::make_unique<LicenseIndex>(*all);
}

}  // namespace exportctl::license

namespace exportctl::license {

LicenseSource::LicenseSource(std::string data_dir) : store_(std::move(data_dir)) {}

// The store's files as last read: a commit by any process changes the WAL's or the file's size or
// modification time.
std::string LicenseSource::Stamp() const {
  std::string stamp;
  for (const std::string& p : {store_.path(), store_.path() + "-wal"}) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(p, ec);
    if (ec) {
      stamp += "-;";
      continue;
    }
    const auto mtime = std::filesystem::last_write_time(p, ec).time_since_epoch().count();
    stamp += std::to_string(size) + ":" + std::to_string(mtime) + ";";
  }
  return stamp;
}

std::shared_ptr<const LicenseView> LicenseSource::Current() const {
  std::lock_guard lock(mu_);
  const auto now = std::chrono::steady_clock::now();
  if (loaded_ && now - checked_ < kRecheck) return current_;
  checked_ = now;
  std::string stamp = Stamp();
  if (loaded_ && stamp == stamp_) return current_;
  auto all = store_.AllVersions();
  // Unreadable: no license authorizes anything until it can be read again (fail closed).
  current_ = all.ok() && !all->empty() ? std::make_shared<const LicenseIndex>(*all) : nullptr;
  stamp_ = all.ok() ? std::move(stamp) : "";
  loaded_ = all.ok();
  return current_;
}

}  // namespace exportctl::license
