// String similarity used by the scorer.
#pragma once

#include <string_view>
#include <vector>

namespace exportctl::screen {

// Jaro-Winkler similarity in [0,1] over bytes: prefix scale 0.1, prefix length ≤ 4, the Winkler
// boost applied only when the Jaro similarity exceeds 0.7 (the usual SimMetrics/smetrics setting).
double JaroWinkler(std::string_view a, std::string_view b);

// Moov Watchman's BestPairsJaroWinkler (internal/stringscore/jaro_winkler.go), reimplemented for
// the agreement check against its published test vectors: whitespace tokens, phonetic first-letter
// filter, length and first-letter penalties, greedy one-to-one best pairs weighted by length, and
// the unmatched-index-token penalty. No normalization is applied.
double WatchmanBestPairs(std::string_view search, std::string_view indexed);

}  // namespace exportctl::screen
