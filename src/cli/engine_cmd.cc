// chips, classify, check, regimes, countries: thin wrappers over the engine library.
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <tuple>
#include <vector>
#include <cmath>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <span>
#include <ctime>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#include "core/validate.h"
#include "audit/audit_log.h"
#include "check/check.h"
#include "check/orders_csv.h"
#include "classify/catalog_figures.h"
#include "cli/commands.h"
#include "core/csv_writer.h"
#include "cli/decision_text.h"
#include "core/clock.h"
#include "core/data_dir.h"
#include "core/json_writer.h"
#include "data/agreements.h"
#include "data/data_json.h"
#include "determine/destination_json.h"
#include "data/dataset.h"
#include "determine/decision_json.h"
#include "determine/engine.h"
#include "ledger/ledger.h"
#include "license/license.h"
#include "screen/party_screener.h"

namespace exportctl::cli {

// The OS account running the command (not $USER, which any caller can set), else its uid.
std::string CliActor() {
  const uid_t uid = ::getuid();
  std::string name;
  std::vector<char> buf(16384);
  struct passwd pw;
  struct passwd* found = nullptr;
  if (::getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) == 0 && found && found->pw_name && *found->pw_name) {
    name = found->pw_name;
  }
  return "cli:" + (name.empty() ? std::to_string(uid) : name);
}

const Dataset* LoadDataset(CliContext& ctx) {
  static std::unique_ptr<Dataset> data;
  if (data) return data.get();
  auto loaded = LoadRegulatoryData(ctx.regulatory_data_dir);
  if (!loaded.ok()) {
    PrintJsonError(ErrorCodeName(loaded.status().code()), loaded.status().field(), loaded.status().message());
    ctx.exit_code = 1;
    return nullptr;
  }
  data = std::move(*loaded);
  return data.get();
}

Result<std::vector<const Agreement*>> LoadOverlays(CliContext& ctx, const Dataset& data,
                                                   const std::vector<std::string>& arguments) {
  static std::vector<Agreement> bundled;
  static bool bundled_loaded = false;
  static std::deque<Agreement> from_files;  // stable addresses
  std::vector<const Agreement*> out;
  if (arguments.empty()) return out;
  if (!bundled_loaded) {
    auto loaded = LoadAgreementDir(ctx.regulatory_data_dir + "/agreements", data);
    if (!loaded.ok()) return loaded.status();
    bundled = std::move(loaded).value();
    bundled_loaded = true;
  }
  for (const auto& arg : arguments) {
    const Agreement* found = nullptr;
    for (const auto& a : bundled)
      if (a.id == arg) found = &a;
    if (!found) {
      std::error_code ec;
      if (!std::filesystem::is_regular_file(arg, ec)) {
        std::string ids;
        for (const auto& a : bundled) ids += (ids.empty() ? "" : ", ") + a.id;
        return Status::Invalid("--overlay", "\"" + arg + "\" is neither a bundled overlay (" + ids + ") nor a file");
      }
      auto a = LoadAgreementFile(arg, data);
      if (!a.ok()) return a.status();
      from_files.push_back(std::move(a).value());
      found = &from_files.back();
    }
    for (const Agreement* o : out)
      if (o->id == found->id) return Status::Invalid("--overlay", "overlay \"" + found->id + "\" named twice");
    out.push_back(found);
  }
  return out;
}

namespace {

bool ReadInput(const std::string& path, std::string& out, CliContext& ctx) {
  if (path == "-") {
    std::stringstream ss;
    ss << std::cin.rdbuf();
    out = ss.str();
    return true;
  }
  if (Status st = CheckInputFile("file", path); !st.ok()) {
    PrintJsonError("invalid_input", "file", st.message());
    ctx.exit_code = 2;
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    PrintJsonError("invalid_input", "file", "cannot open " + path);
    ctx.exit_code = 2;
    return false;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

// Figures as the JSON prints them (989.5, not 989.50).
std::string FormatNum(double v) {
  std::string out;
  JsonWriter(out).Number(v);
  return out;
}

}  // namespace

namespace {

// Columns after decision_id were added later; existing columns keep their places.
constexpr char kDecisionCsvHeader[] =
    "reference,as_of,posture,outcome,license_exception,review_policy,eccns,rules,alternate_outcome,decision_id,"
    "destination,consignee,policy_wording,warnings,obligations\n";

std::string JoinLines(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : " | ") + s;
  return out;
}

void AppendDecisionCsv(const Decision& d, std::string& out) {
  std::string eccns, rules;
  for (const auto& it : d.items) eccns += (eccns.empty() ? "" : ";") + std::string(it.classification.determinate ? EccnName(it.classification.eccn) : "indeterminate");
  for (const auto& f : d.reasons) {
    if (f.effect == Effect::kInfo) continue;
    rules += (rules.empty() ? "" : "; ") + std::string(f.rule) + " (" + std::string(f.citation) + ")";
  }
  // Every cell through the one CSV cell writer (core/csv_writer.h): a reference or a party name
  // beginning with = + - @ reaches a spreadsheet as text, not as a formula.
  const std::string cells[] = {d.reference, d.as_of.ToString(), PostureName(d.posture), OutcomeName(d.outcome),
                                    d.license_exception, ReviewPolicyName(d.review_policy), eccns, rules,
                                    d.alternate ? OutcomeName(d.alternate->outcome) : "", d.decision_id, d.destination,
                                    Consignee(d) ? Consignee(d)->name : "", d.policy_wording, JoinLines(d.warnings),
                                    JoinLines(d.obligations)};
  bool first = true;
  for (const std::string& cell : cells) {
    if (!first) out += ',';
    first = false;
    AppendCsvText(cell, out);
  }
  out += '\n';
}

void PrintErrorLine(const Status& st, size_t line, std::string& out, bool csv_input = false) {
  JsonWriter w(out);
  w.BeginObject().Key("error").BeginObject();
  w.Field("code", ErrorCodeName(st.code())).Field("field", st.field()).Field("message", st.message());
  if (line) w.Field("line", static_cast<int64_t>(line));
  // A CSV order's bad cell: the column it came from, beside the transaction field it made.
  if (csv_input) {
    if (const std::string column = check::CsvColumnOf(st.field()); !column.empty()) w.Field("column", column);
  }
  w.EndObject().EndObject();
}

struct CheckOptions {
  std::string file;
  std::string batch;
  std::string posture;
  bool csv = false;
  bool text = false;
  bool json = false;
  bool strict = false;  // unknown fields are an input error, not a warning
  bool reserve = false;
  std::string ledger;
  std::string idempotency_key;
  std::string audit;
  bool no_audit = false;
  std::vector<std::string> overlays;
};

// What `check` runs against, opened from the data directory: screening against the imported
// lists (when any are), the allocation ledger (with --ledger, --reserve, or when the default
// ledger file or licenses.sqlite exists) and the audit log (unless --no-audit).
struct CheckServices {
  std::unique_ptr<screen::ListPartyScreener> screener;
  std::unique_ptr<ledger::AllocationRules> rules;
  std::unique_ptr<ledger::Ledger> ledger;
  std::unique_ptr<audit::AuditLog> log;
  std::unique_ptr<OwnershipGraphView> ownership;
  std::unique_ptr<license::LicenseSource> licenses;
};

Result<CheckServices> OpenCheckServices(const CliContext& ctx, const CheckOptions& o) {
  CheckServices s;
  const DataDir dir(ctx.data_dir);
  auto screener = screen::OpenPartyScreener(dir.root(), {.max_age_days = ctx.max_list_age_days});
  if (screener.ok()) {
    s.screener = std::move(screener).value();
  } else if (screener.status().code() != ErrorCode::kNotFound) {
    return screener.status();  // lists present but unreadable: do not decide as if unscreened
  }
  auto graph = OpenOwnershipView(ctx, !o.batch.empty());
  if (!graph.ok()) return graph.status();  // a graph that cannot be read is not "no owners"
  s.ownership = std::move(graph).value();
  s.licenses = std::make_unique<license::LicenseSource>(dir.root());
  const std::string location = dir.LedgerLocation(o.ledger);
  // Licenses the company holds are drawn down in the ledger: with any recorded, it is read.
  const bool licenses = std::filesystem::exists(license::LicenseStore(dir.root()).path());
  if (o.reserve || !o.ledger.empty() || std::filesystem::exists(location) || licenses) {
    auto rules = ledger::AllocationRules::Load(ctx.regulatory_data_dir);
    if (!rules.ok()) return rules.status();
    s.rules = std::make_unique<ledger::AllocationRules>(std::move(rules).value());
    auto opened = ledger::Ledger::Open({.location = location}, *s.rules);
    if (!opened.ok()) return opened.status();
    s.ledger = std::move(opened).value();
  }
  if (!o.no_audit) {
    auto log = audit::OpenAuditLog({.location = dir.AuditLocation(o.audit, o.ledger)});
    if (!log.ok()) return log.status().WithFieldPrefix("audit");
    s.log = std::move(log).value();
  }
  return s;
}

// The error of a check that gave no decision: exit 2 for bad input, else 1.
int CheckFailed(const Status& st) {
  PrintJsonError(ErrorCodeName(st.code()), st.field(), st.message());
  return st.code() == ErrorCode::kInvalidInput ? 2 : 1;
}

// Batch: lines are decided in chunks of 4096 by one worker per core, each chunk's decisions
// recorded in one commit before any is printed; output keeps input order, one line per input
// line (an error object for an invalid line, which also goes to stderr).
int RunBatch(const CheckOptions& o, const check::Checker& checker, const check::CheckOptions& co) {
  std::ifstream file;
  std::istream* in = &std::cin;
  if (o.batch != "-") {
    if (Status st = CheckInputFile("--batch", o.batch); !st.ok()) {
      PrintJsonError("invalid_input", "--batch", st.message());
      return 2;
    }
    file.open(o.batch, std::ios::binary);
    if (!file) {
      PrintJsonError("invalid_input", "--batch", "cannot open " + o.batch);
      return 2;
    }
    in = &file;
  }
  std::ios::sync_with_stdio(false);
  const unsigned workers = std::max(1u, std::thread::hardware_concurrency());
  constexpr size_t kChunk = 4096;
  // CSV orders (by the file's name, or a first line that is not a JSON object) are read whole by
  // the reader the server uses, then decided as the transactions they make, each under the line
  // it starts on. JSON lines stream, a chunk at a time.
  std::string first_line;
  bool first_pending = static_cast<bool>(std::getline(*in, first_line));
  const bool csv_input = first_pending && check::LooksLikeOrdersCsv(o.batch == "-" ? "" : o.batch, first_line);
  std::vector<check::CsvOrder> csv_orders;
  size_t csv_next = 0;
  if (csv_input) {
    std::string text = first_line + "\n";
    text.append(std::istreambuf_iterator<char>(*in), std::istreambuf_iterator<char>());
    auto read = check::ReadOrdersCsv(text);
    if (!read.ok()) {
      PrintJsonError(ErrorCodeName(read.status().code()), read.status().field(), read.status().message());
      return 2;
    }
    csv_orders = std::move(read).value();
    first_pending = false;
  }
  std::vector<std::string> lines(kChunk);
  std::vector<check::BatchLine> batch(kChunk);
  std::vector<std::string> texts;  // the chunk's output, one per worker
  std::atomic<size_t> errors{0};
  size_t line_no = 0;
  if (o.csv) std::fwrite(kDecisionCsvHeader, 1, sizeof kDecisionCsvHeader - 1, stdout);
  // A line that cannot be decided: its error goes to stderr and, in JSONL, in its place.
  const check::LineWriter write = [&](const check::LineAnswer& line, std::string& out) {
    if (!line.answer.ok()) {
      errors.fetch_add(1, std::memory_order_relaxed);
      std::string err;
      PrintErrorLine(line.answer.status(), line.number, err, csv_input);
      std::fprintf(stderr, "%s\n", err.c_str());
      if (!o.csv) out += err + "\n";
    } else if (o.csv) {
      AppendDecisionCsv(line.answer->decision, out);
    } else {
      AppendDecisionJson(line.answer->decision, out);
      out += '\n';
    }
  };
  for (;;) {
    size_t n = 0;
    if (csv_input) {
      for (; n < kChunk && csv_next < csv_orders.size(); ++n, ++csv_next) {
        const check::CsvOrder& order = csv_orders[csv_next];
        batch[n] = {.number = order.line, .text = order.transaction, .refused = order.error};
      }
    } else {
      if (first_pending) {
        lines[0] = std::move(first_line);
        batch[0] = {.number = 1, .text = lines[0]};
        first_pending = false;
        n = 1;
      }
      while (n < kChunk && std::getline(*in, lines[n])) {
        batch[n] = {.number = line_no + n + 1, .text = lines[n]};
        ++n;
      }
    }
    if (n == 0) break;
    line_no += n;
    // The chunk's decisions are printed only once their audit records are committed.
    if (Status st = checker.CheckBatch(std::span(batch.data(), n), co, write, texts, workers); !st.ok()) {
      std::fflush(stdout);
      PrintJsonError(ErrorCodeName(st.code()), st.field(),
                     "lines " + std::to_string(batch[0].number) + "-" + std::to_string(batch[n - 1].number) + ": " + st.message());
      return 1;
    }
    for (auto& text : texts) {
      std::fwrite(text.data(), 1, text.size(), stdout);
      text.clear();  // keeps its capacity for the next chunk
    }
    if (n < kChunk) break;
  }
  std::fflush(stdout);
  return errors.load() ? 2 : 0;
}

// Options that make no sense together are refused, never silently ignored.
Status CheckOptionsValid(const CheckOptions& o) {
  if (o.reserve && o.no_audit) {
    return Status::Invalid("--no-audit", "cannot be used with --reserve: a reservation changes the ledger and is always recorded in the audit log (--no-audit is for what-if runs)");
  }
  if (o.text && !o.batch.empty()) {
    return Status::Invalid("--text", "is for a single transaction; --batch prints JSON lines, or CSV with --csv");
  }
  if (o.text && o.csv) return Status::Invalid("--text", "cannot be used with --csv: choose one output format");
  if (o.json && (o.text || o.csv)) {
    return Status::Invalid("--json", std::string("cannot be used with ") + (o.text ? "--text" : "--csv") + ": choose one output format");
  }
  if (!o.batch.empty() && !o.file.empty()) {
    return Status::Invalid("file", "give either a transaction FILE or --batch FILE, not both");
  }
  return Status::Ok();
}

// Reads the input and prints the answer; the check itself is check::Checker's.
int RunCheck(CliContext& ctx, const CheckOptions& o) {
  if (Status st = CheckOptionsValid(o); !st.ok()) {
    PrintJsonError(ErrorCodeName(st.code()), st.field(), st.message());
    return 2;
  }
  const Dataset* data = LoadDataset(ctx);
  if (!data) return ctx.exit_code;
  Engine engine(*data);
  check::CheckOptions co{.today = TodayUtc(), .reserve = o.reserve, .caller = CliActor(),
                         .idempotency_key = o.idempotency_key,
                         .route = o.batch.empty() ? "cli check" : "cli check --batch",
                         // A retried --reserve prints the decision again, its postings "replayed".
                         .retry = check::RetryAnswer::kDecideAgain,
                         .strict = o.strict};
  if (!o.posture.empty()) {
    auto p = ParsePosture(o.posture);
    if (!p.ok()) {
      PrintJsonError("invalid_input", "--posture", p.status().message());
      return 2;
    }
    co.posture = *p;
  }
  auto overlays = LoadOverlays(ctx, *data, o.overlays);
  if (!overlays.ok()) return CheckFailed(overlays.status());
  for (const Agreement* a : *overlays) {
    // A reservation changes the real ledger: only an agreement codified in law may shape it.
    if (o.reserve && a->status != AgreementStatus::kCodified)
      return CheckFailed(Status::Invalid("--overlay", "overlay \"" + a->id + "\" is " + AgreementStatusName(a->status) +
                                                          ", not codified: --reserve would change the ledger on it (use simulate)"));
  }
  co.overlays = *overlays;
  auto services = OpenCheckServices(ctx, o);
  if (!services.ok()) return CheckFailed(services.status());
  // A batch screens each name once: owners up a graph's chains recur line after line, and each
  // line is decided under both postures.
  std::optional<screen::MemoScreener> memo;
  if (!o.batch.empty() && services->screener) memo.emplace(*services->screener);
  const PartyScreener* screener = memo ? static_cast<const PartyScreener*>(&*memo) : services->screener.get();
  const check::Checker checker({.dataset = data, .engine = &engine, .screener = screener,
                                .ledger = services->ledger.get(), .audit = services->log.get(), .ownership = services->ownership.get(),
                                .licenses = [l = services->licenses.get()] { return l->Current(); }});

  if (!o.batch.empty()) return RunBatch(o, checker, co);

  std::string input;
  if (!ReadInput(o.file.empty() ? "-" : o.file, input, ctx)) return ctx.exit_code;
  auto answer = checker.Check(input, co);
  if (!answer.ok()) return CheckFailed(answer.status());
  const Decision& d = answer->decision;
  std::string out;
  if (o.csv) {
    out = kDecisionCsvHeader;
    AppendDecisionCsv(d, out);
    std::cout << out;
    return 0;
  }
  AppendDecisionJson(d, out);
  const nlohmann::json parsed = o.text ? nlohmann::json::parse(out, nullptr, false) : nlohmann::json();
  if (o.text && !parsed.is_discarded()) PrintDecisionText(parsed, std::cout);
  else std::cout << out << '\n';
  return 0;
}

void PrintChip(const ChipRecord& c, std::ostream& os) {
  os << c.name << "  [" << c.id << "]\n";
  os << "  vendor " << c.vendor << ", designer headquarters " << c.designer_headquarters
     << (c.datacenter ? ", datacenter" : ", not datacenter") << "\n";
  os << "  TPP " << (c.tpp ? FormatNum(*c.tpp) : "unknown") << " (" << c.tpp_basis << ")";
  if (c.die_area_mm2) os << ", die area " << FormatNum(*c.die_area_mm2) << " mm2" << (c.die_area_verified ? "" : " (estimate)");
  if (c.memory_bandwidth_gbps) os << ", memory bandwidth " << FormatNum(*c.memory_bandwidth_gbps) << " GB/s";
  os << "\n  dense throughput:";
  // Precisions of one bit length with the same figure (INT8 and FP8) are one figure here.
  for (size_t i = 0; i < c.throughput.size(); ++i) {
    const Throughput& t = c.throughput[i];
    const bool seen = std::any_of(c.throughput.begin(), c.throughput.begin() + static_cast<std::ptrdiff_t>(i), [&](const Throughput& u) {
      return u.bit_length == t.bit_length && u.dense_tops == t.dense_tops;
    });
    if (!seen) os << " " << FormatNum(t.dense_tops) << " TOPS@" << t.bit_length << "b";
  }
  os << "\n";
  if (!c.row_note.empty()) os << "  note: " << c.row_note << "\n";
  for (const auto& s : c.sources) os << "  source: " << s << "\n";
}

// --as-of (default today) and --posture (default enforced) as the commands take them; on a bad
// value prints the error naming the option, sets exit code 2 and returns false.
bool ReadAsOfAndPosture(CliContext& ctx, const std::string& as_of, const std::string& posture, Date& d, Posture& p) {
  d = TodayUtc();
  p = Posture::kEnforced;
  if (!as_of.empty()) {
    auto parsed = Date::Parse(as_of);
    if (!parsed.ok()) {
      PrintJsonError("invalid_input", "--as-of", parsed.status().message());
      ctx.exit_code = 2;
      return false;
    }
    d = *parsed;
  }
  if (!posture.empty()) {
    auto parsed = ParsePosture(posture);
    if (!parsed.ok()) {
      PrintJsonError("invalid_input", "--posture", parsed.status().message());
      ctx.exit_code = 2;
      return false;
    }
    p = *parsed;
  }
  return true;
}

}  // namespace

void RegisterEngineCommands(CLI::App& app, CliContext& ctx) {
  // chips list | chips show NAME
  auto* chips = app.add_subcommand("chips", "The cited chip catalog");
  chips->require_subcommand(1);
  auto* list = chips->add_subcommand("list", "List catalog chips");
  static bool chips_json = false;
  list->add_flag("--json", chips_json, "JSON output");
  list->callback([&ctx] {
    const Dataset* data = LoadDataset(ctx);
    if (!data) return;
    if (chips_json) {
      std::string out;
      JsonWriter w(out);
      w.BeginArray();
      for (const auto& c : data->chips()) WriteChipJson(c, w);
      w.EndArray();
      std::cout << out << '\n';
      return;
    }
    std::printf("%-44s %-8s %10s %8s  %s\n", "NAME", "VENDOR", "TPP", "DIE mm2", "ID");
    for (const auto& c : data->chips()) {
      std::printf("%-44s %-8s %10s %8s  %s\n", c.name.c_str(), c.vendor.c_str(), c.tpp ? FormatNum(*c.tpp).c_str() : "unknown",
                  c.die_area_mm2 ? FormatNum(*c.die_area_mm2).c_str() : "-", c.id.c_str());
    }
  });
  auto* show = chips->add_subcommand("show", "Show one chip (by id, name or model, case-insensitive)");
  static std::string show_name;
  static bool show_json = false;
  show->add_option("name", show_name, "Chip id, name or model")->required();
  show->add_flag("--json", show_json, "JSON output");
  show->callback([&ctx] {
    const Dataset* data = LoadDataset(ctx);
    if (!data) return;
    auto chip = data->FindChip(show_name);
    if (!chip.ok()) {
      // An ambiguous model lists every variant; an unknown one is an error.
      std::vector<const ChipRecord*> matches;
      std::string q = show_name;
      for (auto& ch : q) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      for (const auto& c : data->chips()) {
        std::string m = c.model;
        for (auto& ch : m) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        if (m == q || m.ends_with(" " + q)) matches.push_back(&c);
      }
      if (matches.empty() || chip.status().code() == ErrorCode::kNotFound) {
        PrintJsonError(ErrorCodeName(chip.status().code()), "name", chip.status().message());
        ctx.exit_code = 2;
        return;
      }
      for (const auto* c : matches) {
        if (show_json) {
          std::string out;
          JsonWriter w(out);
          WriteChipJson(*c, w);
          std::cout << out << '\n';
        } else {
          PrintChip(*c, std::cout);
        }
      }
      return;
    }
    if (show_json) {
      std::string out;
      JsonWriter w(out);
      WriteChipJson(**chip, w);
      std::cout << out << '\n';
    } else {
      PrintChip(**chip, std::cout);
    }
  });

  // classify: a catalog chip, or explicit specs.
  auto* classify = app.add_subcommand("classify", "Classify a chip: TPP, performance density, ECCN, H100-equivalents");
  static std::string c_chip, c_as_of, c_posture;
  static std::optional<double> c_tpp, c_die, c_pd, c_bw;
  static std::optional<bool> c_dc;
  static bool c_json = false;
  classify->add_option("chip", c_chip, "Catalog chip (id, name or model)");
  classify->add_option("--tpp", c_tpp, "Total Processing Performance");
  classify->add_option("--die-area", c_die, "Applicable die area, mm2");
  classify->add_option("--performance-density", c_pd, "Performance density (instead of die area)");
  classify->add_option("--memory-bandwidth", c_bw, "Memory bandwidth, GB/s");
  classify->add_option("--datacenter", c_dc, "Designed or marketed for datacenters (true/false)");
  classify->add_option("--as-of", c_as_of, "Date (default today)");
  classify->add_option("--posture", c_posture, "enforced (default) or codified");
  classify->add_flag("--json", c_json, "JSON output");
  classify->callback([&ctx] {
    const Dataset* data = LoadDataset(ctx);
    if (!data) return;
    ItemSpec spec;
    if (!c_chip.empty()) {
      auto chip = data->FindChip(c_chip);
      if (!chip.ok()) {
        PrintJsonError(ErrorCodeName(chip.status().code()), "chip", chip.status().message());
        ctx.exit_code = 2;
        return;
      }
      spec = (*chip)->ToSpec();
    } else if (!c_tpp) {
      PrintJsonError("invalid_input", "chip", "give a catalog chip or --tpp");
      ctx.exit_code = 2;
      return;
    }
    // NaN and infinity parse as doubles but are no figure: every comparison with a threshold
    // would be false and the item would fall to the least controlled class.
    for (const auto& [option, value, positive] : {std::tuple{"--tpp", c_tpp, false}, std::tuple{"--die-area", c_die, true},
                                                  std::tuple{"--performance-density", c_pd, false},
                                                  std::tuple{"--memory-bandwidth", c_bw, false}}) {
      if (!value) continue;
      const char* problem = !std::isfinite(*value) ? "must be a finite number"
                            : positive && *value <= 0 ? "must be positive"
                            : *value < 0            ? "must not be negative"
                                                    : nullptr;
      if (problem) {
        PrintJsonError("invalid_input", option, problem);
        ctx.exit_code = 2;
        return;
      }
    }
    if (c_tpp) spec.tpp = c_tpp;
    if (c_die) {
      spec.die_area_mm2 = c_die;
      spec.die_area_verified = true;
    }
    if (c_pd) spec.performance_density = c_pd;
    if (c_bw) spec.memory_bandwidth_gbps = c_bw;
    if (c_dc) spec.datacenter = c_dc;
    // A catalog chip's figures stand against an option that would lower its control (as in check).
    if (auto off = StatedFigureLowersControl(spec)) {
      const std::string option = off->field == "tpp" ? "--tpp" : off->field == "die_area_mm2" ? "--die-area"
                                 : off->field == "performance_density" ? "--performance-density"
                                 : off->field == "memory_bandwidth_gbps" ? "--memory-bandwidth" : "--" + off->field;
      PrintJsonError("invalid_input", option, off->message);
      ctx.exit_code = 2;
      return;
    }
    Date d;
    Posture posture;
    if (!ReadAsOfAndPosture(ctx, c_as_of, c_posture, d, posture)) return;
    if (Status st = data->RequireRegimeData(d); !st.ok()) {
      PrintJsonError(ErrorCodeName(st.code()), "--as-of", st.message());
      ctx.exit_code = 2;
      return;
    }
    Classification c = Classify(spec, data->ThresholdsOn(d, posture));
    std::string out;
    AppendClassificationJson(c, out);
    if (c_json) {
      std::cout << out << '\n';
      return;
    }
    PrintClassificationText(spec.catalog ? spec.catalog->name : std::string("explicit specs"), nlohmann::json::parse(out, nullptr, false), std::cout);
  });

  // check FILE | check --batch FILE.jsonl [--csv]
  auto* check = app.add_subcommand("check", "Decide one transaction (JSON) or a batch (JSONL)");
  static CheckOptions co;
  check->add_option("file", co.file, "Transaction JSON file, or - for stdin");
  check->add_option("--batch", co.batch, "JSONL file (one transaction per line) or CSV orders (a .csv file, or a first line that is a header), or - for stdin");
  check->add_flag("--csv", co.csv, "CSV output for spreadsheets (a header and one row per decision)");
  check->add_flag("--text", co.text, "Readable text instead of JSON (single transaction)");
  check->add_flag("--json", co.json, "JSON output (the default; JSON lines with --batch)");
  check->add_option("--posture", co.posture, "enforced|codified: overrides the transaction's posture");
  check->add_flag("--strict", co.strict,
                  "Refuse fields the transaction format does not define (exit 2 naming the field); without it "
                  "they are ignored and each is named in a warning");
  check->add_flag("--reserve", co.reserve, "Reserve the allocation atomically with the decision (needs the ledger)");
  check->add_option("--ledger", co.ledger, "Ledger: a SQLite path or postgresql://… (default: under --data-dir)");
  check->add_option("--idempotency-key", co.idempotency_key, "Retrying with the same key never decides or reserves twice (needs the audit log; with --reserve the default is the transaction's reference)");
  check->add_option("--audit", co.audit, "Audit log: a SQLite path or postgresql://… (default: the ledger's PostgreSQL database, else audit.sqlite under --data-dir)");
  check->add_option("--overlay", co.overlays,
                    "Country agreement to apply: a bundled id (data/agreements) or an overlay file; repeatable");
  check->add_flag("--no-audit", co.no_audit, "Do not record the decisions (what-if runs; refused with --reserve)");
  check->callback([&ctx] { ctx.exit_code = RunCheck(ctx, co); });

  // regimes [--as-of D] [--posture P] [--json]
  auto* regimes = app.add_subcommand("regimes", "Regimes and rules in force on a date");
  static std::string r_as_of, r_posture;
  static bool r_json = false;
  regimes->add_option("--as-of", r_as_of, "Date (default today)");
  regimes->add_option("--posture", r_posture, "enforced (default) or codified");
  regimes->add_flag("--json", r_json, "JSON output");
  regimes->callback([&ctx] {
    const Dataset* data = LoadDataset(ctx);
    if (!data) return;
    Date d;
    Posture p;
    if (!ReadAsOfAndPosture(ctx, r_as_of, r_posture, d, p)) return;
    std::string out;
    JsonWriter w(out);
    WriteRegimesJson(*data, d, p, w);
    if (r_json) {
      std::cout << out << '\n';
      return;
    }
    std::cout << "Regimes as of " << d.ToString() << " (" << PostureName(p) << " posture)\n";
    std::cout << "Regulatory data " << data->version() << ", reviewed through " << data->reviewed_through().ToString()
              << (d > data->reviewed_through() ? ": rules published since may be missing" : "") << "\n";
    for (const auto& g : data->regimes()) {
      std::cout << (g.InForce(d, p, data->rules()) ? "  [in force] " : "  [-]        ") << g.id << ": " << g.title << " (" << g.fr << ")\n";
    }
  });

  // countries CODE | countries --all  [--as-of D] [--posture P] [--json | --text]
  auto* countries = app.add_subcommand("countries", "Country Groups, AI Diffusion tier and license area of a destination (or of every country) on a date, and the rules binding it");
  static std::string k_code, k_as_of, k_posture;
  static bool k_all = false, k_text = false;
  countries->add_option("country", k_code, "ISO code, name or alias");
  countries->add_flag("--all", k_all, "Every country with its groups and tier");
  countries->add_option("--as-of", k_as_of, "Date (default today)");
  countries->add_option("--posture", k_posture, "enforced (default) or codified: whether the AI Diffusion tiers bind");
  auto* k_text_flag = countries->add_flag("--text", k_text, "Readable text instead of JSON");
  countries->add_flag("--json")->description("JSON output (the default)")->excludes(k_text_flag);
  countries->callback([&ctx] {
    const Dataset* data = LoadDataset(ctx);
    if (!data) return;
    if (k_all == !k_code.empty()) {
      PrintJsonError("invalid_input", "country", k_all ? "give either a COUNTRY or --all, not both" : "give a COUNTRY (code, name or alias) or --all");
      ctx.exit_code = 2;
      return;
    }
    Date d;
    Posture p;
    if (!ReadAsOfAndPosture(ctx, k_as_of, k_posture, d, p)) return;
    std::string out;
    JsonWriter w(out);
    const Engine engine(*data);
    if (k_all) {
      WriteCountriesJson(engine, d, p, w);
      if (!k_text) {
        std::cout << out << '\n';
        return;
      }
      const nlohmann::json j = nlohmann::json::parse(out);
      std::cout << "Countries as of " << d.ToString() << " (" << PostureName(p) << " posture)\n"
                << "AI Diffusion tiers: " << j["ai_diffusion"]["note"].get<std::string>() << "\n";
      const auto& area = j["license_area"];
      std::cout << "License area: " << (area["rule"].is_null() ? std::string("no license-area rule binds")
                                                                : area["rule"].get<std::string>() + " (" + area["citation"].get<std::string>() + "), for " + area["items"].get<std::string>())
                << "\n";
      std::printf("%-6s %-40s %-5s %-5s %s\n", "CODE", "NAME", "TIER", "AREA", "COUNTRY GROUPS");
      for (const auto& c : j["countries"]) {
        std::string groups;
        for (const auto& g : c["groups"]) groups += (groups.empty() ? "" : " ") + g.get<std::string>();
        if (c.contains("treated_as")) groups += " (treated as " + c["treated_as"].get<std::string>() + ")";
        const auto& la = c["license_area"];
        std::printf("%-6s %-40s %-5s %-5s %s\n", c["code"].get<std::string>().c_str(), c["name"].get<std::string>().c_str(),
                    c["ai_diffusion_tier"].is_null() ? "-" : std::to_string(c["ai_diffusion_tier"].get<int>()).c_str(),
                    la["rule"].is_null() ? "-" : la["in_area"].get<bool>() ? "yes" : "no", groups.c_str());
      }
      return;
    }
    auto code = data->ResolveCountry(k_code);
    if (!code.ok()) {
      PrintJsonError("invalid_input", "country", code.status().message());
      ctx.exit_code = 2;
      return;
    }
    WriteCountryJson(engine, *data->FindCountry(*code), d, p, w);
    if (!k_text) {
      std::cout << out << '\n';
      return;
    }
    const nlohmann::json j = nlohmann::json::parse(out);
    std::cout << j["name"].get<std::string>() << " (" << j["code"].get<std::string>() << ") as of " << d.ToString() << ", "
              << PostureName(p) << " posture\n";
    if (j.contains("treated_as")) std::cout << "  treated as " << j["treated_as"].get<std::string>() << "\n";
    std::string groups;
    for (const auto& g : j["groups"]) groups += (groups.empty() ? "" : ", ") + g.get<std::string>();
    std::cout << "  Country Groups: " << (groups.empty() ? "none" : groups) << "\n";
    const auto& t = j["ai_diffusion_tier"];
    std::cout << "  AI Diffusion tier: " << (t["tier"].is_null() ? std::string("none") : "Tier " + std::to_string(t["tier"].get<int>()))
              << (t["binding"].get<bool>() ? " (binding)" : " (not binding)") << (t["verified"].get<bool>() ? "" : " [unverified]") << "\n";
    if (!t["basis"].get<std::string>().empty()) std::cout << "    basis: " << t["basis"].get<std::string>() << "\n";
    std::cout << "    " << t["note"].get<std::string>() << "\n";
    const auto& la = j["license_area"];
    std::cout << "  License area: "
              << (la["rule"].is_null() ? std::string("none binds")
                                       : std::string(la["in_area"].get<bool>() ? "inside" : "outside") + " (" + la["rule"].get<std::string>() + ", " +
                                             la["citation"].get<std::string>() + ", for " + la["items"].get<std::string>() + ")")
              << (la["verified"].get<bool>() ? "" : " [unverified]") << "\n    " << la["basis"].get<std::string>() << "\n";
    std::cout << "  Rules binding an export of advanced-computing items here:" << (j["rules_binding"].empty() ? " none" : "") << "\n";
    for (const auto& r : j["rules_binding"]) {
      std::string items;
      for (const auto& i : r["items"]) items += (items.empty() ? "" : ", ") + i.get<std::string>();
      std::cout << "    " << r["rule"].get<std::string>() << " (" << r["citation"].get<std::string>() << "): "
                << r["effect"].get<std::string>() << (items.empty() ? "" : " for " + items) << "\n";
    }
    if (j.contains("note")) std::cout << "  note: " << j["note"].get<std::string>() << "\n";
  });
}

}  // namespace exportctl::cli
