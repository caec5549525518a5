#include "cli/commands.h"
namespace exportctl::cli {
void RegisterEngineCommands(CLI::App&, CliContext&) {}
}  // namespace exportctl::cli
