#include "server/module_backends.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <iostream>
#include <filesystem>
#include <mutex>
#include <thread>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "core/clock.h"
#include "core/data_dir.h"
#include "core/json_writer.h"
#include "ledger/ledger.h"
#include "license/license.h"
#include "ledger/ledger_json.h"
#include "ownership/graph_owners.h"
#include "ownership/ownership_json.h"
#include "screen/sha256.h"
#include "screen/party_screener.h"
#include "screen/screen.h"
#include "screen/compat_api.h"
#include "screen/screen_json.h"
#include "server/server.h"

namespace exportctl::server {
namespace {

// A file's modification time and size: what tells a server that another process changed it.
using Stamp = std::pair<std::filesystem::file_time_type, uintmax_t>;
Stamp StampOf(const std::filesystem::path& path) {
  std::error_code ec, ec2;
  const auto time = std::filesystem::last_write_time(path, ec);
  const auto size = std::filesystem::file_size(path, ec2);
  return {ec ? std::filesystem::file_time_type() : time, ec2 ? 0 : size};
}

using nlohmann::json;

// Small typed readers over a request body; errors name the field.
Result<json> Object(const std::string& body) {
  json j = json::parse(body, nullptr, false);
  if (!j.is_object()) return Status::Invalid("", "the request body must be a JSON object");
  return j;
}
Result<std::string> String(const json& j, const char* key, bool required) {
  if (!j.contains(key) || j[key].is_null()) {
    if (required) return Status::Invalid(key, "is required");
    return std::string();
  }
  if (!j[key].is_string()) return Status::Invalid(key, "must be a string");
  return j[key].get<std::string>();
}
Result<Date> DateOr(const json& j, const char* key, Date fallback) {
  auto s = String(j, key, false);
  if (!s.ok()) return s.status();
  if (s->empty()) return fallback;
  auto d = Date::Parse(*s);
  if (!d.ok()) return Status::Invalid(key, d.status().message());
  return *d;
}

class ModuleLedger final : public LedgerService {
 public:
  ModuleLedger(std::unique_ptr<ledger::AllocationRules> rules, std::unique_ptr<ledger::Ledger> l,
               std::function<Date()> today)
      : rules_(std::move(rules)), ledger_(std::move(l)), today_(std::move(today)) {}

  ledger::Ledger* ledger() override { return ledger_.get(); }

  Result<std::string> Balances(const std::string& as_of) const override {
    Date d = today_();
    if (!as_of.empty()) {
      auto parsed = Date::Parse(as_of);
      if (!parsed.ok()) return Status::Invalid("as_of", parsed.status().message());
      d = *parsed;
    }
    auto balances = ledger_->Balances(d);
    if (!balances.ok()) return balances.status();
    // The same object as `exportctl ledger balances --json`.
    return ledger::BalancesToJson(*balances, d, *ledger_);
  }

  Result<std::string> History(const std::string& account) const override {
    auto key = ledger::AccountKey::Parse(account);
    if (!key.ok()) return key.status();
    auto h = ledger_->History(key->ToString());
    if (!h.ok()) return h.status();
    return ledger::PostingsToJson(*h);
  }

  Result<std::string> Commit(const std::string& body, const RequestContext& ctx) override {
    auto req = Settle(body, ctx);
    if (!req.ok()) return req.status();
    auto p = ledger_->Commit(*req);
    if (!p.ok()) return p.status();
    return ledger::PostingToJson(*p);
  }
  Result<std::string> Release(const std::string& body, const RequestContext& ctx) override {
    auto req = Settle(body, ctx);
    if (!req.ok()) return req.status();
    auto p = ledger_->Release(*req);
    if (!p.ok()) return p.status();
    return ledger::PostingToJson(*p);
  }
  Result<std::string> Adjust(const std::string& body, const RequestContext& ctx) override {
    auto j = Object(body);
    if (!j.ok()) return j.status();
    auto account = String(*j, "account", true);
    if (!account.ok()) return account.status();
    auto key = ledger::AccountKey::Parse(*account);
    if (!key.ok()) return key.status();
    if (!j->contains("tpp") || !(*j)["tpp"].is_number()) return Status::Invalid("tpp", "must be a number");
    auto reason = String(*j, "reason", true);
    if (!reason.ok()) return reason.status();
    auto as_of = DateOr(*j, "as_of", today_());
    if (!as_of.ok()) return as_of.status();
    ledger::AdjustRequest req;
    req.account = *key;
    req.tpp = (*j)["tpp"].get<double>();
    req.as_of = *as_of;
    req.reason = *reason;
    req.idempotency_key = ctx.idempotency_key;
    auto p = ledger_->Adjust(req);
    if (!p.ok()) return p.status();
    return ledger::PostingToJson(*p);
  }

 private:
  Result<ledger::SettleRequest> Settle(const std::string& body, const RequestContext& ctx) const {
    auto j = Object(body);
    if (!j.ok()) return j.status();
    if (!j->contains("reservation_id") || !(*j)["reservation_id"].is_number_integer()) {
      return Status::Invalid("reservation_id", "must be the integer id of a reserve posting");
    }
    ledger::SettleRequest req;
    req.reservation_id = (*j)["reservation_id"].get<int64_t>();
    auto as_of = DateOr(*j, "as_of", today_());
    if (!as_of.ok()) return as_of.status();
    req.as_of = *as_of;
    auto reason = String(*j, "reason", false);
    if (!reason.ok()) return reason.status();
    req.reason = *reason;
    req.idempotency_key = ctx.idempotency_key;
    return req;
  }

  std::unique_ptr<ledger::AllocationRules> rules_;
  std::unique_ptr<ledger::Ledger> ledger_;
  std::function<Date()> today_;
};

// The lists a server screens against, loaded together: the screener over them, their records
// by id, and the compatible APIs over the same index. Requests hold the snapshot they started
// with; a reload swaps in a new one whole.
struct LoadedLists {
  std::unique_ptr<screen::ListPartyScreener> screener;
  std::unordered_map<std::string, const screen::ListRecord*> records;
  std::unique_ptr<screen::CompatApis> compat;
  std::string loaded_at;  // when this server loaded them (UTC)
};

std::string NowUtcText() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// The engine's screener with officers' clearances applied as they are made: the lists' own
// screener drops the pairs cleared when the server started; this one also drops those cleared
// since — by this server (at once) or by anyone else writing the disposition file (another server
// on the same data directory, `exportctl screen clear`), noticed within a second. Lists imported
// with `exportctl lists import` while the server runs are noticed the same way (the manifest the
// import replaces last, by rename, is the lists' generation): they are loaded whole beside the
// ones in use and swapped in at once, so a check screens against either the old lists or the new
// ones, never half of each. Lists that cannot be loaded leave the old ones in use, and every
// check says so (a caveat: NEEDS_REVIEW), until an import that loads.
class LiveScreener final : public PartyScreener {
 public:
  LiveScreener(std::unique_ptr<screen::ListPartyScreener> inner, std::string data_dir, screen::ListAgePolicy age)
      : data_dir_(std::move(data_dir)), age_(std::move(age)) {
    lists_stamp_ = ManifestStamp();
    lists_ = Wrap(std::move(inner));
    (void)Reload();
  }

  Result<std::vector<Listing>> Screen(const Party& party, Date as_of) const override {
    MaybeReload();
    const std::shared_ptr<const LoadedLists> lists = Lists();
    auto listings = lists->screener->Screen(party, as_of);
    if (!listings.ok()) return listings;
    std::shared_ptr<const std::vector<screen::Disposition>> cleared;
    {
      std::lock_guard<std::mutex> lock(mu_);
      cleared = dispositions_;
    }
    if (!cleared || cleared->empty()) return listings;
    std::vector<Listing> out;
    for (auto& l : *listings) {
      auto it = lists->records.find(l.record_id);
      const screen::ListRecord* record = it == lists->records.end() ? nullptr : it->second;
      const bool drop = record && std::any_of(cleared->begin(), cleared->end(), [&](const auto& d) {
                          return screen::Clears(d, party.name, *record, as_of);
                        });
      if (!drop) out.push_back(std::move(l));
    }
    return out;
  }
  std::vector<std::string> ListVersions() const override {
    MaybeReload();
    return Lists()->screener->ListVersions();
  }
  std::vector<std::string> Caveats() const override {
    MaybeReload();
    std::vector<std::string> out = Lists()->screener->Caveats();
    if (std::string failed = ReloadError(); !failed.empty()) out.push_back(std::move(failed));
    return out;
  }

  // The lists in use (checking first whether an import changed them).
  std::shared_ptr<const LoadedLists> Current() const {
    MaybeReload();
    return Lists();
  }
  const screen::ListAgePolicy& age_policy() const { return age_; }
  // "" when the lists in use are the last imported; else why the last import is not in use.
  std::string ReloadError() const {
    std::lock_guard<std::mutex> lock(mu_);
    return reload_error_;
  }
  // Re-reads every disposition (after this server wrote one, or the file changed).
  Status Reload() const {
    std::lock_guard<std::mutex> reload(reload_mu_);
    const Stamp stamp = FileStamp();
    auto all = screen::DispositionStore(data_dir_).LoadAll();
    if (!all.ok()) return all.status();
    auto fresh = std::make_shared<const std::vector<screen::Disposition>>(std::move(*all));
    std::lock_guard<std::mutex> lock(mu_);
    dispositions_ = std::move(fresh);
    stamp_ = stamp;
    return Status::Ok();
  }

 private:
  std::shared_ptr<const LoadedLists> Wrap(std::unique_ptr<screen::ListPartyScreener> s) const {
    auto l = std::make_shared<LoadedLists>();
    l->screener = std::move(s);
    for (const auto& r : l->screener->index().records()) l->records.emplace(r.record_id, &r);
    const screen::ListPartyScreener* raw = l->screener.get();
    l->compat = std::make_unique<screen::CompatApis>(raw->index(), [this, raw] {
      std::vector<std::string> out = raw->Caveats();
      if (std::string failed = ReloadError(); !failed.empty()) out.push_back(std::move(failed));
      return out;
    });
    l->loaded_at = NowUtcText();
    return l;
  }
  std::shared_ptr<const LoadedLists> Lists() const {
    std::lock_guard<std::mutex> lock(mu_);
    return lists_;
  }
  Stamp FileStamp() const { return StampOf(DataDir(data_dir_).dispositions()); }
  Stamp ManifestStamp() const { return StampOf(std::filesystem::path(DataDir(data_dir_).lists()) / "manifest.json"); }

  void MaybeReload() const {
    const auto now = std::chrono::steady_clock::now();
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (now - checked_ < std::chrono::seconds(1)) return;
      checked_ = now;
    }
    const Stamp lists = ManifestStamp();
    bool lists_changed;
    {
      std::lock_guard<std::mutex> lock(mu_);
      lists_changed = lists != lists_stamp_;
    }
    if (lists_changed) ReloadLists(lists);
    Stamp stamp = FileStamp();
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stamp == stamp_) return;
    }
    // A file that cannot be read keeps the clearances known so far (fail closed for new ones).
    (void)Reload();
  }

  // Loads the imported lists beside those in use; swaps them in only when they load whole. One
  // request loads them; the others go on with the lists in use meanwhile.
  void ReloadLists(const Stamp& seen) const {
    std::unique_lock<std::mutex> loading(lists_mu_, std::try_to_lock);
    if (!loading.owns_lock()) return;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (seen == lists_stamp_) return;  // another request loaded them meanwhile
    }
    auto opened = screen::OpenPartyScreener(data_dir_, age_);
    // The manifest may have been replaced again while loading: the next request looks again.
    std::lock_guard<std::mutex> lock(mu_);
    lists_stamp_ = seen;
    if (!opened.ok()) {
      reload_error_ = "the lists imported after " + lists_->loaded_at + " could not be loaded (" +
                      opened.status().message() + "): screening uses the lists loaded at " + lists_->loaded_at +
                      " until an import that loads";
      std::cerr << "exportctl serve: " << reload_error_ << "\n";
      return;
    }
    reload_error_.clear();
    lists_ = Wrap(std::move(opened).value());
  }

  std::string data_dir_;
  screen::ListAgePolicy age_;
  mutable std::mutex reload_mu_;  // one disposition reload at a time
  mutable std::mutex lists_mu_;   // one list reload at a time
  mutable std::mutex mu_;         // guards the members below
  mutable std::shared_ptr<const LoadedLists> lists_;
  mutable Stamp lists_stamp_;
  mutable std::string reload_error_;
  mutable std::shared_ptr<const std::vector<screen::Disposition>> dispositions_;
  mutable Stamp stamp_;
  mutable std::chrono::steady_clock::time_point checked_;
};

class ModuleScreen final : public ScreenService {
 public:
  ModuleScreen(std::unique_ptr<screen::ListPartyScreener> s, std::string data_dir,
               std::function<Date()> today, int horizon_days)
      : data_dir_(std::move(data_dir)),
        today_(std::move(today)),
        horizon_days_(horizon_days) {
    screen::ListAgePolicy age = s->age_policy();
    screener_ = std::make_unique<LiveScreener>(std::move(s), data_dir_, std::move(age));
  }

  // Each request answers from the lists in use when it starts (compat_api.h over their index).
  Result<std::string> CslSearch(const Params& params, const std::string& performed_at) const override {
    return screener_->Current()->compat->CslSearch(params, performed_at);
  }
  Result<std::string> CslSources() const override { return screener_->Current()->compat->CslSources(); }
  Result<std::string> Match(const std::string& dataset, const std::string& body,
                            const Params& params) const override {
    return screener_->Current()->compat->Match(dataset, body, params);
  }

  const PartyScreener* screener() const override { return screener_.get(); }

  Result<std::string> Screen(const std::string& body) const override {
    auto j = Object(body);
    if (!j.ok()) return j.status();
    screen::ScreenQuery q;
    auto name = String(*j, "name", true);
    if (!name.ok()) return name.status();
    q.name = *name;
    auto country = String(*j, "country", false);
    if (!country.ok()) return country.status();
    q.country = *country;
    if (j->contains("limit")) {
      if (!(*j)["limit"].is_number_integer() || (*j)["limit"].get<int64_t>() < 1 ||
          (*j)["limit"].get<int64_t>() > 100) {
        return Status::Invalid("limit", "must be an integer from 1 to 100");
      }
      q.limit = static_cast<size_t>((*j)["limit"].get<int64_t>());
    }
    const auto lists = screener_->Current();
    auto hits = lists->screener->index().Screen(q);
    if (!hits.ok()) return hits.status();
    std::string out;
    JsonWriter w(out);
    w.BeginObject().Key("hits").BeginArray();
    for (const auto& h : *hits) w.Raw(screen::HitJson(h).dump(-1, ' ', false, json::error_handler_t::replace));
    w.EndArray().Key("list_versions").BeginArray();
    for (const auto& v : lists->screener->ListVersions()) w.String(v);
    w.EndArray().Key("warnings").BeginArray();
    for (const auto& c : screener_->Caveats()) w.String(c);
    if (std::string note = screen::CountryFilterNote(lists->screener->index(), q, *hits); !note.empty())
      w.String(note);
    // Fields this request does not read are said, never silently dropped ("threshold", "contry").
    for (const auto& field : j->items()) {
      const std::string& key = field.key();
      if (key != "name" && key != "country" && key != "limit")
        w.String("Unknown field \"" + key.substr(0, 100) + "\" was ignored (the request reads name, country and limit)");
    }
    // The score a hit must reach to be shown (docs/screening.md gives its calibration).
    w.EndArray().Key("threshold").Number(q.threshold).EndObject();
    return out;
  }

  Result<std::string> Lists() const override {
    std::string out;
    JsonWriter w(out);
    w.BeginArray();
    const auto lists = screener_->Current();
    const std::string reload_error = screener_->ReloadError();
    const screen::ListAgePolicy& age = screener_->age_policy();
    for (const auto& a : screen::ListAges(lists->screener->index().versions(), today_(), age.max_age_days)) {
      const screen::ListVersion& v = *a.version;
      w.BeginObject().Field("list_id", v.list_id).Field("format", v.format);
      w.Field("file_name", v.file_name).Field("sha256", v.sha256);
      w.Field("record_count", static_cast<int64_t>(v.record_count));
      w.Field("source_date", v.source_date).Field("version", v.ToString());
      w.Key("age_days");
      if (a.age_days) w.Integer(*a.age_days);
      else w.Null();
      w.Field("max_age_days", static_cast<int64_t>(age.max_age_days)).Field("stale", a.stale);
      if (a.stale) w.Field("warning", a.warning);
      // When this server loaded the lists; and, when lists imported since could not be loaded,
      // why (the lists above stay in use and every check goes to review).
      w.Field("loaded_at", lists->loaded_at);
      if (!reload_error.empty()) w.Field("reload_error", reload_error);
      w.EndObject();
    }
    w.EndArray();
    return out;
  }

  Result<std::string> Clear(const std::string& body, const RequestContext& ctx) override {
    auto j = Object(body);
    if (!j.ok()) return j.status();
    auto party = String(*j, "party", true);
    if (!party.ok()) return party.status();
    auto record_id = String(*j, "record_id", true);
    if (!record_id.ok()) return record_id.status();
    auto reason = String(*j, "reason", true);
    if (!reason.ok()) return reason.status();
    auto expires = String(*j, "expires", true);
    if (!expires.ok()) return expires.status();
    auto expires_date = Date::Parse(*expires);
    if (!expires_date.ok()) return Status::Invalid("expires", expires_date.status().message());
    const auto lists = screener_->Current();
    auto found = lists->records.find(*record_id);
    const screen::ListRecord* record = found == lists->records.end() ? nullptr : found->second;
    if (!record) {
      return Status::Error(ErrorCode::kNotFound, "record_id", "no list record " + *record_id);
    }
    screen::Disposition d;
    d.party = *party;
    d.record_id = *record_id;
    d.record_hash = record->ContentHash();
    d.reason = *reason;
    d.expires = *expires_date;
    d.cleared_by = ctx.actor;
    d.cleared_on = today_().ToString();
    EXPORTCTL_RETURN_IF_ERROR(screen::DispositionStore(data_dir_).Add(d, horizon_days_));
    // The next check sees it (the file is re-read, so every clearance so far applies).
    EXPORTCTL_RETURN_IF_ERROR(screener_->Reload());
    std::string out;
    JsonWriter w(out);
    w.BeginObject().Field("party", d.party).Field("record_id", d.record_id);
    w.Field("record_hash", d.record_hash).Field("reason", d.reason);
    w.Field("expires", d.expires.ToString()).Field("cleared_by", d.cleared_by);
    w.Field("cleared_on", d.cleared_on);
    w.Field("note", "applies to the next check").EndObject();
    return out;
  }

 private:
  std::unique_ptr<LiveScreener> screener_;
  std::string data_dir_;
  std::function<Date()> today_;
  int horizon_days_;
};

// The ownership graph under the data directory. An import swaps the graph every later check
// weighs; checks in flight keep the one they started with. A graph imported by another process
// (`exportctl ownership import` beside a running server) is loaded in the background and swapped
// in when whole; until then the graph in use is weighed.
class ModuleOwnership final : public OwnershipService, public OwnershipGraphView {
 public:
  ModuleOwnership(std::string data_dir, const Dataset& data, const PartyScreener* screener, std::function<Date()> today,
                  std::shared_ptr<const ownership::Graph> graph, Stamp stamp)
      : data_dir_(std::move(data_dir)), data_(data), screener_(screener), today_(std::move(today)), stamp_(stamp) {
    if (graph) Swap(std::move(graph));
  }
  ~ModuleOwnership() override {
    std::thread loading;
    {
      std::lock_guard lock(mu_);
      loading = std::move(loader_);
    }
    if (loading.joinable()) loading.join();  // it takes mu_ as it ends
  }
  static Stamp FileStamp(const std::string& data_dir) { return StampOf(std::filesystem::path(data_dir) / "ownership.sqlite"); }

  const OwnershipGraphView* view() const override { return this; }

  Result<GraphOwners> OwnersOf(const Party& party, Date as_of) const override {
    auto st = Current();
    std::string failed;
    {
      std::lock_guard lock(mu_);
      failed = reload_error_;
    }
    GraphOwners out;
    if (st) {
      auto owners = st->view.OwnersOf(party, as_of);
      if (!owners.ok()) return owners;
      out = std::move(owners).value();
    }
    // A newer graph that could not be read may have owners this one lacks: not cleared on it.
    if (!failed.empty()) out.unweighed.push_back(failed);
    return out;
  }
  std::string Version() const override {
    auto st = Current();
    return st ? st->view.Version() : "no ownership graph";
  }

  Result<std::string> Show(const std::string& id, const std::string& as_of) const override {
    auto st = Current();
    if (!st) return Status::Error(ErrorCode::kNotFound, "id", "no ownership graph imported");
    Date d = today_();
    if (!as_of.empty()) {
      auto p = Date::Parse(as_of);
      if (!p.ok()) return Status::Invalid("as_of", p.status().message());
      d = *p;
    }
    std::vector<uint32_t> found;
    if (auto i = st->graph->IndexOf(id)) found.push_back(*i);
    if (found.empty()) found = st->graph->ByName(id);
    if (found.empty()) return Status::Error(ErrorCode::kNotFound, "id", "no entity " + id + " in the ownership graph");
    json out = json::array();
    for (uint32_t e : found) out.push_back(ownership::EntityJson(*st->graph, *st->calc, e, d));
    return json{{"graph_version", st->graph->version}, {"lists", st->calc->list_version()},
                {"affiliates_rule", ownership::RuleStatusJson(data_, d)}, {"entities", out}}
        .dump(-1, ' ', false, json::error_handler_t::replace);
  }

  Result<std::string> Import(const std::string& body, const RequestContext&) override {
    auto j = Object(body);
    if (!j.ok()) return j.status();
    auto file = String(*j, "file_name", true);
    if (!file.ok()) return file.status();
    auto content = String(*j, "content", true);
    if (!content.ok()) return content.status();
    if (file->empty() || file->find('/') != std::string::npos) return Status::Invalid("file_name", "a file name without a directory");
    bool allow_empty = false;
    if (j->contains("allow_empty")) {
      if (!(*j)["allow_empty"].is_boolean()) return Status::Invalid("allow_empty", "not true or false");
      allow_empty = (*j)["allow_empty"].get<bool>();
    }
    auto g = ownership::ParseGraph(*content, *file);
    if (!g.ok()) return g.status();
    g->sha256 = screen::Sha256Hex(*content);
    auto imported = ownership::GraphStore(data_dir_).Import(*g, allow_empty);
    if (!imported.ok()) return imported.status();
    g->version = imported->version;
    const std::vector<std::string> warnings = g->warnings;
    Swap(std::make_shared<const ownership::Graph>(std::move(g).value()));
    {
      std::lock_guard lock(mu_);
      stamp_ = FileStamp(data_dir_);  // already in use: not loaded again
      reload_error_.clear();
    }
    return json{{"version", imported->version}, {"file", *file}, {"entities", imported->entities}, {"edges", imported->edges},
                {"warnings", warnings}, {"note", "applies to the next check"}}
        .dump(-1, ' ', false, json::error_handler_t::replace);
  }

  std::string CoverageOf(const std::string& name, const std::string& country) const override {
    auto st = Current();
    if (!st) return "";
    Party p;
    p.name = name;
    p.country = country;
    auto m = st->view.Match(p);
    if (!m) return "";
    const ownership::Entity& e = st->graph->entities[m->entity];
    return json{{"entity", e.id}, {"name", e.name}, {"match", m->how}, {"graph_version", st->graph->version},
                {"coverage", ownership::CoverageJson(st->calc->Of(m->entity, today_()))}}
        .dump(-1, ' ', false, json::error_handler_t::replace);
  }

 private:
  struct State {
    std::shared_ptr<const ownership::Graph> graph;
    ownership::GraphOwnership view;
    std::unique_ptr<ownership::CoverageCalculator> calc;
    explicit State(std::shared_ptr<const ownership::Graph> g) : graph(g), view(g) {}
  };
  std::shared_ptr<const State> Current() const {
    MaybeReload();
    std::lock_guard lock(mu_);
    return state_;
  }
  // At most once a second: a changed ownership.sqlite is loaded on a thread of its own.
  void MaybeReload() const {
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(mu_);
    if (loading_ || now - checked_ < std::chrono::seconds(1)) return;
    checked_ = now;
    const auto stamp = FileStamp(data_dir_);
    if (stamp == stamp_) return;
    loading_ = true;
    if (loader_.joinable()) loader_.join();  // the previous load has finished (loading_ was false)
    loader_ = std::thread([this, stamp] {
      auto g = ownership::OpenGraph(data_dir_);
      if (g.ok() && *g) Swap(std::move(g).value());
      std::lock_guard done(mu_);
      stamp_ = stamp;
      loading_ = false;
      if (!g.ok()) {
        reload_error_ = "the ownership graph in " + data_dir_ + " changed but could not be loaded (" + g.status().message() +
                        "); the graph loaded before is weighed until an import that loads";
        std::cerr << "exportctl serve: " << reload_error_ << "\n";
      } else {
        reload_error_.clear();
      }
    });
  }
  void Swap(std::shared_ptr<const ownership::Graph> g) const {
    auto st = std::make_shared<State>(std::move(g));
    st->calc = ownership::CoverageUnder(*st->graph, screener_, data_, today_());
    std::lock_guard lock(mu_);
    state_ = std::move(st);
  }

  std::string data_dir_;
  const Dataset& data_;
  const PartyScreener* screener_;
  std::function<Date()> today_;
  mutable std::mutex mu_;  // guards the members below
  mutable std::shared_ptr<const State> state_;
  mutable Stamp stamp_;
  mutable std::chrono::steady_clock::time_point checked_;
  mutable bool loading_ = false;
  mutable std::string reload_error_;
  mutable std::thread loader_;
};

// Licenses under the data directory: every call reads the store, so a license added from the
// command line is seen by the next request.
class ModuleLicenses final : public LicenseService {
 public:
  ModuleLicenses(std::string data_dir, const Dataset& data, std::function<Date()> today)
      : store_(data_dir), source_(data_dir), data_(data), today_(std::move(today)) {}

  std::shared_ptr<const LicenseView> Current() const override { return source_.Current(); }

  Result<std::string> List(bool attention, const std::string& as_of, ledger::Ledger* ledger) const override {
    Date d = today_();
    if (!as_of.empty()) {
      auto p = Date::Parse(as_of);
      if (!p.ok()) return Status::Invalid("as_of", p.status().message());
      d = *p;
    }
    auto all = store_.List();
    if (!all.ok()) return all.status();
    license::HeldOnLicense held;
    if (ledger) held = [ledger, d](const std::string& number) { return ledger::HeldOnLicense(*ledger, number, d); };
    return license::LicenseListJson(*all, d, attention, held);
  }
  Result<std::string> Show(const std::string& number) const override {
    auto v = store_.Versions(number);
    if (!v.ok()) return v.status();
    if (v->empty()) return Status::Error(ErrorCode::kNotFound, "number", "no license " + number);
    return license::LicenseVersionsJson(*v);
  }
  Result<std::string> Add(const std::string& body, const RequestContext& ctx) override {
    auto l = license::ParseLicense(body, data_);
    if (!l.ok()) return l.status();
    auto added = store_.Add(*l, ctx.actor);
    if (!added.ok()) return added.status();
    return license::LicenseToJson(*added);
  }

 private:
  license::LicenseStore store_;
  license::LicenseSource source_;
  const Dataset& data_;
  std::function<Date()> today_;
};

}  // namespace

std::unique_ptr<LicenseService> OpenLicenseService(const std::string& data_dir, const Dataset& data,
                                                   std::function<Date()> today) {
  if (!today) today = TodayUtc;
  return std::make_unique<ModuleLicenses>(data_dir, data, std::move(today));
}

Result<std::unique_ptr<LedgerService>> OpenLedgerService(const std::string& regulatory_data_dir,
                                                         const std::string& data_dir,
                                                         const std::string& location) {
  auto rules = ledger::AllocationRules::Load(regulatory_data_dir);
  if (!rules.ok()) return rules.status();
  auto owned_rules = std::make_unique<ledger::AllocationRules>(std::move(rules).value());
  auto opened = ledger::Ledger::Open(
      {.location = DataDir(data_dir).LedgerLocation(location)},
      *owned_rules);
  if (!opened.ok()) return opened.status();
  return std::unique_ptr<LedgerService>(
      new ModuleLedger(std::move(owned_rules), std::move(opened).value(), TodayUtc));
}

Result<std::unique_ptr<ScreenService>> OpenScreenService(const std::string& data_dir,
                                                         std::function<Date()> today,
                                                         int clearance_horizon_days,
                                                         int max_list_age_days) {
  if (!today) today = TodayUtc;
  auto s = screen::OpenPartyScreener(data_dir, {.max_age_days = max_list_age_days, .today = today});
  if (!s.ok()) return s.status();
  return std::unique_ptr<ScreenService>(
      new ModuleScreen(std::move(s).value(), data_dir, std::move(today), clearance_horizon_days));
}

namespace {

// A screening service that opens once lists are imported (AwaitScreenService).
class AwaitingScreen final : public ScreenService {
 public:
  AwaitingScreen(std::string data_dir, std::function<Date()> today, int horizon_days, int max_age_days)
      : data_dir_(std::move(data_dir)), today_(std::move(today)), horizon_days_(horizon_days), max_age_days_(max_age_days), proxy_(*this) {}

  const PartyScreener* screener() const override { return &proxy_; }
  Result<std::string> Screen(const std::string& body) const override {
    if (auto* s = Open()) return s->Screen(body);
    return NotYet();
  }
  Result<std::string> Lists() const override {
    if (auto* s = Open()) return s->Lists();
    return NotYet();
  }
  Result<std::string> Clear(const std::string& body, const RequestContext& ctx) override {
    if (auto* s = Open()) return s->Clear(body, ctx);
    return NotYet();
  }
  Result<std::string> CslSearch(const Params& params, const std::string& performed_at) const override {
    if (auto* s = Open()) return s->CslSearch(params, performed_at);
    return NotYet();
  }
  Result<std::string> CslSources() const override {
    if (auto* s = Open()) return s->CslSources();
    return NotYet();
  }
  Result<std::string> Match(const std::string& dataset, const std::string& body, const Params& params) const override {
    if (auto* s = Open()) return s->Match(dataset, body, params);
    return NotYet();
  }

 private:
  // The engine's side: forwards to the opened lists; not Ready() before.
  class Proxy final : public PartyScreener {
   public:
    explicit Proxy(const AwaitingScreen& owner) : owner_(owner) {}
    Result<std::vector<Listing>> Screen(const Party& party, Date as_of) const override {
      if (auto* s = owner_.Open()) return s->screener()->Screen(party, as_of);
      return NotYet();
    }
    std::vector<std::string> ListVersions() const override {
      auto* s = owner_.Open();
      return s ? s->screener()->ListVersions() : std::vector<std::string>{};
    }
    std::vector<std::string> Caveats() const override {
      auto* s = owner_.Open();
      return s ? s->screener()->Caveats() : std::vector<std::string>{};
    }
    bool Ready() const override { return owner_.Open() != nullptr; }

   private:
    const AwaitingScreen& owner_;
  };

  static Status NotYet() {
    return Status::Error(ErrorCode::kUnavailable, "lists", "screening is not available on this server yet: no restricted-party lists imported");
  }
  // The opened service, or nullptr while no lists are imported. Lists that exist but cannot be
  // opened are said on stderr and looked at again a second later; checks meanwhile say screening
  // was not performed.
  ScreenService* Open() const {
    std::lock_guard<std::mutex> lock(mu_);
    if (opened_) return opened_.get();
    const auto now = std::chrono::steady_clock::now();
    if (looked_ && now - *looked_ < std::chrono::seconds(1)) return nullptr;
    looked_ = now;
    auto s = OpenScreenService(data_dir_, today_, horizon_days_, max_age_days_);
    if (s.ok()) {
      opened_ = std::move(s).value();
      std::cerr << "exportctl serve: restricted-party lists imported: screening from now on\n";
    } else if (s.status().code() != ErrorCode::kNotFound) {
      std::cerr << "exportctl serve: the imported lists cannot be opened yet: " << s.status().message() << "\n";
    }
    return opened_.get();
  }

  std::string data_dir_;
  std::function<Date()> today_;
  int horizon_days_, max_age_days_;
  Proxy proxy_;
  mutable std::mutex mu_;
  mutable std::unique_ptr<ScreenService> opened_;
  mutable std::optional<std::chrono::steady_clock::time_point> looked_;
};

}  // namespace

std::unique_ptr<ScreenService> AwaitScreenService(const std::string& data_dir, std::function<Date()> today, int clearance_horizon_days,
                                                  int max_list_age_days) {
  if (!today) today = TodayUtc;
  return std::make_unique<AwaitingScreen>(data_dir, std::move(today), clearance_horizon_days, max_list_age_days);
}

Result<std::unique_ptr<OwnershipService>> OpenOwnershipService(const std::string& data_dir, const Dataset& data,
                                                                 const PartyScreener* screener, std::function<Date()> today) {
  if (!today) today = TodayUtc;
  const auto stamp = ModuleOwnership::FileStamp(data_dir);  // before loading: a later import is loaded again
  auto g = ownership::OpenGraph(data_dir);
  if (!g.ok()) return g.status();
  return std::unique_ptr<OwnershipService>(new ModuleOwnership(data_dir, data, screener, std::move(today), std::move(g).value(), stamp));
}

}  // namespace exportctl::server
