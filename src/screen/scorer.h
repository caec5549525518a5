// The name scorer shared by the index, the brute-force scan and `screen compare` (internal).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>
#include <algorithm>

#include "screen/normalize.h"

namespace exportctl::screen::internal {

inline constexpr size_t kMaxWords = 24;                  // longer names keep their first 24 words
inline constexpr double kMinWordSimilarity = 0.80;       // word pairs below this do not match
inline constexpr double kMinShortWordSimilarity = 0.90;  // when either word has ≤ 4 letters
inline constexpr double kMinJoinSimilarity = 0.93;       // pairs where either side is a join

// True for a word that is one letter a–z (an initial).
inline bool IsInitialWord(std::string_view w) { return w.size() == 1 && w[0] >= 'a' && w[0] <= 'z'; }

// The similarity floor for a word pair: kMinShortWordSimilarity for short words.
inline double MinSimilarity(size_t len_a, size_t len_b) {
  return (len_a <= 4 || len_b <= 4) ? kMinShortWordSimilarity : kMinWordSimilarity;
}

// Places and generic business words say where a party is and what it does, not who it is:
// "Sugon Singapore Pte Ltd" is Sugon.
inline constexpr double kPlaceFactor = 0.15;
inline constexpr double kGenericFactor = 0.2;
// In a query compared with a listed entity, an unmatched place, legal form or generic word costs
// this share of its weight, as a listed entity's unmatched words cost λ = 0.3.
inline constexpr float kDescriptiveLambda = 0.3f;

// Word weights: a word's weight is its class factor times an inverse-frequency factor.
double ClassFactor(TokenClass c);
double FrequencyFactor(uint32_t names_with_word, uint32_t total_names);

// What the scorer needs of a name: per-word weights and distinctiveness. Items are word i for
// i < n and the join of words (j, j+1) for item n + j.
struct NameView {
  uint32_t n_words = 0;
  const float* weights = nullptr;
  const uint8_t* distinctive = nullptr;
  // What an unmatched place, legal form or generic word (bit i of `descriptive`) costs in the
  // denominator, as a share of its weight: kDescriptiveLambda for a query's entity view, else 1.
  float unmatched_descriptive = 1.0f;
  uint32_t descriptive = 0;
  uint32_t initials = 0;  // bit i: word i is one letter (a query's initial)
  uint32_t ItemMask(size_t item) const {
    return item < n_words ? 1u << item : 3u << (item - n_words);
  }
  float ItemWeight(size_t item) const {
    return item < n_words ? weights[item] : weights[item - n_words] + weights[item - n_words + 1];
  }
  bool ItemDistinctive(size_t item) const {
    return item < n_words ? distinctive[item] != 0
                          : (distinctive[item - n_words] | distinctive[item - n_words + 1]) != 0;
  }
};

// A name prepared for scoring: words, then joins of adjacent words ("gazprom"+"bank").
struct PreparedName {
  std::vector<std::string> words;
  std::vector<TokenClass> classes;   // per word (ClassifyWords)
  std::vector<TokenClass> raw_classes;  // per word, ClassifyWords before WeighWords' view
  std::vector<float> weights;        // per word
  std::vector<uint8_t> distinctive;  // per word: 1 for class kName or kNumber
  float unmatched_descriptive = 1.0f;  // NameView::unmatched_descriptive
  uint32_t descriptive = 0;            // NameView::descriptive
  // Items: word i for i < n, join (j, j+1) for item n + j.
  size_t item_count() const { return words.empty() ? 0 : 2 * words.size() - 1; }
  std::string ItemText(size_t item) const;
  uint32_t ItemMask(size_t item) const;
  float ItemWeight(size_t item) const;
  bool ItemDistinctive(size_t item) const;
  NameView view() const {
    uint32_t initials = 0;
    for (size_t i = 0; i < words.size(); ++i) initials |= static_cast<uint32_t>(IsInitialWord(words[i])) << i;
    return {static_cast<uint32_t>(words.size()), weights.data(), distinctive.data(), unmatched_descriptive,
            descriptive, initials};
  }
};

// Classes, weights and distinctiveness of `p.words`: weight = ClassFactor × frequency(i) (1.0 when
// there is no corpus); distinctive = a name or number word. Places and generic business words
// weigh less only in a query compared with a listed entity (`entity_query`): "Sugon Singapore
// Pte Ltd" is the listed Sugon, while "Sofia Luna" is not a vessel LUNA. A place before the first
// name word of a query without a legal form or generic word stays a name (a given name such as
// Jordan or Sofia). In a name made only of such words ("Global Trading International") they are
// distinctive. Listed names and queries compared with individuals, vessels and aircraft keep
// every place and generic word as a name.
void WeighWords(PreparedName& p, const std::function<double(size_t)>& frequency, bool entity_query);

// "company" → "co", "limited" → "ltd", "corporation" → "corp", …; other words unchanged.
std::string CanonicalLegalForm(std::string word);
// Words of a name as the scorer sees them (≤ kMaxWords), legal forms canonical.
std::vector<std::string> NameWords(std::string_view name);

// Keys that decide which word pairs are compared at all (docs/screening.md, "Candidate words"):
// two words are comparable iff they share a deletion key or a phonetic key.
void DeletionKeys(std::string_view word, std::vector<uint64_t>& out);
uint64_t PhoneticKey(std::string_view word);  // 0 = none
// Abjad scripts (Arabic, Hebrew) do not write short vowels: FoldToAscii leaves such words without
// vowels ("mhmd", "hsn", "msh"). A vowel-free name word of the query (a single word, not a join)
// is a skeleton word; it meets the listed name words with vowels that have the same consonant
// skeleton of at least two letters (vowels dropped, w/y/v dropped after the first letter, q → k,
// doubled letters squeezed first: "mohammed" → "mhmd", "david" → "dd"), and such a pair has
// similarity at least kSkeletonSimilarity. Only the query side: vowel-free listed words are
// acronyms (MTS, VTB), not skeletons.
inline constexpr double kSkeletonSimilarity = 0.93;
inline constexpr size_t kMinSkeletonLetters = 2;
bool IsSkeletonWord(std::string_view word);
// The key a listed word is indexed under (`probe` false: words with vowels) and the key a query
// word looks up (`probe` true: skeleton words). 0 = none.
uint64_t SkeletonKey(std::string_view word, bool probe);
// True when query word `a` is a skeleton word and listed word `b` has its skeleton.
bool SkeletonMatch(std::string_view a, std::string_view b);
// `a` is the query's item, `b` the listed one; `query_word` when `a` is a word (not a join): only
// then does the skeleton comparison apply.
bool Comparable(std::string_view a, std::string_view b, bool query_word);
// Jaro-Winkler, raised to 0.95 when the words differ only in doubled letters ("yyu" / "yu") and
// to 0.92 when they differ by one swap of adjacent letters ("sko" / "sok"): Jaro's match window
// is too narrow to see these in short words.
double RawSimilarity(std::string_view a, std::string_view b);
// RawSimilarity (at least kSkeletonSimilarity on a SkeletonMatch of a query word) when comparable
// and ≥ MinSimilarity, else 0.
double WordSimilarity(std::string_view a, std::string_view b, bool query_word);

struct PairChoice {
  uint8_t query_item;
  uint8_t listed_item;
  float similarity;
  bool weak = false;  // an initial for a name word: counts, but never makes a name distinctive
};

// An initial of the query ("J.") pairs weakly with every listed name word of that letter
// ("Jean", "John"): J.-C. Juncker is Jean-Claude Juncker, and J. Smith a possible John Smith.
inline constexpr float kInitialSimilarity = 0.8f;
// True when listed word `listed` (a name word) begins with initial `initial`.
inline bool InitialFits(std::string_view initial, std::string_view listed) {
  return listed.size() > 1 && listed[0] == initial[0] &&
         std::none_of(listed.begin(), listed.end(), [](char c) { return c >= '0' && c <= '9'; });
}
// Two names whose identifying ends both go unmatched (the family name, or the last element of
// an Arabic name chain: "John Michael Smith" / "John Michael Brown", "Kim Jong Un" / "Kim Jong
// Il") are different people sharing given names: their score is multiplied by this.
inline constexpr double kDifferentEndsFactor = 0.75;
// A query that contains a listed entity's whole name ("Mahan Air Cargo" / MAHAN AIR) is that
// entity or one of its parts (fail closed): the listed name's containment words (every word but
// legal forms and stop words) appear in the query, in order and next to each other (its legal
// forms and stop words aside). The query's other words then cost kContainedLambda of their weight,
// as a listed entity's unmatched words cost λ; the score stays below certain (an officer decides
// whether the extra words name another party). A listed name of one such word must be a name word
// of at least kMinContainedWordLetters letters and the query's first name word ("Zorblax Cargo"):
// short one-word names are as often given names or common words ("Sara", "Day").
inline constexpr float kContainedLambda = 0.3f;
inline constexpr double kContainedMaxScore = 0.96;
inline constexpr size_t kMinContainedWordLetters = 5;
// Positions of a name's containment words (`classes` from ClassifyWords, before WeighWords).
std::vector<uint8_t> ContainmentWords(const std::vector<TokenClass>& classes);
// True when a listed entity name (its words and ClassifyWords classes) can be found contained.
bool Containable(const std::vector<std::string>& words, const std::vector<TokenClass>& classes);
// The key of a run of containment words (their texts joined).
std::string ContainmentText(const std::vector<std::string>& words, const std::vector<uint8_t>& positions,
                            size_t begin, size_t end);
// Every run of the query's containment words a listed name may be (ContainmentText), at most
// `max_len` words long; runs of one word only at the query's first name word.
std::vector<std::string> ContainmentRuns(const std::vector<std::string>& words, const std::vector<TokenClass>& classes,
                                         size_t max_len);

struct ScoreResult {
  double score = 0;
  std::vector<PairChoice> pairs;  // accepted pairs
  uint32_t query_mask = 0, listed_mask = 0;
};

// Greedy one-to-one best pairs over the candidate item pairs (similarity > 0), then
//   score = Σ sim·(w_q + w_l) / (W_query + W_listed_matched + λ·W_listed_unmatched)
// where an unmatched descriptive query word (NameView::descriptive) counts
// query.unmatched_descriptive × its weight in W_query, and 0 unless some accepted pair involves a distinctive word. `pairs` is
// consumed (sorted).
ScoreResult ScorePairs(const NameView& query, const NameView& listed, double lambda,
                       std::vector<PairChoice>& pairs, bool want_pairs);
// The score of a listed entity name contained in the query: ScorePairs with every unmatched
// query word at kContainedLambda of its weight, at most kContainedMaxScore; 0 unless every one of
// the listed name's containment words (`listed_required`, bit per word) is matched.
ScoreResult ScoreContained(const NameView& query, const NameView& listed, double lambda, uint32_t listed_required,
                           std::vector<PairChoice>& pairs, bool want_pairs);


}  // namespace exportctl::screen::internal
