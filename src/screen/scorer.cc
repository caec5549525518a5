#include "screen/scorer.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include "screen/canonical.h"
#include "screen/jaro_winkler.h"

namespace exportctl::screen::internal {
namespace {

// FNV-1a over the bytes, then a finalizing mix; never 0. Split in two so a word's deletion keys can
// continue from the hash state of their common prefix.
constexpr uint64_t kFnvBasis = 1469598103934665603ULL;
inline uint64_t HashStep(uint64_t h, std::string_view s) {
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return h;
}
inline uint64_t HashFinish(uint64_t h) {
  h ^= h >> 29;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 32;
  return h == 0 ? 1 : h;
}
uint64_t Hash64(std::string_view s, uint64_t seed) {
  return HashFinish(HashStep(kFnvBasis ^ seed, s));
}

bool HasDigit(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string Squeeze(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (out.empty() || out.back() != c) out.push_back(c);
  }
  return out;
}

// Squeeze(a) == Squeeze(b) without building either.
bool SqueezedEqual(std::string_view a, std::string_view b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] != b[j]) return false;
    const char c = a[i];
    while (i < a.size() && a[i] == c) ++i;
    while (j < b.size() && b[j] == c) ++j;
  }
  return i == a.size() && j == b.size();
}

char PhoneticCode(char c) {
  switch (c) {
    case 'b':
    case 'p':
      return 'b';
    case 'f':
    case 'v':
      return 'f';
    case 'c':
    case 'k':
    case 'q':
    case 'g':
    case 'j':
      return 'k';
    case 's':
    case 'z':
    case 'x':
      return 's';
    case 'd':
    case 't':
      return 'd';
    case 'l':
      return 'l';
    case 'm':
    case 'n':
      return 'm';
    case 'r':
      return 'r';
    default:
      return 0;  // vowels, h, w, y
  }
}

}  // namespace

std::string CanonicalLegalForm(std::string w) {
  static const std::pair<std::string_view, std::string_view> kSynonyms[] = {
      {"company", "co"},       {"limited", "ltd"},  {"corporation", "corp"},
      {"incorporated", "inc"}, {"companies", "co"}, {"gesellschaft", "gmbh"},
      // Russian and Ukrainian forms as the lists also write them in English (ООО is an LLC).
      {"ooo", "llc"},          {"tov", "llc"},      {"ao", "jsc"},
      {"oao", "ojsc"},         {"zao", "cjsc"},     {"pao", "pjsc"},
      {"pte", "pvt"},          {"berhad", "bhd"},   {"limitada", "ltda"},
  };
  for (const auto& [from, to] : kSynonyms) {
    if (w == from) return std::string(to);
  }
  return w;
}

double ClassFactor(TokenClass c) {
  switch (c) {
    case TokenClass::kName:
      return 1.0;
    case TokenClass::kNumber:
      return 1.0;
    case TokenClass::kLegalForm:
      return 0.15;
    case TokenClass::kStopWord:
      return 0.1;
    case TokenClass::kInitial:
      return 0.3;
    case TokenClass::kPlace:
      return kPlaceFactor;
    case TokenClass::kGeneric:
      return kGenericFactor;
  }
  return 1.0;
}

void WeighWords(PreparedName& p, const std::function<double(size_t)>& frequency, bool entity_query) {
  p.classes = ClassifyWords(p.words);
  p.raw_classes = p.classes;
  auto is = [&](TokenClass c) { return std::find(p.classes.begin(), p.classes.end(), c) != p.classes.end(); };
  // A place before the first name word is often a given name ("Jordan Powell", "Sofia Luna"),
  // unless a legal form or generic business word says the party is a business ("Shenzhen Huawei
  // Technologies"): only then, or after a name word ("Huawei Vietnam"), is it a place.
  const bool business = is(TokenClass::kLegalForm) || is(TokenClass::kGeneric);
  bool after_name = false;
  for (TokenClass& c : p.classes) {
    const bool descriptive = c == TokenClass::kGeneric || (c == TokenClass::kPlace && (business || after_name));
    if (c == TokenClass::kName) after_name = true;
    if ((c == TokenClass::kPlace || c == TokenClass::kGeneric) && (!entity_query || !descriptive)) c = TokenClass::kName;
  }
  const bool has_name = is(TokenClass::kName) || is(TokenClass::kNumber);
  p.unmatched_descriptive = entity_query ? kDescriptiveLambda : 1.0f;
  p.weights.clear();
  p.distinctive.clear();
  p.descriptive = 0;
  for (size_t i = 0; i < p.words.size(); ++i) {
    const TokenClass c = p.classes[i];
    p.weights.push_back(static_cast<float>(ClassFactor(c) * frequency(i)));
    const bool descriptive = c == TokenClass::kPlace || c == TokenClass::kGeneric;
    p.distinctive.push_back(c == TokenClass::kName || c == TokenClass::kNumber || (!has_name && descriptive));
    if (entity_query && (descriptive || c == TokenClass::kLegalForm)) p.descriptive |= 1u << i;
  }
}

double FrequencyFactor(uint32_t names_with_word, uint32_t total_names) {
  if (total_names == 0) return 1.0;
  const double f =
      std::log(static_cast<double>(total_names) / (names_with_word + 1.0)) / std::log(1000.0);
  return std::clamp(f, 0.3, 1.0);
}

std::string PreparedName::ItemText(size_t item) const {
  const size_t n = words.size();
  if (item < n) return words[item];
  return words[item - n] + words[item - n + 1];
}
uint32_t PreparedName::ItemMask(size_t item) const {
  const size_t n = words.size();
  if (item < n) return 1u << item;
  return 3u << (item - n);
}
float PreparedName::ItemWeight(size_t item) const {
  const size_t n = words.size();
  if (item < n) return weights[item];
  return weights[item - n] + weights[item - n + 1];
}
bool PreparedName::ItemDistinctive(size_t item) const {
  const size_t n = words.size();
  if (item < n) return distinctive[item];
  return distinctive[item - n] || distinctive[item - n + 1];
}

std::vector<std::string> NameWords(std::string_view name) {
  // Arabic (U+0600–U+06FF, lead bytes D8–DB) or Hebrew (U+0590–U+05FF: D6 9x–Bx, D7) letters.
  const bool abjad = std::any_of(name.begin(), name.end(), [](char c) {
    const auto b = static_cast<unsigned char>(c);
    return b >= 0xD7 && b <= 0xDB;
  });
  std::vector<std::string> words = CanonicalWords(Tokenize(WadeGilesToPinyin(name)), abjad);
  for (auto& w : words) w = CanonicalLegalForm(w);
  if (words.size() > kMaxWords) words.resize(kMaxWords);
  return words;
}

void DeletionKeys(std::string_view word, std::vector<uint64_t>& out) {
  if (HasDigit(word)) {  // numbers match exactly
    out.push_back(Hash64(word, 7));
    return;
  }
  const std::string squeezed = Squeeze(word);
  out.push_back(Hash64(squeezed, 1));
  if (squeezed.size() >= 3 && squeezed.size() <= 4) {  // letters in any order: "sko" / "sok"
    std::string sorted = squeezed;
    std::sort(sorted.begin(), sorted.end());
    out.push_back(Hash64(sorted, 5));
  }
  if (squeezed.size() <= 3) return;
  // Each single-letter deletion: the hash state of the prefix, continued over the rest.
  const std::string_view w = squeezed;
  uint64_t prefix = kFnvBasis ^ 1;
  for (size_t i = 0; i < w.size(); ++i) {
    out.push_back(HashFinish(HashStep(prefix, w.substr(i + 1))));
    prefix = HashStep(prefix, w.substr(i, 1));
  }
}

// Spelling variants that transliteration tables disagree on, folded before the consonant
// skeleton is taken: x → ks ("alexander" / "aleksandr"), a final -ij / -iy / -yj → y ("dmitrij" /
// "dmitry"), and the final -s of a Greek nominative -os on words of eight letters or more
// ("alexandros" / "alexander").
std::string PhoneticFold(std::string_view word) {
  std::string out;
  out.reserve(word.size() + 2);
  for (char c : word) {
    if (c == 'x') {
      out += "ks";
    } else {
      out.push_back(c);
    }
  }
  const size_t n = out.size();
  if (n >= 3 && (out.compare(n - 2, 2, "ij") == 0 || out.compare(n - 2, 2, "iy") == 0 ||
                 out.compare(n - 2, 2, "yj") == 0)) {
    out.resize(n - 2);
    out.push_back('y');
  } else if (n >= 8 && out.compare(n - 2, 2, "os") == 0) {
    out.pop_back();
  }
  return out;
}

uint64_t PhoneticKey(std::string_view raw) {
  if (raw.size() < 4 || HasDigit(raw)) return 0;
  const std::string folded = PhoneticFold(raw);
  const std::string_view word = folded;
  std::string key;
  const char first = word[0];
  const bool vowel_start = PhoneticCode(first) == 0;
  key.push_back(vowel_start ? 'a' : PhoneticCode(first));
  for (size_t i = 1; i < word.size(); ++i) {
    if (word[i] == 'h' && i > 0 && (word[i - 1] == 'p')) {  // ph → f
      key.back() = 'f';
      continue;
    }
    const char code = PhoneticCode(word[i]);
    if (code == 0) continue;
    if (key.back() != code) key.push_back(code);
  }
  if (key.size() < 2) return 0;
  // Two-consonant skeletons ("md": mohammed, mahmud, mehdi, …) are too common to compare every
  // word sharing them; they also carry the word length in pairs (7–8, 9–10, …).
  if (key.size() == 2) key += static_cast<char>('0' + std::min<size_t>(word.size(), 20) / 2);
  return Hash64(key, 3);
}

namespace {

bool IsVowel(char c) { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u'; }

// Name words only: legal forms, stop words, initials and numbers never meet by skeleton.
bool SkeletonEligible(std::string_view word) {
  return word.size() >= 2 && !HasDigit(word) && ClassifyToken(word) == TokenClass::kName;
}

std::string Skeleton(std::string_view word) {
  const std::string squeezed = Squeeze(word);
  std::string out;
  for (size_t i = 0; i < squeezed.size(); ++i) {
    const char c = squeezed[i] == 'q' ? 'k' : squeezed[i];
    if (IsVowel(c)) continue;
    if (i > 0 && (c == 'w' || c == 'y' || c == 'v')) continue;
    out.push_back(c);
  }
  return out;
}

}  // namespace

bool IsSkeletonWord(std::string_view word) {
  return word.size() >= 2 && std::none_of(word.begin(), word.end(), IsVowel) &&
         SkeletonEligible(word);
}

uint64_t SkeletonKey(std::string_view word, bool probe) {
  const bool skeleton_word = std::none_of(word.begin(), word.end(), IsVowel);
  if (skeleton_word != probe) return 0;  // queries' skeleton words meet listed Latin words
  if (!SkeletonEligible(word)) return 0;
  const std::string skeleton = Skeleton(word);
  return skeleton.size() < kMinSkeletonLetters ? 0 : Hash64(skeleton, 11);
}

bool SkeletonMatch(std::string_view a, std::string_view b) {
  // `a` a skeleton word (no vowel), `b` a word with a vowel, both eligible, with the same
  // skeleton. The letter tests and skeletons first: the word classes (hash lookups) are asked
  // only for the few pairs whose skeletons agree.
  if (a.size() < 2 || b.size() < 2 || !std::none_of(a.begin(), a.end(), IsVowel) ||
      std::none_of(b.begin(), b.end(), IsVowel)) {
    return false;
  }
  const std::string skeleton = Skeleton(a);
  if (skeleton.size() < kMinSkeletonLetters || skeleton != Skeleton(b)) return false;
  return SkeletonEligible(a) && SkeletonEligible(b);
}

bool Comparable(std::string_view a, std::string_view b, bool query_word) {
  if (a == b) return true;
  const uint64_t pa = PhoneticKey(a);
  if (pa != 0 && pa == PhoneticKey(b)) return true;
  if (query_word) {
    const uint64_t sa = SkeletonKey(a, true);
    if (sa != 0 && sa == SkeletonKey(b, false)) return true;
  }
  std::vector<uint64_t> ka, kb;
  DeletionKeys(a, ka);
  DeletionKeys(b, kb);
  for (uint64_t x : ka) {
    if (std::find(kb.begin(), kb.end(), x) != kb.end()) return true;
  }
  return false;
}

double RawSimilarity(std::string_view a, std::string_view b) {
  if (DifferentKoreanVowels(a, b)) return 0.0;  // 정 jeong ≠ 종 jong
  double s = JaroWinkler(a, b);
  // Below kMinWordSimilarity no pair counts: the syllable test runs only where it can matter.
  if (s >= kMinWordSimilarity && DifferentPinyinSyllables(a, b)) return 0.0;  // 张 zhang ≠ 战 zhan
  if (s >= 0.95 || a.size() < 2 || b.size() < 2) return s;
  if (SqueezedEqual(a, b)) return 0.95;
  if (a.size() == b.size()) {
    size_t first = 0;
    while (first < a.size() && a[first] == b[first]) ++first;
    if (first + 1 < a.size() && a[first] == b[first + 1] && a[first + 1] == b[first] &&
        a.substr(first + 2) == b.substr(first + 2)) {
      s = std::max(s, 0.92);
    }
  }
  return s;
}

double WordSimilarity(std::string_view a, std::string_view b, bool query_word) {
  if (!Comparable(a, b, query_word)) return 0.0;
  double s = RawSimilarity(a, b);
  if (query_word && s < kSkeletonSimilarity && SkeletonMatch(a, b)) s = kSkeletonSimilarity;
  return s >= MinSimilarity(a.size(), b.size()) ? s : 0.0;
}

std::vector<uint8_t> ContainmentWords(const std::vector<TokenClass>& classes) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i < classes.size(); ++i) {
    if (classes[i] != TokenClass::kLegalForm && classes[i] != TokenClass::kStopWord) out.push_back(static_cast<uint8_t>(i));
  }
  return out;
}

bool Containable(const std::vector<std::string>& words, const std::vector<TokenClass>& classes) {
  const std::vector<uint8_t> at = ContainmentWords(classes);
  if (at.empty()) return false;
  // Places and generic words alone name no one ("Global Trading"): a name word is needed.
  if (std::none_of(at.begin(), at.end(), [&](uint8_t i) { return classes[i] == TokenClass::kName; })) return false;
  if (at.size() == 1) return words[at[0]].size() >= kMinContainedWordLetters;
  return true;
}

std::string ContainmentText(const std::vector<std::string>& words, const std::vector<uint8_t>& positions,
                            size_t begin, size_t end) {
  std::string out;
  for (size_t k = begin; k < end; ++k) {
    if (k > begin) out.push_back(' ');
    out += words[positions[k]];
  }
  return out;
}

std::vector<std::string> ContainmentRuns(const std::vector<std::string>& words, const std::vector<TokenClass>& classes,
                                         size_t max_len) {
  std::vector<std::string> out;
  const std::vector<uint8_t> at = ContainmentWords(classes);
  size_t first_name = SIZE_MAX;  // in `at`
  for (size_t k = 0; k < at.size() && first_name == SIZE_MAX; ++k) {
    if (classes[at[k]] == TokenClass::kName) first_name = k;
  }
  for (size_t begin = 0; begin < at.size(); ++begin) {
    for (size_t end = begin + 1; end <= at.size() && end - begin <= max_len; ++end) {
      if (end - begin == 1 && begin != first_name) continue;
      out.push_back(ContainmentText(words, at, begin, end));
    }
  }
  return out;
}

ScoreResult ScoreContained(const NameView& query, const NameView& listed, double lambda, uint32_t listed_required,
                           std::vector<PairChoice>& pairs, bool want_pairs) {
  NameView contained = query;
  contained.descriptive = query.n_words >= 32 ? ~0u : (1u << query.n_words) - 1;
  contained.unmatched_descriptive = std::min(query.unmatched_descriptive, kContainedLambda);
  ScoreResult r = ScorePairs(contained, listed, lambda, pairs, want_pairs);
  if ((r.listed_mask & listed_required) != listed_required) {
    r.score = 0;
    r.pairs.clear();
  }
  r.score = std::min(r.score, kContainedMaxScore);
  return r;
}

ScoreResult ScorePairs(const NameView& query, const NameView& listed, double lambda,
                       std::vector<PairChoice>& pairs, bool want_pairs) {
  ScoreResult result;
  if (pairs.empty()) return result;
  std::sort(pairs.begin(), pairs.end(), [&](const PairChoice& x, const PairChoice& y) {
    if (x.similarity != y.similarity) return x.similarity > y.similarity;
    const int cx =
        std::popcount(query.ItemMask(x.query_item)) + std::popcount(listed.ItemMask(x.listed_item));
    const int cy =
        std::popcount(query.ItemMask(y.query_item)) + std::popcount(listed.ItemMask(y.listed_item));
    if (cx != cy) return cx < cy;  // on a tie, single words before joins
    if (x.query_item != y.query_item) return x.query_item < y.query_item;
    return x.listed_item < y.listed_item;
  });
  double numerator = 0;
  bool distinctive = false;
  for (const PairChoice& p : pairs) {
    const uint32_t qm = query.ItemMask(p.query_item);
    const uint32_t lm = listed.ItemMask(p.listed_item);
    // Joins repair spacing ("gazprom bank" / "gazprombank"); they must match nearly exactly.
    if (p.similarity < kMinJoinSimilarity &&
        (p.query_item >= query.n_words || p.listed_item >= listed.n_words)) {
      continue;
    }
    if ((result.query_mask & qm) != 0 || (result.listed_mask & lm) != 0) continue;
    result.query_mask |= qm;
    result.listed_mask |= lm;
    numerator += p.similarity * (query.ItemWeight(p.query_item) + listed.ItemWeight(p.listed_item));
    distinctive = distinctive || (!p.weak && (query.ItemDistinctive(p.query_item) ||
                                              listed.ItemDistinctive(p.listed_item)));
    if (want_pairs) result.pairs.push_back(p);
  }
  if (!distinctive) {
    result.pairs.clear();
    return result;
  }
  double query_weight = 0, listed_matched = 0, listed_unmatched = 0;
  for (size_t i = 0; i < query.n_words; ++i) {
    const bool matched = (result.query_mask >> i) & 1u;
    const bool descriptive = (query.descriptive >> i) & 1u;
    query_weight += matched || !descriptive ? query.weights[i] : query.unmatched_descriptive * query.weights[i];
  }
  for (size_t i = 0; i < listed.n_words; ++i) {
    ((result.listed_mask >> i) & 1u ? listed_matched : listed_unmatched) += listed.weights[i];
  }
  const double denominator = query_weight + listed_matched + lambda * listed_unmatched;
  result.score = denominator > 0 ? std::min(1.0, numerator / denominator) : 0.0;
  // The family name carries the identity: both names' distinctive ends unmatched means the
  // shared words are given names (or common words) only.
  // The family name is the last word of a listed individual (SURNAME, Given is read Given
  // SURNAME) and of most queries; a query's first word counts only as an initial the listed name
  // has no word for ("B. Jamal" / "Hasan Jamal"): a first given name alone may differ.
  auto unmatched = [](const NameView& v, uint32_t mask, size_t i) {
    return ((mask >> i) & 1u) == 0 && (v.distinctive[i] != 0 || ((v.initials >> i) & 1u) != 0);
  };
  const bool query_end = query.n_words >= 2 &&
                         (unmatched(query, result.query_mask, query.n_words - 1) ||
                          (((query.initials & 1u) != 0) && unmatched(query, result.query_mask, 0)));
  const bool listed_end = listed.n_words >= 2 && (unmatched(listed, result.listed_mask, listed.n_words - 1) ||
                                                  unmatched(listed, result.listed_mask, 0));
  if (query_end && listed_end) {
    result.score *= kDifferentEndsFactor;
  }
  return result;
}

}  // namespace exportctl::screen::internal
