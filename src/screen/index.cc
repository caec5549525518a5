// The Screener implementation: name expansion, the word index, and the brute-force reference.
#include <fmt/format.h>
#ifdef __GLIBC__
#include <malloc.h>
#include <unistd.h>
#endif

#include <algorithm>
#include <memory>
#include <mutex>
#include <iostream>
#include <atomic>
#include <bit>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <cmath>
#include <numeric>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "core/utf8.h"
#include "screen/evasion.h"
#include "screen/index_cache.h"
#include "screen/jaro_winkler.h"
#include "screen/scorer.h"
#include "screen/screen.h"

namespace exportctl::screen {
namespace {

using internal::PairChoice;
using internal::PreparedName;

constexpr std::string_view kIsnSuffix = "; and any successor, sub-unit, or subsidiary thereof";

std::string CleanListedName(std::string_view raw) {
  std::string name(raw);
  if (const size_t pos = name.find(kIsnSuffix); pos != std::string::npos) name.erase(pos);
  // BIS writes '?' for an apostrophe: "Lee?s" → "Lee's".
  for (size_t pos = name.find("?s"); pos != std::string::npos; pos = name.find("?s", pos + 1)) {
    if (pos > 0 && std::isalpha(static_cast<unsigned char>(name[pos - 1]))) name[pos] = '\'';
  }
  return name;
}

// "Parent Co., Ltd. (Parent). Affiliated Entity: Child Co., Ltd." → {"Parent Co., Ltd.", "Child …"}
std::vector<std::string> SplitAffiliated(const std::string& name) {
  constexpr std::string_view kMarker = "Affiliated Entity:";
  const size_t pos = name.find(kMarker);
  if (pos == std::string::npos) return {name};
  std::string parent = name.substr(0, pos);
  std::string child = name.substr(pos + kMarker.size());
  // Drop the short-name parenthetical and trailing punctuation of the parent: "… (Huawei). "
  while (!parent.empty() && (parent.back() == ' ' || parent.back() == '.')) parent.pop_back();
  if (!parent.empty() && parent.back() == ')') {
    if (const size_t open = parent.rfind('('); open != std::string::npos) parent.erase(open);
  }
  auto trim = [](std::string& x) {
    while (!x.empty() && x.front() == ' ') x.erase(0, 1);
    while (!x.empty() && x.back() == ' ') x.pop_back();
  };
  trim(parent);
  trim(child);
  std::vector<std::string> out;
  if (parent.find_first_not_of(" .") != std::string::npos) out.push_back(parent);
  if (child.find_first_not_of(" .") != std::string::npos) out.push_back(child);
  return out;
}

struct IndexedName {
  uint32_t record = 0;
  bool alias = false;
  std::string text;  // as listed
  PreparedName prepared;
  std::vector<uint32_t> item_vocab;  // vocab id per item
  float lambda = 0.3f;
  bool entity = true;
};

bool IsIsoCode(const std::string& c) {
  return c.size() == 2 && std::isalpha(static_cast<unsigned char>(c[0])) &&
         std::isalpha(static_cast<unsigned char>(c[1]));
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::toupper(static_cast<unsigned char>(x)) ==
                  std::toupper(static_cast<unsigned char>(y));
         });
}

// Fail closed: a record is dropped by the country filter only when every listed country is an
// ISO code and none is the query's.
bool PassesFilters(const ListRecord& r, const ScreenQuery& q) {
  if (!q.country.empty() && !r.countries.empty()) {
    bool all_codes = true, any_equal = false;
    for (const auto& c : r.countries) {
      all_codes = all_codes && IsIsoCode(c);
      any_equal = any_equal || EqualsIgnoreCase(c, q.country);
    }
    if (all_codes && !any_equal) return false;
  }
  if (q.type && *q.type != PartyType::kUnknown && r.type != PartyType::kUnknown &&
      r.type != *q.type) {
    return false;
  }
  if (!q.sources.empty() &&
      std::find(q.sources.begin(), q.sources.end(), r.source) == q.sources.end()) {
    return false;
  }
  return true;
}

// Bit per letter a–z (26 bits) and the word length (6 bits): enough for MayReach without reading
// the word. Digits are left out: a word with a digit is comparable only with the same word.
// A query's skeleton word gets no bound (its similarity to a listed word can come from the
// skeleton comparison).
constexpr uint32_t kNoShape = 0xFFFFFFFFu;  // no bound
uint32_t WordShape(std::string_view w, bool query) {
  if (w.size() > 63 || (query && internal::IsSkeletonWord(w))) return kNoShape;
  uint32_t m = 0;
  for (char c : w) {
    if (c >= 'a' && c <= 'z') m |= 1u << (c - 'a');
  }
  return m | static_cast<uint32_t>(w.size()) << 26;
}

inline int Popcount26(uint32_t x) {  // no popcnt instruction assumed: SWAR
  x &= (1u << 26) - 1;
  x = x - ((x >> 1) & 0x55555555u);
  x = (x & 0x33333333u) + ((x >> 2) & 0x33333333u);
  x = (x + (x >> 4)) & 0x0F0F0F0Fu;
  return static_cast<int>((x * 0x01010101u) >> 24);
}

// An upper bound of RawSimilarity from letter sets and lengths alone: Jaro's matches m are at
// most the shared letters plus the fewer repeated letters; the Winkler prefix adds at most 0.4.
// Words with the same letter set are never excluded (doubled letters and swaps are repaired).
[[gnu::always_inline]] inline bool MayReach(uint32_t shape_a, uint32_t shape_b, double floor) {
  if (shape_a == kNoShape || shape_b == kNoShape) return true;
  constexpr uint32_t kLetters = (1u << 26) - 1;
  if ((shape_a & kLetters) == (shape_b & kLetters)) return true;
  const int len_a = static_cast<int>(shape_a >> 26), len_b = static_cast<int>(shape_b >> 26);
  const int shared = Popcount26(shape_a & shape_b);
  const int repeats = std::min(len_a - Popcount26(shape_a), len_b - Popcount26(shape_b));
  const int m = std::min(std::min(len_a, len_b), shared + repeats);
  if (m <= 0) return false;
  // jaro = (m/len_a + m/len_b + 1) / 3, and the Winkler prefix adds at most 0.4·(1 − jaro).
  const double jaro = (static_cast<double>(m) * (len_a + len_b) / (len_a * len_b) + 1.0) / 3.0;
  const double bound = jaro > 0.7 ? 0.6 * jaro + 0.4 : jaro;
  return bound >= floor - 1e-9;  // rounding must never exclude a pair
}

// A word or join of the query with what candidate lookup needs.
struct QueryItem {
  std::string text;
  std::string cache_key;  // text and whether it is a word or a join (MatchCache)
  const std::pair<uint32_t, uint32_t>* cached = nullptr;  // its MatchCache range, if known
  uint32_t shape = 0;
  double join_floor = 0;  // kMinJoinSimilarity for joins: lower pairs never count
  std::vector<uint64_t> keys;
  uint64_t phonetic = 0;
  uint64_t skeleton = 0;  // SkeletonKey(text, probe = true)
};

// A record's best-scoring name so far.
struct Best {
  uint32_t name;
  double score;
  bool contained = false;  // scored as a listed name the query contains (ScoreContained)
};

// Per-thread scratch, stamped so nothing is cleared between queries; the buffers are reused so a
// query allocates little.
struct Scratch {
  uint32_t epoch = 0;
  uint32_t item_epoch = 0;
  // Per vocabulary entry, together so a lookup costs one cache miss, not three: `stamp` (== epoch
  // when the entry was matched by this query), its `slot` in sims, and `item` (== item_epoch when
  // already tried for the current query item).
  struct VocabMark {
    uint32_t stamp = 0, slot = 0, item = 0, unused = 0;
  };
  std::vector<VocabMark> vocab_marks;
  std::vector<uint32_t> name_stamp;
  std::vector<uint32_t> record_stamp, record_slot;
  std::vector<QueryItem> items;
  std::vector<float> sims;
  std::vector<uint32_t> matched_vocab, candidates;
  std::vector<Best> best;
  std::vector<PairChoice> pairs;
  std::vector<uint32_t> contained;
  void Reserve(size_t vocab, size_t names, size_t records) {
    if (vocab_marks.size() < vocab) vocab_marks.resize(vocab);
    if (name_stamp.size() < names) name_stamp.resize(names, 0);
    if (record_stamp.size() < records)
      record_stamp.resize(records, 0), record_slot.resize(records, 0);
    if (++epoch == 0) {
      for (VocabMark& m : vocab_marks) m.stamp = 0;
      std::fill(name_stamp.begin(), name_stamp.end(), 0);
      std::fill(record_stamp.begin(), record_stamp.end(), 0);
      epoch = 1;
    }
    sims.clear();
    matched_vocab.clear();
    candidates.clear();
  }
  // A fresh stamp for VocabMark::item: vocabulary entries already tried for the current query item.
  uint32_t NextItem() {
    if (++item_epoch == 0) {
      for (VocabMark& m : vocab_marks) m.item = 0;
      item_epoch = 1;
    }
    return item_epoch;
  }
};

Scratch& ThreadScratch() {
  thread_local Scratch scratch;
  return scratch;
}

// Per thread: the vocabulary entries, with their similarities, that a query word or join reached
// through the key tables. They depend only on the item (its text, and whether it is a word or a
// join) and the index, and names repeat their words (given names, family names, legal forms), so
// a repeated item skips its key lookups and comparisons. Bounded; emptied when another index is
// queried or when full.
struct MatchCache {
  struct Match {
    uint32_t vocab;
    float sim;
  };
  static constexpr size_t kMaxItems = 50000, kMaxMatches = size_t{1} << 20;
  uint64_t index_id = 0;
  std::unordered_map<std::string, std::pair<uint32_t, uint32_t>> items;  // → [begin, end) of matches
  std::vector<Match> matches;
  void Use(uint64_t id) {
    if (id != index_id || items.size() >= kMaxItems || matches.size() >= kMaxMatches) {
      items.clear();
      matches.clear();
      index_id = id;
    }
  }
};

// One cache per index a thread queries, the least recently used replaced: a check screens each
// party against the lists and then against the ownership graph's names, and a single cache was
// emptied at every change of index.
MatchCache& ThreadMatchCache(uint64_t index_id) {
  constexpr size_t kIndexes = 3;
  thread_local MatchCache caches[kIndexes];
  thread_local uint64_t used[kIndexes] = {};
  thread_local uint64_t clock = 0;
  size_t pick = 0;
  for (size_t i = 0; i < kIndexes; ++i) {
    if (caches[i].index_id == index_id) {
      pick = i;
      break;
    }
    if (used[i] < used[pick]) pick = i;
  }
  used[pick] = ++clock;
  return caches[pick];
}

// Per thread: what a query's text reads as, before any index is consulted (internal::NameWords,
// IndexImpl::ReadQuery: functions of the text alone). A party is screened against the lists and
// then against the ownership graph's names, and for a name the index finds little for, reading it
// (transliteration, canonical words, legal forms) is most of the query's cost: the second index
// reuses the first's reading. Direct-mapped by the text's hash, a few dozen texts per thread.
template <typename V>
struct TextMemo {
  static constexpr size_t kSlots = 64;
  struct Slot {
    bool used = false;
    std::string text;
    V value;
  };
  Slot slots[kSlots];
  template <typename F>
  const V& Get(std::string_view text, F&& compute) {
    Slot& s = slots[std::hash<std::string_view>{}(text) & (kSlots - 1)];
    if (!s.used || s.text != text) {
      s.value = compute();  // before `used`: a compute that throws leaves the slot empty
      s.text.assign(text);
      s.used = true;
    }
    return s.value;
  }
};

const std::vector<std::string>& MemoNameWords(std::string_view text) {
  thread_local TextMemo<std::vector<std::string>> memo;
  return memo.Get(text, [&] { return internal::NameWords(text); });
}

uint64_t NextIndexId() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

// An array the queries read: built in memory (the vector) or used in place in the mapped index
// cache (Map). The vector-like members are for the build only; readers see data()/size().
template <typename T>
class Flat {
 public:
  static_assert(std::is_trivially_copyable_v<T>);
  Flat() = default;
  Flat(const Flat&) = delete;
  Flat& operator=(const Flat&) = delete;
  Flat& operator=(const std::vector<T>& v) { vec_ = v; return Sync(); }
  void Map(const T* data, size_t n) {
    std::vector<T>().swap(vec_);
    ptr_ = data, n_ = n;
  }
  const T& operator[](size_t i) const { return ptr_[i]; }
  // Writes are for the build only (a mapped array is read-only memory); reads see either.
  T& operator[](size_t i) { return const_cast<T*>(ptr_)[i]; }
  const T* data() const { return ptr_; }
  size_t size() const { return n_; }
  bool empty() const { return n_ == 0; }
  const T* begin() const { return ptr_; }
  const T* end() const { return ptr_ + n_; }
  const T& back() const { return ptr_[n_ - 1]; }
  size_t capacity() const { return vec_.capacity(); }
  std::string_view view() const requires std::is_same_v<T, char> { return {ptr_, n_}; }
  // Build only.
  void assign(size_t n, const T& v) { vec_.assign(n, v), Sync(); }
  void resize(size_t n) { vec_.resize(n), Sync(); }
  void reserve(size_t n) { vec_.reserve(n), Sync(); }
  void clear() { vec_.clear(), Sync(); }
  void shrink_to_fit() { vec_.shrink_to_fit(), Sync(); }
  void push_back(const T& v) { vec_.push_back(v), Sync(); }
  template <typename It>
  void insert(const T* at, It first, It last) {  // appends: `at` is end()
    (void)at;
    vec_.insert(vec_.end(), first, last), Sync();
  }
  Flat& operator+=(std::string_view text) requires std::is_same_v<T, char> {
    vec_.insert(vec_.end(), text.begin(), text.end());
    return Sync();
  }

 private:
  Flat& Sync() {
    ptr_ = vec_.data(), n_ = vec_.size();
    return *this;
  }
  std::vector<T> vec_;
  const T* ptr_ = nullptr;
  size_t n_ = 0;
};

// Flat byte encoding for the index cache: little-endian PODs as in memory, arrays and strings
// with a 64-bit length; an array's elements start at a multiple of 16 bytes from the start of
// the file, so the mapped file is read in place. The reader fails (never reads past the end)
// on damaged input.
constexpr size_t kArrayAlign = 16;
class ByteWriter {
 public:
  template <typename T>
  void Pod(const T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    out_.append(reinterpret_cast<const char*>(&v), sizeof(T));
  }
  template <typename T>
  void Vec(const Flat<T>& v) {
    Pod<uint64_t>(v.size());
    out_.append((kArrayAlign - out_.size() % kArrayAlign) % kArrayAlign, '\0');
    if (!v.empty()) out_.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
  }
  // An array whose bytes are checked lazily, in blocks (LazySection), not by the whole-file sum.
  template <typename T>
  void LazyVec(const Flat<T>& v) {
    Vec(v);
    lazy_.push_back({out_.size() - v.size() * sizeof(T), out_.size()});
  }
  void MarkLazy(size_t begin, size_t end) { lazy_.push_back({begin, end}); }
  void Str(std::string_view v) {
    Pod<uint64_t>(v.size());
    out_.append(v);
  }
  void Strs(const std::vector<std::string>& v) {
    Pod<uint64_t>(v.size());
    for (const auto& x : v) Str(x);
  }
  std::string& bytes() { return out_; }
  const std::vector<std::pair<size_t, size_t>>& lazy() const { return lazy_; }

 private:
  std::string out_;
  std::vector<std::pair<size_t, size_t>> lazy_;  // [begin, end) offsets, in file order
};

class ByteReader {
 public:
  // Reads `in` from `at` (offsets count from the start of the file, for the alignment).
  explicit ByteReader(std::string_view in, size_t at = 0) : in_(in), at_(at) {}
  template <typename T>
  bool Pod(T& v) {
    if (in_.size() - at_ < sizeof(T)) return false;
    std::memcpy(&v, in_.data() + at_, sizeof(T));
    at_ += sizeof(T);
    return true;
  }
  // The array in place: `v` points into the bytes, which must outlive it.
  template <typename T>
  bool Vec(Flat<T>& v) {
    uint64_t n = 0;
    if (!Pod(n)) return false;
    const size_t pad = (kArrayAlign - at_ % kArrayAlign) % kArrayAlign;
    if (in_.size() - at_ < pad) return false;
    at_ += pad;
    if (n > (in_.size() - at_) / sizeof(T)) return false;
    const char* p = in_.data() + at_;
    if (reinterpret_cast<uintptr_t>(p) % alignof(T) != 0) return false;
    v.Map(reinterpret_cast<const T*>(p), n);
    at_ += n * sizeof(T);
    return true;
  }
  template <typename T>
  bool LazyVec(Flat<T>& v) {
    if (!Vec(v)) return false;
    lazy_.push_back({at_ - v.size() * sizeof(T), at_});
    return true;
  }
  void MarkLazy(size_t begin, size_t end) { lazy_.push_back({begin, end}); }
  const std::vector<std::pair<size_t, size_t>>& lazy() const { return lazy_; }
  bool Skip(uint64_t n) {
    if (n > in_.size() - at_) return false;
    at_ += n;
    return true;
  }
  size_t at() const { return at_; }
  bool Str(std::string& v) {
    uint64_t n = 0;
    if (!Pod(n) || n > in_.size() - at_) return false;
    v.assign(in_.data() + at_, n);
    at_ += n;
    return true;
  }
  bool Strs(std::vector<std::string>& v) {
    uint64_t n = 0;
    if (!Pod(n) || n > in_.size() - at_) return false;
    v.resize(n);
    for (auto& x : v) {
      if (!Str(x)) return false;
    }
    return true;
  }
  bool AtEnd() const { return at_ == in_.size(); }
  size_t left() const { return in_.size() - at_; }

 private:
  std::string_view in_;
  size_t at_ = 0;
  std::vector<std::pair<size_t, size_t>> lazy_;
};

// Four independent multiply-xor lanes over 32-byte blocks (a serial chain was the slowest part of
// reading the cache), folded together with the tail and the length.
uint64_t Checksum(std::string_view bytes) {
  uint64_t h[4] = {0x243f6a8885a308d3ULL, 0x13198a2e03707344ULL, 0xa4093822299f31d0ULL,
                   0x082efa98ec4e6c89ULL};
  size_t i = 0;
  for (; i + 32 <= bytes.size(); i += 32) {
    for (int lane = 0; lane < 4; ++lane) {
      uint64_t w;
      std::memcpy(&w, bytes.data() + i + 8 * lane, 8);
      h[lane] = (h[lane] ^ w) * 0x9e3779b97f4a7c15ULL;
      h[lane] ^= h[lane] >> 32;
    }
  }
  uint64_t out = bytes.size();
  for (uint64_t lane : h) out = (out ^ lane) * 0x9e3779b97f4a7c15ULL, out ^= out >> 29;
  for (; i < bytes.size(); ++i) out = (out ^ static_cast<unsigned char>(bytes[i])) * 0x100000001b3ULL;
  return out;
}

// The whole-file sum leaves out the sections checked lazily (`lazy`, in file order).
uint64_t ChecksumExcept(std::string_view bytes, const std::vector<std::pair<size_t, size_t>>& lazy) {
  uint64_t out = 0x6a09e667f3bcc909ULL;
  size_t at = 0;
  for (const auto& [begin, end] : lazy) {
    if (begin < at || end < begin || end > bytes.size()) return ~Checksum(bytes);  // never equal
    out = (out ^ Checksum(bytes.substr(at, begin - at))) * 0x9e3779b97f4a7c15ULL;
    at = end;
  }
  return (out ^ Checksum(bytes.substr(at))) * 0x9e3779b97f4a7c15ULL;
}

// A section of the mapped cache checked in blocks when first used, not when the cache is opened:
// a single `screen` or `check` then reads the blocks its query touches (of the 30 MB deletion-key
// table, tens of KB) instead of the whole file. A block whose sum differs marks the index damaged;
// the query that met it fails (RunForms), and the cache file is removed so the next process
// rebuilds it (docs/screening.md, "Index cache").
class LazySection {
 public:
  static constexpr size_t kBlock = 16384;
  // Sums of `bytes` in blocks of kBlock, for the writer.
  static void Sums(std::string_view bytes, Flat<uint64_t>& out) {
    std::vector<uint64_t> sums;
    for (size_t at = 0; at < bytes.size(); at += kBlock) sums.push_back(Checksum(bytes.substr(at, kBlock)));
    out = sums;
  }
  // The reader's view: `bytes` in the mapping, their block sums (already verified with the rest
  // of the file), and the index's damage flag.
  bool Init(std::string_view bytes, const Flat<uint64_t>& sums, std::atomic<bool>* damaged) {
    if (sums.size() != (bytes.size() + kBlock - 1) / kBlock) return false;
    bytes_ = bytes, sums_ = sums.data(), damaged_ = damaged;
    state_ = std::make_unique<std::atomic<uint8_t>[]>(sums.size());
    return true;
  }
  bool lazy() const { return state_ != nullptr; }
  // True when the block holding byte `offset` matches its sum (checked once per process).
  bool Verified(size_t offset) const {
    if (!state_) return true;  // built in memory
    const size_t block = offset / kBlock;
    const uint8_t st = state_[block].load(std::memory_order_acquire);
    if (st != 0) return st == 1;
    const bool ok = Checksum(bytes_.substr(block * kBlock, kBlock)) == sums_[block];
    state_[block].store(ok ? 1 : 2, std::memory_order_release);
    if (!ok) damaged_->store(true, std::memory_order_release);
    return ok;
  }
  // True when every block of [begin, end) matches.
  bool VerifiedRange(size_t begin, size_t end) const {
    if (!state_) return true;
    for (size_t at = begin / kBlock * kBlock; at < end; at += kBlock) {
      if (!Verified(at)) return false;
    }
    return true;
  }

 private:
  std::string_view bytes_;
  const uint64_t* sums_ = nullptr;
  std::atomic<bool>* damaged_ = nullptr;
  std::unique_ptr<std::atomic<uint8_t>[]> state_;
};

constexpr std::string_view kCacheMagic = "exportctl screen index 5\n";

// A vocabulary entry as the key table holds it: its id and WordShape.
struct KeyEntry {
  uint32_t vocab;
  uint32_t shape;
};

// Multimap from 64-bit word keys to vocabulary entries: open addressing with linear probing, the
// key and (for the common single-entry key) the entry itself in the slot, so a lookup usually
// costs one cache miss and MayReach needs no further read.
class KeyTable {
 public:
  void Build(std::vector<std::pair<uint64_t, KeyEntry>> pairs) {
    std::sort(pairs.begin(), pairs.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first < b.first : a.second.vocab < b.second.vocab;
    });
    size_t distinct = 0;
    for (size_t i = 0; i < pairs.size(); ++i) {
      distinct += i == 0 || pairs[i].first != pairs[i - 1].first;
    }
    size_ = std::max<size_t>(16, distinct + distinct / 2);
    slots_.assign(size_, Slot{0, 0, 0});
    runs_.clear();
    for (size_t i = 0; i < pairs.size();) {
      size_t j = i;
      while (j < pairs.size() && pairs[j].first == pairs[i].first) ++j;
      Slot slot{pairs[i].first, pairs[i].second.vocab, pairs[i].second.shape};
      if (j - i > 1) {
        slot.a = kRun | static_cast<uint32_t>(runs_.size());
        slot.b = static_cast<uint32_t>(j - i);
        for (size_t k = i; k < j; ++k) runs_.push_back(pairs[k].second);
      }
      size_t at = Bucket(slot.key);
      while (slots_[at].key != 0) at = at + 1 == size_ ? 0 : at + 1;
      slots_[at] = slot;
      i = j;
    }
    runs_.shrink_to_fit();
  }
  template <typename Fn>
  void ForEach(uint64_t key, Fn&& fn) const {
    if (slots_.empty()) return;
    size_t verified_block = SIZE_MAX;
    for (size_t at = Bucket(key);; at = at + 1 == size_ ? 0 : at + 1) {
      if (check_.lazy() && at * sizeof(Slot) / LazySection::kBlock != verified_block) {
        if (!check_.Verified(at * sizeof(Slot))) return;  // damaged: the query fails (RunForms)
        verified_block = at * sizeof(Slot) / LazySection::kBlock;
      }
      const Slot& slot = slots_[at];
      if (slot.key == key) {
        if ((slot.a & kRun) == 0) {
          fn(KeyEntry{slot.a, slot.b});
        } else {
          // A run reference outside the runs (a writer's mistake) is read as no entry, here
          // rather than by a pass over every slot when the cache is mapped.
          if (uint64_t{slot.a & ~kRun} + slot.b > runs_.size()) return;
          const KeyEntry* run = &runs_[slot.a & ~kRun];
          for (uint32_t i = 0; i < slot.b; ++i) fn(run[i]);
        }
        return;
      }
      if (slot.key == 0) return;  // word keys are never 0
    }
  }
  void Prefetch(uint64_t key) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[Bucket(key)]);
  }
  void Save(ByteWriter& w) const {
    w.LazyVec(slots_);
    w.Vec(runs_);
    w.Pod<uint64_t>(size_);
    Flat<uint64_t> sums;
    LazySection::Sums(SlotBytes(), sums);
    w.Vec(sums);
  }
  bool Load(ByteReader& r, std::atomic<bool>* damaged) {
    uint64_t size = 0;
    if (!r.LazyVec(slots_) || !r.Vec(runs_) || !r.Pod(size) || size != slots_.size() ||
        !r.Vec(slot_sums_)) {
      return false;
    }
    size_ = size;
    return check_.Init(SlotBytes(), slot_sums_, damaged);
  }
  size_t bytes() const {
    return slots_.capacity() * sizeof(Slot) + runs_.capacity() * sizeof(KeyEntry);
  }

 private:
  static constexpr uint32_t kRun = 0x80000000u;
  struct Slot {
    uint64_t key;  // 0 = empty
    uint32_t a;    // vocab id, or kRun | offset into runs_
    uint32_t b;    // shape, or the run length
  };
  size_t Bucket(uint64_t key) const {
    uint64_t x = key ^ (key >> 31);
    x *= 0x9e3779b97f4a7c15ULL;
    x ^= x >> 29;
    return static_cast<size_t>((static_cast<unsigned __int128>(x) * size_) >> 64);
  }
  std::string_view SlotBytes() const {
    return {reinterpret_cast<const char*>(slots_.data()), slots_.size() * sizeof(Slot)};
  }
  Flat<Slot> slots_;
  Flat<KeyEntry> runs_;
  size_t size_ = 0;
  Flat<uint64_t> slot_sums_;  // mapped: the slots' block sums
  LazySection check_;         // mapped: the slots are checked by block when a probe reaches them
};

class IndexImpl final : public Screener {
 public:
  IndexImpl() = default;  // filled by Load
  explicit IndexImpl(std::vector<LoadedList> lists) {
    for (auto& list : lists) {
      versions_.push_back(list.version);
      for (auto& r : list.records) records_.push_back(std::move(r));
    }
    record_count_ = records_.size();
    BuildNames();
    BuildVocabulary();
    BuildKeys();
#ifdef __GLIBC__
    // The build's temporary structures (per-name strings, the word map, key lists) are freed by
    // now; hand the pages back so the process's resident size reflects the index.
    malloc_trim(0);
#endif
  }

  Result<std::vector<Hit>> Screen(const ScreenQuery& q) const override { return RunForms(q, false); }
  Result<std::vector<Hit>> ScreenBruteForce(const ScreenQuery& q) const override {
    return RunForms(q, true);
  }

  // Every form the name can be read in (as displayed, as stored under bidi controls, with spaced
  // letters joined); each record keeps its best hit over the forms.
  // A name longer than kMaxNameChars characters is refused, naming the field.
  static Status CheckLength(std::string_view utf8, const char* field) {
    size_t chars = 0;
    for (char c : utf8) chars += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    if (chars <= kMaxNameChars) return Status::Ok();
    return Status::Invalid(field, "is longer than " + std::to_string(kMaxNameChars) + " characters (" +
                                      std::to_string(chars) + ")");
  }

  Result<std::vector<Hit>> RunForms(const ScreenQuery& q, bool brute_force) const {
    EXPORTCTL_RETURN_IF_ERROR(CheckUtf8(q.name, "name"));
    EXPORTCTL_RETURN_IF_ERROR(CheckLength(q.name, "name"));
    EXPORTCTL_RETURN_IF_ERROR(CheckUtf8(q.country, "country"));
    // A filter that can match nothing would clear every name: refuse it instead.
    if (!q.country.empty() && !IsIsoCountryCode(q.country))
      return Status::Invalid("country", "'" + q.country + "' is not an ISO 3166-1 alpha-2 country code");
    if (!(q.threshold > 0 && q.threshold <= 1)) return Status::Invalid("threshold", "must be in (0, 1]");
    QueryForms qf = ReadQueryMemo(q.name);
    if (!qf.error.ok()) return qf.error;
    std::optional<Result<std::vector<Hit>>> first_error;
    std::vector<Hit> merged;
    for (size_t f = 0; f < qf.forms.size(); ++f) {
      ScreenQuery fq = q;
      fq.name = qf.forms[f];
      // The first form's words with the pieces of a split word joined, when it has such pieces.
      std::string joined;
      auto hits = Run(fq, brute_force, f == 0 ? &joined : nullptr);
      if (!joined.empty()) AddJoinedForm(qf, std::move(joined));
      if (!hits.ok()) {
        if (!first_error && merged.empty()) first_error = hits;
        continue;
      }
      for (Hit& h : *hits) {
        // Hangul read as the lists spell it is for names the lists wrote in Latin letters: a
        // listed Hangul name keeps its vowels (정 ≠ 종).
        if (qf.korean_as_listed[f] && HasHangul(h.matched_name)) continue;
        auto it = std::find_if(merged.begin(), merged.end(),
                               [&](const Hit& m) { return m.record_index == h.record_index; });
        if (it == merged.end()) {
          merged.push_back(std::move(h));
        } else if (h.score > it->score) {
          *it = std::move(h);
        }
      }
      first_error.reset();
    }
    // A damaged block of the mapped cache met by this query (or an earlier one): no result is
    // given from it, complete or not.
    if (damaged_.load(std::memory_order_acquire)) return DamagedError();
    if (first_error) return *first_error;
    std::stable_sort(merged.begin(), merged.end(), [](const Hit& a, const Hit& b) {
      return a.score != b.score ? a.score > b.score : a.record_index < b.record_index;
    });
    if (merged.size() > q.limit) merged.resize(q.limit);
    for (Hit& h : merged) h.query_notes = qf.notes;
    return merged;
  }

  // The forms a query name is read in (RunForms) and what its reading found.
  struct QueryForms {
    std::vector<std::string> forms;
    std::vector<bool> korean_as_listed;  // per form
    std::vector<std::string> notes;
    Status error;
  };
  // The words of `name` up to its last legal form (else its last generic business word) when a
  // name word comes before it and the words after it add a name word but no number (a series or
  // fund number is part of the name: "Holdings II" ≠ "Holdings III"); "" when there is none. Many
  // legal forms are also names (Sa, Ao, Åsa, Ip): alone, only one that is no one's name cuts;
  // with another legal form or generic word, any does.
  static bool UnambiguousLegalForm(std::string_view w) {
    static const std::unordered_set<std::string_view> k = {
        "ltd", "llc", "inc", "corp", "gmbh", "plc", "jsc", "ojsc", "pjsc", "cjsc", "llp", "bv", "nv",
        "srl", "sarl", "spa", "pvt", "bhd", "fze", "fzco", "kft", "sro", "doo", "ltda", "zoo", "oyj",
        "eood", "ead", "sdn", "tov", "zao", "oao", "pao"};
    return k.count(w) > 0;
  }
  static std::string BusinessHead(const std::string& name) {
    const std::vector<std::string>& words = MemoNameWords(name);
    std::vector<TokenClass> classes;
    classes.reserve(words.size());
    for (const auto& w : words) classes.push_back(ClassifyToken(w));
    const size_t business_words = static_cast<size_t>(std::count_if(classes.begin(), classes.end(), [](TokenClass c) {
      return c == TokenClass::kLegalForm || c == TokenClass::kGeneric;
    }));
    auto tail_adds_name = [&](size_t end) {
      bool name = false;
      for (size_t i = end; i < words.size(); ++i) {
        if (classes[i] == TokenClass::kNumber) return false;
        name = name || classes[i] == TokenClass::kName;
      }
      return name;
    };
    size_t legal_end = 0, generic_end = 0;  // one past the cut word; 0 = none
    bool name_before = false;
    for (size_t i = 0; i + 1 < words.size(); ++i) {
      const TokenClass c = classes[i];
      if (name_before && c == TokenClass::kLegalForm && classes[i + 1] != TokenClass::kLegalForm &&
          (business_words > 1 || UnambiguousLegalForm(words[i])) && tail_adds_name(i + 1)) {
        legal_end = i + 1;
      }
      if (name_before && c == TokenClass::kGeneric && tail_adds_name(i + 1)) generic_end = i + 1;
      name_before = name_before || c == TokenClass::kName || c == TokenClass::kNumber;
    }
    const size_t end = legal_end > 0 ? legal_end : generic_end;
    if (end == 0) return "";
    std::string head;
    for (size_t i = 0; i < end; ++i) head += (i ? " " : "") + words[i];
    return head;
  }

  // A word split into three or more short pieces ("Ka sper sky Lab") escapes the scorer, whose
  // joins repair two pieces: the name is also screened with adjacent pieces of up to
  // kMaxPieceLetters letters joined where the joined word is a listed word ("kaspersky lab").
  static constexpr size_t kMaxPieceLetters = 5, kMaxPieces = 6, kMinJoinedLetters = 6;
  std::string JoinedPieces(const std::vector<std::string>& words, const std::vector<std::string>* listed_words) const {
    auto piece = [](const std::string& w) {
      return !w.empty() && w.size() <= kMaxPieceLetters &&
             std::all_of(w.begin(), w.end(), [](char c) { return c >= 'a' && c <= 'z'; });
    };
    std::string form;
    bool joined_any = false;
    for (size_t i = 0; i < words.size();) {
      size_t end = i;  // one past the longest run of pieces from i that joins into a listed word
      std::string joined, best;
      for (size_t j = i; j < words.size() && j - i < kMaxPieces && piece(words[j]); ++j) {
        joined += words[j];
        if (j - i + 1 < 3 || joined.size() < kMinJoinedLetters) continue;
        // The joined word as the lists' words are written: a Russian ending folded ("samarskiy" is
        // listed "samarsky"; the canonical reading runs only for such endings, it is not cheap).
        std::string word = joined;
        uint32_t v = FindVocabulary(word);
        const size_t n = word.size();
        if (v == kNotInVocabulary && (word.compare(n - 2, 2, "iy") == 0 || word.compare(n - 2, 2, "ij") == 0 ||
                                      word.compare(n - 2, 2, "ii") == 0 || word.compare(n - 2, 2, "yj") == 0)) {
          const std::vector<std::string> canonical = internal::NameWords(joined);
          if (canonical.size() == 1) word = canonical[0], v = FindVocabulary(word);
        }
        const bool listed = (v != kNotInVocabulary && word_frequency_[v] > 0) ||
                            (listed_words && std::find(listed_words->begin(), listed_words->end(), word) != listed_words->end());
        // Only a name word: a split legal form or generic word identifies no one.
        if (listed && ClassifyToken(word) == TokenClass::kName) end = j + 1, best = joined;
      }
      if (!form.empty()) form.push_back(' ');
      if (end > i) {
        form += best;
        joined_any = true;
        i = end;
      } else {
        form += words[i++];
      }
    }
    return joined_any ? form : "";
  }
  static void AddJoinedForm(QueryForms& qf, std::string form) {
    if (std::find(qf.forms.begin(), qf.forms.end(), form) != qf.forms.end()) return;
    qf.notes.push_back("also screened as '" + form + "', with the pieces of a split word joined");
    qf.forms.push_back(std::move(form));
    qf.korean_as_listed.push_back(false);
  }

  // ReadQuery(CleanName(name)), the last few dozen names per thread (TextMemo).
  static QueryForms ReadQueryMemo(std::string_view name) {
    thread_local TextMemo<QueryForms> memo;
    return memo.Get(name, [&] { return ReadQuery(internal::CleanName(name)); });
  }
  static QueryForms ReadQuery(const internal::CleanedName& cleaned) {
    QueryForms out;
    out.notes = cleaned.notes;
    std::vector<std::string>& forms = out.forms;
    forms.push_back(cleaned.text);
    if (!cleaned.plain.empty() && cleaned.plain != cleaned.text) forms.push_back(cleaned.plain);
    if (!cleaned.logical.empty() && cleaned.logical != cleaned.text) forms.push_back(cleaned.logical);
    for (size_t i = 0, n = forms.size(); i < n; ++i) {
      const std::string folded = FoldToAscii(forms[i]);
      std::string joined = internal::JoinSpacedLetters(folded);
      if (joined != folded) forms.push_back(std::move(joined));
    }
    // A business name with words after its legal form ("Huawei Technologies Co., Ltd.
    // Procurement Department") contains the listed name: it is also screened without them (fail
    // closed), and likewise after its last generic business word when it has no legal form.
    if (std::string head = BusinessHead(forms[0]); !head.empty()) {
      out.notes.push_back("also screened as '" + head + "', without the words after its legal form or business word");
      forms.push_back(std::move(head));
    }
    out.korean_as_listed.assign(forms.size(), false);
    for (size_t i = 0, n = forms.size(); i < n; ++i) {
      if (!HasHangul(forms[i])) continue;
      forms.push_back(FoldToAsciiKoreanAsListed(forms[i]));
      out.korean_as_listed.push_back(true);
    }
    // Fail closed: a word in a script we cannot read is said, never silently left out.
    if (const std::string words = QuotedUnreadableWords(cleaned.text); !words.empty()) {
      if (FoldToAscii(cleaned.text).empty()) {
        out.error = Status::Invalid(
            "name", "is written in a script exportctl cannot read in Latin letters (" + words +
                        "); it cannot be screened: give its romanization");
      } else {
        out.notes.push_back("could not read " + words +
                            " in Latin letters (no transliteration for its script): screened "
                            "without it; give its romanization");
      }
    }
    return out;
  }

 public:
  Result<double> Compare(std::string_view party, std::string_view listed_name,
                         PartyType listed_type) const override {
    EXPORTCTL_RETURN_IF_ERROR(CheckUtf8(party, "name"));
    EXPORTCTL_RETURN_IF_ERROR(CheckUtf8(listed_name, "listed_name"));
    EXPORTCTL_RETURN_IF_ERROR(CheckLength(party, "name"));
    EXPORTCTL_RETURN_IF_ERROR(CheckLength(listed_name, "listed_name"));
    QueryForms qf = ReadQuery(internal::CleanName(party));
    if (!qf.error.ok()) return qf.error;
    // The listed name as BuildNames indexes it.
    struct Listed {
      PreparedName prepared;
      bool hangul = false;
      bool indexed_only = false;  // "SURNAME, Given" read as a listed individual: only if indexed
      size_t part = 0;
      std::vector<ListedScoring> indexed;  // the indexed names with these words
    };
    std::vector<Listed> listed;
    size_t part_count = 0;
    for (std::string& part : SplitAffiliated(CleanListedName(listed_name))) {
      ++part_count;
      std::vector<std::pair<std::string, bool>> texts;
      if (listed_type == PartyType::kIndividual) {
        texts.push_back({ReorderSurnameFirst(part), false});
      } else {
        texts.push_back({part, false});
        // Of unknown type, it may be how the lists write an individual (Screen shows the name
        // as listed: "PUTIN, Vladimir").
        if (listed_type == PartyType::kUnknown && ReorderSurnameFirst(part) != part) {
          texts.push_back({ReorderSurnameFirst(part), true});
        }
      }
      for (auto& text : texts) {
        Listed l;
        l.hangul = HasHangul(part);
        l.indexed_only = text.second;
        l.part = part_count;
        l.prepared.words = internal::NameWords(text.first);
        if (l.prepared.words.empty()) continue;
        if (listed_type == PartyType::kUnknown) l.indexed = IndexedScorings(l.prepared.words);
        internal::WeighWords(
            l.prepared, [&](size_t i) { return WordFrequencyFactor(l.prepared.words[i]); }, false);
        listed.push_back(std::move(l));
      }
    }
    if (listed.empty()) return Status::Invalid("listed_name", "has no letters or digits to match");
    // Pieces of a split word are joined into a word of the lists or of this listed name.
    std::vector<std::string> listed_words;
    for (const Listed& l : listed) listed_words.insert(listed_words.end(), l.prepared.words.begin(), l.prepared.words.end());
    if (!qf.forms.empty()) {
      if (std::string form = JoinedPieces(internal::NameWords(qf.forms[0]), &listed_words); !form.empty()) {
        AddJoinedForm(qf, std::move(form));
      }
    }
    // A part the lists hold, in either reading, is scored only as they hold it.
    std::vector<bool> part_indexed(part_count + 1, false);
    for (const Listed& l : listed) part_indexed[l.part] = part_indexed[l.part] || !l.indexed.empty();
    double best = 0;
    bool any_form = false;
    for (size_t f = 0; f < qf.forms.size(); ++f) {
      PreparedName query, entity;
      query.words = internal::NameWords(qf.forms[f]);
      if (query.words.empty()) continue;
      any_form = true;
      internal::WeighWords(query, [&](size_t i) { return WordFrequencyFactor(query.words[i]); }, false);
      entity.words = query.words;
      internal::WeighWords(entity, [&](size_t i) { return WordFrequencyFactor(query.words[i]); }, true);
      for (const Listed& l : listed) {
        if (qf.korean_as_listed[f] && l.hangul) continue;
        std::vector<PairChoice> pairs;
        for (size_t i = 0; i < query.item_count(); ++i) {
          const std::string qi = query.ItemText(i);
          for (size_t j = 0; j < l.prepared.item_count(); ++j) {
            const double sim = internal::WordSimilarity(qi, l.prepared.ItemText(j), i < query.words.size());
            if (sim > 0) pairs.push_back({static_cast<uint8_t>(i), static_cast<uint8_t>(j), static_cast<float>(sim)});
          }
        }
        for (size_t i = 0; i < query.words.size(); ++i) {
          if (!internal::IsInitialWord(query.words[i])) continue;
          for (size_t j = 0; j < l.prepared.words.size(); ++j) {
            if (l.prepared.distinctive[j] && internal::InitialFits(query.words[i], l.prepared.words[j])) {
              pairs.push_back({static_cast<uint8_t>(i), static_cast<uint8_t>(j), internal::kInitialSimilarity, true});
            }
          }
        }
        internal::NameView listed_view = l.prepared.view();
        listed_view.initials = 0;  // only the query's initials are read as initials (as in Run)
        // How the listed name is scored, as Screen() scores it: a name the lists hold is scored as
        // each indexed name with its words (the record's type decides λ and the entity view);
        // any other name as a record of `listed_type` (BuildNames' rule), and, when that type is
        // unknown, as an entity's when either name is a business's (a legal form or generic word:
        // "Sugon Singapore Pte Ltd" against "Sugon").
        std::vector<ListedScoring> ways = l.indexed;
        if (ways.empty() && (l.indexed_only || part_indexed[l.part])) continue;
        if (ways.empty()) {
          ListedScoring way = ScoringFor(listed_type, l.prepared.words);
          way.entity = way.entity || (listed_type == PartyType::kUnknown && IsBusinessQuery(query.words));
          ways.push_back(way);
        }
        // A listed entity name the query contains whole, as Screen() finds it (ContainedNames).
        uint32_t required = 0;
        bool contained = false;
        if (ContainableListed(l.prepared.words, l.prepared.raw_classes)) {
          const std::vector<uint8_t> at = internal::ContainmentWords(l.prepared.raw_classes);
          const std::string text = internal::ContainmentText(l.prepared.words, at, 0, at.size());
          const auto runs = internal::ContainmentRuns(query.words, query.raw_classes, internal::kMaxWords);
          contained = std::find(runs.begin(), runs.end(), text) != runs.end();
          for (uint8_t i : at) required |= 1u << i;
        }
        for (const ListedScoring& way : ways) {
          std::vector<PairChoice> tried = pairs;  // ScorePairs consumes its pairs
          const auto scored = internal::ScorePairs((way.entity ? entity : query).view(), listed_view,
                                                   way.lambda, tried, false);
          best = std::max(best, scored.score);
          if (contained && way.entity) {
            tried = pairs;
            best = std::max(best, internal::ScoreContained(entity.view(), listed_view, way.lambda, required, tried, false).score);
          }
        }
      }
    }
    if (!any_form) return Status::Invalid("name", "has no letters or digits to match");
    return best;
  }

 private:
  // How a listed name is scored: λ (what its unmatched words cost) and whether the query's entity
  // view applies. One rule for the index (BuildNames) and Compare.
  struct ListedScoring {
    float lambda = 0.3f;
    bool entity = false;
  };
  static ListedScoring ScoringFor(PartyType type, const std::vector<std::string>& words) {
    return {type == PartyType::kIndividual ? 0.5f : 0.3f,
            type == PartyType::kEntity || (type == PartyType::kUnknown && IsBusinessName(words))};
  }
  // The scorings of the indexed names with exactly these words (empty when the lists hold none).
  std::vector<ListedScoring> IndexedScorings(const std::vector<std::string>& words) const {
    std::call_once(names_by_words_built_, [this] {
      for (uint32_t id = 0; id < hot_.size(); ++id) {
        const HotName& n = hot_[id];
        std::string key;
        for (uint32_t i = 0; i < n.n_words; ++i) {
          if (i > 0) key.push_back(' ');
          key.append(VocabText(hot_items_[n.item_offset + i]));
        }
        names_by_words_[std::move(key)].push_back(id);
      }
    });
    std::string key;
    for (const auto& w : words) key += (key.empty() ? "" : " ") + w;
    std::vector<ListedScoring> out;
    if (auto it = names_by_words_.find(key); it != names_by_words_.end()) {
      for (uint32_t id : it->second) out.push_back({hot_[id].lambda, hot_[id].entity});
    }
    return out;
  }

  // A query names a business when it has a generic business word, or a legal form after its first
  // word (a first word such as "Sa" or "Ao" is as often a name).
  static bool IsBusinessQuery(const std::vector<std::string>& words) {
    for (size_t i = 0; i < words.size(); ++i) {
      const TokenClass c = ClassifyToken(words[i]);
      if (c == TokenClass::kGeneric || (c == TokenClass::kLegalForm && i > 0)) return true;
    }
    return false;
  }

  // A listed name of unknown type is an entity's when it has a legal form or a generic business
  // word (the DPL lists people and firms alike).
  static bool IsBusinessName(const std::vector<std::string>& words) {
    return std::any_of(words.begin(), words.end(), [](const std::string& w) {
      const TokenClass c = ClassifyToken(w);
      return c == TokenClass::kLegalForm || c == TokenClass::kGeneric;
    });
  }

 public:

  const std::vector<ListVersion>& versions() const override { return versions_; }
  const std::vector<ListRecord>& records() const override {
    if (lazy_records_) {
      std::call_once(all_records_, [this] {
        records_.reserve(record_count_);
        for (uint32_t i = 0; i < record_count_; ++i) records_.push_back(Record(i));
      });
    }
    return records_;
  }
  size_t name_count() const override { return hot_.size(); }
  size_t memory_bytes() const override { return memory_bytes_; }

 private:
  void BuildNames() {
    // Tokenizing 50 k+ names (ICU for non-ASCII ones) is the slowest part of the build: two
    // threads each take every other record, then the halves are merged in record order.
    auto build_range = [&](uint32_t first, uint32_t step, std::vector<IndexedName>& out) {
      for (uint32_t r = first; r < records_.size(); r += step) {
        const ListRecord& rec = records_[r];
        auto add = [&](const std::string& raw, bool alias) {
          std::string cleaned = CleanListedName(raw);
          for (std::string& part : SplitAffiliated(cleaned)) {
            const std::string text =
                rec.type == PartyType::kIndividual ? ReorderSurnameFirst(part) : part;
            IndexedName n;
            n.record = r;
            n.alias = alias;
            n.text = part;
            n.prepared.words = internal::NameWords(text);
            if (n.prepared.words.empty()) continue;
            // A record of unknown type (the DPL lists people and firms alike) is an entity when
            // its name has a legal form or a generic business word.
            const ListedScoring scoring = ScoringFor(rec.type, n.prepared.words);
            n.lambda = scoring.lambda;
            n.entity = scoring.entity;
            out.push_back(std::move(n));
          }
        };
        add(rec.name, false);
        for (const auto& alt : rec.alt_names) add(alt, true);
      }
    };
    std::vector<IndexedName> even, odd;
    std::thread helper([&] { build_range(1, 2, odd); });
    build_range(0, 2, even);
    helper.join();
    names_.reserve(even.size() + odd.size());
    size_t i = 0, j = 0;
    while (i < even.size() || j < odd.size()) {
      if (j >= odd.size() || (i < even.size() && even[i].record < odd[j].record)) {
        names_.push_back(std::move(even[i++]));
      } else {
        names_.push_back(std::move(odd[j++]));
      }
    }
  }

  uint32_t Intern(const std::string& text) {
    auto [it, inserted] = vocab_ids_.try_emplace(text, static_cast<uint32_t>(vocab_.size()));
    if (inserted) vocab_.push_back(text);
    return it->second;
  }

  void BuildVocabulary() {
    // Intern every item, then count word frequencies (names containing the word) by id.
    size_t total_items = 0;
    for (const auto& n : names_) total_items += n.prepared.item_count();
    vocab_ids_.reserve(total_items / 2);
    for (auto& n : names_) {
      const PreparedName& p = n.prepared;
      n.item_vocab.reserve(p.item_count());
      for (size_t item = 0; item < p.item_count(); ++item) {
        n.item_vocab.push_back(item < p.words.size() ? Intern(p.words[item])
                                                     : Intern(p.ItemText(item)));
      }
    }
    word_frequency_.assign(vocab_.size(), 0);
    std::vector<uint32_t> seen;
    for (const auto& n : names_) {
      seen.assign(n.item_vocab.begin(), n.item_vocab.begin() + n.prepared.words.size());
      std::sort(seen.begin(), seen.end());
      seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
      for (uint32_t v : seen) ++word_frequency_[v];
    }
    total_names_ = static_cast<uint32_t>(names_.size());
    // Words the lists write in a person's name (containment of one-word names: ContainableListed).
    std::vector<uint8_t> personal(vocab_.size(), 0);
    for (const auto& n : names_) {
      if (records_[n.record].type != PartyType::kIndividual) continue;
      for (size_t i = 0; i < n.prepared.words.size(); ++i) personal[n.item_vocab[i]] = 1;
    }
    vocab_personal_ = personal;
    for (auto& n : names_) {
      internal::WeighWords(
          n.prepared,
          [&](size_t i) { return internal::FrequencyFactor(word_frequency_[n.item_vocab[i]], total_names_); },
          /*entity_query=*/false);
      n.prepared.classes = {};  // only the query's classes are shown
    }
    // Largest weight a vocabulary entry carries as an item of any name (bounds for pruning).
    vocab_max_weight_.assign(vocab_.size(), 0.0f);
    for (const auto& n : names_) {
      for (size_t item = 0; item < n.item_vocab.size(); ++item) {
        float& m = vocab_max_weight_[n.item_vocab[item]];
        m = std::max(m, n.prepared.ItemWeight(item));
      }
    }
    // Postings: all occurrences, and distinctive occurrences only.
    std::vector<uint32_t> count_all(vocab_.size() + 1, 0), count_distinct(vocab_.size() + 1, 0);
    for (const auto& n : names_) {
      for (size_t item = 0; item < n.item_vocab.size(); ++item) {
        ++count_all[n.item_vocab[item] + 1];
        if (n.prepared.ItemDistinctive(item)) ++count_distinct[n.item_vocab[item] + 1];
      }
    }
    std::partial_sum(count_all.begin(), count_all.end(), count_all.begin());
    std::partial_sum(count_distinct.begin(), count_distinct.end(), count_distinct.begin());
    postings_all_offsets_ = count_all;
    postings_distinct_offsets_ = count_distinct;
    postings_all_.resize(count_all.back());
    postings_distinct_.resize(count_distinct.back());
    for (uint32_t id = 0; id < names_.size(); ++id) {
      const auto& n = names_[id];
      for (size_t item = 0; item < n.item_vocab.size(); ++item) {
        const uint32_t v = n.item_vocab[item];
        // A name holding the same word twice is posted twice; candidates are deduplicated.
        postings_all_[count_all[v]++] = id;
        if (n.prepared.ItemDistinctive(item)) postings_distinct_[count_distinct[v]++] = id;
      }
    }
  }

  void BuildKeys() {
    // Keys per vocabulary entry, computed by two threads over the two halves.
    const uint32_t vocab_size = static_cast<uint32_t>(vocab_.size());
    const uint32_t half = vocab_size / 2;
    struct KeyPart {
      std::vector<uint64_t> keys;      // concatenated, per entry
      std::vector<uint32_t> counts;    // keys per entry
      std::vector<uint64_t> phonetic;  // per entry
      std::vector<uint64_t> skeleton;  // per entry
    };
    auto key_range = [&](uint32_t begin, uint32_t end, KeyPart& part) {
      std::vector<uint64_t> keys;
      for (uint32_t v = begin; v < end; ++v) {
        keys.clear();
        internal::DeletionKeys(vocab_[v], keys);
        std::sort(keys.begin(), keys.end());
        keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
        part.keys.insert(part.keys.end(), keys.begin(), keys.end());
        part.counts.push_back(static_cast<uint32_t>(keys.size()));
        part.phonetic.push_back(internal::PhoneticKey(vocab_[v]));
        part.skeleton.push_back(internal::SkeletonKey(vocab_[v], false));
      }
    };
    KeyPart low, high;
    std::thread helper([&] { key_range(half, vocab_size, high); });
    key_range(0, half, low);
    helper.join();
    std::vector<std::pair<uint64_t, KeyEntry>> deletion_pairs, phonetic_pairs;
    deletion_pairs.reserve(low.keys.size() + high.keys.size());
    uint32_t v = 0;
    for (KeyPart* part : {&low, &high}) {
      size_t at = 0;
      for (size_t e = 0; e < part->counts.size(); ++e, ++v) {
        const KeyEntry entry{v, WordShape(vocab_[v], false)};
        for (uint32_t k = 0; k < part->counts[e]; ++k) deletion_pairs.push_back({part->keys[at++], entry});
        if (const uint64_t ph = part->phonetic[e]; ph != 0) phonetic_pairs.push_back({ph, entry});
        if (const uint64_t sk = part->skeleton[e]; sk != 0) phonetic_pairs.push_back({sk, entry});
      }
      *part = KeyPart{};
    }
    deletion_keys_.Build(std::move(deletion_pairs));
    vocab_arena_offsets_.push_back(0);
    for (const auto& v : vocab_) {
      vocab_arena_ += v;
      vocab_arena_offsets_.push_back(static_cast<uint32_t>(vocab_arena_.size()));
    }
    // The per-name data moves into flat arrays; the build-time structures are freed.
    size_t items = 0, words = 0, text = 0;
    for (const auto& n : names_) {
      items += n.item_vocab.size(), words += n.prepared.words.size(), text += n.text.size();
    }
    hot_.reserve(names_.size());
    hot_items_.reserve(items);
    hot_weights_.reserve(words);
    hot_distinctive_.reserve(words);
    name_text_.reserve(text);
    name_text_offsets_.reserve(names_.size() + 1);
    name_text_offsets_.push_back(0);
    for (const auto& n : names_) {
      hot_.push_back({n.record, static_cast<uint32_t>(hot_items_.size()),
                      static_cast<uint32_t>(hot_weights_.size()),
                      static_cast<uint16_t>(n.prepared.words.size()),
                      static_cast<uint16_t>(n.item_vocab.size()), n.lambda, n.alias, n.entity});
      hot_items_.insert(hot_items_.end(), n.item_vocab.begin(), n.item_vocab.end());
      hot_weights_.insert(hot_weights_.end(), n.prepared.weights.begin(), n.prepared.weights.end());
      hot_distinctive_.insert(hot_distinctive_.end(), n.prepared.distinctive.begin(),
                              n.prepared.distinctive.end());
      name_text_ += n.text;
      name_text_offsets_.push_back(static_cast<uint32_t>(name_text_.size()));
    }
    std::vector<IndexedName>().swap(names_);
    BuildVocabularyLookup();
    BuildContainment();
    std::vector<std::string>().swap(vocab_);
    std::unordered_map<std::string, uint32_t>().swap(vocab_ids_);
    phonetic_keys_.Build(std::move(phonetic_pairs));

    size_t bytes = 0;
    for (const auto& r : records_) {
      bytes += sizeof(ListRecord) + r.name.capacity() + r.license_requirement.capacity() +
               r.federal_register_notice.capacity() + r.record_id.capacity();
      for (const auto& a : r.alt_names) bytes += sizeof(std::string) + a.capacity();
    }
    bytes += word_frequency_.size() * 4 + vocab_lookup_.size() * 4;
    bytes += (postings_all_.size() + postings_distinct_.size()) * 4;
    bytes += (postings_all_offsets_.size() + postings_distinct_offsets_.size()) * 4;
    bytes += deletion_keys_.bytes() + phonetic_keys_.bytes();
    bytes += hot_.size() * sizeof(HotName) + hot_items_.size() * 4 + hot_weights_.size() * 4 +
             hot_distinctive_.size() + vocab_arena_.size() + vocab_arena_offsets_.size() * 4 +
             vocab_max_weight_.size() * 4 + name_text_.size() + name_text_offsets_.size() * 4 +
             contain_keys_.size() * 8 + contain_names_.size() * 4 + vocab_personal_.size();
    memory_bytes_ = bytes;
  }

  // Name `id` as a listed entity name a query may contain: its containment words' text and the
  // bits of those words; false when it is not containable (internal::Containable).
  bool ContainmentOf(uint32_t id, std::string* text, uint32_t* required) const {
    const HotName& n = hot_[id];
    if (!n.entity) return false;
    std::vector<std::string> words;
    words.reserve(n.n_words);
    for (uint32_t i = 0; i < n.n_words; ++i) words.emplace_back(VocabText(hot_items_[n.item_offset + i]));
    const std::vector<TokenClass> classes = ClassifyWords(words);
    if (!ContainableListed(words, classes)) return false;
    const std::vector<uint8_t> at = internal::ContainmentWords(classes);
    if (text) *text = internal::ContainmentText(words, at, 0, at.size());
    if (required) {
      *required = 0;
      for (uint8_t i : at) *required |= 1u << i;
    }
    return true;
  }
  // internal::Containable, and a listed name of one containment word is not a word the lists also
  // write in a person's name ("LLC MARKUS", "DENISE COMPANY": "Markus Berg" is a person).
  bool ContainableListed(const std::vector<std::string>& words, const std::vector<TokenClass>& classes) const {
    if (!internal::Containable(words, classes)) return false;
    const std::vector<uint8_t> at = internal::ContainmentWords(classes);
    if (at.size() != 1) return true;
    const uint32_t v = FindVocabulary(words[at[0]]);
    return v == kNotInVocabulary || vocab_personal_[v] == 0;
  }
  uint32_t Required(uint32_t id) const {
    uint32_t required = 0;
    ContainmentOf(id, nullptr, &required);
    return required;
  }
  static uint64_t ContainmentKey(std::string_view text) { return WordHash(text) | 1; }
  void BuildContainment() {
    std::vector<std::pair<uint64_t, uint32_t>> keyed;
    std::string text;
    for (uint32_t id = 0; id < hot_.size(); ++id) {
      if (!ContainmentOf(id, &text, nullptr)) continue;
      keyed.push_back({ContainmentKey(text), id});
      contain_max_words_ = std::max<uint64_t>(contain_max_words_, std::count(text.begin(), text.end(), ' ') + 1);
    }
    std::sort(keyed.begin(), keyed.end());
    std::vector<uint64_t> keys;
    std::vector<uint32_t> names;
    for (const auto& [k, id] : keyed) keys.push_back(k), names.push_back(id);
    contain_keys_ = keys;
    contain_names_ = names;
  }
  // The listed entity names contained in a query whose containment runs are `runs`.
  void ContainedNames(const std::vector<std::string>& runs, bool brute_force, std::vector<uint32_t>& out) const {
    out.clear();
    if (brute_force) {
      std::call_once(contain_texts_built_, [this] {
        contain_texts_.resize(hot_.size());
        for (uint32_t id = 0; id < hot_.size(); ++id) ContainmentOf(id, &contain_texts_[id], nullptr);
      });
      for (uint32_t id = 0; id < hot_.size(); ++id) {
        if (!contain_texts_[id].empty() && std::find(runs.begin(), runs.end(), contain_texts_[id]) != runs.end()) {
          out.push_back(id);
        }
      }
      return;
    }
    std::string text;
    for (const std::string& run : runs) {
      const uint64_t key = ContainmentKey(run);
      const uint64_t* at = std::lower_bound(contain_keys_.begin(), contain_keys_.end(), key);
      for (; at != contain_keys_.end() && *at == key; ++at) {
        const uint32_t id = contain_names_[at - contain_keys_.begin()];
        if (ContainmentOf(id, &text, nullptr) && text == run) out.push_back(id);
      }
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
  }

  // Exact word → vocabulary id, an open-addressing table over the vocabulary arena (the build's
  // string map is freed after the build).
  static constexpr uint32_t kNotInVocabulary = 0xFFFFFFFFu;
  static uint64_t WordHash(std::string_view w) {
    uint64_t h = 1469598103934665603ULL;
    for (char c : w) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    return h ^ (h >> 32);
  }
  void BuildVocabularyLookup() {
    size_t size = 16;
    while (size < vocab_.size() * 2) size *= 2;
    vocab_lookup_.assign(size, kNotInVocabulary);
    for (uint32_t v = 0; v < vocab_.size(); ++v) {
      size_t at = WordHash(vocab_[v]) & (size - 1);
      while (vocab_lookup_[at] != kNotInVocabulary) at = (at + 1) & (size - 1);
      vocab_lookup_[at] = v;
    }
  }
  uint32_t FindVocabulary(std::string_view w) const {
    if (vocab_lookup_.empty()) return kNotInVocabulary;
    const size_t mask = vocab_lookup_.size() - 1;
    for (size_t at = WordHash(w) & mask; vocab_lookup_[at] != kNotInVocabulary; at = (at + 1) & mask) {
      if (VocabText(vocab_lookup_[at]) == w) return vocab_lookup_[at];
    }
    return kNotInVocabulary;
  }

  double WordFrequencyFactor(const std::string& w) const {
    const uint32_t v = FindVocabulary(w);
    const uint32_t df = v == kNotInVocabulary ? 0 : word_frequency_[v];
    return internal::FrequencyFactor(df, total_names_);
  }

  // The brute-force reference's comparability test: the vocabulary word's keys are recomputed
  // from its text, independently of the key tables.
  static bool SharesKey(const QueryItem& qi, std::string_view word, std::vector<uint64_t>& keys) {
    if (qi.phonetic != 0 && qi.phonetic == internal::PhoneticKey(word)) return true;
    if (qi.skeleton != 0 && qi.skeleton == internal::SkeletonKey(word, false)) return true;
    keys.clear();
    internal::DeletionKeys(word, keys);
    for (uint64_t k : keys) {
      if (std::find(qi.keys.begin(), qi.keys.end(), k) != qi.keys.end()) return true;
    }
    return false;
  }

  // `joined`, when given, receives the query's words with the pieces of a split word joined
  // (JoinedPieces), or "".
  Result<std::vector<Hit>> Run(const ScreenQuery& q, bool brute_force, std::string* joined = nullptr) const {
    PreparedName query;
    query.words = MemoNameWords(q.name);
    if (query.words.empty()) {
      return Status::Invalid("name", "has no letters or digits to match");
    }
    if (joined) *joined = JoinedPieces(query.words, nullptr);
    // Two views of the query: compared with a listed entity, its places and generic business
    // words weigh less (`entity`); compared with anything else, every word is a name (`query`).
    internal::WeighWords(query, [&](size_t i) { return WordFrequencyFactor(query.words[i]); }, false);
    PreparedName entity;
    entity.words = query.words;
    internal::WeighWords(entity, [&](size_t i) { return WordFrequencyFactor(query.words[i]); }, true);
    const size_t q_items = query.item_count();
    uint32_t initials = 0;  // query words that are one letter: weak pairs with listed names
    for (size_t i = 0; i < query.words.size(); ++i) {
      if (internal::IsInitialWord(query.words[i])) initials |= 1u << i;
    }
    Scratch& s = ThreadScratch();
    s.Reserve(vocab_max_weight_.size(), hot_.size(), record_count_);
    const uint32_t epoch = s.epoch;
    if (s.items.size() < q_items) s.items.resize(q_items);
    std::vector<QueryItem>& items = s.items;
    MatchCache& match_cache = ThreadMatchCache(instance_id_);
    if (!brute_force) match_cache.Use(instance_id_);
    for (size_t i = 0; i < q_items; ++i) {
      QueryItem& item = items[i];
      item.text = query.ItemText(i);
      item.keys.clear();
      item.cache_key = item.text;
      item.cache_key.push_back(i < query.words.size() ? '\x01' : '\x02');  // word or join
      item.cached = nullptr;
      if (!brute_force) {
        auto it = match_cache.items.find(item.cache_key);
        if (it != match_cache.items.end()) item.cached = &it->second;
      }
      if (item.cached == nullptr) internal::DeletionKeys(item.text, item.keys);
      item.phonetic = internal::PhoneticKey(item.text);
      item.skeleton = i < query.words.size() ? internal::SkeletonKey(item.text, true) : 0;
      item.shape = WordShape(item.text, i < query.words.size());
      item.join_floor = i < query.words.size() ? 0.0 : internal::kMinJoinSimilarity;
    }

    // sims[slot * q_items + qi]: similarity of vocab word (slot) to query item qi.
    std::vector<float>& sims = s.sims;
    std::vector<uint32_t>& matched_vocab = s.matched_vocab;
    auto slot_of = [&](uint32_t v) -> uint32_t {
      Scratch::VocabMark& m = s.vocab_marks[v];
      if (m.stamp != epoch) {
        m.stamp = epoch;
        m.slot = static_cast<uint32_t>(matched_vocab.size());
        matched_vocab.push_back(v);
        sims.resize(sims.size() + q_items, 0.0f);
      }
      return m.slot;
    };
    // Pairs below the floor never count (for a query join: below kMinJoinSimilarity), so they are
    // not stored.
    // MayReach first: it needs only the entry, not the word.
    auto floor_of = [&](const QueryItem& item, KeyEntry e) {
      const size_t len_v = e.shape != kNoShape ? e.shape >> 26 : VocabText(e.vocab).size();
      return internal::MinSimilarity(item.text.size(), len_v);
    };
    auto may_reach = [&](const QueryItem& item, KeyEntry e, double floor) {
      return MayReach(item.shape, e.shape, std::max(floor, item.join_floor - 1e-6));
    };
    // The similarity stored for the pair, or none (-1).
    auto consider = [&](size_t qi, KeyEntry e, double floor) -> float {
      const QueryItem& item = items[qi];
      const std::string_view text = VocabText(e.vocab);
      double sim = internal::RawSimilarity(item.text, text);
      if (item.skeleton != 0 && sim < internal::kSkeletonSimilarity &&
          internal::SkeletonMatch(item.text, text)) {
        sim = internal::kSkeletonSimilarity;
      }
      if (sim < floor) return -1.0f;
      // The join floor is applied to the stored (float) value, as ScorePairs applies it.
      const float stored = static_cast<float>(sim);
      if (stored < item.join_floor) return -1.0f;
      sims[slot_of(e.vocab) * q_items + qi] = stored;
      return stored;
    };

    std::vector<uint32_t>& candidates = s.candidates;
    if (brute_force) {
      std::vector<uint64_t> keys;
      for (size_t qi = 0; qi < q_items; ++qi) {
        for (uint32_t v = 0; v < vocab_max_weight_.size(); ++v) {
          const std::string_view text = VocabText(v);
          const KeyEntry e{v, WordShape(text, false)};
          const double floor = floor_of(items[qi], e);
          if (may_reach(items[qi], e, floor) && SharesKey(items[qi], text, keys)) {
            consider(qi, e, floor);
          }
        }
      }
      candidates.resize(hot_.size());
      std::iota(candidates.begin(), candidates.end(), 0u);
    } else {
      // Every probe is a likely cache miss: start them all before the first lookup.
      for (size_t qi = 0; qi < q_items; ++qi) {
        if (items[qi].cached != nullptr) continue;
        for (uint64_t k : items[qi].keys) deletion_keys_.Prefetch(k);
        if (items[qi].phonetic != 0) phonetic_keys_.Prefetch(items[qi].phonetic);
        if (items[qi].skeleton != 0) phonetic_keys_.Prefetch(items[qi].skeleton);
      }
      for (size_t qi = 0; qi < q_items; ++qi) {
        if (const auto* range = items[qi].cached; range != nullptr) {
          // The same pairs, in the same order, as the lookups below found for this item before.
          for (uint32_t m = range->first; m < range->second; ++m) {
            const MatchCache::Match& match = match_cache.matches[m];
            sims[slot_of(match.vocab) * q_items + qi] = match.sim;
          }
          continue;
        }
        const size_t first_match = match_cache.matches.size();
        const uint32_t item_stamp = s.NextItem();
        auto visit = [&](KeyEntry e) {
          const double floor = floor_of(items[qi], e);
          if (!may_reach(items[qi], e, floor)) return;
          uint32_t& tried = s.vocab_marks[e.vocab].item;
          if (tried == item_stamp) return;  // reached through another key
          tried = item_stamp;
          const float stored = consider(qi, e, floor);
          if (stored >= 0) match_cache.matches.push_back({e.vocab, stored});
        };
        for (uint64_t k : items[qi].keys) deletion_keys_.ForEach(k, visit);
        if (items[qi].phonetic != 0) phonetic_keys_.ForEach(items[qi].phonetic, visit);
        if (items[qi].skeleton != 0) phonetic_keys_.ForEach(items[qi].skeleton, visit);
        // A lookup that met a damaged block of the mapped cache is not kept (the query fails).
        if (damaged_.load(std::memory_order_acquire)) {
          match_cache.matches.resize(first_match);
        } else {
          // A repeated item within this query keeps its first range.
          match_cache.items.emplace(items[qi].cache_key,
                                    std::pair<uint32_t, uint32_t>(static_cast<uint32_t>(first_match),
                                                                  static_cast<uint32_t>(match_cache.matches.size())));
        }
      }
      // Prune with an upper bound (docs/screening.md, "Index"): with s_i the best similarity of
      // query word i to any comparable listed word and m_i the largest listed weight it can pair
      // with, a name matched only through the words in `optional_words` scores below the
      // threshold. Only postings reached through an essential query word are traversed.
      const size_t n_words = query.words.size();
      std::vector<double> listed_bound(n_words, 0.0), best_similarity(n_words, 0.0);
      for (size_t slot = 0; slot < matched_vocab.size(); ++slot) {
        const float w = vocab_max_weight_[matched_vocab[slot]];
        for (size_t qi = 0; qi < q_items; ++qi) {
          const float sim = sims[slot * q_items + qi];
          if (sim <= 0) continue;
          const uint32_t mask = query.ItemMask(qi);
          for (size_t i = 0; i < n_words; ++i) {
            if (((mask >> i) & 1u) == 0) continue;
            listed_bound[i] = std::max(listed_bound[i], static_cast<double>(w));
            best_similarity[i] = std::max(best_similarity[i], static_cast<double>(sim));
          }
        }
      }
      // An initial may pair weakly with any listed name word of its letter (weight ≤ 1).
      for (size_t i = 0; i < n_words; ++i) {
        if (((initials >> i) & 1u) == 0) continue;
        best_similarity[i] = std::max(best_similarity[i], static_cast<double>(internal::kInitialSimilarity));
        listed_bound[i] = 1.0;
      }
      // Valid for both views of the query: its largest word weights, its smaller total.
      // (W_query counts the entity view's unmatched descriptive words at their least.)
      double total_query_weight = 0, total_entity_weight = 0;
      std::vector<double> word_weight(n_words);
      for (size_t i = 0; i < n_words; ++i) {
        total_query_weight += query.weights[i];
        total_entity_weight += ((entity.descriptive >> i) & 1u) ? entity.unmatched_descriptive * entity.weights[i] : entity.weights[i];
        word_weight[i] = std::max(query.weights[i], entity.weights[i]);
      }
      total_query_weight = std::min(total_query_weight, total_entity_weight);
      std::vector<size_t> order(n_words);
      std::iota(order.begin(), order.end(), 0);
      // Σ s_i·w_i + Σ (s_i − T)⁺·m_i < T·W_q bounds every name matched only through these words.
      auto contribution = [&](size_t i) {
        return best_similarity[i] * word_weight[i] +
               std::max(0.0, best_similarity[i] - q.threshold) * listed_bound[i];
      };
      // Leave out the words whose postings are longest first: any set under the bound is exact.
      std::vector<uint64_t> posting_cost(n_words, 0);
      for (size_t slot = 0; slot < matched_vocab.size(); ++slot) {
        const uint32_t v = matched_vocab[slot];
        const uint64_t cost = postings_all_offsets_[v + 1] - postings_all_offsets_[v];
        for (size_t qi = 0; qi < q_items; ++qi) {
          if (sims[slot * q_items + qi] <= 0) continue;
          const uint32_t mask = query.ItemMask(qi);
          for (size_t i = 0; i < n_words; ++i) {
            if ((mask >> i) & 1u) posting_cost[i] += cost;
          }
        }
      }
      std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        return posting_cost[a] != posting_cost[b] ? posting_cost[a] > posting_cost[b] : a < b;
      });
      // An initial's weak pairs reach names without postings, so a name reached through no
      // essential word may still have them: their bound counts from the start, and an initial
      // left out of `optional_words` adds only the rest of its bound when it is put in.
      auto weak_contribution = [&](size_t i) {
        const double s_i = internal::kInitialSimilarity;
        return ((initials >> i) & 1u) ? s_i * word_weight[i] + std::max(0.0, s_i - q.threshold) : 0.0;
      };
      uint32_t optional_words = 0;
      double optional_sum = 0;
      for (size_t i = 0; i < n_words; ++i) optional_sum += weak_contribution(i);
      for (size_t i : order) {
        const double extra = contribution(i) - weak_contribution(i);
        // Strictly below the threshold, with a margin for float rounding.
        if (optional_sum + extra >= q.threshold * total_query_weight - 1e-6) continue;
        optional_sum += extra;
        optional_words |= 1u << i;
      }
      for (size_t slot = 0; slot < matched_vocab.size(); ++slot) {
        const uint32_t v = matched_vocab[slot];
        bool any = false, distinct_query = false;
        for (size_t qi = 0; qi < q_items; ++qi) {
          if (sims[slot * q_items + qi] > 0 && (query.ItemMask(qi) & ~optional_words) != 0) {
            any = true;
            distinct_query = distinct_query || query.ItemDistinctive(qi) || entity.ItemDistinctive(qi);
          }
        }
        if (!any) continue;
        const auto& offsets = distinct_query ? postings_all_offsets_ : postings_distinct_offsets_;
        const auto& postings = distinct_query ? postings_all_ : postings_distinct_;
        for (uint32_t i = offsets[v]; i < offsets[v + 1]; ++i) {
          const uint32_t id = postings[i];
          if (s.name_stamp[id] == epoch) continue;
          s.name_stamp[id] = epoch;
          candidates.push_back(id);
        }
      }
      std::sort(candidates.begin(), candidates.end());
    }

    // A 512-bit filter of the matched vocabulary: most listed words were not matched, and the
    // filter answers without reading vocab_marks.
    uint64_t matched_filter[8] = {};
    for (uint32_t v : matched_vocab) matched_filter[(v >> 6) & 7] |= uint64_t{1} << (v & 63);
    std::vector<Best>& best = s.best;  // one per record
    best.clear();
    std::vector<PairChoice>& pairs = s.pairs;
    const bool has_filters = !q.country.empty() || q.type.has_value() || !q.sources.empty();
    const internal::NameView query_view = query.view(), entity_view = entity.view();
    auto view_for = [&](const HotName& n) { return n.entity ? entity_view : query_view; };
    // The candidate pairs (query item, listed item, similarity) of name `id`.
    auto collect_pairs = [&](const HotName& n) {
      pairs.clear();
      const uint32_t* item_vocab = &hot_items_[n.item_offset];
      for (size_t ci = 0; ci < n.n_items; ++ci) {
        const uint32_t v = item_vocab[ci];
        if (((matched_filter[(v >> 6) & 7] >> (v & 63)) & 1u) == 0) continue;
        const Scratch::VocabMark& m = s.vocab_marks[v];
        if (m.stamp != epoch) continue;
        const float* row = &sims[m.slot * q_items];
        for (size_t qi = 0; qi < q_items; ++qi) {
          if (row[qi] > 0) {
            pairs.push_back({static_cast<uint8_t>(qi), static_cast<uint8_t>(ci), row[qi]});
          }
        }
      }
      if (initials != 0) {
        for (size_t ci = 0; ci < n.n_words; ++ci) {
          if (hot_distinctive_[n.word_offset + ci] == 0) continue;
          const std::string_view text = VocabText(item_vocab[ci]);
          for (uint32_t bits = initials; bits != 0; bits &= bits - 1) {
            const size_t qi = static_cast<size_t>(std::countr_zero(bits));
            if (internal::InitialFits(query.words[qi], text)) {
              pairs.push_back({static_cast<uint8_t>(qi), static_cast<uint8_t>(ci), internal::kInitialSimilarity, true});
            }
          }
        }
      }
    };
    auto listed_view = [&](const HotName& n) {
      return internal::NameView{n.n_words, &hot_weights_[n.word_offset],
                                &hot_distinctive_[n.word_offset]};
    };
    // A record keeps its best-scoring name.
    auto keep = [&](uint32_t id, double score, bool contained) {
      const HotName& n = hot_[id];
      if (s.record_stamp[n.record] != epoch) {
        s.record_stamp[n.record] = epoch;
        s.record_slot[n.record] = static_cast<uint32_t>(best.size());
        best.push_back({id, score, contained});
      } else if (score > best[s.record_slot[n.record]].score) {
        best[s.record_slot[n.record]] = {id, score, contained};
      }
    };
    for (uint32_t id : candidates) {
      const HotName& n = hot_[id];
      if (has_filters && !PassesFilters(Record(n.record), q)) continue;
      collect_pairs(n);
      if (pairs.empty()) continue;
      const auto scored = internal::ScorePairs(view_for(n), listed_view(n), n.lambda, pairs, false);
      if (scored.score < q.threshold) continue;
      keep(id, scored.score, false);
    }
    // Listed entity names the query contains whole ("Mahan Air Cargo" / MAHAN AIR): scored with
    // the query's other words at a lower weight (internal::ScoreContained).
    if (contain_max_words_ > 0 || brute_force) {
      const std::vector<std::string> runs =
          internal::ContainmentRuns(query.words, query.raw_classes, std::max<size_t>(contain_max_words_, brute_force ? internal::kMaxWords : 0));
      ContainedNames(runs, brute_force, s.contained);
      for (uint32_t id : s.contained) {
        const HotName& n = hot_[id];
        if (has_filters && !PassesFilters(Record(n.record), q)) continue;
        collect_pairs(n);
        if (pairs.empty()) continue;
        const auto scored = internal::ScoreContained(entity_view, listed_view(n), n.lambda, Required(id), pairs, false);
        if (scored.score < q.threshold) continue;
        keep(id, scored.score, true);
      }
    }
    std::sort(best.begin(), best.end(), [&](const Best& a, const Best& b) {
      if (a.score != b.score) return a.score > b.score;
      return a.name < b.name;
    });
    if (best.size() > q.limit) best.resize(q.limit);

    std::vector<Hit> hits;
    for (const Best& b : best) {
      const HotName& n = hot_[b.name];
      collect_pairs(n);
      const auto scored = b.contained
                              ? internal::ScoreContained(entity_view, listed_view(n), n.lambda, Required(b.name), pairs, true)
                              : internal::ScorePairs(view_for(n), listed_view(n), n.lambda, pairs, true);
      const uint32_t* item_vocab = &hot_items_[n.item_offset];
      auto listed_word = [&](size_t i) { return std::string(VocabText(item_vocab[i])); };
      Hit h;
      h.record = &Record(n.record);
      h.record_index = n.record;
      h.matched_name = std::string(name_text_.view().substr(
          name_text_offsets_[b.name], name_text_offsets_[b.name + 1] - name_text_offsets_[b.name]));
      h.alias = n.alias;
      h.score = b.score;
      h.contained = b.contained;
      for (const PairChoice& p : scored.pairs) {
        const size_t qw = query.words.size();
        const std::string query_item = p.query_item < qw ? query.words[p.query_item]
                                                         : query.words[p.query_item - qw] + "+" +
                                                               query.words[p.query_item - qw + 1];
        const std::string listed_item =
            p.listed_item < n.n_words
                ? listed_word(p.listed_item)
                : listed_word(p.listed_item - n.n_words) + "+" +
                      listed_word(p.listed_item - n.n_words + 1);
        h.matched.push_back({query_item, listed_item, std::round(p.similarity * 1000.0) / 1000.0});
      }
      for (size_t i = 0; i < query.words.size(); ++i) {
        if (((scored.query_mask >> i) & 1u) == 0) h.unmatched_query_words.push_back(query.words[i]);
        const TokenClass c = (n.entity ? entity : query).classes[i];
        if (c == TokenClass::kPlace) h.place_words.push_back(query.words[i]);
        if (c == TokenClass::kLegalForm) h.legal_form_words.push_back(query.words[i]);
        if (c == TokenClass::kGeneric) h.generic_words.push_back(query.words[i]);
      }
      for (size_t i = 0; i < n.n_words; ++i) {
        if (((scored.listed_mask >> i) & 1u) == 0) h.unmatched_listed_words.push_back(listed_word(i));
      }
      hits.push_back(std::move(h));
    }
    return hits;
  }

  // Index cache (internal::SerializeScreener): every member the queries read. The records are
  // written one after another with a table of their offsets, so a process reading the cache in
  // place parses only the records it shows (Record).
 public:
  void Save(ByteWriter& w) const {
    w.Pod<uint64_t>(versions_.size());
    for (const ListVersion& v : versions_) {
      w.Str(v.list_id), w.Str(v.format), w.Str(v.file_name), w.Str(v.sha256);
      w.Pod<uint64_t>(v.record_count);
      w.Str(v.source_date);
    }
    Flat<uint64_t> offsets;
    std::vector<uint64_t> at;
    at.reserve(record_count_);
    w.Pod<uint64_t>(record_count_);
    const size_t length_at = w.bytes().size();
    w.Pod<uint64_t>(0);  // the records' length, filled in below
    for (uint32_t i = 0; i < record_count_; ++i) {
      at.push_back(w.bytes().size());
      SaveRecord(w, Record(i));
    }
    const uint64_t length = w.bytes().size() - length_at - 8;
    std::memcpy(w.bytes().data() + length_at, &length, 8);
    // The records are checked one by one when a query shows them (Record), by their own sums.
    w.MarkLazy(length_at + 8, length_at + 8 + length);
    std::vector<uint64_t> sums;
    sums.reserve(at.size());
    for (size_t i = 0; i < at.size(); ++i) {
      const size_t end = i + 1 < at.size() ? at[i + 1] : length_at + 8 + length;
      sums.push_back(Checksum(std::string_view(w.bytes()).substr(at[i], end - at[i])));
    }
    offsets = at;
    w.Vec(offsets);
    Flat<uint64_t> record_sums;
    record_sums = sums;
    w.Vec(record_sums);
    w.Vec(vocab_lookup_), w.Vec(word_frequency_);
    w.Pod(total_names_);
    w.Vec(postings_all_offsets_), w.Vec(postings_all_);
    w.Vec(postings_distinct_offsets_), w.Vec(postings_distinct_);
    deletion_keys_.Save(w);
    phonetic_keys_.Save(w);
    w.Vec(vocab_max_weight_), w.Vec(hot_), w.Vec(hot_items_), w.Vec(hot_weights_);
    w.Vec(hot_distinctive_);
    w.Vec(name_text_);
    w.Vec(name_text_offsets_);
    w.Vec(vocab_arena_);
    w.Vec(vocab_arena_offsets_);
    w.Vec(vocab_personal_), w.Vec(contain_keys_), w.Vec(contain_names_);
    w.Pod<uint64_t>(contain_max_words_);
    w.Pod<uint64_t>(memory_bytes_);
  }
  // `bytes` is the whole cache file, kept alive by `mapping`; the arrays are used in place.
  bool Load(ByteReader& r, std::shared_ptr<const void> mapping, std::string_view bytes) {
    mapping_ = std::move(mapping);
    mapped_ = bytes;
    uint64_t n = 0;
    if (!r.Pod(n) || n > 1000) return false;
    versions_.resize(n);
    for (ListVersion& v : versions_) {
      uint64_t count = 0;
      if (!r.Str(v.list_id) || !r.Str(v.format) || !r.Str(v.file_name) || !r.Str(v.sha256) ||
          !r.Pod(count) || !r.Str(v.source_date)) {
        return false;
      }
      v.record_count = count;
    }
    uint64_t length = 0;
    if (!r.Pod(n) || n > (uint64_t{1} << 32) || !r.Pod(length)) return false;
    const uint64_t records_begin = r.at();
    if (!r.Skip(length) || !r.Vec(record_offsets_) || record_offsets_.size() != n ||
        !r.Vec(record_sums_) || record_sums_.size() != n) {
      return false;
    }
    r.MarkLazy(records_begin, records_begin + length);
    records_end_ = records_begin + length;
    for (size_t i = 0; i < n; ++i) {  // in order, inside the records' bytes
      if (record_offsets_[i] < (i ? record_offsets_[i - 1] + 1 : records_begin) ||
          record_offsets_[i] >= records_begin + length) {
        return false;
      }
    }
    record_count_ = n;
    lazy_records_ = std::make_unique<std::atomic<ListRecord*>[]>(n);
    uint64_t memory = 0;
    if (!r.Vec(vocab_lookup_) || !r.Vec(word_frequency_) || !r.Pod(total_names_) ||
        !r.Vec(postings_all_offsets_) || !r.Vec(postings_all_) ||
        !r.Vec(postings_distinct_offsets_) || !r.Vec(postings_distinct_) ||
        !deletion_keys_.Load(r, &damaged_) || !phonetic_keys_.Load(r, &damaged_) || !r.Vec(vocab_max_weight_) ||
        !r.Vec(hot_) || !r.Vec(hot_items_) || !r.Vec(hot_weights_) || !r.Vec(hot_distinctive_) ||
        !r.Vec(name_text_) || !r.Vec(name_text_offsets_) || !r.Vec(vocab_arena_) ||
        !r.Vec(vocab_arena_offsets_) || !r.Vec(vocab_personal_) || !r.Vec(contain_keys_) || !r.Vec(contain_names_) ||
        !r.Pod(contain_max_words_) || !r.Pod(memory)) {
      return false;
    }
    memory_bytes_ = memory;
    // Sizes and offsets that the queries index by must agree (the checksum guards the contents
    // against damage; these guard against a writer's mistake).
    const size_t vocab = vocab_max_weight_.size();
    if (vocab_arena_offsets_.size() != vocab + 1 || word_frequency_.size() != vocab ||
        postings_all_offsets_.size() != vocab + 1 || postings_distinct_offsets_.size() != vocab + 1 ||
        name_text_offsets_.size() != hot_.size() + 1 || vocab_arena_offsets_.back() > vocab_arena_.size() ||
        name_text_offsets_.back() > name_text_.size() || postings_all_offsets_.back() > postings_all_.size() ||
        postings_distinct_offsets_.back() > postings_distinct_.size() ||
        contain_keys_.size() != contain_names_.size() || vocab_personal_.size() != vocab || contain_max_words_ > internal::kMaxWords) {
      return false;
    }
    for (uint32_t id : contain_names_) {
      if (id >= hot_.size()) return false;
    }
    for (const HotName& h : hot_) {
      if (h.record >= record_count_ || uint64_t{h.item_offset} + h.n_items > hot_items_.size() ||
          uint64_t{h.word_offset} + h.n_words > hot_weights_.size()) {
        return false;
      }
    }
    return true;
  }
  ~IndexImpl() override {
    for (size_t i = 0; lazy_records_ && i < record_count_; ++i) delete lazy_records_[i].load();
  }

  // Record i: from the build, or parsed from the mapped cache on first use (thread-safe).
  const ListRecord& Record(uint32_t i) const {
    if (!lazy_records_) return records_[i];
    if (ListRecord* r = lazy_records_[i].load(std::memory_order_acquire)) return *r;
    auto fresh = std::make_unique<ListRecord>();
    ByteReader reader(mapped_, record_offsets_[i]);
    const size_t end = i + 1 < record_count_ ? record_offsets_[i + 1] : records_end_;
    const bool intact =
        Checksum(mapped_.substr(record_offsets_[i], end - record_offsets_[i])) == record_sums_[i];
    if (!intact) damaged_.store(true, std::memory_order_release);  // the query fails (RunForms)
    if (!intact || !LoadRecord(reader, *fresh)) {
      // Damaged since it was written (its sum), or a defect of the writer. Say so rather than
      // show an empty record as if it were listed.
      std::cerr << "exportctl: screening index cache record " << i << " is unreadable\n";
      fresh->record_id = "unreadable-index-cache-record";
      fresh->name = "(unreadable record: delete the screening index cache)";
    }
    ListRecord* expected = nullptr;
    if (lazy_records_[i].compare_exchange_strong(expected, fresh.get(), std::memory_order_acq_rel)) {
      return *fresh.release();
    }
    return *expected;
  }

 private:
  static void SaveRecord(ByteWriter& w, const ListRecord& r) {
    w.Str(r.record_id);
    w.Pod(r.source);
    w.Pod(r.type);
    w.Str(r.name);
    w.Strs(r.alt_names), w.Strs(r.countries), w.Strs(r.programs);
    w.Str(r.entity_number), w.Str(r.federal_register_notice), w.Str(r.license_requirement);
    w.Str(r.license_policy), w.Str(r.source_list_url), w.Str(r.start_date);
    w.Pod<uint64_t>(r.addresses.size());
    for (const auto& a : r.addresses) {
      w.Str(a.address), w.Str(a.city), w.Str(a.state), w.Str(a.postal_code), w.Str(a.country);
    }
    w.Pod<uint64_t>(r.ids.size());
    for (const auto& i : r.ids) {
      w.Str(i.type), w.Str(i.number), w.Str(i.country), w.Str(i.issue_date), w.Str(i.expiration_date);
    }
    w.Strs(r.dates_of_birth), w.Strs(r.nationalities), w.Strs(r.citizenships);
    w.Strs(r.places_of_birth);
    w.Pod<uint64_t>(r.other_fields.size());
    for (const auto& [k, v] : r.other_fields) w.Str(k), w.Str(v);
  }
  static bool LoadRecord(ByteReader& r, ListRecord& rec) {
    if (!r.Str(rec.record_id) || !r.Pod(rec.source) || !r.Pod(rec.type) || !r.Str(rec.name) ||
        !r.Strs(rec.alt_names) || !r.Strs(rec.countries) || !r.Strs(rec.programs) ||
        !r.Str(rec.entity_number) || !r.Str(rec.federal_register_notice) ||
        !r.Str(rec.license_requirement) || !r.Str(rec.license_policy) ||
        !r.Str(rec.source_list_url) || !r.Str(rec.start_date)) {
      return false;
    }
    if (static_cast<int>(rec.source) < 0 || rec.source > ListSource::kOther ||
        static_cast<int>(rec.type) < 0 || rec.type > PartyType::kAircraft) {
      return false;
    }
    uint64_t count = 0;
    if (!r.Pod(count) || count > r.left()) return false;
    rec.addresses.resize(count);
    for (auto& a : rec.addresses) {
      if (!r.Str(a.address) || !r.Str(a.city) || !r.Str(a.state) || !r.Str(a.postal_code) ||
          !r.Str(a.country)) {
        return false;
      }
    }
    if (!r.Pod(count) || count > r.left()) return false;
    rec.ids.resize(count);
    for (auto& i : rec.ids) {
      if (!r.Str(i.type) || !r.Str(i.number) || !r.Str(i.country) || !r.Str(i.issue_date) ||
          !r.Str(i.expiration_date)) {
        return false;
      }
    }
    if (!r.Strs(rec.dates_of_birth) || !r.Strs(rec.nationalities) || !r.Strs(rec.citizenships) ||
        !r.Strs(rec.places_of_birth) || !r.Pod(count) || count > r.left()) {
      return false;
    }
    rec.other_fields.resize(count);
    for (auto& [k, v] : rec.other_fields) {
      if (!r.Str(k) || !r.Str(v)) return false;
    }
    return true;
  }

 private:
  std::vector<ListVersion> versions_;
  mutable std::vector<ListRecord> records_;  // built; or every mapped record, on records()
  std::vector<IndexedName> names_;
  std::vector<std::string> vocab_;                         // build only
  std::unordered_map<std::string, uint32_t> vocab_ids_;   // build only
  Flat<uint32_t> vocab_lookup_;                           // FindVocabulary
  Flat<uint32_t> word_frequency_;  // per vocabulary id: names containing it as a word
  uint32_t total_names_ = 0;
  Flat<uint32_t> postings_all_offsets_, postings_all_;
  Flat<uint32_t> postings_distinct_offsets_, postings_distinct_;
  KeyTable deletion_keys_, phonetic_keys_;
  Flat<float> vocab_max_weight_;
  // Hot per-name data, flat: what scoring a candidate touches.
  struct HotName {
    uint32_t record;
    uint32_t item_offset;  // into hot_items_
    uint32_t word_offset;  // into hot_weights_ / hot_distinctive_
    uint16_t n_words;
    uint16_t n_items;
    float lambda;
    bool alias;
    bool entity;  // a listed entity (or of unknown type): the query's entity view applies
  };
  Flat<HotName> hot_;
  Flat<uint32_t> hot_items_;
  Flat<float> hot_weights_;
  Flat<uint8_t> hot_distinctive_;
  Flat<char> name_text_;  // listed names (after cleaning and splitting), concatenated
  Flat<uint32_t> name_text_offsets_;
  Flat<char> vocab_arena_;
  Flat<uint32_t> vocab_arena_offsets_;
  // Listed entity names a query may contain (internal::Containable): the hash of their
  // containment words' text, sorted, and the name id of each; the longest such run of words.
  Flat<uint8_t> vocab_personal_;  // per vocabulary id: 1 when a listed individual's name has the word
  Flat<uint64_t> contain_keys_;
  Flat<uint32_t> contain_names_;
  uint64_t contain_max_words_ = 0;
  // The brute-force reference's containment texts per name ("" when not containable), built on
  // its first use from the words, not from the hashed table.
  mutable std::once_flag contain_texts_built_;
  mutable std::vector<std::string> contain_texts_;
  std::string_view VocabText(uint32_t v) const {
    return vocab_arena_.view().substr(vocab_arena_offsets_[v],
                                      vocab_arena_offsets_[v + 1] - vocab_arena_offsets_[v]);
  }
  // A cache read in place: the mapping the Flat arrays point into, and the records, parsed on
  // first use (Record) from their offsets in it.
  std::shared_ptr<const void> mapping_;
  std::string_view mapped_;
  Flat<uint64_t> record_offsets_;
  Flat<uint64_t> record_sums_;  // each record's sum, checked when it is parsed
  size_t records_end_ = 0;
  size_t record_count_ = 0;
  mutable std::unique_ptr<std::atomic<ListRecord*>[]> lazy_records_;
  mutable std::once_flag all_records_;
  // Indexed names by their words joined with spaces, for Compare (built on its first use).
  mutable std::once_flag names_by_words_built_;
  mutable std::unordered_map<std::string, std::vector<uint32_t>> names_by_words_;
  size_t memory_bytes_ = 0;
  // A block or record of the mapped cache failed its sum (LazySection, Record): queries fail and
  // the cache file (cache_path_) is removed so that the next process rebuilds it.
  mutable std::atomic<bool> damaged_{false};
  // Tells this index's entries in the per-thread MatchCache from another's.
  const uint64_t instance_id_ = NextIndexId();
  mutable std::once_flag remove_damaged_;

 public:
  std::string cache_path_;
  Status DamagedError() const {
    std::call_once(remove_damaged_, [this] {
      if (!cache_path_.empty()) ::unlink(cache_path_.c_str());
    });
    return Status::Error(ErrorCode::kDataError, "lists",
                         "the screening index cache" + (cache_path_.empty() ? "" : " " + cache_path_) +
                             " is damaged (a checksum failed): it was removed and the next run "
                             "rebuilds it from the imported lists");
  }
};

}  // namespace

std::unique_ptr<Screener> Screener::Build(std::vector<LoadedList> lists) {
  return std::make_unique<IndexImpl>(std::move(lists));
}

namespace internal {

std::string SerializeScreener(const Screener& screener, std::string_view key) {
  const auto* index = dynamic_cast<const IndexImpl*>(&screener);
  if (index == nullptr) return "";
  ByteWriter w;
  w.bytes().append(kCacheMagic);
  w.Str(key);
  index->Save(w);
  const uint64_t sum = ChecksumExcept(w.bytes(), w.lazy());
  w.Pod(sum);
  return std::move(w.bytes());
}

std::unique_ptr<Screener> DeserializeScreener(std::shared_ptr<const void> owner, std::string_view bytes,
                                              std::string_view key, const std::string& cache_path) {
  if (bytes.size() < kCacheMagic.size() + 8 || bytes.substr(0, kCacheMagic.size()) != kCacheMagic) {
    return nullptr;
  }
  uint64_t sum = 0;
  std::memcpy(&sum, bytes.data() + bytes.size() - 8, 8);
  // The structure is read first (every read bounded by the file), then the sum of everything but
  // the lazily checked sections (records, key-table slots) is verified before any query runs.
  ByteReader r(bytes.substr(0, bytes.size() - 8), kCacheMagic.size());
  std::string stored_key;
  if (!r.Str(stored_key) || stored_key != key) return nullptr;
  auto index = std::make_unique<IndexImpl>();
  if (!index->Load(r, std::move(owner), bytes) || !r.AtEnd()) return nullptr;
  if (ChecksumExcept(bytes.substr(0, bytes.size() - 8), r.lazy()) != sum) return nullptr;
  index->cache_path_ = cache_path;
  return index;
}

std::vector<std::pair<size_t, size_t>> LazyCacheSections(std::string_view bytes) {
  if (bytes.size() < kCacheMagic.size() + 8) return {};
  ByteReader r(bytes.substr(0, bytes.size() - 8), kCacheMagic.size());
  std::string stored_key;
  IndexImpl index;
  if (!r.Str(stored_key) || !index.Load(r, nullptr, bytes)) return {};
  return r.lazy();
}

std::unique_ptr<Screener> DeserializeScreener(std::string_view bytes, std::string_view key) {
  // A copy in memory aligned for the arrays (std::string's buffer need not be).
  const size_t words = (bytes.size() + 15) / 16;
  std::shared_ptr<std::max_align_t[]> copy(new std::max_align_t[words + 1]);
  char* data = reinterpret_cast<char*>(copy.get());
  if (!bytes.empty()) std::memcpy(data, bytes.data(), bytes.size());
  return DeserializeScreener(std::shared_ptr<const void>(copy, copy.get()), std::string_view(data, bytes.size()), key, "");
}

}  // namespace internal

std::string Hit::Explain() const {
  std::string out =
      fmt::format("{} '{}' ({} record {})", alias ? "alias" : "name", matched_name,
                  record ? ListSourceCode(record->source) : "?", record ? record->record_id : "?");
  out += ":";
  for (const auto& m : matched) {
    out += fmt::format(" {}~{} {:.2f};", m.query_word, m.listed_word, m.similarity);
  }
  if (!unmatched_query_words.empty()) {
    out += " unmatched query words:";
    for (const auto& w : unmatched_query_words) out += " " + w;
    out += ";";
  }
  for (const auto& note : query_notes) out += " note: " + note + ";";
  if (contained) {
    out += " contains the listed name whole: the query's other words weigh less, and a contained name is"
           " never certain (they may name another party);";
  }
  for (const auto& [words, what] : {std::pair{&place_words, "place"}, std::pair{&legal_form_words, "legal form"},
                                    std::pair{&generic_words, "generic business word"}}) {
    if (words->empty()) continue;
    out += fmt::format(" treated as {} (weighs less):", what);
    for (const auto& w : *words) out += " " + w;
    out += ";";
  }
  if (!unmatched_listed_words.empty()) {
    out += " unmatched listed words:";
    for (const auto& w : unmatched_listed_words) out += " " + w;
    out += ";";
  }
  out += fmt::format(" score {:.3f}", score);
  return out;
}

std::vector<std::string> NameWarnings(std::string_view name) {
  if (!CheckUtf8(name, "name").ok()) return {};
  std::vector<std::string> notes = internal::CleanName(name).notes;
  if (const std::string words = QuotedUnreadableWords(internal::CleanName(name).text); !words.empty()) {
    notes.push_back("could not read " + words +
                    " in Latin letters (no transliteration for its script): screened without it; "
                    "give its romanization");
  }
  return notes;
}

double CompareNames(std::string_view name1, std::string_view name2) {
  // An index over no list: every word weighs its class factor only.
  static const std::unique_ptr<Screener> neutral = Screener::Build({});
  auto score = neutral->Compare(name1, name2, PartyType::kUnknown);
  return score.ok() ? *score : 0.0;
}

}  // namespace exportctl::screen
