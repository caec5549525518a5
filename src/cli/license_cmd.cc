// licenses add|list|show|amend|revoke: thin wrappers over src/license. Every change is recorded
// in the audit log under the OS account (cli:<user>).
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "core/clock.h"
#include "data/dataset.h"
#include "license/license.h"

namespace exportctl::cli {
namespace {

using license::License;
using license::LicenseStore;
using nlohmann::json;

Result<License> ReadLicenseFile(CliContext& ctx, const std::string& file) {
  const Dataset* data = LoadDataset(ctx);
  if (!data) return Status::Error(ErrorCode::kDataError, "regulatory_data", "the bundled data could not be loaded");
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
  if (l->number != number) {
    return Fail(ctx, Status::Invalid("number", "the file is license " + l->number + ", not " + number));
  }
  Changed(ctx, LicenseStore(ctx.data_dir).Amend(*l, CliActor(), reason), "license.amended", as_json);
}

void RunRevoke(CliContext& ctx, const std::string& number, const std::string& reason, bool as_json) {
  Changed(ctx, LicenseStore(ctx.data_dir).Revoke(number, CliActor(), reason), "license.revoked", as_json);
}

void RunList(CliContext& ctx, bool attention, const std::string& as_of_text, bool as_json) {
  Date today = TodayUtc();
  if (!as_of_text.empty()) {
    auto d = Date::Parse(as_of_text);
    if (!d.ok()) return Fail(ctx, d.status().WithFieldPrefix("--as-of"));
    today = *d;
  }
  auto all = LicenseStore(ctx.data_dir).List();
  if (!all.ok()) return Fail(ctx, all.status());
  const json j = json::parse(license::LicenseListJson(*all, today, attention));
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

}  // namespace

void RegisterLicenseCommands(CLI::App& app, CliContext& ctx) {
  auto* lic = app.add_subcommand("licenses", "Licenses the company holds (add, list, show, amend, revoke)");
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
  list->add_flag("--attention", *attention, "Only licenses expiring within 30 days");
  list->add_option("--as-of", *list_as_of, "Date to judge expiry on (YYYY-MM-DD, default today)");
  list->add_flag("--json", *list_json, "JSON output");
  list->callback([&ctx, attention, list_as_of, list_json] { RunList(ctx, *attention, *list_as_of, *list_json); });

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
  revoke->add_option("number", *revoke_number, "License number")->required();
  revoke->add_option("--reason", *revoke_reason, "Why (required)")->required();
  revoke->add_flag("--json", *revoke_json, "JSON output");
  revoke->callback([&ctx, revoke_number, revoke_reason, revoke_json] { RunRevoke(ctx, *revoke_number, *revoke_reason, *revoke_json); });
}

}  // namespace exportctl::cli
