// The graph's look-up tables and the difference between two imports.
#include <algorithm>
#include <map>
#include <set>

#include "ownership/ownership.h"

namespace exportctl::ownership {

namespace {

uint64_t Hash(std::string_view s) { return std::hash<std::string_view>{}(s); }

// The entities whose key hashes as `h`, from a table sorted by hash.
template <typename Same>
std::vector<uint32_t> Lookup(const std::vector<std::pair<uint64_t, uint32_t>>& table, uint64_t h, Same same) {
  std::vector<uint32_t> out;
  auto it = std::lower_bound(table.begin(), table.end(), std::pair<uint64_t, uint32_t>{h, 0});
  for (; it != table.end() && it->first == h; ++it) {
    if (same(it->second)) out.push_back(it->second);
  }
  return out;
}

}  // namespace

std::string SourceText(std::string_view file, uint32_t line, std::string_view source) {
  std::string s;
  s.reserve(file.size() + source.size() + 16);
  s.append(file).append(":").append(std::to_string(line));
  if (!source.empty()) s.append(" (").append(source).append(")");
  return s;
}

std::string Graph::SourceOf(const Edge& e) const {
  return SourceText(file_name, e.line, e.source < sources.size() ? std::string_view(sources[e.source]) : std::string_view());
}

void Graph::Index() {
  by_id_.resize(entities.size());
  by_name_.resize(entities.size());
  for (uint32_t i = 0; i < entities.size(); ++i) {
    by_id_[i] = {Hash(entities[i].id), i};
    by_name_[i] = {Hash(FoldName(entities[i].name)), i};
  }
  for (uint32_t i = 0; i < entities.size(); ++i) {
    for (const auto& a : entities[i].aliases) by_name_.push_back({Hash(FoldName(a)), i});
  }
  by_identifier_.clear();
  for (uint32_t i = 0; i < entities.size(); ++i) {
    for (const auto& id : entities[i].identifiers) by_identifier_.push_back({Hash(id), i});
  }
  std::sort(by_identifier_.begin(), by_identifier_.end());
  std::sort(by_id_.begin(), by_id_.end());
  std::sort(by_name_.begin(), by_name_.end());
  in_offsets_.assign(entities.size() + 1, 0);
  for (const auto& e : edges) ++in_offsets_[e.owned + 1];
  for (size_t i = 1; i < in_offsets_.size(); ++i) in_offsets_[i] += in_offsets_[i - 1];
  in_edges_.assign(edges.size(), 0);
  std::vector<uint32_t> fill(in_offsets_.begin(), in_offsets_.end() - 1);
  for (uint32_t i = 0; i < edges.size(); ++i) in_edges_[fill[edges[i].owned]++] = i;
}

const Entity* Graph::ById(std::string_view id) const {
  auto i = IndexOf(id);
  return i ? &entities[*i] : nullptr;
}

std::optional<uint32_t> Graph::IndexOf(std::string_view id) const {
  auto found = Lookup(by_id_, Hash(id), [&](uint32_t i) { return entities[i].id == id; });
  if (found.empty()) return std::nullopt;
  return found.front();
}

std::optional<uint32_t> Graph::ByIdentifier(std::string_view identifier) const {
  auto found = Lookup(by_identifier_, Hash(identifier), [&](uint32_t i) {
    return std::find(entities[i].identifiers.begin(), entities[i].identifiers.end(), identifier) != entities[i].identifiers.end();
  });
  if (found.empty()) return std::nullopt;
  return found.front();
}

std::vector<uint32_t> Graph::ByName(std::string_view name) const {
  auto found = Lookup(by_name_, Hash(FoldName(name)), [&](uint32_t i) { return SameName(entities[i], name) != nullptr; });
  // An entity whose name and other name fold alike is found once; import order.
  std::sort(found.begin(), found.end());
  found.erase(std::unique(found.begin(), found.end()), found.end());
  return found;
}

std::span<const uint32_t> Graph::OwnersOf(uint32_t owned) const {
  if (owned + 1 >= in_offsets_.size()) return {};
  return std::span<const uint32_t>(in_edges_.data() + in_offsets_[owned], in_offsets_[owned + 1] - in_offsets_[owned]);
}

GraphDiff Diff(const Graph& before, const Graph& after) {
  GraphDiff d;
  auto stakes = [](const Graph& g) {
    std::map<std::pair<std::string, std::string>, std::string> m;
    for (const auto& e : g.edges) {
      std::string& s = m[{g.entities[e.owner].id, g.entities[e.owned].id}];
      std::string text = e.share.ToString();
      if (e.start) text += " from " + e.start->ToString();
      if (e.end) text += " through " + e.end->ToString();
      s += (s.empty() ? "" : "; ") + text;
    }
    return m;
  };
  const auto a = stakes(before), b = stakes(after);
  for (const auto& [k, v] : a) {
    auto it = b.find(k);
    if (it == b.end()) d.changes.push_back({k.first, k.second, v, ""});
    else if (it->second != v) d.changes.push_back({k.first, k.second, v, it->second});
  }
  for (const auto& [k, v] : b) {
    if (!a.count(k)) d.changes.push_back({k.first, k.second, "", v});
  }
  std::set<std::string> ids_a, ids_b;
  for (const auto& e : before.entities) ids_a.insert(e.id);
  for (const auto& e : after.entities) ids_b.insert(e.id);
  std::set_difference(ids_b.begin(), ids_b.end(), ids_a.begin(), ids_a.end(), std::back_inserter(d.entities_added));
  std::set_difference(ids_a.begin(), ids_a.end(), ids_b.begin(), ids_b.end(), std::back_inserter(d.entities_removed));
  return d;
}

}  // namespace exportctl::ownership
