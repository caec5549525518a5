// The CLI is a thin front end: each module registers its subcommands here and calls the library.
// Every command returns its exit code through CliContext::exit_code:
// 0 success (any decision is a success), 2 invalid input, 1 anything else.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <string_view>

#include "core/status.h"
#include "data/agreements.h"

#include <memory>

namespace exportctl {
class Dataset;
class OwnershipGraphView;
}  // namespace exportctl

namespace exportctl::cli {

struct CliContext {
  // Directory of the bundled, cited regulatory data (countries, chips, regimes).
  std::string regulatory_data_dir;
  // Working data directory: imported lists, the embedded ledger, the audit log, API keys.
  std::string data_dir = "./exportctl-data";
  // Imported screening lists older than this (source date vs today) are stale: screening warns
  // and decisions that would clear a party go to review (docs/screening.md, "List age").
  int max_list_age_days = 7;
  int exit_code = 0;
};

void RegisterEngineCommands(CLI::App& app, CliContext& ctx);  // chips, classify, check, regimes, countries
void RegisterJurisdictionCommands(CLI::App& app, CliContext& ctx);  // jurisdiction, deminimis
void RegisterLedgerCommands(CLI::App& app, CliContext& ctx);  // ledger …
void RegisterScreenCommands(CLI::App& app, CliContext& ctx);  // screen …, lists …
void RegisterAuditCommands(CLI::App& app, CliContext& ctx);   // audit …, keys …
void RegisterServeCommand(CLI::App& app, CliContext& ctx);    // serve
void RegisterOwnershipCommands(CLI::App& app, CliContext& ctx);  // ownership …
void RegisterLicenseCommands(CLI::App& app, CliContext& ctx);    // licenses …
void RegisterSimulateCommand(CLI::App& app, CliContext& ctx);    // simulate
// The ownership graph of --data-dir for check; nullptr when none is imported.
// The ownership graph a check reads (nullptr when none is imported). `whole`: load it once for
// many checks (--batch); else read each party's owners from the store.
Result<std::unique_ptr<OwnershipGraphView>> OpenOwnershipView(const CliContext& ctx, bool whole = false);
void RegisterHelpCommands(CLI::App& app);                     // completion bash|zsh, man
// After every command is registered: an example and the global options under each --help, and
// --json on every printing command that does not declare it (their output is JSON already).
void FinishCommandLine(CLI::App& app);

// Appends a configuration or data change made from the command line (`kind` e.g. "ledger.adjust",
// "lists.imported", "screen.cleared"; `payload` one JSON object) to the audit log at `location`
// ("" = audit.sqlite under --data-dir), with actor "cli:<user>". The error says that the change
// was made but is not in the log.
[[nodiscard]] Status RecordCliEvent(const CliContext& ctx, const std::string& location, const char* kind,
                                    std::string payload);

// The bundled regulatory data, loaded once; on failure prints the error, sets the exit code and
// returns nullptr.
const Dataset* LoadDataset(CliContext& ctx);
// The overlays `--overlay FILE|ID` names (repeatable): a bundled agreement by id (every file
// under <regulatory data>/agreements is validated first), else a file. Errors name "--overlay"
// or the file's field; the agreements live as long as the process.
Result<std::vector<const Agreement*>> LoadOverlays(CliContext& ctx, const Dataset& data,
                                                   const std::vector<std::string>& arguments);
// "cli:<user>": the OS account running the command, the audit log's actor for its changes.
std::string CliActor();

// Prints {"error":{"code","field","message"}} on stderr.
void PrintJsonError(const std::string& code, const std::string& field, const std::string& message);
// PrintJsonError of `s`, and the exit code: 2 for invalid input, else 1.
void Fail(CliContext& ctx, const Status& s);

}  // namespace exportctl::cli
