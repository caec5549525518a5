// simulate: the same orders under several policy sets (simulate/simulate.h); writes the summary,
// CSV tables and an HTML report into --out.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "core/validate.h"
#include "cli/commands.h"
#include "core/clock.h"
#include "core/data_dir.h"
#include "data/dataset.h"
#include "determine/engine.h"
#include "ledger/ledger.h"
#include "screen/party_screener.h"
#include "simulate/scenario.h"
#include "simulate/simulate.h"

namespace exportctl::cli {
namespace {

struct SimulateOptions {
  std::string orders;
  std::string demand;
  std::vector<std::string> policies;
  std::vector<std::string> overlays;
  std::string out;
  std::string title = "Policy simulation";
  bool json = false;
};

Status WriteFile(const std::filesystem::path& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << text;
  f.close();
  if (!f) return Status::Error(ErrorCode::kUnavailable, "--out", "cannot write " + path.string());
  return Status::Ok();
}

// "\r[##########----------]  50%  500,000 / 1,000,000 orders  4.2 s": one line, redrawn in place.
std::string ProgressBar(size_t done, size_t total, std::chrono::steady_clock::time_point started) {
  constexpr size_t kWidth = 30;
  const size_t filled = total ? done * kWidth / total : kWidth;
  auto grouped = [](size_t n) {
    std::string digits = std::to_string(n), out;
    for (size_t i = 0; i < digits.size(); ++i) {
      if (i && (digits.size() - i) % 3 == 0) out += ',';
      out += digits[i];
    }
    return out;
  };
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  char tail[64];
  std::snprintf(tail, sizeof tail, " %3zu%%  ", total ? done * 100 / total : 100);
  char time[32];
  std::snprintf(time, sizeof time, " orders  %.1f s", seconds);
  return "\r\033[Ksimulating [" + std::string(filled, '#') + std::string(kWidth - filled, '-') + "]" + tail +
         grouped(done) + " / " + grouped(total) + time;
}

int Failed(CliContext& ctx, const Status& s) {
  Fail(ctx, s);
  return ctx.exit_code;
}

int RunSimulate(CliContext& ctx, const SimulateOptions& o) {
  std::vector<simulate::PolicySet> sets;
  for (const auto& arg : o.policies.empty() ? std::vector<std::string>{"enforced", "codified"} : o.policies) {
    auto p = simulate::ParsePolicySet(arg);
    if (!p.ok()) return Failed(ctx, p.status());
    for (const auto& s : sets)
      if (s.id == p->id) return Failed(ctx, Status::Invalid("--policy", "policy set \"" + p->id + "\" named twice"));
    sets.push_back(std::move(p).value());
  }
  if (o.out.empty()) return Failed(ctx, Status::Invalid("--out", "required: the directory to write the report into"));
  const Dataset* data = LoadDataset(ctx);
  if (!data) return ctx.exit_code;
  if (o.orders.empty() && o.demand.empty())
    return Failed(ctx, Status::Invalid("--orders", "give the orders (--orders FILE.jsonl), the demand (--demand FILE.csv), or both"));
  const bool tty = ::isatty(STDERR_FILENO);
  // Reads one input with its reader; errors name the file's base name, line and field.
  auto read = [&](const std::string& path, const char* option, auto reader) -> Result<std::vector<simulate::Order>> {
    if (path.empty()) return std::vector<simulate::Order>();
    EXPORTCTL_RETURN_IF_ERROR(CheckInputFile(option, path));
    std::ifstream in(path, std::ios::binary);
    if (!in) return Status::Invalid(option, "cannot open " + path);
    if (tty) std::cerr << "reading " << path << " …" << std::flush;
    auto orders = reader(in, std::filesystem::path(path).filename().string(), *data, TodayUtc());
    if (tty) std::cerr << "\r\033[K" << std::flush;
    return orders;
  };
  auto from_orders = read(o.orders, "--orders", simulate::ReadOrders);
  if (!from_orders.ok()) return Failed(ctx, from_orders.status());
  auto from_demand = read(o.demand, "--demand", [](std::istream& in, const std::string& name, const Dataset& d, Date today) {
    return simulate::ExpandDemand(in, name, d, today);
  });
  if (!from_demand.ok()) return Failed(ctx, from_demand.status());
  auto orders = simulate::MergeOrders(std::move(from_orders).value(), std::move(from_demand).value());
  if (!orders.ok()) return Failed(ctx, orders.status());
  // Agreements apply under every policy set; each must be in force on some order's date to its
  // country, else it is an error (an overlay the run never uses is a mistake, not a result).
  auto overlays = LoadOverlays(ctx, *data, o.overlays);
  if (!overlays.ok()) return Failed(ctx, overlays.status());
  std::vector<const Agreement*> every = *overlays;
  for (auto& set : sets) {
    // A policy file's own overlays come after those of --overlay; its data changes are loaded.
    auto own = LoadOverlays(ctx, *data, set.overlay_names);
    if (!own.ok())
      return Failed(ctx, own.status().field() == "--overlay" ? Status::Invalid(set.source + ".overlays", own.status().message())
                                                             : own.status());
    set.overlays = *overlays;
    for (const Agreement* a : *own) {
      if (std::find(set.overlays.begin(), set.overlays.end(), a) == set.overlays.end()) set.overlays.push_back(a);
      if (std::find(every.begin(), every.end(), a) == every.end()) every.push_back(a);
    }
    if (Status st = simulate::PreparePolicyData(set, ctx.regulatory_data_dir); !st.ok()) return Failed(ctx, st);
  }
  for (const Agreement* a : every) {
    if (!simulate::OverlayUsedBy(*a, *orders, *data))
      return Failed(ctx, Status::Invalid("--overlay", "overlay \"" + a->id + "\" (" + a->file + ", " + a->country + ", " +
                                                          a->Dates() + ") is in force on no order's date to " + a->country));
  }

  // Screening and the ownership graph as `check` uses them, so the outcomes are check's.
  const DataDir dir(ctx.data_dir);
  std::unique_ptr<screen::ListPartyScreener> screener;
  if (auto s = screen::OpenPartyScreener(dir.root(), {.max_age_days = ctx.max_list_age_days}); s.ok()) {
    screener = std::move(s).value();
  } else if (s.status().code() != ErrorCode::kNotFound) {
    return Failed(ctx, s.status());
  }
  auto graph = OpenOwnershipView(ctx);
  if (!graph.ok()) return Failed(ctx, graph.status());
  auto rules = ledger::AllocationRules::Load(ctx.regulatory_data_dir);
  if (!rules.ok()) return Failed(ctx, rules.status());

  std::error_code ec;
  std::filesystem::create_directories(o.out, ec);
  if (ec) return Failed(ctx, Status::Invalid("--out", "cannot create " + o.out + ": " + ec.message()));
  const std::filesystem::path out(o.out);
  std::ofstream rows(out / "orders.csv", std::ios::binary | std::ios::trunc);
  if (!rows) return Failed(ctx, Status::Error(ErrorCode::kUnavailable, "--out", "cannot write " + (out / "orders.csv").string()));
  rows << simulate::OrdersCsvHeader(sets);

  const Engine engine(*data);
  simulate::Simulation sim({.dataset = data, .engine = &engine, .screener = screener.get(), .ownership = graph->get(),
                            .rules = &*rules, .workers = std::max(1u, std::thread::hardware_concurrency()),
                            // orders.csv reads each order's outcome and exception only
                            .own_decisions = false,
                            .progress = [tty, started = std::chrono::steady_clock::now()](size_t done, size_t total) {
                              if (tty) std::cerr << ProgressBar(done, total, started) << std::flush;
                            }},
                           sets);
  std::string row;
  const Status st = sim.Run(*orders, [&](const simulate::OrderAnswers& a) {
    row.clear();
    simulate::AppendOrderRowCsv(a, row);
    rows << row;
  });
  if (tty) std::cerr << "\r\033[K" << std::flush;
  if (!st.ok()) return Failed(ctx, st);
  rows.close();
  const auto& s = sim.summary();
  const std::string summary = simulate::SummaryJson(s);
  for (const auto& [name, text] : std::vector<std::pair<const char*, std::string>>{
           {"summary.json", summary},
           {"by_country_quarter.csv", simulate::ByCountryQuarterCsv(s)},
           {"exhausted.csv", simulate::ExhaustedCsv(s)},
           {"flips.csv", simulate::FlipsCsv(s)},
           {"report.html", simulate::ReportHtml(s, o.title)}}) {
    if (Status w = WriteFile(out / name, text); !w.ok()) return Failed(ctx, w);
  }
  if (!rows) return Failed(ctx, Status::Error(ErrorCode::kUnavailable, "--out", "cannot write orders.csv"));
  if (o.json) {
    std::cout << summary;
    return 0;
  }
  std::cout << s.orders << " orders under " << s.policies.size() << " policy sets; " << s.flips_total
            << " decided differently.\n";
  for (const auto& p : s.policies) {
    std::cout << "  " << p.policy.id << " (" << PostureName(p.policy.posture) << "):";
    for (const auto& [outcome, t] : p.totals) std::cout << " " << outcome << " " << t.orders;
    std::cout << "; " << p.exhausted.size() << " allocations exhausted; " << p.evaluated << " orders evaluated, "
              << p.reserving << " reserved\n";
  }
  std::cout << "Report: " << (out / "report.html").string() << " (summary.json, orders.csv, by_country_quarter.csv, "
            << "exhausted.csv, flips.csv beside it)\n";
  return 0;
}

}  // namespace

void RegisterSimulateCommand(CLI::App& app, CliContext& ctx) {
  auto* cmd = app.add_subcommand("simulate", "Run orders under several policy sets and compare the outcomes");
  static SimulateOptions o;
  cmd->add_option("--orders", o.orders, "JSONL file of transactions (one per line; no reference: line-N)");
  cmd->add_option("--demand", o.demand,
                  "CSV of demand: country,quarter,chip,quantity,consignee_profile[,orders] (profiles: local, "
                  "us_headquartered, china_headquartered), expanded into dated orders");
  cmd->add_option("--policy", o.policies,
                  "Policy set: enforced, codified, or NAME=FILE ({\"posture\": …}); repeat to compare "
                  "(default: enforced and codified)");
  cmd->add_option("--overlay", o.overlays,
                  "Country agreement applied under every policy set: a bundled id (data/agreements) or an overlay "
                  "file; repeatable");
  cmd->add_option("--out", o.out, "Directory for summary.json, report.html and the CSV tables")->required();
  cmd->add_option("--title", o.title, "Title of the HTML report");
  cmd->add_flag("--json", o.json, "Print summary.json on stdout instead of the short text");
  cmd->callback([&ctx] { ctx.exit_code = RunSimulate(ctx, o); });
}

}  // namespace exportctl::cli
