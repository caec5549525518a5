// The graph's look-up tables and the difference between two imports.
#include <algorithm>
#include <map>
#include <set>

#include "ownership/ownership.h"

namespace exportctl::ownership {

void Graph::Index() {
  by_id_.clear();
  by_name_.clear();
  by_id_.reserve(entities.size());
  for (uint32_t i = 0; i < entities.size(); ++i) {
    by_id_.emplace(entities[i].id, i);
    by_name_.emplace(FoldName(entities[i].name), i);
  }
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
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return std::nullopt;
  return it->second;
}

std::vector<uint32_t> Graph::ByName(std::string_view name) const {
  std::vector<uint32_t> out;
  auto [b, e] = by_name_.equal_range(FoldName(name));
  for (auto it = b; it != e; ++it) out.push_back(it->second);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<uint32_t> Graph::OwnersOf(uint32_t owned) const {
  if (owned + 1 >= in_offsets_.size()) return {};
  return std::vector<uint32_t>(in_edges_.begin() + in_offsets_[owned], in_edges_.begin() + in_offsets_[owned + 1]);
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
