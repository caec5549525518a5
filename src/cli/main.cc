#include <cctype>
#include <cstdlib>
#include <exception>
#include <string_view>
#include <iostream>

#include "cli/commands.h"
#include "core/json_writer.h"

namespace exportctl::cli {

void PrintJsonError(const std::string& code, const std::string& field, const std::string& message) {
  std::string out;
  JsonWriter w(out);
  w.BeginObject().Key("error").BeginObject();
  w.Field("code", code).Field("field", field).Field("message", message);
  w.EndObject().EndObject();
  std::cerr << out << '\n';
}

void Fail(CliContext& ctx, const Status& s) {
  PrintJsonError(ErrorCodeName(s.code()), s.field(), s.message());
  ctx.exit_code = s.code() == ErrorCode::kInvalidInput ? 2 : 1;
}

namespace {

bool AskedForJson(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--") break;
    if (a == "--json") return true;
  }
  return false;
}

// The option a CLI11 message names ("Could not convert: --tpp = abc"), else the command line.
std::string OptionNamedIn(std::string_view message) {
  const size_t at = message.find("--");
  if (at == std::string_view::npos || at + 2 >= message.size() || !std::isalpha(static_cast<unsigned char>(message[at + 2])))
    return "command line";
  size_t end = at + 2;
  while (end < message.size() && (std::isalnum(static_cast<unsigned char>(message[end])) || message[end] == '-')) ++end;
  return std::string(message.substr(at, end - at));
}

}  // namespace

}  // namespace exportctl::cli

int main(int argc, char** argv) {
  using namespace exportctl::cli;
  CLI::App app{"exportctl: US export-control determinations for advanced AI chips"};
  app.require_subcommand(1);
  // Global options are accepted after the subcommand as well: an option a subcommand does not
  // know falls through to its parents.
  app.fallthrough();
  CliContext ctx;
  const char* env_data = std::getenv("EXPORTCTL_REGULATORY_DATA");
  ctx.regulatory_data_dir = env_data ? env_data : EXPORTCTL_DEFAULT_DATA_DIR;
  app.add_option("--regulatory-data", ctx.regulatory_data_dir,
                 "Directory of the bundled regulatory data (default: the repository's data/)");
  app.add_option("--data-dir", ctx.data_dir,
                 "Working directory for imported lists, ledger, audit log (default ./exportctl-data)");

  if (const char* age = std::getenv("EXPORTCTL_MAX_LIST_AGE_DAYS")) ctx.max_list_age_days = std::atoi(age);
  app.add_option("--max-list-age-days", ctx.max_list_age_days,
                 "Screening lists older than this many days are stale: warned, and no party is "
                 "cleared on them without review (default 7, or EXPORTCTL_MAX_LIST_AGE_DAYS)")
      ->check(CLI::Range(0, 36500));

  RegisterEngineCommands(app, ctx);
  RegisterJurisdictionCommands(app, ctx);
  RegisterLedgerCommands(app, ctx);
  RegisterScreenCommands(app, ctx);
  RegisterAuditCommands(app, ctx);
  RegisterServeCommand(app, ctx);
  RegisterOwnershipCommands(app, ctx);
  RegisterLicenseCommands(app, ctx);
  RegisterSimulateCommand(app, ctx);
  RegisterHelpCommands(app);
  FinishCommandLine(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // A caller that asked for JSON gets its command-line error as JSON too (help stays text).
    if (e.get_exit_code() != 0 && AskedForJson(argc, argv)) {
      PrintJsonError("invalid_input", OptionNamedIn(e.what()), e.what());
      return 2;
    }
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  } catch (const std::exception& e) {
    // Commands run inside parse(): anything they did not turn into an error value is still an
    // answer (JSON, exit 1), never an abort that leaves the caller guessing.
    PrintJsonError("internal", "", std::string("unexpected error: ") + e.what());
    return 1;
  }
  return ctx.exit_code;
}
