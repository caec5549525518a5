// exportctl jurisdiction FILE: is each item of a transaction subject to the EAR at all, with the
// routes and the de minimis worksheet; exportctl deminimis BOM.csv: the worksheet alone.
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "core/validate.h"
#include "cli/decision_text.h"
#include "core/clock.h"
#include "core/data_dir.h"
#include "data/dataset.h"
#include "determine/decision_json.h"
#include "determine/engine.h"
#include "jurisdiction/bom.h"
#include "jurisdiction/jurisdiction.h"
#include "screen/party_screener.h"

namespace exportctl::cli {
namespace {

int Fail(const Status& st) {
  PrintJsonError(ErrorCodeName(st.code()), st.field(), st.message());
  return st.code() == ErrorCode::kInvalidInput ? 2 : 1;
}

Result<std::string> ReadAll(const std::string& path, const char* field) {
  std::stringstream ss;
  if (path == "-") {
    ss << std::cin.rdbuf();
    return ss.str();
  }
  EXPORTCTL_RETURN_IF_ERROR(CheckInputFile(field, path));
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Invalid(field, "cannot open " + path);
  ss << in.rdbuf();
  return ss.str();
}

struct JurisdictionOptions {
  std::string file, posture;
  bool json = false, text = false;
};

int RunJurisdiction(CliContext& ctx, const JurisdictionOptions& o) {
  const Dataset* data = LoadDataset(ctx);
  if (!data) return ctx.exit_code;
  auto input = ReadAll(o.file.empty() ? "-" : o.file, "file");
  if (!input.ok()) return Fail(input.status());
  auto tx = ParseTransaction(*input, *data, TodayUtc());
  if (!tx.ok()) return Fail(tx.status());
  DetermineOptions opts;
  if (!o.posture.empty()) {
    auto p = ParsePosture(o.posture);
    if (!p.ok()) return Fail(Status::Invalid("--posture", p.status().message()));
    opts.posture = *p;
  }
  // Imported lists answer the Entity List footnotes of 734.9(e); without them that stays unknown.
  auto screener = screen::OpenPartyScreener(DataDir(ctx.data_dir).root(), {.max_age_days = ctx.max_list_age_days});
  if (screener.ok()) opts.screener = screener->get();
  else if (screener.status().code() != ErrorCode::kNotFound) return Fail(screener.status());
  Engine engine(*data);
  const Decision d = engine.Determine(*tx, opts);
  std::string out;
  AppendJurisdictionAnswerJson(d, out);
  if (o.text) {
    const auto j = nlohmann::json::parse(out);
    std::cout << "Jurisdiction on " << j["as_of"].get<std::string>() << " (" << j["posture"].get<std::string>() << "), to "
              << j["destination"].get<std::string>() << "\n";
    for (const auto& it : j["items"]) {
      std::cout << "  item: " << it["label"].get<std::string>() << " (" << it["eccn"].get<std::string>() << ")\n";
      PrintJurisdictionText(it["jurisdiction"], std::cout, "    ");
    }
    for (const auto& w : j["warnings"]) std::cout << "  warning: " << w.get<std::string>() << "\n";
    if (j["review_required"].get<bool>()) std::cout << "  REVIEW: the decision on these facts is NEEDS_REVIEW (see the warnings)\n";
  } else {
    std::cout << out << "\n";
  }
  return 0;
}

struct DeMinimisOptions {
  std::string file, destination, as_of, posture;
  std::string item_value;  // text: parsed here so junk is an error naming the option
  bool json = false;
};

int RunDeMinimis(CliContext& ctx, const DeMinimisOptions& o) {
  const Dataset* data = LoadDataset(ctx);
  if (!data) return ctx.exit_code;
  auto dest = data->ResolveCountry(o.destination);
  if (!dest.ok()) return Fail(Status::Invalid("--destination", dest.status().message()));
  Date as_of = TodayUtc();
  if (!o.as_of.empty()) {
    auto d = Date::Parse(o.as_of);
    if (!d.ok()) return Fail(Status::Invalid("--as-of", d.status().message()));
    as_of = *d;
  }
  if (Status st = data->RequireRegimeData(as_of); !st.ok()) return Fail(Status::Invalid("--as-of", st.message()));
  Posture posture = Posture::kEnforced;
  if (!o.posture.empty()) {
    auto p = ParsePosture(o.posture);
    if (!p.ok()) return Fail(Status::Invalid("--posture", p.status().message()));
    posture = *p;
  }
  auto text = ReadAll(o.file, "file");
  if (!text.ok()) return Fail(text.status());
  jurisdiction::Bom bom;
  if (Status st = jurisdiction::ParseBom(*data, *text, bom); !st.ok()) return Fail(st);
  const std::vector<jurisdiction::UsContent>& us = bom.us_content;
  double value = bom.total_usd;
  if (!o.item_value.empty()) {
    const auto v = ParseDecimal(o.item_value);
    if (!v || *v <= 0) return Fail(Status::Invalid("--item-value", "must be a positive decimal number of USD, got \"" + o.item_value + "\""));
    value = *v;
  }
  double us_sum = 0;
  for (const auto& u : us) us_sum += u.value_usd;
  if (us_sum > value * (1 + 1e-9)) {
    return Fail(Status::Invalid("--item-value", "the US content (USD " + std::to_string(us_sum) + ") is above the item's value"));
  }
  auto rules = jurisdiction::Rules::Compile(*data);
  if (!rules.ok()) return Fail(rules.status());
  const jurisdiction::Worksheet w = jurisdiction::DeMinimis(**rules, us, value, *dest, as_of, posture);
  std::string out = "{\"destination\":\"" + *dest + "\",\"as_of\":\"" + as_of.ToString() + "\",\"posture\":\"" + PostureName(posture) +
                    "\",\"item_value_usd\":" + nlohmann::json(value).dump() + ",\"worksheet\":";
  AppendWorksheetJson(w, out);
  out += ",\"note\":\"Parties are not known here: US 3A090/4A090 content a headquarters requirement could reach is counted (fail closed). "
         "A worksheet at or below the level settles de minimis only; the foreign direct product rules (15 CFR 734.9) need no US content: "
         "use exportctl jurisdiction for the whole question.\"}";
  if (o.json) {
    std::cout << out << "\n";
  } else {
    std::cout << "De minimis to " << *dest << " on " << as_of.ToString() << " (" << PostureName(posture) << ")\n";
    PrintWorksheetText(nlohmann::json::parse(out)["worksheet"], std::cout, "  ");
    for (const auto& n : w.notes) std::cout << "  note: " << n << "\n";
    std::cout << "  " << (w.exceeds ? "above the level: the item is subject to the EAR (15 CFR 734.3(a)(3))"
                          : w.open  ? "open: content whose control is uncertain could cross the level (review)"
                                    : "at or below the level: de minimis does not bring the item under the EAR")
              << "\n";
  }
  return 0;
}

}  // namespace

void RegisterJurisdictionCommands(CLI::App& app, CliContext& ctx) {
  auto* j = app.add_subcommand("jurisdiction", "Is each item of a transaction subject to the EAR at all (routes, de minimis worksheet)");
  static JurisdictionOptions jo;
  j->add_option("file", jo.file, "Transaction JSON file (items with \"origin\"), or - for stdin");
  j->add_option("--posture", jo.posture, "enforced|codified: overrides the transaction's posture");
  j->add_flag("--json", jo.json, "JSON output (the default)");
  j->add_flag("--text", jo.text, "Readable text instead of JSON");
  j->callback([&ctx] { ctx.exit_code = RunJurisdiction(ctx, jo); });

  auto* dm = app.add_subcommand("deminimis", "De minimis worksheet from a bill of materials (CSV: part,eccn_or_chip,origin_country,quantity,unit_value_usd)");
  static DeMinimisOptions dmo;
  dm->add_option("file", dmo.file, "Bill of materials CSV, or - for stdin")->required();
  dm->add_option("--destination", dmo.destination, "Destination of the foreign item (code or name)")->required();
  dm->add_option("--as-of", dmo.as_of, "Date (default today)");
  dm->add_option("--posture", dmo.posture, "enforced|codified (default enforced)");
  dm->add_option("--item-value", dmo.item_value, "The foreign item's value in USD (default: the sum of the BOM's lines)");
  dm->add_flag("--json", dmo.json, "JSON output");
  dm->callback([&ctx] { ctx.exit_code = RunDeMinimis(ctx, dmo); });
}

}  // namespace exportctl::cli
