// audit verify|head|show|replay|export and keys create|revoke|list: thin wrappers over the audit
// library. Exit codes: 0 success, 2 invalid input, 1 anything else — including a log that fails
// verification and a replay that disagrees, so scripts can alert on them; `audit replay` exits 3
// for a record it cannot replay faithfully (a LICENSED decision recorded without its license facts).
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <regex>

#include "audit/audit_log.h"
#include "audit/key_store.h"
#include "audit/replay.h"
#include "cli/commands.h"
#include "cli/decision_text.h"
#include "core/data_dir.h"
#include "core/json_writer.h"
#include "determine/engine.h"

namespace exportctl::cli {
namespace {

// --audit: a SQLite path or postgresql://… (as given to `serve --audit`, or the PostgreSQL
// ledger URL the server was given); default: audit.sqlite under --data-dir.
std::string audit_location;
std::string AuditLocation(const CliContext& ctx) {
  return DataDir(ctx.data_dir).AuditLocation(audit_location, "");
}
std::string KeysPath(const CliContext& ctx) { return DataDir(ctx.data_dir).keys(); }

int Fail(const Status& st) {
  PrintJsonError(ErrorCodeName(st.code()), st.field(), st.message());
  return st.code() == ErrorCode::kInvalidInput ? 2 : 1;
}

Result<std::unique_ptr<audit::AuditLog>> OpenLog(const CliContext& ctx, bool read_only) {
  return audit::OpenAuditLog({.location = AuditLocation(ctx), .clock = {}, .read_only = read_only});
}

// Key changes are configuration changes: they go into the audit log too (never the token).
Status RecordKeyEvent(const CliContext& ctx, const char* kind, const audit::ApiKeyInfo& key) {
  auto log = OpenLog(ctx, false);
  if (!log.ok()) return log.status();
  std::string payload;
  JsonWriter w(payload);
  w.BeginObject().Field("key_id", key.key_id).Field("role", audit::RoleName(key.role));
  w.Field("label", key.label).EndObject();
  auto r = (*log)->Append({.id = "", .kind = kind, .actor = CliActor(), .payload = payload});
  return r.ok() ? Status::Ok() : r.status();
}

}  // namespace

Status RecordCliEvent(const CliContext& ctx, const std::string& location, const char* kind, std::string payload) {
  auto log = audit::OpenAuditLog({.location = DataDir(ctx.data_dir).AuditLocation(location, "")});
  Status st = log.ok() ? (*log)->Append({.id = "", .kind = kind, .actor = CliActor(), .payload = std::move(payload)}).status()
                       : log.status();
  if (st.ok()) return st;
  return Status::Error(st.code(), "audit",
                       std::string("the change was made but could not be recorded as ") + kind + " in the audit log: " + st.message());
}

namespace {

bool ValidTimeBound(const std::string& s) {
  static const std::regex kBound(R"(\d{4}-\d{2}-\d{2}(T[0-9:.]*Z?)?)");
  return s.empty() || std::regex_match(s, kBound);
}

void AppendKeyJson(const audit::ApiKeyInfo& k, JsonWriter& w) {
  w.BeginObject().Field("key_id", k.key_id).Field("role", audit::RoleName(k.role));
  w.Field("label", k.label).Field("created_at", k.created_at);
  w.OptionalField("revoked_at", k.revoked_at);
  w.EndObject();
}

}  // namespace

void RegisterAuditCommands(CLI::App& app, CliContext& ctx) {
  auto* audit_cmd = app.add_subcommand("audit", "The hash-chained audit log of decisions and changes");
  audit_cmd->require_subcommand(1);
  audit_cmd->add_option("--audit", audit_location,
                        "The log: a SQLite path or postgresql://… (default: audit.sqlite under "
                        "--data-dir; with a PostgreSQL ledger, the ledger's URL)");

  // audit verify [--anchor SEQ:HASH]
  static std::string anchor_text;
  auto* verify = audit_cmd->add_subcommand(
      "verify", "Check the hash chain; names the first modified, removed, reordered or truncated record");
  verify->add_option("--anchor", anchor_text,
                     "SEQ:HASH printed earlier by `audit head` and kept elsewhere");
  verify->callback([&ctx] {
    std::optional<audit::Anchor> anchor;
    if (!anchor_text.empty()) {
      auto a = audit::ParseAnchor(anchor_text);
      if (!a.ok()) {
        ctx.exit_code = Fail(a.status());
        return;
      }
      anchor = *a;
    }
    auto log = OpenLog(ctx, true);
    if (!log.ok()) {
      ctx.exit_code = Fail(log.status());
      return;
    }
    const audit::VerifyReport report = (*log)->Verify(anchor);
    std::string out;
    audit::AppendVerifyReportJson(report, out);
    std::cout << out << '\n';
    ctx.exit_code = report.ok ? 0 : 1;
  });

  // audit head
  static bool head_json = false;
  auto* head = audit_cmd->add_subcommand("head", "Print SEQ:HASH of the last record (keep it elsewhere)");
  head->add_flag("--json", head_json, "JSON output: {\"seq\",\"hash\",\"anchor\"}");
  head->callback([&ctx] {
    auto log = OpenLog(ctx, true);
    if (!log.ok()) {
      ctx.exit_code = Fail(log.status());
      return;
    }
    auto h = (*log)->Head();
    if (!h.ok()) {
      ctx.exit_code = Fail(h.status());
      return;
    }
    const std::string anchor = std::to_string(h->seq) + ':' + h->hash;
    if (head_json) {
      std::string out;
      JsonWriter w(out);
      w.BeginObject().Field("seq", static_cast<int64_t>(h->seq)).Field("hash", h->hash).Field("anchor", anchor).EndObject();
      std::cout << out << '\n';
    } else {
      std::cout << anchor << '\n';
    }
  });

  // audit show ID
  static std::string show_id;
  static bool show_text = false;
  auto* show = audit_cmd->add_subcommand("show", "Print one record (a decision id or event id)");
  show->add_option("id", show_id, "Record id")->required();
  auto* show_text_flag = show->add_flag("--text", show_text, "Readable text instead of JSON (a decision as `check --text` prints it)");
  show->add_flag("--json")->description("JSON output (the default)")->excludes(show_text_flag);
  show->callback([&ctx] {
    auto log = OpenLog(ctx, true);
    if (!log.ok()) {
      ctx.exit_code = Fail(log.status());
      return;
    }
    auto r = (*log)->Get(show_id);
    if (!r.ok()) {
      ctx.exit_code = Fail(r.status());
      return;
    }
    std::string out;
    audit::AppendRecordJsonl(*r, out);
    const nlohmann::json record = show_text ? nlohmann::json::parse(out, nullptr, false) : nlohmann::json();
    if (show_text && !record.is_discarded()) PrintAuditRecordText(record, std::cout);
    else std::cout << out << '\n';  // a record text cannot show is printed as it is stored
  });

  // audit replay ID
  static std::string replay_id;
  auto* replay = audit_cmd->add_subcommand(
      "replay", "Re-run a recorded decision with today's engine and the facts it recorded (listings, balances); report whether it agrees");
  replay->add_option("id", replay_id, "Decision id")->required();
  replay->callback([&ctx] {
    const Dataset* data = LoadDataset(ctx);
    if (!data) return;
    auto log = OpenLog(ctx, true);
    if (!log.ok()) {
      ctx.exit_code = Fail(log.status());
      return;
    }
    auto record = (*log)->Get(replay_id);
    if (!record.ok()) {
      ctx.exit_code = Fail(record.status());
      return;
    }
    Engine engine(*data);
    auto report = audit::ReplayDecision(*record, engine);
    if (!report.ok()) {
      ctx.exit_code = Fail(report.status());
      return;
    }
    std::string out;
    audit::AppendReplayReportJson(*report, out);
    std::cout << out << '\n';
    // 3: the record cannot be replayed faithfully (not_replayable says why), which is not a
    // disagreement; 1: today's engine disagrees.
    ctx.exit_code = !report->replayable ? 3 : report->agrees ? 0 : 1;
  });

  // audit export [--from D] [--to D] [--format jsonl|csv | --csv] [--output FILE]
  static std::string from, to, format = "jsonl", output;
  auto* export_cmd = audit_cmd->add_subcommand("export", "Export records in a time range (JSONL or CSV)");
  export_cmd->add_option("--from", from, "First day (YYYY-MM-DD or RFC 3339, UTC), inclusive");
  export_cmd->add_option("--to", to, "Last day (YYYY-MM-DD, whole day) or RFC 3339 time, inclusive");
  auto* format_opt = export_cmd->add_option("--format", format, "jsonl (default) or csv")->check(CLI::IsMember({"jsonl", "csv"}));
  static bool csv_flag = false;
  // --csv as `ledger export` and `check` take it.
  auto* csv_opt = export_cmd->add_flag("--csv", csv_flag, "CSV (same as --format csv)")->excludes(format_opt);
  export_cmd->add_flag("--json")->description("JSON lines (the default; same as --format jsonl)")->excludes(csv_opt);
  export_cmd->add_option("--output,-o", output, "File to write (default stdout)");
  export_cmd->callback([&ctx] {
    if (!ValidTimeBound(from) || !ValidTimeBound(to)) {
      ctx.exit_code = Fail(Status::Invalid(ValidTimeBound(from) ? "--to" : "--from",
                                           "expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS.sssZ"));
      return;
    }
    auto log = OpenLog(ctx, true);
    if (!log.ok()) {
      ctx.exit_code = Fail(log.status());
      return;
    }
    std::ofstream file;
    std::ostream* os = &std::cout;
    if (!output.empty()) {
      file.open(output, std::ios::binary | std::ios::trunc);
      if (!file) {
        ctx.exit_code = Fail(Status::Invalid("--output", "cannot write " + output));
        return;
      }
      os = &file;
    }
    const bool csv = csv_flag || format == "csv";
    std::string buf;
    if (csv) {
      audit::AppendRecordCsvHeader(buf);
      buf += '\n';
    }
    Status st = (*log)->Scan({.from = from, .to = to}, [&](const audit::AuditRecord& r) {
      if (csv) audit::AppendRecordCsv(r, buf);
      else audit::AppendRecordJsonl(r, buf);
      buf += '\n';
      if (buf.size() > (1 << 20)) {
        os->write(buf.data(), static_cast<std::streamsize>(buf.size()));
        buf.clear();
      }
      return true;
    });
    os->write(buf.data(), static_cast<std::streamsize>(buf.size()));
    os->flush();
    if (!st.ok()) ctx.exit_code = Fail(st);
  });

  // keys create|revoke|list
  auto* keys = app.add_subcommand("keys", "API keys for the HTTP server");
  keys->require_subcommand(1);
  keys->add_option("--audit", audit_location,
                   "Where key changes are recorded: the server's audit log (see `audit --audit`)");

  static std::string role_name, label;
  static bool create_json = false;
  auto* create = keys->add_subcommand("create", "Create a key; the token is printed once and stored hashed");
  create->add_option("--role", role_name, "viewer | analyst | officer")
      ->required()
      ->check(CLI::IsMember({"viewer", "analyst", "officer"}));
  create->add_option("--label", label, "What the key is for (e.g. the calling system)");
  create->add_flag("--json", create_json, "JSON output");
  create->callback([&ctx] {
    auto store = audit::KeyStore::Open(KeysPath(ctx));
    if (!store.ok()) {
      ctx.exit_code = Fail(store.status());
      return;
    }
    auto key = (*store)->Create(*audit::ParseRole(role_name), label);
    if (!key.ok()) {
      ctx.exit_code = Fail(key.status());
      return;
    }
    if (Status st = RecordKeyEvent(ctx, "key.created", key->info); !st.ok()) {
      // A key that is not in the audit log must not work: undo it.
      (void)(*store)->Revoke(key->info.key_id);
      ctx.exit_code = Fail(st);
      return;
    }
    if (create_json) {
      std::string out;
      JsonWriter w(out);
      w.BeginObject().Field("key_id", key->info.key_id).Field("role", role_name);
      w.Field("label", label).Field("key", key->token).EndObject();
      std::cout << out << '\n';
    } else {
      std::cout << "key id: " << key->info.key_id << "\nrole:   " << role_name
                << "\ntoken:  " << key->token
                << "\nStore the token now: it is not shown again (only its hash is kept).\n";
    }
  });

  static std::string revoke_id;
  static bool revoke_json = false;
  auto* revoke = keys->add_subcommand("revoke", "Revoke a key (a running server stops accepting it within a second)");
  revoke->add_flag("--json", revoke_json, "JSON output: the key as `keys list --json` shows it");
  revoke->add_option("key_id", revoke_id, "Key id (the 16 hex characters after exk_)")->required();
  revoke->callback([&ctx] {
    auto store = audit::KeyStore::Open(KeysPath(ctx));
    if (!store.ok()) {
      ctx.exit_code = Fail(store.status());
      return;
    }
    if (Status st = (*store)->Revoke(revoke_id); !st.ok()) {
      ctx.exit_code = Fail(st);
      return;
    }
    audit::ApiKeyInfo info;
    auto all = (*store)->List();
    if (all.ok()) {
      for (const auto& k : *all) {
        if (k.key_id == revoke_id) info = k;
      }
    }
    if (Status st = RecordKeyEvent(ctx, "key.revoked", info); !st.ok()) {
      ctx.exit_code = Fail(st);
      return;
    }
    if (revoke_json) {
      std::string out;
      JsonWriter w(out);
      AppendKeyJson(info, w);
      std::cout << out << '\n';
    } else {
      std::cout << "revoked " << revoke_id << '\n';
    }
  });

  static bool list_json = false;
  auto* list = keys->add_subcommand("list", "List keys (ids, roles, labels; never secrets)");
  list->add_flag("--json", list_json, "JSON output");
  list->callback([&ctx] {
    auto store = audit::KeyStore::Open(KeysPath(ctx));
    if (!store.ok()) {
      ctx.exit_code = Fail(store.status());
      return;
    }
    auto all = (*store)->List();
    if (!all.ok()) {
      ctx.exit_code = Fail(all.status());
      return;
    }
    if (list_json) {
      std::string out;
      JsonWriter w(out);
      w.BeginArray();
      for (const auto& k : *all) AppendKeyJson(k, w);
      w.EndArray();
      std::cout << out << '\n';
      return;
    }
    std::printf("%-18s %-8s %-25s %-8s %s\n", "KEY ID", "ROLE", "CREATED", "STATUS", "LABEL");
    for (const auto& k : *all) {
      std::printf("%-18s %-8s %-25s %-8s %s\n", k.key_id.c_str(), audit::RoleName(k.role),
                  k.created_at.c_str(), k.active() ? "active" : "revoked", k.label.c_str());
    }
  });
}

}  // namespace exportctl::cli
