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

constexpr char kSep = '\x1f';  // between identifiers

Status OpenDb(const std::string& path, bool create, Conn& c) {
  const int flags = create ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;
  if (sqlite3_open_v2(path.c_str(), &c.db, flags | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    return c.Err("cannot open " + path);
  }
  sqlite3_busy_timeout(c.db, 10000);
  return Status::Ok();
}

}  // namespace

GraphStore::GraphStore(std::string data_dir) : path_(std::move(data_dir) + "/ownership.sqlite") {}

bool GraphStore::Exists() const { return std::filesystem::exists(path_); }

Result<GraphStore::Imported> GraphStore::Import(const Graph& g) const {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path_).parent_path(), ec);
  Conn c;
  EXPORTCTL_RETURN_IF_ERROR(OpenDb(path_, true, c));
  EXPORTCTL_RETURN_IF_ERROR(c.Exec("PRAGMA synchronous=NORMAL"));
  EXPORTCTL_RETURN_IF_ERROR(c.Exec(
      "CREATE TABLE IF NOT EXISTS graphs(slot TEXT PRIMARY KEY, version INTEGER, file TEXT, format TEXT, sha256 TEXT,"
      " imported_at TEXT, entities INTEGER, edges INTEGER)"));
  EXPORTCTL_RETURN_IF_ERROR(c.Exec("BEGIN IMMEDIATE"));
  auto fail = [&](Status s) {
    (void)c.Exec("ROLLBACK");
    return s;
  };
  int64_t version = 1;
  {
    Query q(c, "SELECT version FROM graphs WHERE slot='current'");
    if (q.s && sqlite3_step(q.s) == SQLITE_ROW) version = sqlite3_column_int64(q.s, 0) + 1;
  }
  const char* rotate[] = {
      "DROP TABLE IF EXISTS entities_previous", "DROP TABLE IF EXISTS edges_previous",
      "DELETE FROM graphs WHERE slot='previous'", "UPDATE graphs SET slot='previous' WHERE slot='current'",
      "CREATE TABLE IF NOT EXISTS entities_current(idx INTEGER PRIMARY KEY, id TEXT, name TEXT, country TEXT, identifiers TEXT, schema TEXT)",
      "CREATE TABLE IF NOT EXISTS edges_current(owner INTEGER, owned INTEGER, low REAL, high REAL, source TEXT, start INTEGER, end_ INTEGER)",
      "ALTER TABLE entities_current RENAME TO entities_previous", "ALTER TABLE edges_current RENAME TO edges_previous",
      "CREATE TABLE entities_current(idx INTEGER PRIMARY KEY, id TEXT, name TEXT, country TEXT, identifiers TEXT, schema TEXT)",
      "CREATE TABLE edges_current(owner INTEGER, owned INTEGER, low REAL, high REAL, source TEXT, start INTEGER, end_ INTEGER)"};
  for (const char* sql : rotate) {
    if (Status s = c.Exec(sql); !s.ok()) return fail(s);
  }
  {
    Query q(c, "INSERT INTO entities_current VALUES(?,?,?,?,?,?)");
    if (!q.s) return fail(c.Err("prepare"));
    std::string ids;
    for (size_t i = 0; i < g.entities.size(); ++i) {
      const Entity& e = g.entities[i];
      ids.clear();
      for (const auto& id : e.identifiers) ids += (ids.empty() ? "" : std::string(1, kSep)) + id;
      q.Int(1, static_cast<int64_t>(i));
      q.Text(2, e.id);
      q.Text(3, e.name);
      q.Text(4, e.country);
      q.Text(5, ids);
      q.Text(6, e.schema);
      if (sqlite3_step(q.s) != SQLITE_DONE) return fail(c.Err("insert entity"));
      sqlite3_reset(q.s);
    }
  }
  {
    Query q(c, "INSERT INTO edges_current VALUES(?,?,?,?,?,?,?)");
    if (!q.s) return fail(c.Err("prepare"));
    for (const Edge& e : g.edges) {
      q.Int(1, e.owner);
      q.Int(2, e.owned);
      q.Real(3, e.share.low);
      q.Real(4, e.share.high);
      q.Text(5, g.sources[e.source]);
      q.Int(6, e.start ? std::optional<int64_t>(e.start->days()) : std::nullopt);
      q.Int(7, e.end ? std::optional<int64_t>(e.end->days()) : std::nullopt);
      if (sqlite3_step(q.s) != SQLITE_DONE) return fail(c.Err("insert edge"));
      sqlite3_reset(q.s);
    }
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
  {
    Query q(c, ("SELECT id, name, country, identifiers, schema FROM entities_" + slot + " ORDER BY idx").c_str());
    if (!q.s) return c.Err("read entities");
    while (sqlite3_step(q.s) == SQLITE_ROW) {
      Entity e;
      e.id = q.ColText(0);
      e.name = q.ColText(1);
      e.country = q.ColText(2);
      const std::string ids = q.ColText(3);
      for (size_t p = 0; !ids.empty() && p <= ids.size();) {
        size_t n = ids.find(kSep, p);
        if (n == std::string::npos) n = ids.size();
        e.identifiers.push_back(ids.substr(p, n - p));
        p = n + 1;
      }
      e.schema = q.ColText(4);
      g.entities.push_back(std::move(e));
    }
  }
  {
    Query q(c, ("SELECT owner, owned, low, high, source, start, end_ FROM edges_" + slot + " ORDER BY rowid").c_str());
    if (!q.s) return c.Err("read edges");
    while (sqlite3_step(q.s) == SQLITE_ROW) {
      Edge e;
      e.owner = static_cast<uint32_t>(sqlite3_column_int64(q.s, 0));
      e.owned = static_cast<uint32_t>(sqlite3_column_int64(q.s, 1));
      if (e.owner >= g.entities.size() || e.owned >= g.entities.size()) return c.Err("ownership graph damaged (edge to no entity)");
      if (!q.Null(2)) e.share.low = sqlite3_column_double(q.s, 2);
      if (!q.Null(3)) e.share.high = sqlite3_column_double(q.s, 3);
      e.source = static_cast<uint32_t>(g.sources.size());
      g.sources.push_back(q.ColText(4));
      if (!q.Null(5)) e.start = Date::FromDays(static_cast<int32_t>(sqlite3_column_int64(q.s, 5)));
      if (!q.Null(6)) e.end = Date::FromDays(static_cast<int32_t>(sqlite3_column_int64(q.s, 6)));
      g.edges.push_back(e);
    }
  }
  g.Index();
  return g;
}

}  // namespace exportctl::ownership
