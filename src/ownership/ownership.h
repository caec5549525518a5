// The ownership graph a company keeps or buys (issue 13 §2): who owns how much of whom, from
// when to when, on whose word. Imported from CSV or FollowTheMoney JSON lines, stored in the
// data directory (SQLite, one transaction per import), and read by the Affiliates Rule.
//
//   auto g = ownership::ParseGraphFile("owners.csv");        // errors name the file line
//   if (!g.ok()) …                                          // kInvalidInput: nothing imported
//   ownership::GraphStore store(data_dir);
//   auto imported = store.Import(*g);                        // all or nothing
//   auto graph = store.Load();                               // the graph in use
//   ownership::CoverageCalculator cov(*graph, listed, list_version);
//   auto c = cov.Of(graph->Find("Acme Ltd")[0], as_of);      // covered? through whom?
//
// Errors are values: bad input is kInvalidInput with the field "<file>:<line>.<field>".
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/date.h"
#include "core/status.h"

namespace exportctl::ownership {

// A share as the sources state it: a percentage, a range ("25-50%"), or unknown.
struct Share {
  std::optional<double> low, high;  // both absent = unknown; equal = a plain percentage
  bool known() const { return low.has_value(); }
  bool range() const { return low && high && *high > *low; }
  std::string ToString() const;  // "60%", "25–50%", "unknown"
};
// "60", "60%", "50.5 %", "25-50%", "25 – 50 %", ">50%", "<25%", "" (unknown). Anything else,
// or a figure outside 0–100, is an error naming `field`.
Result<Share> ParseShare(std::string_view text, const std::string& field);

struct Entity {
  std::string id;    // FollowTheMoney id, or the CSV identifier, else "name:<folded name>"
  std::string name;
  // Its other names (FollowTheMoney: the further `name` values, `alias`, `previousName`): a party
  // or a listing may use any of them, so each is matched and screened like the name.
  std::vector<std::string> aliases;
  std::string country;                   // ISO-2, upper case; "" when not known
  std::vector<std::string> identifiers;  // registration numbers, LEI, INN, …
  std::string schema;                    // Company, Person, … ("" from CSV)
};

// owner → owned. Dates bound when the stake counts; an absent bound is open.
struct Edge {
  uint32_t owner = 0, owned = 0;  // indexes into Graph::entities
  Share share;
  uint32_t line = 0;    // line of the import file that stated it
  uint32_t source = 0;  // index into Graph::sources: what that line cites ("Orbis as of 2026-10-01")
  std::optional<Date> start, end;
  bool ActiveOn(Date d) const { return (!start || *start <= d) && (!end || d <= *end); }
};

class Graph {
 public:
  std::vector<Entity> entities;
  std::vector<Edge> edges;
  std::vector<std::string> sources;       // the distinct sources the edges cite ("" when none)
  std::string file_name, format, sha256;  // what it was imported from
  int64_t version = 0;                    // the store's import counter (0: not stored)
  std::string imported_at;
  std::vector<std::string> warnings;      // what the import did not read (unknown columns); not stored

  // Builds the look-up tables below; call after filling the vectors.
  void Index();
  const Entity* ById(std::string_view id) const;
  std::optional<uint32_t> IndexOf(std::string_view id) const;
  // The first entity (in import order) that lists `identifier` among its identifiers.
  std::optional<uint32_t> ByIdentifier(std::string_view identifier) const;
  // Entities whose name or one of whose other names folds to the same words as `name` (case,
  // spacing, punctuation).
  std::vector<uint32_t> ByName(std::string_view name) const;
  // Edges into `owned` (its owners), in import order.
  std::span<const uint32_t> OwnersOf(uint32_t owned) const;
  // Where an edge was stated: "owners.csv:12 (Orbis as of 2026-10-01)".
  std::string SourceOf(const Edge& e) const;

 private:
  // (hash, entity) sorted by hash: compact look-up tables for a million entities.
  std::vector<std::pair<uint64_t, uint32_t>> by_id_, by_name_, by_identifier_;
  std::vector<uint32_t> in_offsets_, in_edges_;  // CSR of incoming edges
};

// "owners.csv:12 (Orbis as of 2026-10-01)": an edge's line and what it cites.
std::string SourceText(std::string_view file, uint32_t line, std::string_view source);

// "Acme  Holding, Ltd." → "acme holding ltd": how names are compared for identity.
std::string FoldName(std::string_view name);
// The entity's name or other name that folds as `name` does; nullptr when none does.
const std::string* SameName(const Entity& e, std::string_view name);

// Parses an import file. The format is told by the content: a first line starting with "{" is
// FollowTheMoney JSON lines, else CSV with a header. Then Validate. Errors name the file line.
// `index`: build the look-up tables (Graph::Index); an import that only stores the graph skips them.
Result<Graph> ParseGraph(std::string_view bytes, const std::string& file_name, bool index = true);
Result<Graph> ParseGraphFile(const std::string& path);
// Shares within 0–100 (by construction), owners of one entity summing past 100 % at any date,
// and ownership cycles are errors naming the line of an edge involved.
Status Validate(const Graph& g);

// <data_dir>/ownership.sqlite: the graph in use and the one before it (for `diff`).
class GraphStore {
 public:
  explicit GraphStore(std::string data_dir);
  struct Imported {
    int64_t version = 0;
    size_t entities = 0, edges = 0;
  };
  // Replaces the graph in one transaction: on any failure the previous graph stays in use. A
  // graph without a stake (a header-only or truncated export) would disarm every check that
  // relied on the one in use: refused unless `allow_empty`.
  Result<Imported> Import(const Graph& g, bool allow_empty = false) const;
  // The graph in use; kNotFound when none was imported. `previous`: the one it replaced.
  Result<Graph> Load(bool previous = false) const;
  bool Exists() const;

 private:
  std::string path_;
};

// The graph in use in <data_dir>, read by indexed look-ups rather than loaded: what a one-off
// check needs (a party's entity and its owners) at any graph size. Not thread-safe.
class GraphReader {
 public:
  // kNotFound when no graph was imported.
  static Result<std::unique_ptr<GraphReader>> Open(const std::string& data_dir);
  ~GraphReader();
  int64_t version() const { return version_; }
  const std::string& file_name() const { return file_; }
  const std::string& sha256() const { return sha256_; }
  size_t edge_count() const { return edges_; }
  size_t entity_count() const { return entities_; }

  std::optional<uint32_t> IndexOf(std::string_view id) const;
  std::optional<uint32_t> ByIdentifier(std::string_view identifier) const;
  std::vector<uint32_t> ByName(std::string_view name) const;  // import order
  Result<Entity> EntityAt(uint32_t index) const;
  struct Stake {
    Edge edge;
    std::string source;  // as Graph::SourceOf
  };
  Result<std::vector<Stake>> StakesInto(uint32_t owned) const;  // import order
  // Every entity in import order (for the name matcher).
  Status EachEntity(const std::function<void(Entity&&)>& f) const;

 private:
  struct Db;
  explicit GraphReader(std::unique_ptr<Db> db);
  std::unique_ptr<Db> db_;
  int64_t version_ = 0;
  std::string file_, sha256_;
  size_t edges_ = 0, entities_ = 0;
};

struct GraphDiff {
  struct Change {
    std::string owner, owned;  // entity ids
    std::string before, after;  // share text; "" when absent on that side
  };
  std::vector<Change> changes;  // added (before ""), removed (after ""), changed
  std::vector<std::string> entities_added, entities_removed;
};
GraphDiff Diff(const Graph& before, const Graph& after);

// ---- Coverage under the Affiliates Rule (Supp. No. 8 to Part 744, addendum §1.5) ----

// Whether an entity's own listing carries over to what it owns (Entity List, MEU List, SDN
// under a 15 CFR 744.8(a)(1) program): the front end decides from the lists and the regime data.
struct ListedStatus {
  enum class Carries { kNo, kYes, kMaybe } carries = Carries::kNo;
  std::string lists;  // "entity_list as \"Huawei Technologies Co., Ltd.\""; why it may
};
using ListedFn = std::function<ListedStatus(const Entity&)>;

struct CoveragePath {
  std::string text;  // "\"X\" (entity_list) → 50% of \"A\" → 25% of \"C\""
};
struct Coverage {
  enum class State { kNotCovered, kCovered, kUncertain } state = State::kNotCovered;
  bool listed = false;         // its own listing carries over
  double share = 0;            // aggregate direct stake of covered owners (lower bounds)
  std::vector<std::string> paths;  // covered (or possibly covering) owners, listed owner first
  std::vector<std::string> why;    // what keeps it uncertain
  bool red_flag_29 = false;    // a covered owner's share is unknown
  // A US entity that covered parties own (or may): not covered itself (the rule reaches foreign
  // entities only), but whether its stake counts in what it owns is open (addendum §1.5).
  bool us_stake_open = false;
};
const char* CoverageStateName(Coverage::State s);  // "not_covered", "covered", "needs_review"

// Coverage of every entity, computed on demand and kept per (graph version, list version,
// date). The rule's figures come from the regime data (threshold, minority warning).
class CoverageCalculator {
 public:
  // united_states: the country codes that are the United States (15 CFR 772.1: "US" and the
  // territories the country data treats as the US), whose entities the rule does not cover.
  CoverageCalculator(const Graph& g, ListedFn listed, std::string list_version, double threshold = 50,
                     std::vector<std::string> united_states = {"US"});
  const Coverage& Of(uint32_t entity, Date as_of) const;
  const std::string& list_version() const { return list_version_; }
  int64_t graph_version() const { return g_.version; }

 private:
  const Coverage& Compute(uint32_t e, Date d, std::unordered_map<uint32_t, Coverage>& memo) const;
  const Graph& g_;
  ListedFn listed_;
  std::string list_version_;
  double threshold_;
  std::vector<std::string> united_states_;
  mutable std::mutex mu_;
  mutable std::unordered_map<int32_t, std::unordered_map<uint32_t, Coverage>> by_date_;
  mutable std::unordered_map<uint32_t, ListedStatus> listed_cache_;
};

}  // namespace exportctl::ownership
