#include "screen/jaro_winkler.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <string>

namespace exportctl::screen {

double JaroWinkler(std::string_view a, std::string_view b) {
  if (a.empty() || b.empty()) return a.empty() && b.empty() ? 1.0 : 0.0;
  if (a == b) return 1.0;
  if (a.size() > b.size()) std::swap(a, b);
  const int len_a = static_cast<int>(a.size());
  const int len_b = static_cast<int>(b.size());
  const int window = std::max(0, len_b / 2 - 1);

  int matches = 0;
  int transpositions = 0;
  if (len_b <= 64) {
    // Bit-parallel: positions of each byte in b as a mask, so the first unmatched b[j] equal to
    // a[i] inside the window is the lowest bit of (positions & window & ~matched) — the same
    // greedy choice as the scan over the window.
    uint64_t positions[256];
    for (int i = 0; i < len_a; ++i) positions[static_cast<unsigned char>(a[i])] = 0;
    for (int j = 0; j < len_b; ++j) positions[static_cast<unsigned char>(b[j])] = 0;
    for (int j = 0; j < len_b; ++j) positions[static_cast<unsigned char>(b[j])] |= uint64_t{1} << j;
    uint64_t a_flags = 0, b_flags = 0;
    for (int i = 0; i < len_a; ++i) {
      const int lo = std::max(0, i - window);
      const int hi = std::min(len_b - 1, i + window);
      if (lo > hi) continue;
      const uint64_t upto = hi >= 63 ? ~uint64_t{0} : (uint64_t{1} << (hi + 1)) - 1;
      const uint64_t in_window = upto & ~((uint64_t{1} << lo) - 1);
      const uint64_t free = positions[static_cast<unsigned char>(a[i])] & in_window & ~b_flags;
      if (free == 0) continue;
      a_flags |= uint64_t{1} << i;
      b_flags |= free & (~free + 1);
      ++matches;
    }
    if (matches == 0) return 0.0;
    uint64_t rest_b = b_flags;
    for (int i = 0; i < len_a; ++i) {
      if (((a_flags >> i) & 1u) == 0) continue;
      const int k = std::countr_zero(rest_b);
      rest_b &= rest_b - 1;
      if (a[i] != b[k]) ++transpositions;
    }
  } else {
    std::vector<uint8_t> a_flags(len_a, 0), b_flags(len_b, 0);
    for (int i = 0; i < len_a; ++i) {
      const int lo = std::max(0, i - window);
      const int hi = std::min(len_b - 1, i + window);
      for (int j = lo; j <= hi; ++j) {
        if (b_flags[j] == 0 && a[i] == b[j]) {
          a_flags[i] = 1;
          b_flags[j] = 1;
          ++matches;
          break;
        }
      }
    }
    if (matches == 0) return 0.0;
    int k = 0;
    for (int i = 0; i < len_a; ++i) {
      if (a_flags[i] == 0) continue;
      while (b_flags[k] == 0) ++k;
      if (a[i] != b[k]) ++transpositions;
      ++k;
    }
  }
  const double m = matches;
  const double jaro = (m / len_a + m / len_b + (m - transpositions / 2.0) / m) / 3.0;
  if (jaro <= 0.7) return jaro;
  int prefix = 0;
  const int max_prefix = std::min(4, len_a);
  while (prefix < max_prefix && a[prefix] == b[prefix]) ++prefix;
  return jaro + prefix * 0.1 * (1.0 - jaro);
}

namespace {

// Watchman's phonetic classes of first letters (internal/stringscore/phonetics.go).
char PhoneticClass(char c) {
  switch (c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c) {
    case 'a':
    case 'e':
    case 'i':
    case 'o':
    case 'u':
    case 'y':
      return 'A';
    case 'b':
    case 'f':
    case 'p':
    case 'v':
      return 'B';
    case 'c':
    case 'g':
    case 'j':
    case 'k':
    case 'q':
    case 's':
    case 'x':
    case 'z':
      return 'C';
    case 'd':
    case 't':
      return 'D';
    case 'l':
      return 'L';
    case 'm':
    case 'n':
      return 'M';
    case 'r':
      return 'R';
    case 'h':
    case 'w':
      return 'H';
    default:
      return c;
  }
}

std::vector<std::string_view> Fields(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    const size_t start = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

double WatchmanTokenScore(std::string_view indexed, std::string_view search) {
  double score = JaroWinkler(indexed, search);
  const double shorter = static_cast<double>(std::min(indexed.size(), search.size()));
  const double longer = static_cast<double>(std::max(indexed.size(), search.size()));
  const double length_ratio = shorter / longer;
  if (length_ratio < 0.9) score *= 1.0 - (1.0 - length_ratio) * 0.3;
  // Watchman's first-letter penalty (×0.9) applies only across phonetic classes, which the
  // phonetic filter in WatchmanBestPairs already excludes; kept for clarity.
  if (PhoneticClass(indexed[0]) != PhoneticClass(search[0])) score *= 0.9;
  return score;
}

}  // namespace

double WatchmanBestPairs(std::string_view search, std::string_view indexed) {
  const auto search_tokens = Fields(search);
  const auto indexed_tokens = Fields(indexed);
  if (search_tokens.empty() || indexed_tokens.empty()) return 0.0;
  struct Pair {
    double score;
    size_t search_index;
    size_t indexed_index;
  };
  std::vector<Pair> pairs;
  size_t search_length = 0, indexed_length = 0;
  for (auto t : search_tokens) search_length += t.size();
  for (auto t : indexed_tokens) indexed_length += t.size();
  for (size_t s = 0; s < search_tokens.size(); ++s) {
    for (size_t i = 0; i < indexed_tokens.size(); ++i) {
      if (PhoneticClass(search_tokens[s][0]) != PhoneticClass(indexed_tokens[i][0])) continue;
      pairs.push_back({WatchmanTokenScore(indexed_tokens[i], search_tokens[s]), s, i});
    }
  }
  std::stable_sort(pairs.begin(), pairs.end(),
                   [](const Pair& x, const Pair& y) { return x.score > y.score; });
  std::vector<bool> search_used(search_tokens.size()), indexed_used(indexed_tokens.size());
  double weighted = 0;
  size_t matched_indexed_length = 0;
  for (const Pair& p : pairs) {
    if (search_used[p.search_index] || indexed_used[p.indexed_index]) continue;
    search_used[p.search_index] = true;
    indexed_used[p.indexed_index] = true;
    weighted += p.score * static_cast<double>(search_tokens[p.search_index].size() +
                                              indexed_tokens[p.indexed_index].size());
    matched_indexed_length += indexed_tokens[p.indexed_index].size();
  }
  const double average = weighted / static_cast<double>(search_length + matched_indexed_length);
  const double matched_fraction =
      static_cast<double>(matched_indexed_length) / static_cast<double>(indexed_length);
  return average * (1.0 - (1.0 - matched_fraction) * 0.15);
}

}  // namespace exportctl::screen
