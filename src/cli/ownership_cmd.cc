// ownership import|status|show|diff: thin wrappers over src/ownership.
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <optional>
#include <thread>
#include <iostream>
#include <nlohmann/json.hpp>

#include "core/validate.h"
#include "cli/commands.h"
#include "cli/coverage_changes.h"
#include "core/clock.h"
#include "data/dataset.h"
#include "ownership/graph_owners.h"
#include "ownership/ownership_json.h"
#include "screen/party_screener.h"
#include "screen/party_store.h"
#include "screen/sha256.h"

namespace exportctl::cli {
namespace {

using nlohmann::json;
using ownership::Coverage;
using ownership::Graph;

// Progress for long imports, on a terminal only (scripts read stdout and the exit code).
void Progress(const std::string& what) {
  if (::isatty(STDERR_FILENO)) std::cerr << "\r\033[K" << what << std::flush;
}
void ProgressDone() {
  if (::isatty(STDERR_FILENO)) std::cerr << "\r\033[K" << std::flush;
}

void RunImport(CliContext& ctx, const std::string& file, bool allow_empty, bool strict, bool as_json) {
  const Dataset* data = LoadDataset(ctx);
  if (!data) return;
  const auto started = std::chrono::steady_clock::now();
  Progress("reading " + file + " …");
  if (Status st = CheckInputFile("file", file); !st.ok()) {
    ProgressDone();
    return Fail(ctx, st);
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return Fail(ctx, Status::Invalid("file", "cannot read " + file));
  // Read whole in one call (a stream iterator copies a character at a time).
  std::string bytes;
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  in.seekg(0, std::ios::beg);
  if (size > 0) {
    bytes.resize(static_cast<size_t>(size));
    in.read(bytes.data(), size);
    bytes.resize(static_cast<size_t>(in.gcount()));
  }
  if (in.bad()) return Fail(ctx, Status::Invalid("file", "cannot read " + file));
  Progress("parsing and checking " + std::to_string(bytes.size() / 1024) + " KiB …");
  const size_t slash = file.find_last_of('/');
  // The file's hash is computed beside the parse: both only read the bytes.
  std::string sha256;
  std::thread hashing([&bytes, &sha256] { sha256 = screen::Sha256Hex(bytes); });
  // The look-up tables are built below only when remembered parties are weighed against the graph.
  auto g = ownership::ParseGraph(bytes, slash == std::string::npos ? file : file.substr(slash + 1), /*index=*/false);
  hashing.join();
  if (!g.ok()) {
    ProgressDone();
    return Fail(ctx, g.status());
  }
  if (strict && !g->warnings.empty()) {
    ProgressDone();
    return Fail(ctx, Status::Invalid(file, g->warnings.front() + " (--strict)"));
  }
  for (const auto& w : g->warnings) std::cerr << "warning: " << w << "\n";
  g->sha256 = std::move(sha256);
  bytes.clear();
  bytes.shrink_to_fit();
  Progress("storing " + std::to_string(g->edges.size()) + " ownership stakes …");
  ownership::GraphStore store(ctx.data_dir);
  // The graph in use, by its version only: it is loaded whole (from the previous slot, after the
  // import) only when remembered parties are weighed against it.
  std::optional<int64_t> previous_version;
  {
    auto reader = ownership::GraphReader::Open(ctx.data_dir);
    if (reader.ok()) {
      previous_version = (*reader)->version();
    } else if (reader.status().code() != ErrorCode::kNotFound) {
      ProgressDone();
      return Fail(ctx, reader.status());
    }
  }
  auto imported = store.Import(*g, allow_empty);
  ProgressDone();
  if (!imported.ok()) return Fail(ctx, imported.status());
  g->version = imported->version;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  json report{{"file", file},          {"format", g->format},   {"sha256", g->sha256},
              {"version", imported->version}, {"entities", imported->entities}, {"edges", imported->edges},
              {"seconds", seconds}, {"warnings", g->warnings}};
  if (previous_version) report["previous_version"] = *previous_version;
  if (Status st = RecordCliEvent(ctx, "", "ownership.imported", report.dump()); !st.ok()) return Fail(ctx, st);
  // Re-screen the remembered parties whose coverage the new graph changes.
  auto parties = screen::PartyStore::Open(ctx.data_dir);
  if (!parties.ok()) return Fail(ctx, parties.status());
  const auto names = (*parties)->Names();
  const Date today = TodayUtc();
  json changes = json::array();
  if (!names.empty()) {
    std::shared_ptr<const Graph> previous;
    if (previous_version) {
      auto loaded = store.Load(true);
      if (!loaded.ok()) return Fail(ctx, loaded.status());
      previous = std::make_shared<const Graph>(std::move(loaded).value());
    }
    g->Index();
    auto shared = std::make_shared<Graph>(std::move(g).value());
    ownership::GraphOwnership after_graph(shared);
    auto after = OpenCoverageWeigher(ctx, *data, *shared, today);
    if (!after.ok()) return Fail(ctx, after.status());
    std::optional<ownership::GraphOwnership> before_graph;
    std::optional<CoverageWeigher> before;
    if (previous) {
      before_graph.emplace(previous);
      auto b = OpenCoverageWeigher(ctx, *data, *previous, today);
      if (!b.ok()) return Fail(ctx, b.status());
      before.emplace(std::move(b).value());
    }
    changes = CoverageChanges(names, before_graph ? &*before_graph : nullptr, before ? before->calc.get() : nullptr, after_graph,
                              *after->calc, today);
  }
  if (as_json) {
    std::cout << json{{"imported", report}, {"rescreened_parties", names.size()}, {"coverage_changes", changes}}.dump(2) << "\n";
    return;
  }
  std::cout << "imported ownership graph version " << imported->version << " from " << file << " (" << report["format"].get<std::string>()
            << "): " << imported->entities << " entities, " << imported->edges << " stakes in " << fmt::format("{:.2f}", seconds) << " s\n";
  std::cout << "re-screened " << names.size() << " remembered parties on " << today.ToString() << ": " << changes.size()
            << " whose coverage under the Affiliates Rule changed\n";
  PrintCoverageChanges(changes);
}

void RunStatus(CliContext& ctx, bool as_json) {
  auto g = ownership::OpenGraph(ctx.data_dir);
  if (!g.ok()) return Fail(ctx, g.status());
  if (!*g) {
    if (as_json) {
      std::cout << json{{"data_dir", ctx.data_dir}, {"graph", nullptr}}.dump(2) << "\n";
    } else {
      std::cout << "no ownership graph imported in " << ctx.data_dir << "\n";
    }
    return;
  }
  const Graph& gr = **g;
  const json j{{"version", gr.version}, {"file", gr.file_name}, {"format", gr.format}, {"sha256", gr.sha256},
               {"imported_at", gr.imported_at}, {"entities", gr.entities.size()}, {"edges", gr.edges.size()}};
  if (as_json) {
    std::cout << json{{"data_dir", ctx.data_dir}, {"graph", j}}.dump(2) << "\n";
    return;
  }
  std::cout << "ownership graph version " << gr.version << ": " << gr.file_name << " (" << gr.format << ", sha256 " << gr.sha256.substr(0, 12)
            << "), imported " << gr.imported_at << "; " << gr.entities.size() << " entities, " << gr.edges.size() << " stakes\n";
}

void PrintOwners(const json& owners, int indent) {
  for (const auto& o : owners) {
    std::cout << std::string(indent * 2, ' ') << "← " << o["share"].get<std::string>() << " " << o["name"].get<std::string>()
              << (o["country"].get<std::string>().empty() ? "" : " (" + o["country"].get<std::string>() + ")") << " ["
              << o["coverage"]["status"].get<std::string>() << (o["coverage"]["listed"].get<bool>() ? ", listed" : "")
              << (o["counts_on_date"].get<bool>() ? "" : ", not on this date") << "] " << o["source"].get<std::string>() << "\n";
    PrintOwners(o["owners"], indent + 1);
  }
}

void RunShow(CliContext& ctx, const std::string& who, const std::string& as_of_text, bool as_json) {
  const Dataset* data = LoadDataset(ctx);
  if (!data) return;
  Date as_of = TodayUtc();
  if (!as_of_text.empty()) {
    auto d = Date::Parse(as_of_text);
    if (!d.ok()) return Fail(ctx, d.status().WithFieldPrefix("--as-of"));
    as_of = *d;
  }
  auto g = ownership::OpenGraph(ctx.data_dir);
  if (!g.ok()) return Fail(ctx, g.status());
  if (!*g) return Fail(ctx, Status::Error(ErrorCode::kNotFound, "ownership", "no ownership graph imported (exportctl ownership import FILE)"));
  const Graph& gr = **g;
  std::vector<uint32_t> found;
  if (auto i = gr.IndexOf(who)) found.push_back(*i);
  if (found.empty()) found = gr.ByName(who);
  if (found.empty()) {
    ownership::GraphOwnership view(*g);
    Party p;
    p.name = who;
    if (auto m = view.Match(p)) found.push_back(m->entity);
  }
  if (found.empty()) return Fail(ctx, Status::Error(ErrorCode::kNotFound, "name", "no entity \"" + who + "\" in the ownership graph"));
  auto w = OpenCoverageWeigher(ctx, *data, gr, as_of);
  if (!w.ok()) return Fail(ctx, w.status());
  json out = json::array();
  for (uint32_t e : found) out.push_back(ownership::EntityJson(gr, *w->calc, e, as_of));
  const json rule = ownership::RuleStatusJson(*data, as_of);
  if (as_json) {
    std::cout << json{{"graph_version", gr.version}, {"lists", w->lists}, {"affiliates_rule", rule}, {"entities", out}}.dump(2) << "\n";
    return;
  }
  const std::string status = rule["status"].get<std::string>();
  std::cout << "the Affiliates Rule on " << as_of.ToString() << ": "
            << (status == "in_force" ? "in force" : status == "stayed" ? "stayed (ownership by listed parties is a red flag, not a license requirement)"
                                                                        : "not in force")
            << " (" << rule["citation"].get<std::string>() << ")\n";
  for (const auto& e : out) {
    const std::string state = e["coverage"]["status"].get<std::string>();
    std::cout << e["name"].get<std::string>() << " (" << e["id"].get<std::string>() << (e["country"].get<std::string>().empty() ? "" : ", " + e["country"].get<std::string>())
              << ") on " << as_of.ToString() << ": " << (status == "in_force" || state == "not_covered" ? state : state + " if the rule applied")
              << " under the Affiliates Rule";
    if (e["coverage"]["share"].get<double>() > 0) std::cout << ", " << e["coverage"]["share"].get<double>() << "% owned by covered parties";
    std::cout << "\n";
    if (!e["aliases"].empty()) {
      std::string aka;
      for (const auto& a : e["aliases"]) aka += (aka.empty() ? "\"" : ", \"") + a.get<std::string>() + "\"";
      std::cout << "  also known as " << aka << "\n";
    }
    for (const auto& p : e["coverage"]["paths"]) std::cout << "  through " << p.get<std::string>() << "\n";
    for (const auto& y : e["coverage"]["why"]) std::cout << "  review: " << y.get<std::string>() << "\n";
    PrintOwners(e["owners"], 1);
  }
  std::cout << "lists: " << w->lists << "\n";
}

void RunDiff(CliContext& ctx, bool as_json) {
  ownership::GraphStore store(ctx.data_dir);
  auto now = store.Load();
  if (!now.ok()) return Fail(ctx, now.status());
  auto before = store.Load(true);
  if (!before.ok()) return Fail(ctx, before.status());
  const ownership::GraphDiff d = ownership::Diff(*before, *now);
  json changes = json::array();
  for (const auto& c : d.changes) {
    changes.push_back(json{{"owner", c.owner}, {"owned", c.owned}, {"before", c.before.empty() ? json(nullptr) : json(c.before)},
                           {"after", c.after.empty() ? json(nullptr) : json(c.after)}});
  }
  if (as_json) {
    std::cout << json{{"from_version", before->version}, {"to_version", now->version}, {"stakes", changes},
                      {"entities_added", d.entities_added}, {"entities_removed", d.entities_removed}}
                     .dump(2)
              << "\n";
    return;
  }
  std::cout << "ownership graph version " << before->version << " → " << now->version << ": " << d.changes.size() << " stakes changed, "
            << d.entities_added.size() << " entities added, " << d.entities_removed.size() << " removed\n";
  for (const auto& c : d.changes) {
    std::cout << "  " << c.owner << " → " << c.owned << ": " << (c.before.empty() ? "(none)" : c.before) << " → "
              << (c.after.empty() ? "(none)" : c.after) << "\n";
  }
}

}  // namespace

// One check reads its parties' entities and owners from the store rather than loading the graph;
// a batch loads it once and reads it from memory on every worker.
Result<std::unique_ptr<OwnershipGraphView>> OpenOwnershipView(const CliContext& ctx, bool whole) {
  if (whole) {
    auto g = ownership::OpenGraph(ctx.data_dir);
    if (!g.ok()) return g.status();
    if (!*g) return std::unique_ptr<OwnershipGraphView>();
    return std::unique_ptr<OwnershipGraphView>(std::make_unique<ownership::GraphOwnership>(*g));
  }
  auto g = ownership::StoredGraphOwnership::Open(ctx.data_dir);
  if (!g.ok()) return g.status();
  return std::unique_ptr<OwnershipGraphView>(std::move(g).value());
}

void RegisterOwnershipCommands(CLI::App& app, CliContext& ctx) {
  auto* own = app.add_subcommand("ownership", "The ownership graph the Affiliates Rule reads (import, status, show, diff)");
  own->require_subcommand(1);

  auto* imp = own->add_subcommand("import", "Import an ownership graph (CSV or FollowTheMoney JSON lines); replaces the one in use");
  auto file = std::make_shared<std::string>();
  auto imp_json = std::make_shared<bool>(false);
  imp->add_option("file", *file, "CSV (owner,owned,percent,source,as_of[,owner_country,owned_country,owner_id,owned_id,start_date,end_date]) or .jsonl")
      ->required();
  auto imp_empty = std::make_shared<bool>(false);
  auto imp_strict = std::make_shared<bool>(false);
  imp->add_flag("--json", *imp_json, "JSON output");
  imp->add_flag("--allow-empty", *imp_empty, "Accept a file without any stake (it empties the graph; refused otherwise)");
  imp->add_flag("--strict", *imp_strict, "A column this import does not read is an error, not a warning");
  imp->callback([&ctx, file, imp_json, imp_empty, imp_strict] { RunImport(ctx, *file, *imp_empty, *imp_strict, *imp_json); });

  auto* status = own->add_subcommand("status", "The ownership graph in use: its file, version and size");
  auto status_json = std::make_shared<bool>(false);
  status->add_flag("--json", *status_json, "JSON output");
  status->callback([&ctx, status_json] { RunStatus(ctx, *status_json); });

  auto* show = own->add_subcommand("show", "An entity's owners up the chain, with shares, sources, listings and coverage");
  auto who = std::make_shared<std::string>();
  auto as_of = std::make_shared<std::string>();
  auto show_json = std::make_shared<bool>(false);
  show->add_option("entity", *who, "Entity id or name")->required();
  show->add_option("--as-of", *as_of, "Date the stakes are weighed on (YYYY-MM-DD, default today)");
  show->add_flag("--json", *show_json, "JSON output");
  show->callback([&ctx, who, as_of, show_json] { RunShow(ctx, *who, *as_of, *show_json); });

  auto* diff = own->add_subcommand("diff", "Stakes added, removed and changed by the last import");
  auto diff_json = std::make_shared<bool>(false);
  diff->add_flag("--json", *diff_json, "JSON output");
  diff->callback([&ctx, diff_json] { RunDiff(ctx, *diff_json); });
}

}  // namespace exportctl::cli
