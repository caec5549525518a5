// Placeholder until the audit module lands; its owner replaces this file.
#include "cli/commands.h"

namespace exportctl::cli {

void RegisterAuditCommands(CLI::App& /*app*/, CliContext& /*ctx*/) {}

}  // namespace exportctl::cli
