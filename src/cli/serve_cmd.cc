// Placeholder until the serve module lands; its owner replaces this file.
#include "cli/commands.h"

namespace exportctl::cli {

void RegisterServeCommand(CLI::App& /*app*/, CliContext& /*ctx*/) {}

}  // namespace exportctl::cli
