// exportctl ledger …: balances, history, reserve, commit, release, adjust, export. A thin front
// end over ledger/ledger.h; every error is printed as {"error":{code,field,message}}.
#include <cmath>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <memory>

#include "audit/audit_log.h"
#include "cli/commands.h"
#include "core/clock.h"
#include "core/data_dir.h"
#include "core/json_writer.h"
#include "ledger/ledger.h"
#include "ledger/ledger_json.h"

namespace exportctl::cli {
namespace {

using ledger::AccountKey;
using ledger::Ledger;

struct LedgerCliOptions {
  std::string location;  // --ledger
  std::string as_of;     // --as-of (default today, UTC)
  bool json = false;
  bool csv = false;
  std::string account;
  double tpp = 0;
  int64_t posting_id = 0;
  std::string key, reason, decision_id, transaction_ref, headquarters;
};

// Exit codes of every ledger command (also in --help and docs/ledger.md).
constexpr int kExitRefused = 1;      // the reservation does not fit; nothing written
constexpr int kExitInvalid = 2;      // invalid input, unknown account or posting
constexpr int kExitConflict = 3;     // idempotency key reused for another request; already settled
constexpr int kExitUnavailable = 4;  // the ledger or the audit log cannot be used
constexpr const char* kExitCodesHelp =
    "Exit codes: 0 done (a posting written, or replayed for a retried --key); 1 refused: the "
    "reservation does not fit, nothing written (what still fits is printed); 2 invalid input, "
    "unknown account or posting; 3 conflict: the --key was used for a different request, or the "
    "reservation is already committed or released; 4 the ledger or the audit log is unavailable.";

int Fail(const Status& st) {
  PrintJsonError(ErrorCodeName(st.code()), st.field(), st.message());
  switch (st.code()) {
    case ErrorCode::kInvalidInput:
    case ErrorCode::kNotFound:
      return kExitInvalid;
    case ErrorCode::kConflict:
      return kExitConflict;
    default:
      return kExitUnavailable;
  }
}

Result<Date> AsOf(const LedgerCliOptions& o) {
  if (o.as_of.empty()) return TodayUtc();
  auto d = Date::Parse(o.as_of);
  if (!d.ok()) return d.status().WithFieldPrefix("--as-of");
  return d;
}

Result<std::unique_ptr<Ledger>> OpenLedger(const CliContext& ctx, const LedgerCliOptions& o) {
  auto rules = ledger::AllocationRules::Load(ctx.regulatory_data_dir);
  if (!rules.ok()) return rules.status();
  const std::string location =
      DataDir(ctx.data_dir).LedgerLocation(o.location);
  return Ledger::Open({.location = location}, *rules);
}

// What every posting command needs: its account (when it names one), its date and the ledger.
struct PostingContext {
  AccountKey account;
  Date as_of;
  std::unique_ptr<Ledger> ledger;
};
Result<PostingContext> OpenForPosting(const CliContext& ctx, const LedgerCliOptions& o, bool names_account) {
  PostingContext pc;
  if (names_account) {
    auto account = AccountKey::Parse(o.account);
    if (!account.ok()) return account.status();
    pc.account = std::move(account).value();
    // Consignee accounts are kept by identity: any spelling of the consignee names the same one.
    const bool consignee = pc.account.kind == ledger::AccountKind::kLppConsignee ||
                           pc.account.kind == ledger::AccountKind::kAiaCertification;
    if (consignee && !ledger::IsConsigneeIdentity(pc.account.party)) {
      auto identity = ledger::ConsigneeIdentity(pc.account.party, "");
      if (!identity.ok()) return identity.status().WithFieldPrefix("account");
      pc.account.party = *identity;
    }
  }
  auto as_of = AsOf(o);
  if (!as_of.ok()) return as_of.status();
  pc.as_of = *as_of;
  auto l = OpenLedger(ctx, o);
  if (!l.ok()) return l.status();
  pc.ledger = std::move(l).value();
  return pc;
}

std::string Num(double v) {
  char buf[48];
  if (std::fabs(v - std::round(v)) < 1e-9) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.3f", v);
  }
  return buf;
}

void PrintPosting(const ledger::Posting& p) { std::cout << ledger::PostingToJson(p) << '\n'; }

// Ledger changes go into the audit log, beside the ledger when it is PostgreSQL (as `serve` does).
// A retried request (same idempotency key) is recorded again: the log shows every attempt.
int Record(const CliContext& ctx, const LedgerCliOptions& o, const char* kind, const std::string& result) {
  const std::string audit = audit::IsPostgresUrl(o.location) ? o.location : "";
  Status st = RecordCliEvent(ctx, audit, kind, "{\"result\":" + result + "}");
  return st.ok() ? 0 : Fail(st);
}

int RunBalances(const CliContext& ctx, const LedgerCliOptions& o) {
  auto as_of = AsOf(o);
  if (!as_of.ok()) return Fail(as_of.status());
  auto l = OpenLedger(ctx, o);
  if (!l.ok()) return Fail(l.status());
  auto balances = (*l)->Balances(*as_of);
  if (!balances.ok()) return Fail(balances.status());
  const auto& rules = (*l)->rules();
  if (o.json) {
    std::cout << ledger::BalancesToJson(*balances, *as_of, **l) << '\n';
    return 0;
  }
  std::printf("Ledger balances as of %s (%s); H100-equivalent = %s TPP\n",
              as_of->ToString().c_str(), (*l)->backend().c_str(),
              Num(rules.h100_equivalent_tpp()).c_str());
  std::printf("%-36s %-10s %16s %16s %16s %16s %10s\n", "ACCOUNT", "PERIOD", "CAP TPP",
              "RESERVED TPP", "USED TPP", "REMAINING TPP", "LEFT H100");
  for (const auto& b : *balances) {
    const std::string cap = b.cap_tpp ? Num(*b.cap_tpp) : "-";
    const std::string remaining = b.cap_tpp ? Num(b.remaining_tpp()) : "-";
    const std::string h100 = b.cap_tpp ? Num(std::floor(b.ToH100(b.remaining_tpp()))) : "-";
    std::printf("%-36s %-10s %16s %16s %16s %16s %10s\n", b.account.c_str(), b.period.c_str(),
                cap.c_str(), Num(b.reserved_tpp).c_str(), Num(b.used_tpp).c_str(),
                remaining.c_str(), h100.c_str());
  }
  return 0;
}

int RunHistory(const CliContext& ctx, const LedgerCliOptions& o) {
  auto l = OpenLedger(ctx, o);
  if (!l.ok()) return Fail(l.status());
  auto postings = (*l)->History(o.account);
  if (!postings.ok()) return Fail(postings.status());
  for (const auto& p : *postings) PrintPosting(p);
  return 0;
}

int RunReserve(const CliContext& ctx, const LedgerCliOptions& o) {
  auto pc = OpenForPosting(ctx, o, true);
  if (!pc.ok()) return Fail(pc.status());
  ledger::ReserveRequest req;
  req.account = pc->account;
  req.tpp = o.tpp;
  req.as_of = pc->as_of;
  req.idempotency_key = o.key;
  req.decision_id = o.decision_id;
  req.transaction_ref = o.transaction_ref;
  req.company_headquarters = o.headquarters;
  if (Status st = ledger::CheckConsigneeAccountMigrated(*pc->ledger, req.account); !st.ok()) return Fail(st);
  auto r = pc->ledger->Reserve(req);
  if (!r.ok()) return Fail(r.status());
  const std::string out = ledger::ReservationToJson(*r);
  std::cout << out << '\n';
  if (int rc = Record(ctx, o, "ledger.reserve", out); rc != 0) return rc;
  if (r->status == ledger::ReserveStatus::kInsufficient) {
    const std::string room = r->cap_tpp ? Num(r->fits_tpp) + " TPP still fit (cap " + Num(*r->cap_tpp) + ")" : "";
    PrintJsonError("insufficient", "tpp",
                   "the reservation of " + Num(o.tpp) + " TPP on " + req.account.ToString() + " does not fit: " + room +
                       "; nothing written");
    return kExitRefused;
  }
  return 0;
}

int RunSettle(const CliContext& ctx, const LedgerCliOptions& o, bool commit) {
  auto pc = OpenForPosting(ctx, o, false);
  if (!pc.ok()) return Fail(pc.status());
  ledger::SettleRequest req{.reservation_id = o.posting_id,
                            .as_of = pc->as_of,
                            .idempotency_key = o.key,
                            .reason = o.reason};
  auto p = commit ? pc->ledger->Commit(req) : pc->ledger->Release(req);
  if (!p.ok()) return Fail(p.status());
  PrintPosting(*p);
  return Record(ctx, o, commit ? "ledger.commit" : "ledger.release", ledger::PostingToJson(*p));
}

int RunAdjust(const CliContext& ctx, const LedgerCliOptions& o) {
  auto pc = OpenForPosting(ctx, o, true);
  if (!pc.ok()) return Fail(pc.status());
  ledger::AdjustRequest req;
  req.account = pc->account;
  req.tpp = o.tpp;
  req.as_of = pc->as_of;
  req.reason = o.reason;
  req.idempotency_key = o.key;
  req.decision_id = o.decision_id;
  req.transaction_ref = o.transaction_ref;
  auto p = pc->ledger->Adjust(req);
  if (!p.ok()) return Fail(p.status());
  PrintPosting(*p);
  return Record(ctx, o, "ledger.adjust", ledger::PostingToJson(*p));
}

// Carries consignee accounts kept under a spelling over to their identity accounts.
int RunMigrateConsignees(const CliContext& ctx, const LedgerCliOptions& o) {
  auto l = OpenLedger(ctx, o);
  if (!l.ok()) return Fail(l.status());
  auto pending = (*l)->UnmigratedConsigneeAccounts();
  if (!pending.ok()) return Fail(pending.status());
  auto postings = (*l)->MigrateConsigneeAccounts();
  if (!postings.ok()) return Fail(postings.status());
  for (const auto& p : *postings) PrintPosting(p);
  std::string payload;
  JsonWriter w(payload);
  w.BeginObject().Key("accounts").BeginArray();
  for (const auto& [from, to] : *pending) w.BeginObject().Field("from", from).Field("to", to).EndObject();
  w.EndArray().Key("postings").Raw(ledger::PostingsToJson(*postings)).EndObject();
  return Record(ctx, o, "ledger.migrate_consignees", payload);
}

int RunExport(const CliContext& ctx, const LedgerCliOptions& o) {
  auto l = OpenLedger(ctx, o);
  if (!l.ok()) return Fail(l.status());
  auto postings = (*l)->History("");
  if (!postings.ok()) return Fail(postings.status());
  if (o.csv) {
    std::cout << ledger::PostingsToCsv(*postings);
  } else {
    for (const auto& p : *postings) PrintPosting(p);
  }
  return 0;
}

}  // namespace

void RegisterLedgerCommands(CLI::App& app, CliContext& ctx) {
  static LedgerCliOptions o;
  auto* cmd = app.add_subcommand("ledger", "Allocation ledger: balances, postings, export");
  cmd->require_subcommand(1);
  cmd->footer(kExitCodesHelp);
  const std::string ledger_help =
      "Ledger: a SQLite file or postgresql://… (default <data-dir>/ledger.sqlite)";
  const std::string as_of_help = "Date YYYY-MM-DD (default today, UTC)";
  auto common = [&](CLI::App* sub, bool with_as_of) {
    sub->add_option("--ledger", o.location, ledger_help);
    if (with_as_of) sub->add_option("--as-of", o.as_of, as_of_help);
  };
  cmd->add_option("--ledger", o.location, ledger_help);

  auto* balances =
      cmd->add_subcommand("balances", "Per account: cap, reserved, used, remaining (TPP, H100e)");
  common(balances, true);
  balances->add_flag("--json", o.json, "JSON output");
  balances->callback([&ctx] { ctx.exit_code = RunBalances(ctx, o); });

  auto* history =
      cmd->add_subcommand("history", "Postings of one account, oldest first (JSON lines)");
  common(history, false);
  history->add_option("account", o.account, "e.g. country:AE, lpp:CONSIGNEE, nveu:COMPANY:CC")
      ->required();
  history->callback([&ctx] { ctx.exit_code = RunHistory(ctx, o); });

  auto* reserve =
      cmd->add_subcommand("reserve", "Hold TPP on an account if it fits (idempotent by --key)");
  common(reserve, true);
  reserve->add_option("account", o.account, "Account, e.g. country:AE")->required();
  reserve->add_option("tpp", o.tpp, "TPP to hold (> 0)")->required();
  reserve
      ->add_option("--key", o.key, "Idempotency key: a retry with the same key never double-counts")
      ->required();
  reserve->add_option("--decision-id", o.decision_id, "Decision this reservation belongs to");
  reserve->add_option("--transaction-ref", o.transaction_ref,
                      "The exporter's transaction reference");
  reserve->add_option("--headquarters", o.headquarters,
                      "UVEU accounts: the company's headquarters country");
  reserve->callback([&ctx] { ctx.exit_code = RunReserve(ctx, o); });

  // commit and release settle a reservation the same way; only the posting kind differs.
  auto settle = [&](const char* name, const char* help, const char* reason_help, bool commit) {
    auto* sub = cmd->add_subcommand(name, help);
    common(sub, true);
    sub->add_option("id", o.posting_id, "Posting id of the reservation")->required();
    sub->add_option("--key", o.key, "Idempotency key (optional)");
    sub->add_option("--reason", o.reason, reason_help);
    sub->callback([&ctx, commit] { ctx.exit_code = RunSettle(ctx, o, commit); });
  };
  settle("commit", "Mark a reservation shipped", "Note, e.g. the shipment reference", true);
  settle("release", "Cancel a reservation (cancelled or expired)", "Why it is released", false);

  auto* adjust =
      cmd->add_subcommand("adjust", "Officer correction: add (or, negative, remove) used TPP");
  common(adjust, true);
  adjust->add_option("account", o.account, "Account, e.g. country:AE")->required();
  adjust->add_option("tpp", o.tpp, "Signed TPP")->required()->allow_extra_args(false);
  adjust->add_option("--reason", o.reason, "Why (required)")->required();
  adjust->add_option("--key", o.key, "Idempotency key (optional)");
  adjust->add_option("--decision-id", o.decision_id, "Related decision");
  adjust->add_option("--transaction-ref", o.transaction_ref, "Related transaction reference");
  adjust->callback([&ctx] { ctx.exit_code = RunAdjust(ctx, o); });

  auto* migrate = cmd->add_subcommand(
      "migrate-consignees",
      "Carry LPP/AIA accounts kept under a consignee's spelling over to its identity account (docs/ledger.md)");
  common(migrate, false);
  migrate->callback([&ctx] { ctx.exit_code = RunMigrateConsignees(ctx, o); });

  auto* exp =
      cmd->add_subcommand("export", "The whole posting log (CSV with --csv, else JSON lines)");
  common(exp, false);
  exp->add_flag("--json")->description("JSON lines (the default)")->excludes(exp->add_flag("--csv", o.csv, "CSV (RFC 4180)"));
  exp->callback([&ctx] { ctx.exit_code = RunExport(ctx, o); });
  for (CLI::App* sub : cmd->get_subcommands({})) sub->footer(kExitCodesHelp);
}

}  // namespace exportctl::cli
