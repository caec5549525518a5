// <data_dir>/licenses.sqlite: every version of every license. One SQLite transaction per change
// (BEGIN IMMEDIATE serialises writers across processes); WAL, synchronous=FULL.
#include <sqlite3.h>

#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <simdjson.h>

#include "core/clock.h"
#include "core/validate.h"
#include "license/license.h"

namespace exportctl::license {
namespace {

using nlohmann::json;

constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS license_versions("
    " number TEXT NOT NULL, version INTEGER NOT NULL,"
    " change TEXT NOT NULL CHECK (change IN ('added','amended','revoked')),"
    " status TEXT NOT NULL CHECK (status IN ('active','revoked')),"
    " terms TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '', actor TEXT NOT NULL,"
    " recorded_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),"
    " PRIMARY KEY (number, version));"
    "CREATE TRIGGER IF NOT EXISTS license_versions_no_update BEFORE UPDATE ON license_versions"
    " BEGIN SELECT RAISE(ABORT, 'license versions are append-only'); END;"
    "CREATE TRIGGER IF NOT EXISTS license_versions_no_delete BEFORE DELETE ON license_versions"
    " BEGIN SELECT RAISE(ABORT, 'license versions are append-only'); END;";

struct Db {
  sqlite3* db = nullptr;
  ~Db() { if (db) sqlite3_close_v2(db); }
  Status Err(const std::string& what) const {
    return Status::Error(ErrorCode::kUnavailable, "licenses", what + ": " + (db ? sqlite3_errmsg(db) : "cannot open"));
  }
  Status Exec(const char* sql) const {
    return sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK ? Status::Ok() : Err(sql);
  }
};

struct Stmt {
  sqlite3_stmt* s = nullptr;
  Stmt(const Db& d, const char* sql) { sqlite3_prepare_v2(d.db, sql, -1, &s, nullptr); }
  ~Stmt() { if (s) sqlite3_finalize(s); }
  void Bind(int i, std::string_view v) { sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT); }
  void Bind(int i, int64_t v) { sqlite3_bind_int64(s, i, v); }
  std::string Col(int c) const {
    auto p = reinterpret_cast<const char*>(sqlite3_column_text(s, c));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(s, c))) : std::string();
  }
};

Status Open(const std::string& path, bool create, Db& d) {
  if (!create && !std::filesystem::exists(path)) {
    return Status::Error(ErrorCode::kNotFound, "licenses", "no license recorded yet (" + path + ")");
  }
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &d.db, flags, nullptr) != SQLITE_OK) return d.Err("cannot open " + path);
  sqlite3_busy_timeout(d.db, 30000);
  EXPORTCTL_RETURN_IF_ERROR(d.Exec("PRAGMA journal_mode=WAL"));
  EXPORTCTL_RETURN_IF_ERROR(d.Exec("PRAGMA synchronous=FULL"));
  return d.Exec(kSchema);
}

// The terms as LicenseToJson writes them, read with simdjson (a check loads every version of
// every license; nlohmann's parser was three quarters of it). Fills what FromRow reads from the
// terms, exactly as it reads them; false on anything else in them (a field of another type, one
// missing that FromRow does not default), which FromRow then reads as before.
bool FastTerms(std::string_view text, License& l) {
  using simdjson::dom::element;
  using simdjson::dom::element_type;
  thread_local simdjson::dom::parser parser;
  element t;
  if (parser.parse(simdjson::padded_string(text)).get(t) != simdjson::SUCCESS || !t.is_object()) return false;
  // value(key, ""): absent gives "", a string itself, anything else is FromRow's to refuse.
  auto text_of = [](element o, std::string_view key, std::string& out) {
    element v;
    if (o.at_key(key).get(v) != simdjson::SUCCESS) return out.clear(), true;
    std::string_view sv;
    if (v.get(sv) != simdjson::SUCCESS) return false;
    out.assign(sv);
    return true;
  };
  auto texts_of = [](element o, std::string_view key, std::vector<std::string>& out) {
    out.clear();
    element v;
    if (o.at_key(key).get(v) != simdjson::SUCCESS) return true;
    simdjson::dom::array a;
    if (v.get(a) != simdjson::SUCCESS) return false;
    for (element e : a) {
      std::string_view sv;
      if (e.get(sv) != simdjson::SUCCESS) return false;
      out.emplace_back(sv);
    }
    return true;
  };
  // A limit FromRow reads with !t[key].is_null(): present, null or a number.
  auto limit_of = [](element o, std::string_view key, std::optional<double>& out) {
    element v;
    if (o.at_key(key).get(v) != simdjson::SUCCESS) return false;
    if (v.is_null()) return out.reset(), true;
    if (!v.is_number()) return false;
    double d = 0;
    if (v.get(d) != simdjson::SUCCESS) return false;
    out = d;
    return true;
  };
  std::string issued, expires;
  if (!text_of(t, "holder", l.holder) || !text_of(t, "issued", issued) || !text_of(t, "expires", expires)) return false;
  auto i = Date::Parse(issued), e = Date::Parse(expires);
  if (!i.ok() || !e.ok()) return false;
  l.issued = *i, l.expires = *e;
  if (!texts_of(t, "destinations", l.destinations)) return false;
  simdjson::dom::array items, parties;
  if (t.at_key("items").get(items) != simdjson::SUCCESS || t.at_key("parties").get(parties) != simdjson::SUCCESS) return false;
  l.items.clear();
  for (element it : items) {
    if (!it.is_object()) return false;
    LicenseItem item;
    if (!text_of(it, "eccn", item.eccn) || !text_of(it, "chip", item.chip)) return false;
    if (element q; it.at_key("quantity").get(q) == simdjson::SUCCESS && !q.is_null()) {
      // get<int64_t>: a whole number only here (nlohmann would convert another).
      if (q.type() == element_type::INT64) item.quantity = q.get_int64().value_unsafe();
      else if (q.type() == element_type::UINT64 && q.get_uint64().value_unsafe() <= static_cast<uint64_t>(INT64_MAX))
        item.quantity = static_cast<int64_t>(q.get_uint64().value_unsafe());
      else return false;
    }
    for (auto [key, slot] : {std::pair<std::string_view, std::optional<double>*>{"tpp", &item.tpp},
                             {"performance_density", &item.performance_density},
                             {"memory_bandwidth_gbps", &item.memory_bandwidth_gbps},
                             {"interconnect_bandwidth_gbps", &item.interconnect_bandwidth_gbps}}) {
      // Read when a number, else left unset (as FromRow does).
      if (element v; it.at_key(key).get(v) == simdjson::SUCCESS && v.is_number()) {
        double d = 0;
        if (v.get(d) != simdjson::SUCCESS) return false;
        *slot = d;
      }
    }
    l.items.push_back(std::move(item));
  }
  if (!limit_of(t, "tpp_limit", l.tpp_limit) || !limit_of(t, "value_usd_limit", l.value_usd_limit)) return false;
  l.parties.clear();
  for (element p : parties) {
    if (!p.is_object()) return false;
    LicenseParty party;
    if (!text_of(p, "role", party.role) || !text_of(p, "name", party.name) || !text_of(p, "country", party.country) ||
        !text_of(p, "id", party.id))
      return false;
    l.parties.push_back(std::move(party));
  }
  if (!texts_of(t, "conditions", l.conditions)) return false;
  if (element v; t.at_key("effective").get(v) == simdjson::SUCCESS && v.is_string()) {
    auto d = Date::Parse(v.get_string().value_unsafe());
    if (!d.ok()) return false;
    l.effective = *d;
  } else {
    auto d = l.version <= 1 ? Result<Date>(l.issued) : Date::Parse(l.recorded_at.substr(0, 10));
    if (!d.ok()) return false;
    l.effective = *d;
  }
  return true;
}

// The version's own columns: number, version, change, status, (terms,) reason, actor, recorded_at.
void ReadVersionColumns(const Stmt& q, License& l) {
  l.number = q.Col(0);
  l.version = sqlite3_column_int64(q.s, 1);
  l.change = q.Col(2);
  l.status = q.Col(3) == "revoked" ? LicenseStatus::kRevoked : LicenseStatus::kActive;
  l.reason = q.Col(5);
  l.actor = q.Col(6);
  l.recorded_at = q.Col(7);
}

// A stored version back into a License: the terms as written by LicenseToJson, the version's
// own columns over them.
License FromRow(const Stmt& q) {
  {
    License l;
    ReadVersionColumns(q, l);
    const auto terms = reinterpret_cast<const char*>(sqlite3_column_text(q.s, 4));
    if (terms && FastTerms(std::string_view(terms, static_cast<size_t>(sqlite3_column_bytes(q.s, 4))), l)) return l;
  }
  const json t = json::parse(q.Col(4));
  License l;
  ReadVersionColumns(q, l);
  l.holder = t.value("holder", "");
  l.issued = Date::Parse(t.value("issued", "")).value();
  l.expires = Date::Parse(t.value("expires", "")).value();
  l.destinations = t.value("destinations", std::vector<std::string>());
  for (const auto& i : t["items"]) {
    LicenseItem item;
    item.eccn = i.value("eccn", "");
    item.chip = i.value("chip", "");
    if (i.contains("quantity") && !i["quantity"].is_null()) item.quantity = i["quantity"].get<int64_t>();
    for (auto [key, slot] : {std::pair<const char*, std::optional<double>*>{"tpp", &item.tpp},
                             {"performance_density", &item.performance_density},
                             {"memory_bandwidth_gbps", &item.memory_bandwidth_gbps},
                             {"interconnect_bandwidth_gbps", &item.interconnect_bandwidth_gbps}}) {
      if (i.contains(key) && i[key].is_number()) *slot = i[key].get<double>();
    }
    l.items.push_back(std::move(item));
  }
  if (!t["tpp_limit"].is_null()) l.tpp_limit = t["tpp_limit"].get<double>();
  if (!t["value_usd_limit"].is_null()) l.value_usd_limit = t["value_usd_limit"].get<double>();
  for (const auto& p : t["parties"]) {
    l.parties.push_back({p.value("role", ""), p.value("name", ""), p.value("country", ""), p.value("id", "")});
  }
  l.conditions = t.value("conditions", std::vector<std::string>());
  // A version recorded before versions carried their date: version 1 from its issuing date, a
  // later one from the day it was recorded.
  if (t.contains("effective") && t["effective"].is_string()) {
    l.effective = Date::Parse(t["effective"].get<std::string>()).value();
  } else {
    l.effective = l.version <= 1 ? l.issued : Date::Parse(l.recorded_at.substr(0, 10)).value();
  }
  return l;
}

constexpr const char* kColumns = "number, version, change, status, terms, reason, actor, recorded_at";

Result<std::optional<License>> Latest(const Db& d, const std::string& number) {
  Stmt q(d, (std::string("SELECT ") + kColumns + " FROM license_versions WHERE number=? ORDER BY version DESC LIMIT 1").c_str());
  if (!q.s) return d.Err("prepare");
  q.Bind(1, number);
  const int rc = sqlite3_step(q.s);
  if (rc == SQLITE_DONE) return std::optional<License>();
  if (rc != SQLITE_ROW) return d.Err("read license " + number);
  return std::optional<License>(FromRow(q));
}

// Appends version (latest + 1) of l.number within a BEGIN IMMEDIATE transaction. `check` sees the
// latest version (or none) and may refuse.
Result<License> AppendVersion(const std::string& path, License l,
                              const std::function<Status(const std::optional<License>&)>& check) {
  Db d;
  EXPORTCTL_RETURN_IF_ERROR(Open(path, true, d));
  EXPORTCTL_RETURN_IF_ERROR(d.Exec("BEGIN IMMEDIATE"));
  auto fail = [&](Status s) {
    (void)d.Exec("ROLLBACK");
    return s;
  };
  auto latest = Latest(d, l.number);
  if (!latest.ok()) return fail(latest.status());
  if (Status s = check(*latest); !s.ok()) return fail(s);
  l.version = *latest ? (*latest)->version + 1 : 1;
  Stmt q(d, "INSERT INTO license_versions(number, version, change, status, terms, reason, actor) VALUES(?,?,?,?,?,?,?)"
            " RETURNING recorded_at");
  if (!q.s) return fail(d.Err("prepare"));
  q.Bind(1, l.number);
  q.Bind(2, l.version);
  q.Bind(3, l.change);
  q.Bind(4, LicenseStatusName(l.status));
  q.Bind(5, LicenseToJson(l));
  q.Bind(6, l.reason);
  q.Bind(7, l.actor);
  if (sqlite3_step(q.s) != SQLITE_ROW) return fail(d.Err("record license " + l.number));
  l.recorded_at = q.Col(0);
  sqlite3_reset(q.s);
  if (Status s = d.Exec("COMMIT"); !s.ok()) return fail(s);
  return l;
}

}  // namespace

LicenseStore::LicenseStore(std::string data_dir) : path_(std::move(data_dir) + "/licenses.sqlite") {}

Result<License> LicenseStore::Add(License l, const std::string& actor) const {
  if (l.effective && *l.effective != l.issued) {
    return Status::Invalid("effective", "is the date an amendment takes effect; a new license is in force from its issuing date " +
                                            l.issued.ToString() + " (leave effective out)");
  }
  l.effective = l.issued;
  l.change = "added";
  l.status = LicenseStatus::kActive;
  l.actor = actor;
  l.reason.clear();
  return AppendVersion(path_, std::move(l), [](const std::optional<License>& latest) {
    if (latest) {
      return Status::Error(ErrorCode::kConflict, "number",
                           "license " + latest->number + " is already recorded (version " + std::to_string(latest->version) +
                               "); change it with licenses amend");
    }
    return Status::Ok();
  });
}

Result<License> LicenseStore::Amend(License l, const std::string& actor, const std::string& reason) const {
  EXPORTCTL_RETURN_IF_ERROR(CheckText("reason", reason, {.max_chars = 1000}));
  l.change = "amended";
  l.status = LicenseStatus::kActive;
  l.actor = actor;
  l.reason = reason;
  // An amendment without a date of its own takes effect the day it is recorded: orders dated
  // before it are weighed against the version before.
  const bool dated = l.effective.has_value();
  if (!dated) l.effective = TodayUtc();
  if (*l.effective > l.expires) {
    return Status::Invalid("effective", "the amendment takes effect on " + l.effective->ToString() + ", after its expiry " +
                                            l.expires.ToString());
  }
  std::vector<LicenseItem> lines = l.items;
  std::vector<LicenseParty> parties = l.parties;
  const Date effective = *l.effective;
  return AppendVersion(path_, std::move(l), [lines, parties, effective, dated](const std::optional<License>& latest) {
    if (!latest) return Status::Error(ErrorCode::kNotFound, "number", "no such license (add it first)");
    if (latest->status == LicenseStatus::kRevoked) {
      return Status::Error(ErrorCode::kConflict, "number", "license " + latest->number + " is revoked; a revoked license is not amended");
    }
    if (latest->effective && effective < *latest->effective) {
      return Status::Invalid("effective", std::string(dated ? "" : "recorded today, ") + "the amendment would take effect on " +
                                              effective.ToString() + ", before version " + std::to_string(latest->version) +
                                              " takes effect (" + latest->effective->ToString() +
                                              "); versions take effect in the order they are recorded (give a later effective date)");
    }
    // What was drawn on a line is kept under its place (ledger account license:N:lineK): an
    // amendment keeps the lines where they were and adds new ones after them.
    for (size_t k = 0; k < latest->items.size(); ++k) {
      const std::string f = "items[" + std::to_string(k) + "]";
      if (k >= lines.size()) {
        return Status::Invalid(f, "the amendment drops this line of version " + std::to_string(latest->version) +
                                      "; keep every line in its place (set its quantity to what is allowed)");
      }
      if (lines[k].eccn != latest->items[k].eccn || lines[k].chip != latest->items[k].chip) {
        return Status::Invalid(f, "the amendment changes what this line covers (version " + std::to_string(latest->version) +
                                      " has " + (latest->items[k].chip.empty() ? latest->items[k].eccn : latest->items[k].chip) +
                                      "); keep every line in its place and add new lines after them");
      }
    }
    // What a customer received under a per-customer cap is kept under who it is (its id, else its
    // folded name: ledger account license:N:customer=…), wherever the amendment places it. A party
    // the version before names by the same name under another identity (an id added, dropped or
    // changed) would start a new account beside what it already received: refused.
    auto by_name = [](LicenseParty p) {
      p.id.clear();
      return CustomerIdentity(p);
    };
    for (size_t k = 0; k < parties.size(); ++k) {
      const std::string mine = CustomerIdentity(parties[k]);
      const std::string name = by_name(parties[k]);
      for (const LicenseParty& before : latest->parties) {
        const std::string theirs = CustomerIdentity(before);
        if (theirs == mine || by_name(before) != name) continue;
        return Status::Invalid("parties[" + std::to_string(k) + "].id",
                               "version " + std::to_string(latest->version) + " names \"" + before.name + "\" " +
                                   (before.id.empty() ? std::string("without an id") : "with id \"" + before.id + "\"") +
                                   " (its per-customer account is license:" + latest->number + ":customer=" + theirs +
                                   "); an amendment keeps a party's id as it was, so that what it received still counts");
      }
    }
    return Status::Ok();
  });
}

Result<License> LicenseStore::Revoke(const std::string& given, const std::string& actor, const std::string& reason,
                                     std::optional<Date> effective) const {
  const std::string number = CanonicalNumber(given);
  EXPORTCTL_RETURN_IF_ERROR(CheckText("reason", reason, {.required = true, .max_chars = 1000}));
  auto current = Get(number);
  if (!current.ok()) return current.status();
  License l = *current;
  l.change = "revoked";
  l.status = LicenseStatus::kRevoked;
  l.actor = actor;
  l.reason = reason;
  // Binds orders dated on or after it; those dated before are weighed against the version before.
  l.effective = effective.value_or(TodayUtc());
  if (*l.effective < l.issued) {
    return Status::Invalid("effective", "the revocation's date " + l.effective->ToString() + " is before the license was issued (" +
                                            l.issued.ToString() + ")");
  }
  return AppendVersion(path_, std::move(l), [](const std::optional<License>& latest) {
    if (!latest) return Status::Error(ErrorCode::kNotFound, "number", "no such license");
    if (latest->status == LicenseStatus::kRevoked) {
      return Status::Error(ErrorCode::kConflict, "number", "license " + latest->number + " is already revoked");
    }
    return Status::Ok();
  });
}

Result<License> LicenseStore::Get(const std::string& given) const {
  const std::string number = CanonicalNumber(given);
  Db d;
  if (Status s = Open(path_, false, d); !s.ok()) {
    if (s.code() == ErrorCode::kNotFound) return Status::Error(ErrorCode::kNotFound, "number", "no license " + number);
    return s;
  }
  auto l = Latest(d, number);
  if (!l.ok()) return l.status();
  if (!*l) return Status::Error(ErrorCode::kNotFound, "number", "no license " + number);
  return std::move(**l);
}

Result<std::vector<License>> LicenseStore::Versions(const std::string& given) const {
  const std::string number = CanonicalNumber(given);
  Db d;
  std::vector<License> out;
  if (Status s = Open(path_, false, d); !s.ok()) return s.code() == ErrorCode::kNotFound ? Result<std::vector<License>>(out) : s;
  Stmt q(d, (std::string("SELECT ") + kColumns + " FROM license_versions WHERE number=? ORDER BY version").c_str());
  if (!q.s) return d.Err("prepare");
  q.Bind(1, number);
  while (sqlite3_step(q.s) == SQLITE_ROW) out.push_back(FromRow(q));
  return out;
}

Result<std::vector<License>> LicenseStore::AllVersions() const {
  Db d;
  std::vector<License> out;
  if (Status s = Open(path_, false, d); !s.ok()) return s.code() == ErrorCode::kNotFound ? Result<std::vector<License>>(out) : s;
  Stmt q(d, (std::string("SELECT ") + kColumns + " FROM license_versions ORDER BY number, version").c_str());
  if (!q.s) return d.Err("prepare");
  while (sqlite3_step(q.s) == SQLITE_ROW) out.push_back(FromRow(q));
  return out;
}

Result<std::vector<License>> LicenseStore::List() const {
  Db d;
  std::vector<License> out;
  if (Status s = Open(path_, false, d); !s.ok()) return s.code() == ErrorCode::kNotFound ? Result<std::vector<License>>(out) : s;
  Stmt q(d, (std::string("SELECT ") + kColumns +
             " FROM license_versions v WHERE version = (SELECT MAX(version) FROM license_versions w WHERE w.number = v.number)"
             " ORDER BY number")
                .c_str());
  if (!q.s) return d.Err("prepare");
  while (sqlite3_step(q.s) == SQLITE_ROW) out.push_back(FromRow(q));
  return out;
}

}  // namespace exportctl::license
