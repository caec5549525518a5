// licenses add|list|show|amend|revoke|report: thin wrappers over src/license. Every change is recorded
// in the audit log under the OS account (cli:<user>).
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <optional>
#include <iostream>
#include <nlohmann/json.hpp>

#include "core/validate.h"
#include "audit/audit_log.h"
#include "cli/commands.h"
#include "core/csv_writer.h"
#include "core/clock.h"
#include "core/data_dir.h"
#include "core/json_writer.h"
#include "data/dataset.h"
#include "ledger/ledger.h"
#include "license/license.h"

namespace exportctl::cli {
namespace {

using license::License;
using license::LicenseStore;
using nlohmann::json;

Result<License> ReadLicenseFile(CliContext& ctx, const std::string& file) {
  const Dataset* data = LoadDataset(ctx);
  if (!data) return Status::Error(ErrorCode::kDataError, "regulatory_data", "the bundled data could not be loaded");
  EXPORTCTL_RETURN_IF_ERROR(CheckInputFile("file", file));
  std::ifstream in(file, std::ios::binary);
  if (!in) return Status::Invalid("file", "cannot read " + file);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return license::ParseLicense(bytes, *data);
}

std::string Limits(const License& l) {
  std::string out;
  for (const auto& i : l.items) {
    if (!out.empty()) out += "; ";
    out += i.eccn.empty() ? i.chip : (i.chip.empty() ? i.eccn : i.eccn + " " + i.chip);
    out += i.quantity ? " × " + std::to_string(*i.quantity) : " (no unit limit)";
  }
  if (l.tpp_limit) out += "; TPP ≤ " + json(*l.tpp_limit).dump();
  if (l.value_usd_limit) out += "; value ≤ USD " + json(*l.value_usd_limit).dump();
  return out;
}

void PrintLicenseLine(const json& j) {
  std::string dest;
  for (const auto& d : j["destinations"]) dest += (dest.empty() ? "" : ",") + d.get<std::string>();
  std::cout << j["number"].get<std::string>() << " v" << j["version"].get<int64_t>() << " " << j["status"].get<std::string>()
            << "  " << dest << "  " << j["issued"].get<std::string>() << " to " << j["expires"].get<std::string>() << "  "
            << j["holder"].get<std::string>() << "\n";
  if (j.contains("attention")) {
    for (const auto& a : j["attention"]) std::cout << "  attention: " << a.get<std::string>() << "\n";
  }
}

// Prints a changed license and records the change ("license.added", …) in the audit log.
void Changed(CliContext& ctx, const Result<License>& r, const char* kind, bool as_json) {
  if (!r.ok()) return Fail(ctx, r.status());
  const std::string j = license::LicenseToJson(*r);
  if (Status st = RecordCliEvent(ctx, "", kind, j); !st.ok()) return Fail(ctx, st);
  if (as_json) {
    std::cout << json::parse(j).dump(2) << "\n";
    return;
  }
  std::cout << "license " << r->number << " version " << r->version << " " << r->change << " (" << Limits(*r) << ")\n";
}

void RunAdd(CliContext& ctx, const std::string& file, bool as_json) {
  auto l = ReadLicenseFile(ctx, file);
  if (!l.ok()) return Fail(ctx, l.status());
  Changed(ctx, LicenseStore(ctx.data_dir).Add(*l, CliActor()), "license.added", as_json);
}

void RunAmend(CliContext& ctx, const std::string& number, const std::string& file, const std::string& reason, bool as_json) {
  auto l = ReadLicenseFile(ctx, file);
  if (!l.ok()) return Fail(ctx, l.status());
  if (l->number != license::CanonicalNumber(number)) {
    return Fail(ctx, Status::Invalid("number", "the file is license " + l->number + ", not " + number));
  }
  Changed(ctx, LicenseStore(ctx.data_dir).Amend(*l, CliActor(), reason), "license.amended", as_json);
}

void RunRevoke(CliContext& ctx, const std::string& number, const std::string& reason, const std::string& effective_text,
               bool as_json) {
  std::optional<Date> effective;
  if (!effective_text.empty()) {
    auto d = Date::Parse(effective_text);
    if (!d.ok()) return Fail(ctx, d.status().WithFieldPrefix("--effective"));
    effective = *d;
  }
  Changed(ctx, LicenseStore(ctx.data_dir).Revoke(number, CliActor(), reason, effective), "license.revoked", as_json);
}

void RunList(CliContext& ctx, bool attention, const std::string& as_of_text, const std::string& ledger_location, bool as_json) {
  Date today = TodayUtc();
  if (!as_of_text.empty()) {
    auto d = Date::Parse(as_of_text);
    if (!d.ok()) return Fail(ctx, d.status().WithFieldPrefix("--as-of"));
    today = *d;
  }
  auto all = LicenseStore(ctx.data_dir).List();
  if (!all.ok()) return Fail(ctx, all.status());
  // What is left of each license is in the ledger (its license accounts).
  auto rules = ledger::AllocationRules::Load(ctx.regulatory_data_dir);
  if (!rules.ok()) return Fail(ctx, rules.status());
  auto opened = ledger::Ledger::Open({.location = DataDir(ctx.data_dir).LedgerLocation(ledger_location)}, *rules);
  if (!opened.ok()) return Fail(ctx, opened.status());
  ledger::Ledger& ledger = **opened;
  auto listed = license::LicenseListJson(*all, today, attention,
                                         [&ledger, today](const std::string& number) { return ledger::HeldOnLicense(ledger, number, today); });
  if (!listed.ok()) return Fail(ctx, listed.status());
  const json j = json::parse(*listed);
  if (as_json) {
    std::cout << j.dump(2) << "\n";
    return;
  }
  if (j["licenses"].empty()) std::cout << (attention ? "no license needs attention on " : "no licenses recorded as of ") << today.ToString() << "\n";
  for (const auto& l : j["licenses"]) PrintLicenseLine(l);
}

void RunShow(CliContext& ctx, const std::string& number, bool as_json) {
  auto versions = LicenseStore(ctx.data_dir).Versions(number);
  if (!versions.ok()) return Fail(ctx, versions.status());
  if (versions->empty()) return Fail(ctx, Status::Error(ErrorCode::kNotFound, "number", "no license " + number));
  const json j = json::parse(license::LicenseVersionsJson(*versions));
  if (as_json) {
    std::cout << j.dump(2) << "\n";
    return;
  }
  const License& l = versions->back();
  PrintLicenseLine(j["license"]);
  std::cout << "  covers: " << Limits(l) << "\n";
  for (const auto& p : l.parties) std::cout << "  " << p.role << ": " << p.name << " (" << p.country << ")\n";
  for (const auto& c : l.conditions) std::cout << "  condition: " << c << "\n";
  for (const auto& v : *versions) {
    std::cout << "  version " << v.version << ": " << v.change << " " << v.recorded_at << " by " << v.actor
              << (v.reason.empty() ? "" : " (" + v.reason + ")") << "\n";
  }
}

// licenses report: what was drawn against a license from the ledger (its accounts
// license:<number>:units|tpp|usd), shipment by shipment: each reservation (its postings on the
// three accounts, made by one decision) with what it drew of each limit, the item(s) and the
// consignee it shipped to and the decision's outcome (from the decision's record in the audit
// log, which `check --reserve` always writes), and whether it shipped (committed), was cancelled
// (released) or is still held, dated within --from … --to; officers' adjustments too. What a
// license holder shows BIS (15 CFR 750.7).
struct ReportOptions {
  std::string number, from, to, ledger, audit;
  bool json = false, csv = false;
};

// One shipment (a decision's reservation) or one adjustment.
struct Shipment {
  std::string kind;  // "reserve" or "adjust"
  std::string as_of, status, decision_id, transaction_ref, reason;
  std::vector<int64_t> postings;
  std::optional<double> drawn[3];  // units, TPP, USD; nullopt: nothing drawn of it
  // From the decision's audit record: false when it is not there (an adjustment has none).
  bool recorded = false;
  std::string outcome, consignee, consignee_country;
  struct Item {
    std::string label, eccn;
    int64_t quantity = 0;
  };
  std::vector<Item> items;  // the decision's items authorized under this license
};

// What the decision's record says of the shipment: its outcome, consignee, and the items it
// authorized under `number`. False when the decision is not in the log.
bool FromPayload(const json& payload, const std::string& number, Shipment& s) {
  if (!payload.is_object() || !payload.contains("decision") || !payload["decision"].is_object()) return false;
  const json& d = payload["decision"];
  s.outcome = d.value("outcome", "");
  for (const auto& p : d.value("parties", json::array())) {
    if (p.value("role", "") != "ultimate_consignee") continue;
    s.consignee = p.value("name", "");
    s.consignee_country = p.contains("country") && p["country"].is_string() ? p["country"].get<std::string>() : "";
    break;
  }
  for (const auto& it : d.value("items", json::array())) {
    if (!it.contains("license") || !it["license"].is_string() || it["license"].get<std::string>() != number) continue;
    s.items.push_back({it.value("label", ""), it.value("eccn", ""), it.value("quantity", int64_t{0})});
  }
  s.recorded = true;
  return true;
}

bool FromRecord(audit::AuditLog& log, const std::string& number, Shipment& s) {
  auto rec = log.Get(s.decision_id);
  if (!rec.ok()) return false;
  return FromPayload(json::parse(rec->payload, nullptr, false), number, s);
}

std::string ItemsText(const Shipment& s) {
  std::string out;
  for (const auto& i : s.items) out += (out.empty() ? "" : "; ") + i.label + " (" + i.eccn + ") x " + std::to_string(i.quantity);
  return out;
}

void RunReport(CliContext& ctx, const ReportOptions& o) {
  auto l = LicenseStore(ctx.data_dir).Get(o.number);
  if (!l.ok()) return Fail(ctx, l.status());
  auto from = Date::Parse(o.from.empty() ? l->issued.ToString() : o.from);
  if (!from.ok()) return Fail(ctx, from.status().WithFieldPrefix("--from"));
  auto to = o.to.empty() ? Result<Date>(TodayUtc()) : Date::Parse(o.to);
  if (!to.ok()) return Fail(ctx, to.status().WithFieldPrefix("--to"));
  if (*to < *from) return Fail(ctx, Status::Invalid("--to", "is before --from"));
  auto rules = ledger::AllocationRules::Load(ctx.regulatory_data_dir);
  if (!rules.ok()) return Fail(ctx, rules.status());
  const DataDir dir(ctx.data_dir);
  const std::string ledger_location = dir.LedgerLocation(o.ledger);
  auto opened = ledger::Ledger::Open({.location = ledger_location}, *rules);
  if (!opened.ok()) return Fail(ctx, opened.status());
  ledger::Ledger& ledger = **opened;

  std::vector<ledger::Posting> all;
  std::vector<int> measure_of;  // per posting in `all`: 0 units, 1 tpp, 2 usd
  const auto limits = license::LicenseLimits(*l);
  const char* measures[3] = {"units", "tpp", "usd"};
  double drawn[3] = {0, 0, 0}, held_now[3] = {0, 0, 0};
  for (int m = 0; m < 3; ++m) {
    const std::string account = ledger::AccountKey::License(l->number, measures[m]).ToString();
    auto h = ledger.History(account);
    if (!h.ok()) return Fail(ctx, h.status());
    for (auto& p : *h) {
      measure_of.push_back(m);
      all.push_back(std::move(p));
    }
    auto b = ledger.GetBalance(ledger::AccountKey::License(l->number, measures[m]), *to);
    if (!b.ok()) return Fail(ctx, b.status());
    held_now[m] = b->reserved_tpp + b->used_tpp;
  }
  // Postings in id order, each reservation grouped with the others its decision made (one per
  // account it drew on); an adjustment stands alone.
  std::vector<size_t> order(all.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return all[a].id < all[b].id; });
  std::vector<Shipment> rows;
  std::map<std::string, size_t> by_decision;  // decision id (and reference) → row
  for (size_t i : order) {
    const ledger::Posting& p = all[i];
    if (p.kind == ledger::PostingKind::kCommit || p.kind == ledger::PostingKind::kRelease) continue;  // with their reservation
    if (p.as_of < *from || p.as_of > *to) continue;
    std::string status = p.kind == ledger::PostingKind::kAdjust ? "adjusted" : "reserved";
    for (const auto& q : all) {
      if (q.reservation_id != p.id || q.as_of > *to) continue;
      if (q.kind == ledger::PostingKind::kCommit) status = "shipped";
      if (q.kind == ledger::PostingKind::kRelease) status = "released";
    }
    const int m = measure_of[i];
    if (status != "released") drawn[m] += p.tpp();
    size_t row = rows.size();
    const bool grouped = p.kind == ledger::PostingKind::kReserve && !p.decision_id.empty();
    const std::string key = p.decision_id + '\x1f' + p.transaction_ref;
    if (grouped) {
      if (auto it = by_decision.find(key); it != by_decision.end()) row = it->second;
    }
    if (row == rows.size()) {
      Shipment s;
      s.kind = ledger::PostingKindName(p.kind);
      s.as_of = p.as_of.ToString();
      s.status = status;
      s.decision_id = p.decision_id;
      s.transaction_ref = p.transaction_ref;
      s.reason = p.reason;
      rows.push_back(std::move(s));
      if (grouped) by_decision[key] = row;
    } else if (rows[row].status != status) {
      rows[row].status = "mixed";  // its postings were settled apart (never by `check`)
    }
    rows[row].postings.push_back(p.id);
    rows[row].drawn[m] = rows[row].drawn[m].value_or(0) + p.tpp();
  }
  // The decisions' records: what shipped where, and the outcome. A ledger without its audit log
  // (another location, or none) still reports the drawdowns; the shipment says it is not recorded.
  auto log = audit::OpenAuditLog({.location = dir.AuditLocation(o.audit, ledger_location), .clock = {}, .read_only = true});
  if (!log.ok() && log.status().code() != ErrorCode::kNotFound) return Fail(ctx, log.status());
  if (log.ok()) {
    for (auto& s : rows) {
      if (s.kind == "reserve" && !s.decision_id.empty()) FromRecord(**log, l->number, s);
    }
    // A limit the license does not set is not drawn on the ledger: the reserving decisions that
    // shipped under it are found in the log (none can predate the license's first version).
    if (!limits[0] || !limits[1] || !limits[2]) {
      std::set<std::string> listed;
      for (const auto& s : rows) listed.insert(s.decision_id);
      auto versions = license::LicenseStore(ctx.data_dir).Versions(l->number);
      if (!versions.ok()) return Fail(ctx, versions.status());
      const std::string since = versions->empty() ? "" : versions->front().recorded_at;
      std::vector<Shipment> unlimited;
      Status scanned = (*log)->Scan({.from = since, .to = ""}, [&](const audit::AuditRecord& rec) {
        if (rec.kind != "decision" || listed.count(rec.id)) return true;
        const json payload = json::parse(rec.payload, nullptr, false);
        if (!payload.is_object() || !payload.value("reserve", false) || !payload.contains("decision")) return true;
        const json& d = payload["decision"];
        auto as_of = Date::Parse(d.value("as_of", ""));
        if (!as_of.ok() || *as_of < *from || *as_of > *to) return true;
        Shipment s;
        s.kind = "reserve";
        s.as_of = as_of->ToString();
        s.status = "recorded";
        s.decision_id = rec.id;
        s.transaction_ref = d.contains("reference") && d["reference"].is_string() ? d["reference"].get<std::string>() : "";
        s.reason = "nothing drawn on the ledger: the license sets no limit the items count against";
        if (!FromPayload(payload, l->number, s) || s.items.empty()) return true;
        unlimited.push_back(std::move(s));
        return true;
      });
      if (!scanned.ok()) return Fail(ctx, scanned);
      if (!unlimited.empty()) {
        rows.insert(rows.end(), std::make_move_iterator(unlimited.begin()), std::make_move_iterator(unlimited.end()));
        std::stable_sort(rows.begin(), rows.end(), [](const Shipment& a, const Shipment& b) { return a.as_of < b.as_of; });
      }
    }
  }

  // Amounts are thousandths exact (the ledger's milli units): "1000", "2.5".
  auto amount = [](const std::optional<double>& v) {
    if (!v) return std::string();
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.15g", *v);
    return std::string(buf);
  };
  if (o.csv) {
    std::cout << "license,as_of,kind,status,transaction_ref,decision_id,outcome,items,consignee,consignee_country,units,tpp,"
                 "value_usd,posting_ids,reason\n";
    for (const auto& r : rows) {
      std::string ids;
      for (int64_t id : r.postings) ids += (ids.empty() ? "" : " ") + std::to_string(id);
      // Text through the one CSV cell writer (a consignee or reference beginning with = + - @ stays
      // text in a spreadsheet); the amounts as numbers (an adjustment may be negative).
      std::string row;
      for (const std::string& cell : {l->number, r.as_of, r.kind, r.status, r.transaction_ref, r.decision_id, r.outcome,
                                      ItemsText(r), r.consignee, r.consignee_country}) {
        AppendCsvText(cell, row);
        row += ',';
      }
      for (const auto& drawn : r.drawn) {
        AppendCsvNumber(amount(drawn), row);
        row += ',';
      }
      AppendCsvText(ids, row);
      row += ',';
      AppendCsvText(r.reason, row);
      std::cout << row << "\n";
    }
    return;
  }
  std::string out;
  JsonWriter w(out);
  w.BeginObject().Field("license", l->number).Field("version", l->version).Field("status", license::LicenseStatusName(l->status));
  w.Field("from", from->ToString()).Field("to", to->ToString()).Field("expires", l->expires.ToString());
  w.Key("limits").BeginObject();
  for (int m = 0; m < 3; ++m) {
    w.Key(measures[m]);
    if (limits[m]) w.Number(*limits[m]);
    else w.Null();
  }
  w.EndObject().Key("drawn_in_period").BeginObject();
  for (int m = 0; m < 3; ++m) w.Key(measures[m]).Number(drawn[m]);
  w.EndObject().Key("remaining").BeginObject();
  for (int m = 0; m < 3; ++m) {
    w.Key(measures[m]);
    if (limits[m]) w.Number(*limits[m] - held_now[m]);
    else w.Null();
  }
  w.EndObject().Key("shipments").BeginArray();
  auto text_or_null = [&](const char* key, const std::string& v, bool known) {
    w.Key(key);
    if (known) w.String(v);
    else w.Null();
  };
  for (const auto& r : rows) {
    w.BeginObject().Field("as_of", r.as_of).Field("kind", r.kind).Field("status", r.status);
    w.Field("transaction_ref", r.transaction_ref).Field("decision_id", r.decision_id);
    w.Field("decision_recorded", r.recorded);
    text_or_null("outcome", r.outcome, r.recorded);
    text_or_null("consignee", r.consignee, r.recorded && !r.consignee.empty());
    text_or_null("consignee_country", r.consignee_country, r.recorded && !r.consignee_country.empty());
    w.Key("items").BeginArray();
    for (const auto& i : r.items) {
      w.BeginObject().Field("label", i.label).Field("eccn", i.eccn).Field("quantity", i.quantity).EndObject();
    }
    w.EndArray().Key("drawn").BeginObject();
    for (int m = 0; m < 3; ++m) {
      w.Key(measures[m]);
      if (r.drawn[m]) w.Number(*r.drawn[m]);
      else w.Null();
    }
    w.EndObject().Key("posting_ids").BeginArray();
    for (int64_t id : r.postings) w.Integer(id);
    w.EndArray().Field("reason", r.reason);
    w.EndObject();
  }
  w.EndArray().EndObject();
  if (o.json) {
    std::cout << json::parse(out).dump(2) << "\n";
    return;
  }
  std::cout << "license " << l->number << " v" << l->version << " (" << license::LicenseStatusName(l->status) << "), "
            << from->ToString() << " to " << to->ToString() << ": " << rows.size() << " shipment(s) and adjustment(s)\n";
  for (int m = 0; m < 3; ++m) {
    if (!limits[m]) continue;
    std::cout << "  " << measures[m] << ": drawn " << amount(drawn[m]) << " in the period, " << amount(*limits[m] - held_now[m])
              << " of " << amount(*limits[m]) << " remain\n";
  }
  for (const auto& r : rows) {
    std::string amounts;
    for (int m = 0; m < 3; ++m) {
      if (r.drawn[m]) amounts += (amounts.empty() ? "" : ", ") + amount(r.drawn[m]) + " " + measures[m];
    }
    std::cout << "  " << r.as_of << "  " << r.status << "  " << amounts << "  "
              << (r.transaction_ref.empty() ? "-" : r.transaction_ref) << "  " << (r.decision_id.empty() ? "-" : r.decision_id);
    if (r.recorded) std::cout << "  " << r.outcome << "  " << ItemsText(r) << "  to " << r.consignee << " (" << r.consignee_country << ")";
    else if (r.kind == "reserve") std::cout << "  (decision not in the audit log)";
    else if (!r.reason.empty()) std::cout << "  " << r.reason;
    std::cout << "\n";
  }
}

}  // namespace

void RegisterLicenseCommands(CLI::App& app, CliContext& ctx) {
  auto* lic = app.add_subcommand("licenses", "Licenses the company holds (add, list, show, amend, revoke, report)");
  lic->require_subcommand(1);

  auto* add = lic->add_subcommand("add", "Record a license from its JSON file (version 1)");
  auto add_file = std::make_shared<std::string>();
  auto add_json = std::make_shared<bool>(false);
  add->add_option("file", *add_file, "License file (JSON: number, holder, issued, expires, destinations, items, parties, …)")->required();
  add->add_flag("--json", *add_json, "JSON output");
  add->callback([&ctx, add_file, add_json] { RunAdd(ctx, *add_file, *add_json); });

  auto* list = lic->add_subcommand("list", "The licenses recorded, latest version of each");
  auto attention = std::make_shared<bool>(false);
  auto list_as_of = std::make_shared<std::string>();
  auto list_json = std::make_shared<bool>(false);
  auto list_ledger = std::make_shared<std::string>();
  list->add_flag("--attention", *attention, "Only licenses expiring within 30 days or with under 10% of a limit left");
  list->add_option("--as-of", *list_as_of, "Date to judge expiry on (YYYY-MM-DD, default today)");
  list->add_option("--ledger", *list_ledger, "Ledger to read what is left (default: the embedded SQLite ledger of --data-dir)");
  list->add_flag("--json", *list_json, "JSON output");
  list->callback([&ctx, attention, list_as_of, list_ledger, list_json] { RunList(ctx, *attention, *list_as_of, *list_ledger, *list_json); });

  auto* show = lic->add_subcommand("show", "A license with every version");
  auto show_number = std::make_shared<std::string>();
  auto show_json = std::make_shared<bool>(false);
  show->add_option("number", *show_number, "License number")->required();
  show->add_flag("--json", *show_json, "JSON output");
  show->callback([&ctx, show_number, show_json] { RunShow(ctx, *show_number, *show_json); });

  auto* amend = lic->add_subcommand("amend", "Record an amendment: a new version with the file's terms");
  auto amend_number = std::make_shared<std::string>();
  auto amend_file = std::make_shared<std::string>();
  auto amend_reason = std::make_shared<std::string>();
  auto amend_json = std::make_shared<bool>(false);
  amend->add_option("number", *amend_number, "License number")->required();
  amend->add_option("file", *amend_file, "The amended license file (same number)")->required();
  amend->add_option("--reason", *amend_reason, "Why (e.g. the amendment's reference)");
  amend->add_flag("--json", *amend_json, "JSON output");
  amend->callback([&ctx, amend_number, amend_file, amend_reason, amend_json] {
    RunAmend(ctx, *amend_number, *amend_file, *amend_reason, *amend_json);
  });

  auto* revoke = lic->add_subcommand("revoke", "Record a revocation: a new version that authorizes nothing");
  auto revoke_number = std::make_shared<std::string>();
  auto revoke_reason = std::make_shared<std::string>();
  auto revoke_json = std::make_shared<bool>(false);
  auto revoke_effective = std::make_shared<std::string>();
  revoke->add_option("number", *revoke_number, "License number")->required();
  revoke->add_option("--reason", *revoke_reason, "Why (required)")->required();
  revoke->add_option("--effective", *revoke_effective,
                     "The date the revocation binds from (orders dated on or after it; default: today, UTC)");
  revoke->add_flag("--json", *revoke_json, "JSON output");
  revoke->callback([&ctx, revoke_number, revoke_reason, revoke_effective, revoke_json] {
    RunRevoke(ctx, *revoke_number, *revoke_reason, *revoke_effective, *revoke_json);
  });

  auto* report = lic->add_subcommand("report", "Shipments drawn against a license, with their decisions (JSON, CSV or text)");
  auto ro = std::make_shared<ReportOptions>();
  report->add_option("number", ro->number, "License number")->required();
  report->add_option("--from", ro->from, "First date (YYYY-MM-DD, default the issuing date)");
  report->add_option("--to", ro->to, "Last date (YYYY-MM-DD, default today)");
  report->add_option("--ledger", ro->ledger, "Ledger location (default <data-dir>/ledger.sqlite, or postgresql://…)");
  report->add_option("--audit", ro->audit, "Audit log with the decisions (default <data-dir>/audit.sqlite, or the ledger's PostgreSQL database)");
  report->add_flag("--json", ro->json, "JSON output");
  report->add_flag("--csv", ro->csv, "CSV output: one row per shipment (or adjustment)");
  report->callback([&ctx, ro] { RunReport(ctx, *ro); });
}

}  // namespace exportctl::cli
