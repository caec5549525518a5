// The built index as bytes, for the cache in the data directory (internal; ListStore::OpenIndex).
// Layout (docs/screening.md, "Index cache"): magic, the caller's key, the records with their
// offsets and every flat index array (16-byte aligned), then a 64-bit checksum of everything
// before it.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "screen/screen.h"

namespace exportctl::screen::internal {

// The bytes of a Screener built by Screener::Build, tagged with `key`.
std::string SerializeScreener(const Screener& screener, std::string_view key);
// The Screener those bytes hold, or nullptr when the key differs or the bytes are damaged (magic
// and format version, checksum of every byte, sizes and offsets). The arrays are used in place:
// `owner` keeps `bytes` alive for the Screener's life (a mapping of the cache file).
// The records and the key tables' slots are checked lazily (a record when a query shows it, 16 KB
// blocks of slots when a probe reaches them); a failed check fails the query that met it and
// removes `cache_path` (when given) so that the next process rebuilds the cache.
std::unique_ptr<Screener> DeserializeScreener(std::shared_ptr<const void> owner, std::string_view bytes,
                                              std::string_view key, const std::string& cache_path);
// The [begin, end) byte ranges of a cache that are checked lazily, in file order (for tests).
std::vector<std::pair<size_t, size_t>> LazyCacheSections(std::string_view bytes);
// The same over a copy of `bytes`.
std::unique_ptr<Screener> DeserializeScreener(std::string_view bytes, std::string_view key);

// The index cached in `cache` when it was written by this same executable for `content_key`
// (what the index was built from) and is intact; else `build()`, written to `cache` for the next
// process (best effort: a read-only data directory only costs a rebuild).
std::unique_ptr<Screener> CachedScreener(const std::string& cache, const std::string& content_key,
                                         const std::function<std::unique_ptr<Screener>()>& build);

}  // namespace exportctl::screen::internal
