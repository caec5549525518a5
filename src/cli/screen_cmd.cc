// Placeholder until the screen module lands; its owner replaces this file.
#include "cli/commands.h"

namespace exportctl::cli {

void RegisterScreenCommands(CLI::App& /*app*/, CliContext& /*ctx*/) {}

}  // namespace exportctl::cli
