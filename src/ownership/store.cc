// <data_dir>/ownership.sqlite. An import is one SQLite transaction: the graph in use becomes the
// previous one and the new one is written; a failure anywhere rolls all of it back.
#include <sqlite3.h>

#include <filesystem>

#include "core/clock.h"
#include "ownership/ownership.h"

namespace exportctl::ownership {
namespace {

// The few SQLite calls the store needs, closed on every path.
struct Conn {
  sqlite3* db = nullptr;
  ~Conn() { if (db) sqlite3_close_v2(db); }
  Status Err(const std::string& what) const {
    return Status::Error(ErrorCode::kUnavailable, "ownership", what + ": " + (db ? sqlite3_errmsg(db) : "cannot open"));
  }
  Status Exec(const char* sql) const {
    return sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK ? Status::Ok() : Err(sql);
  }
};
struct Query {
  sqlite3_stmt* s = nullptr;
  Query(const Conn& c, const char* sql) { sqlite3_prepare_v2(c.db, sql, -1, &s, nullptr); }
  ~Query() { if (s) sqlite3_finalize(s); }
  void Text(int i, std::string_view v) { sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC); }
  void Real(int i, std::optional<double> v) { v ? sqlite3_bind_double(s, i, *v) : sqlite3_bind_null(s, i); }
  void Int(int i, std::optional<int64_t> v) { v ? sqlite3_bind_int64(s, i, *v) : sqlite3_bind_null(s, i); }
  std::string ColText(int c) const {
    auto p = reinterpret_cast<const char*>(sqlite3_column_text(s, c));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(s, c))) : std::string();
  }
  bool Null(int c) const { return sqlite3_column_type(s, c) == SQLITE_NULL; }
};

constexpr char kSep = '\x1f';  // between identifiers, and between other names

std::vector<std::string> SplitIdentifiers(const std::string& ids) {
  std::vector<std::string> out;
  for (size_t p = 0; !ids.empty() && p <= ids.size();) {
    size_t n = ids.find(kSep, p);
    if (n == std::string::npos) n = ids.size();
    out.push_back(ids.substr(p, n - p));
    p = n + 1;
  }
  return out;
}

// An entity row: id, name, country, identifiers, schema, folded.
Entity EntityRow(const Query& q) {
  Entity e;
  e.id = q.Null(0) ? "name:" + q.ColText(5) : q.ColText(0);
  e.name = q.ColText(1);
  e.country = q.ColText(2);
  e.identifiers = SplitIdentifiers(q.ColText(3));
  e.schema = q.ColText(4);
  e.aliases = SplitIdentifiers(q.ColText(6));
  return e;
}

// An edge row: owner, owned, low, high, line, source, start, end_.
Edge ReadEdge(const Query& q) {
  Edge e;
  e.owner = static_cast<uint32_t>(sqlite3_column_int64(q.s, 0));
  e.owned = static_cast<uint32_t>(sqlite3_column_int64(q.s, 1));
  if (!q.Null(2)) e.share.low = sqlite3_column_double(q.s, 2);
  if (!q.Null(3)) e.share.high = sqlite3_column_double(q.s, 3);
  e.line = static_cast<uint32_t>(sqlite3_column_int64(q.s, 4));
  e.source = static_cast<uint32_t>(sqlite3_column_int64(q.s, 5));
  if (!q.Null(6)) e.start = Date::FromDays(static_cast<int32_t>(sqlite3_column_int64(q.s, 6)));
  if (!q.Null(7)) e.end = Date::FromDays(static_cast<int32_t>(sqlite3_column_int64(q.s, 7)));
  return e;
}

Status OpenDb(const std::string& path, bool create, Conn& c) {
  const int flags = create ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;
  if (sqlite3_open_v2(path.c_str(), &c.db, flags | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    return c.Err("cannot open " + path);
  }
  sqlite3_busy_timeout(c.db, 10000);
  return Status::Ok();
}

// The layout this code writes (PRAGMA user_version). A file of an earlier layout (1: a source
// text per edge, no look-up indexes; 2: no other names) is not read: import the graph again.
constexpr int kSchema = 3;

Status CheckSchema(const Conn& c, bool writing) {
  int version = 0;
  bool has_graphs = false;
  {
    Query q(c, "PRAGMA user_version");
    if (q.s && sqlite3_step(q.s) == SQLITE_ROW) version = sqlite3_column_int(q.s, 0);
  }
  {
    Query q(c, "SELECT 1 FROM sqlite_master WHERE name='graphs'");
    has_graphs = q.s && sqlite3_step(q.s) == SQLITE_ROW;
  }
  if (version == kSchema) return Status::Ok();
  if (has_graphs && version < kSchema && writing) {
    // An earlier layout: start afresh (the import replaces it; there is no previous graph to diff).
    for (const char* sql : {"DROP TABLE IF EXISTS entities_previous", "DROP TABLE IF EXISTS edges_previous", "DROP TABLE IF EXISTS entities_current",
                            "DROP TABLE IF EXISTS edges_current", "DELETE FROM graphs"}) {
      EXPORTCTL_RETURN_IF_ERROR(c.Exec(sql));
    }
  } else if (has_graphs) {
    return Status::Error(ErrorCode::kUnavailable, "ownership",
                         "ownership.sqlite has layout " + std::to_string(version) + ", this version reads " + std::to_string(kSchema) +
                             ": import the ownership graph again");
  }
  return writing ? c.Exec(("PRAGMA user_version=" + std::to_string(kSchema)).c_str()) : Status::Ok();
}

}  // namespace

GraphStore::GraphStore(std::string data_dir) : path_(std::move(data_dir) + "/ownership.sqlite") {}

bool GraphStore::Exists() const { return std::filesystem::exists(path_); }

Result<GraphStore::Imported> GraphStore::Import(const Graph& g, bool allow_empty) const {
  if (g.edges.empty() && !allow_empty) {
    return Status::Invalid(g.file_name.empty() ? "file" : g.file_name,
                           "no ownership stake in the file: importing it would replace the graph in use with an empty one (a truncated "
                           "export?); nothing imported (to empty the graph on purpose, allow an empty import)");
  }
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path_).parent_path(), ec);
  Conn c;
  EXPORTCTL_RETURN_IF_ERROR(OpenDb(path_, true, c));
  EXPORTCTL_RETURN_IF_ERROR(c.Exec("PRAGMA synchronous=NORMAL"));
  EXPORTCTL_RETURN_IF_ERROR(c.Exec("PRAGMA cache_size=-16384"));  // 16 MB: the index sorts stay in memory
  EXPORTCTL_RETURN_IF_ERROR(c.Exec(
      "CREATE TABLE IF NOT EXISTS graphs(slot TEXT PRIMARY KEY, version INTEGER, file TEXT, format TEXT, sha256 TEXT,"
      " imported_at TEXT, entities INTEGER, edges INTEGER)"));
  EXPORTCTL_RETURN_IF_ERROR(c.Exec("BEGIN IMMEDIATE"));
  auto fail = [&](Status s) {
    (void)c.Exec("ROLLBACK");
    return s;
  };
  if (Status s = CheckSchema(c, true); !s.ok()) return fail(s);
  int64_t version = 1;
  {
    Query q(c, "SELECT version FROM graphs WHERE slot='current'");
    if (q.s && sqlite3_step(q.s) == SQLITE_ROW) version = sqlite3_column_int64(q.s, 0) + 1;
  }
  // The graph in use becomes the previous one (without its look-up indexes: `diff` reads it whole).
  const char* rotate[] = {
      "DROP TABLE IF EXISTS entities_previous", "DROP TABLE IF EXISTS edges_previous", "DROP TABLE IF EXISTS sources_previous",
      "DROP TABLE IF EXISTS identifiers_previous", "DROP TABLE IF EXISTS names_previous", "DELETE FROM graphs WHERE slot='previous'",
      "UPDATE graphs SET slot='previous' WHERE slot='current'",
      "DROP INDEX IF EXISTS entities_current_id", "DROP INDEX IF EXISTS entities_current_folded",
      "DROP INDEX IF EXISTS edges_current_owned", "DROP INDEX IF EXISTS identifiers_current_identifier",
      "DROP INDEX IF EXISTS names_current_folded",
      "CREATE TABLE IF NOT EXISTS entities_current(idx INTEGER PRIMARY KEY, id TEXT, name TEXT, folded TEXT, country TEXT, identifiers TEXT, schema TEXT, aliases TEXT)",
      "CREATE TABLE IF NOT EXISTS edges_current(owner INTEGER, owned INTEGER, low REAL, high REAL, line INTEGER, source INTEGER, start INTEGER, end_ INTEGER)",
      "CREATE TABLE IF NOT EXISTS sources_current(idx INTEGER PRIMARY KEY, text TEXT)",
      "CREATE TABLE IF NOT EXISTS identifiers_current(identifier TEXT, entity INTEGER)",
      "CREATE TABLE IF NOT EXISTS names_current(folded TEXT, entity INTEGER)",
      "ALTER TABLE entities_current RENAME TO entities_previous", "ALTER TABLE edges_current RENAME TO edges_previous",
      "ALTER TABLE sources_current RENAME TO sources_previous", "ALTER TABLE identifiers_current RENAME TO identifiers_previous",
      "ALTER TABLE names_current RENAME TO names_previous",
      "CREATE TABLE entities_current(idx INTEGER PRIMARY KEY, id TEXT, name TEXT, folded TEXT, country TEXT, identifiers TEXT, schema TEXT, aliases TEXT)",
      "CREATE TABLE edges_current(owner INTEGER, owned INTEGER, low REAL, high REAL, line INTEGER, source INTEGER, start INTEGER, end_ INTEGER)",
      "CREATE TABLE sources_current(idx INTEGER PRIMARY KEY, text TEXT)",
      "CREATE TABLE identifiers_current(identifier TEXT, entity INTEGER)",
      "CREATE TABLE names_current(folded TEXT, entity INTEGER)"};
  for (const char* sql : rotate) {
    if (Status s = c.Exec(sql); !s.ok()) return fail(s);
  }
  {
    Query q(c, "INSERT INTO entities_current VALUES(?,?,?,?,?,?,?,?)");
    Query qi(c, "INSERT INTO identifiers_current VALUES(?,?)");
    Query qn(c, "INSERT INTO names_current VALUES(?,?)");
    if (!q.s || !qi.s || !qn.s) return fail(c.Err("prepare"));
    std::string ids, folded, aliases, folded_alias;
    for (size_t i = 0; i < g.entities.size(); ++i) {
      const Entity& e = g.entities[i];
      ids.clear();
      for (const auto& id : e.identifiers) {
        if (!ids.empty()) ids.push_back(kSep);
        ids += id;
        qi.Text(1, id);
        qi.Int(2, static_cast<int64_t>(i));
        if (sqlite3_step(qi.s) != SQLITE_DONE) return fail(c.Err("insert identifier"));
        sqlite3_reset(qi.s);
      }
      folded = FoldName(e.name);
      q.Int(1, static_cast<int64_t>(i));
      // An entity keyed by its name alone has no id of its own: NULL, read back as "name:<folded>".
      if (e.id.size() == folded.size() + 5 && e.id.starts_with("name:") && e.id.ends_with(folded)) {
        sqlite3_bind_null(q.s, 2);
      } else {
        q.Text(2, e.id);
      }
      q.Text(3, e.name);
      q.Text(4, folded);
      q.Text(5, e.country);
      q.Text(6, ids);
      q.Text(7, e.schema);
      aliases.clear();
      for (const auto& a : e.aliases) {
        if (!aliases.empty()) aliases.push_back(kSep);
        aliases += a;
        folded_alias = FoldName(a);  // bound without a copy (SQLITE_STATIC): it must outlive the step
        qn.Text(1, folded_alias);
        qn.Int(2, static_cast<int64_t>(i));
        if (sqlite3_step(qn.s) != SQLITE_DONE) return fail(c.Err("insert name"));
        sqlite3_reset(qn.s);
      }
      q.Text(8, aliases);
      if (sqlite3_step(q.s) != SQLITE_DONE) return fail(c.Err("insert entity"));
      sqlite3_reset(q.s);
    }
  }
  {
    Query q(c, "INSERT INTO sources_current VALUES(?,?)");
    if (!q.s) return fail(c.Err("prepare"));
    for (size_t i = 0; i < g.sources.size(); ++i) {
      q.Int(1, static_cast<int64_t>(i));
      q.Text(2, g.sources[i]);
      if (sqlite3_step(q.s) != SQLITE_DONE) return fail(c.Err("insert source"));
      sqlite3_reset(q.s);
    }
  }
  {
    Query q(c, "INSERT INTO edges_current VALUES(?,?,?,?,?,?,?,?)");
    if (!q.s) return fail(c.Err("prepare"));
    for (const Edge& e : g.edges) {
      q.Int(1, e.owner);
      q.Int(2, e.owned);
      q.Real(3, e.share.low);
      q.Real(4, e.share.high);
      q.Int(5, e.line);
      q.Int(6, e.source);
      q.Int(7, e.start ? std::optional<int64_t>(e.start->days()) : std::nullopt);
      q.Int(8, e.end ? std::optional<int64_t>(e.end->days()) : std::nullopt);
      if (sqlite3_step(q.s) != SQLITE_DONE) return fail(c.Err("insert edge"));
      sqlite3_reset(q.s);
    }
  }
  // Indexes after the rows (one sort each rather than a B-tree insert per row): what a check
  // reads without loading the graph (a party's entity by id, identifier or name; its owners).
  const char* indexes[] = {"CREATE INDEX entities_current_id ON entities_current(id) WHERE id IS NOT NULL",
                           "CREATE INDEX entities_current_folded ON entities_current(folded)",
                           "CREATE INDEX edges_current_owned ON edges_current(owned)",
                           "CREATE INDEX identifiers_current_identifier ON identifiers_current(identifier)",
                           "CREATE INDEX names_current_folded ON names_current(folded)"};
  for (const char* sql : indexes) {
    if (Status s = c.Exec(sql); !s.ok()) return fail(s);
  }
  {
    Query q(c, "INSERT INTO graphs VALUES('current',?,?,?,?,?,?,?)");
    const std::string at = TodayUtc().ToString();
    q.Int(1, version);
    q.Text(2, g.file_name);
    q.Text(3, g.format);
    q.Text(4, g.sha256);
    q.Text(5, at);
    q.Int(6, static_cast<int64_t>(g.entities.size()));
    q.Int(7, static_cast<int64_t>(g.edges.size()));
    if (!q.s || sqlite3_step(q.s) != SQLITE_DONE) return fail(c.Err("record the import"));
  }
  if (Status s = c.Exec("COMMIT"); !s.ok()) return fail(s);
  return Imported{version, g.entities.size(), g.edges.size()};
}

Result<Graph> GraphStore::Load(bool previous) const {
  const std::string slot = previous ? "previous" : "current";
  if (!Exists()) return Status::Error(ErrorCode::kNotFound, "ownership", "no ownership graph imported (exportctl ownership import FILE)");
  Conn c;
  EXPORTCTL_RETURN_IF_ERROR(OpenDb(path_, false, c));
  EXPORTCTL_RETURN_IF_ERROR(CheckSchema(c, false));
  Graph g;
  {
    Query q(c, "SELECT version, file, format, sha256, imported_at FROM graphs WHERE slot=?");
    if (!q.s) return c.Err("read the ownership graph");
    q.Text(1, slot);
    if (sqlite3_step(q.s) != SQLITE_ROW) {
      return Status::Error(ErrorCode::kNotFound, "ownership", previous ? "no earlier ownership graph to compare with" : "no ownership graph imported");
    }
    g.version = sqlite3_column_int64(q.s, 0);
    g.file_name = q.ColText(1);
    g.format = q.ColText(2);
    g.sha256 = q.ColText(3);
    g.imported_at = q.ColText(4);
  }
  auto count = [&](const std::string& table) -> int64_t {
    Query q(c, ("SELECT max(rowid) FROM " + table).c_str());
    return q.s && sqlite3_step(q.s) == SQLITE_ROW ? sqlite3_column_int64(q.s, 0) + 1 : 0;
  };
  {
    Query q(c, ("SELECT id, name, country, identifiers, schema, folded, aliases FROM entities_" + slot + " ORDER BY idx").c_str());  // as EntityRow
    if (!q.s) return c.Err("read entities");
    g.entities.reserve(static_cast<size_t>(count("entities_" + slot)));
    while (sqlite3_step(q.s) == SQLITE_ROW) g.entities.push_back(EntityRow(q));
  }
  {
    Query q(c, ("SELECT text FROM sources_" + slot + " ORDER BY idx").c_str());
    if (!q.s) return c.Err("read sources");
    while (sqlite3_step(q.s) == SQLITE_ROW) g.sources.push_back(q.ColText(0));
  }
  {
    Query q(c, ("SELECT owner, owned, low, high, line, source, start, end_ FROM edges_" + slot + " ORDER BY rowid").c_str());
    if (!q.s) return c.Err("read edges");
    g.edges.reserve(static_cast<size_t>(count("edges_" + slot)));
    while (sqlite3_step(q.s) == SQLITE_ROW) {
      auto e = ReadEdge(q);
      if (e.owner >= g.entities.size() || e.owned >= g.entities.size() || e.source >= std::max<size_t>(1, g.sources.size())) {
        return c.Err("ownership graph damaged (edge to no entity)");
      }
      g.edges.push_back(e);
    }
  }
  g.Index();
  return g;
}

// ---- GraphReader: the current graph by indexed look-ups ----

struct GraphReader::Db {
  Conn c;
  std::unique_ptr<Query> by_id, by_name_id, by_identifier, by_name, entity, stakes, sources;
  std::vector<std::optional<std::string>> source_text;  // read on first use
};

GraphReader::GraphReader(std::unique_ptr<Db> db) : db_(std::move(db)) {}
GraphReader::~GraphReader() = default;

Result<std::unique_ptr<GraphReader>> GraphReader::Open(const std::string& data_dir) {
  GraphStore store(data_dir);
  if (!store.Exists()) return Status::Error(ErrorCode::kNotFound, "ownership", "no ownership graph imported");
  auto db = std::make_unique<Db>();
  EXPORTCTL_RETURN_IF_ERROR(OpenDb(data_dir + "/ownership.sqlite", false, db->c));
  EXPORTCTL_RETURN_IF_ERROR(CheckSchema(db->c, false));
  std::unique_ptr<GraphReader> r(new GraphReader(std::move(db)));
  {
    Query q(r->db_->c, "SELECT version, file, sha256, entities, edges FROM graphs WHERE slot='current'");
    if (!q.s) return r->db_->c.Err("read the ownership graph");
    if (sqlite3_step(q.s) != SQLITE_ROW) return Status::Error(ErrorCode::kNotFound, "ownership", "no ownership graph imported");
    r->version_ = sqlite3_column_int64(q.s, 0);
    r->file_ = q.ColText(1);
    r->sha256_ = q.ColText(2);
    r->entities_ = static_cast<size_t>(sqlite3_column_int64(q.s, 3));
    r->edges_ = static_cast<size_t>(sqlite3_column_int64(q.s, 4));
  }
  Db& d = *r->db_;
  auto prepare = [&](std::unique_ptr<Query>& q, const char* sql) -> Status {
    q = std::make_unique<Query>(d.c, sql);
    return q->s ? Status::Ok() : d.c.Err("prepare");
  };
  EXPORTCTL_RETURN_IF_ERROR(prepare(d.by_id, "SELECT idx FROM entities_current WHERE id=? ORDER BY idx LIMIT 1"));
  EXPORTCTL_RETURN_IF_ERROR(prepare(d.by_name_id, "SELECT idx FROM entities_current WHERE folded=? AND id IS NULL ORDER BY idx LIMIT 1"));
  EXPORTCTL_RETURN_IF_ERROR(prepare(d.by_identifier, "SELECT entity FROM identifiers_current WHERE identifier=? ORDER BY entity LIMIT 1"));
  // By the name or another name (an entity that has both once, in import order).
  EXPORTCTL_RETURN_IF_ERROR(prepare(d.by_name, "SELECT idx FROM entities_current WHERE folded=?1 UNION SELECT entity FROM names_current WHERE folded=?1 ORDER BY 1"));
  EXPORTCTL_RETURN_IF_ERROR(prepare(d.entity, "SELECT id, name, country, identifiers, schema, folded, aliases FROM entities_current WHERE idx=?"));
  EXPORTCTL_RETURN_IF_ERROR(prepare(d.stakes, "SELECT owner, owned, low, high, line, source, start, end_ FROM edges_current WHERE owned=? ORDER BY rowid"));
  EXPORTCTL_RETURN_IF_ERROR(prepare(d.sources, "SELECT text FROM sources_current WHERE idx=?"));
  return r;
}

namespace {

// Steps a prepared look-up bound to one value and collects its first column.
std::vector<uint32_t> Indexes(Query& q) {
  std::vector<uint32_t> out;
  while (sqlite3_step(q.s) == SQLITE_ROW) out.push_back(static_cast<uint32_t>(sqlite3_column_int64(q.s, 0)));
  sqlite3_reset(q.s);
  return out;
}
std::optional<uint32_t> First(Query& q) {
  auto v = Indexes(q);
  if (v.empty()) return std::nullopt;
  return v.front();
}

}  // namespace

std::optional<uint32_t> GraphReader::IndexOf(std::string_view id) const {
  if (id.starts_with("name:")) {  // an entity known by its name alone
    db_->by_name_id->Text(1, id.substr(5));
    return First(*db_->by_name_id);
  }
  db_->by_id->Text(1, id);
  return First(*db_->by_id);
}

std::optional<uint32_t> GraphReader::ByIdentifier(std::string_view identifier) const {
  db_->by_identifier->Text(1, identifier);
  return First(*db_->by_identifier);
}

std::vector<uint32_t> GraphReader::ByName(std::string_view name) const {
  const std::string folded = FoldName(name);
  db_->by_name->Text(1, folded);
  return Indexes(*db_->by_name);
}

Result<Entity> GraphReader::EntityAt(uint32_t index) const {
  Query& q = *db_->entity;
  q.Int(1, index);
  if (sqlite3_step(q.s) != SQLITE_ROW) {
    sqlite3_reset(q.s);
    return db_->c.Err("ownership graph damaged (no entity " + std::to_string(index) + ")");
  }
  Entity e = EntityRow(q);
  sqlite3_reset(q.s);
  return e;
}

Result<std::vector<GraphReader::Stake>> GraphReader::StakesInto(uint32_t owned) const {
  Query& q = *db_->stakes;
  q.Int(1, owned);
  std::vector<Stake> out;
  while (sqlite3_step(q.s) == SQLITE_ROW) out.push_back({ReadEdge(q), ""});
  sqlite3_reset(q.s);
  for (auto& st : out) {
    if (st.edge.owner >= entities_) return db_->c.Err("ownership graph damaged (edge to no entity)");
    auto& cache = db_->source_text;
    if (st.edge.source >= cache.size()) cache.resize(st.edge.source + 1);
    if (!cache[st.edge.source]) {
      Query& s = *db_->sources;
      s.Int(1, st.edge.source);
      cache[st.edge.source] = sqlite3_step(s.s) == SQLITE_ROW ? s.ColText(0) : std::string();
      sqlite3_reset(s.s);
    }
    st.source = SourceText(file_, st.edge.line, *cache[st.edge.source]);
  }
  return out;
}

Status GraphReader::EachEntity(const std::function<void(Entity&&)>& f) const {
  Query q(db_->c, "SELECT id, name, country, identifiers, schema, folded, aliases FROM entities_current ORDER BY idx");
  if (!q.s) return db_->c.Err("read entities");
  while (sqlite3_step(q.s) == SQLITE_ROW) f(EntityRow(q));
  return Status::Ok();
}

}  // namespace exportctl::ownership
