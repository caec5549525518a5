// Placeholder until the ledger module lands; its owner replaces this file.
#include "cli/commands.h"

namespace exportctl::cli {

void RegisterLedgerCommands(CLI::App& /*app*/, CliContext& /*ctx*/) {}

}  // namespace exportctl::cli
