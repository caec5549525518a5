// What the command line says about itself: an example under every command's --help, --json on
// every printing command, shell completion and the man page. All of it is read from the CLI11
// definition, so a new command or option appears everywhere without being listed twice.
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.h"

namespace exportctl::cli {
namespace {

// One example per command, by command path (the CLI test checks every command has one).
const std::map<std::string, std::string>& Examples() {
  static const std::map<std::string, std::string> examples = {
      {"chips", "exportctl chips show H100"},
      {"ledger", "exportctl ledger balances --json"},
      {"lists", "exportctl lists status --json"},
      {"audit", "exportctl audit verify"},
      {"keys", "exportctl keys create --role analyst --json"},
      {"chips list", "exportctl chips list --json"},
      {"chips show", "exportctl chips show H100"},
      {"classify", "exportctl classify H20 --as-of 2025-06-01 --json"},
      {"check", "exportctl check --text examples/03-h200-to-china.json --data-dir ./exportctl-data"},
      {"jurisdiction", "exportctl jurisdiction --text examples/08-foreign-server-to-vietnam.json"},
      {"simulate", "exportctl simulate --demand examples/simulate/demand.csv --policy enforced --policy codified --out sim-report"},
      {"deminimis", "exportctl deminimis examples/server-bom.csv --destination VN --as-of 2025-06-01 --json"},
      {"regimes", "exportctl regimes --as-of 2025-06-01 --posture codified --json"},
      {"countries", "exportctl countries AE --as-of 2025-06-01 --posture codified   |   exportctl countries --all --json"},
      {"ledger balances", "exportctl ledger balances --as-of 2025-06-01 --json"},
      {"ledger history", "exportctl ledger history country:AE"},
      {"ledger reserve", "exportctl ledger reserve country:AE 32000 --key SO-1042"},
      {"ledger commit", "exportctl ledger commit 17 --reason \"shipped on AWB 123\""},
      {"ledger release", "exportctl ledger release 17 --reason \"order cancelled\""},
      {"ledger adjust", "exportctl ledger adjust country:AE 16000 --reason \"shipment made before the ledger\""},
      {"ledger migrate-consignees", "exportctl ledger migrate-consignees"},
      {"ledger export", "exportctl ledger export --csv > postings.csv"},
      {"lists import", "exportctl lists import consolidated.json --data-dir ./exportctl-data"},
      {"lists status", "exportctl lists status --json"},
      {"lists diff", "exportctl lists diff old.json new.json --json"},
      {"screen", "exportctl screen \"Huawei Technologies\" --country CN --json"},
      {"screen compare", "exportctl screen compare --pairs pairs.csv --json"},
      {"screen clear", "exportctl screen clear --party \"Acme Ltd\" --record EL-123 --reason \"different address\" --expires 2026-12-31"},
      {"audit verify", "exportctl audit verify --anchor 42:3f1c…"},
      {"audit head", "exportctl audit head --json"},
      {"audit show", "exportctl audit show --text DECISION_ID"},
      {"audit replay", "exportctl audit replay DECISION_ID"},
      {"audit export", "exportctl audit export --from 2026-01-01 --to 2026-01-31 --csv -o january.csv"},
      {"keys create", "exportctl keys create --role analyst --label erp --json"},
      {"keys revoke", "exportctl keys revoke 0123456789abcdef"},
      {"keys list", "exportctl keys list --json"},
      {"ownership", "exportctl ownership status --json"},
      {"ownership import", "exportctl ownership import owners.csv --data-dir ./exportctl-data"},
      {"ownership status", "exportctl ownership status --json"},
      {"ownership show", "exportctl ownership show \"Penang Compute Sdn Bhd\" --as-of 2026-11-30 --json"},
      {"ownership diff", "exportctl ownership diff --json"},
      {"licenses", "exportctl licenses list --attention --json"},
      {"licenses add", "exportctl licenses add examples/license-d1234567.json --json"},
      {"licenses list", "exportctl licenses list --attention --json"},
      {"licenses show", "exportctl licenses show D1234567 --json"},
      {"licenses amend", "exportctl licenses amend D1234567 amended.json --reason \"BIS amendment A1\""},
      {"licenses revoke", "exportctl licenses revoke D1234567 --reason \"Revoked by BIS letter of 2026-09-01\""},
      {"licenses report", "exportctl licenses report D1234567 --from 2026-01-01 --to 2026-12-31 --csv"},
      {"serve", "exportctl serve --port 8080 --data-dir ./exportctl-data"},
      {"completion", "exportctl completion bash > /etc/bash_completion.d/exportctl"},
  };
  return examples;
}

constexpr const char* kGlobalOptionsNote =
    "Global options (--data-dir, --regulatory-data, --max-list-age-days) may be given before or "
    "after the command.";

// Commands that print no result of their own (they serve, or print a script).
bool PrintsResult(const std::string& path) { return path != "serve" && path != "completion" && path != "man"; }

struct Command {
  std::string path;  // "ledger balances"; "" for the program itself
  const CLI::App* app;
};

void Collect(const CLI::App* app, const std::string& path, std::vector<Command>& out) {
  out.push_back({path, app});
  for (const CLI::App* sub : app->get_subcommands([](const CLI::App*) { return true; })) {
    Collect(sub, path.empty() ? sub->get_name() : path + " " + sub->get_name(), out);
  }
}

bool IsLeaf(const CLI::App* app) { return app->get_subcommands([](const CLI::App*) { return true; }).empty(); }

bool IsFlag(const CLI::Option* opt) { return opt->get_expected_max() == 0; }

std::vector<std::string> OptionNames(const CLI::App* app) {
  std::vector<std::string> out;
  for (const CLI::Option* opt : app->get_options()) {
    if (!opt->nonpositional()) continue;
    for (const auto& l : opt->get_lnames()) out.push_back("--" + l);
    for (const auto& s : opt->get_snames()) out.push_back("-" + s);
  }
  return out;
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : " ") + s;
  return out;
}

// The body shared by the bash and zsh scripts: for a command path, its subcommands and options.
std::string CompletionTable(const CLI::App& root) {
  std::vector<Command> commands;
  Collect(&root, "", commands);
  const std::vector<std::string> global = OptionNames(&root);
  std::string out;
  out += "_exportctl_table() {\n  case \"$1\" in\n";
  for (const Command& c : commands) {
    if (!c.path.empty() && c.app->get_group().empty()) continue;  // hidden (man)
    std::vector<std::string> subs;
    for (const CLI::App* s : c.app->get_subcommands([](const CLI::App*) { return true; })) {
      if (!s->get_group().empty()) subs.push_back(s->get_name());
    }
    std::vector<std::string> opts = OptionNames(c.app);
    if (!c.path.empty()) opts.insert(opts.end(), global.begin(), global.end());
    out += "    \"" + c.path + "\") _exportctl_subs=\"" + Join(subs) + "\"; _exportctl_opts=\"" + Join(opts) + "\";;\n";
  }
  out += "    *) _exportctl_subs=\"\"; _exportctl_opts=\"\";;\n  esac\n}\n";
  return out;
}

std::string BashCompletion(const CLI::App& root) {
  return "# bash completion for exportctl (generated by `exportctl completion bash`)\n" + CompletionTable(root) +
         R"(_exportctl() {
  local cur="${COMP_WORDS[COMP_CWORD]}" cmdpath="" w s i
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="${COMP_WORDS[i]}"
    _exportctl_table "$cmdpath"
    for s in $_exportctl_subs; do
      if [[ "$w" == "$s" ]]; then cmdpath="${cmdpath:+$cmdpath }$w"; break; fi
    done
  done
  _exportctl_table "$cmdpath"
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$_exportctl_opts --help" -- "$cur"))
  else
    COMPREPLY=($(compgen -W "$_exportctl_subs" -- "$cur"))
    [[ ${#COMPREPLY[@]} -eq 0 ]] && COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
complete -o filenames -F _exportctl exportctl
)";
}

std::string ZshCompletion(const CLI::App& root) {
  return "#compdef exportctl\n# zsh completion for exportctl (generated by `exportctl completion zsh`)\n" +
         CompletionTable(root) +
         R"(_exportctl() {
  local cmdpath="" w s i
  for ((i = 2; i < CURRENT; i++)); do
    w="${words[i]}"
    _exportctl_table "$cmdpath"
    for s in ${=_exportctl_subs}; do
      if [[ "$w" == "$s" ]]; then cmdpath="${cmdpath:+$cmdpath }$w"; break; fi
    done
  done
  _exportctl_table "$cmdpath"
  if [[ "$PREFIX" == -* ]]; then
    compadd -- ${=_exportctl_opts} --help
  else
    [[ -n "$_exportctl_subs" ]] && compadd -- ${=_exportctl_subs}
    _files
  fi
}
if [[ "$funcstack[1]" == "_exportctl" ]]; then _exportctl "$@"; else compdef _exportctl exportctl; fi
)";
}

// roff text: a backslash, and a period or quote opening a line, would be read as requests;
// characters past ASCII are written as \[uXXXX] so that any troff reads them.
std::string Roff(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else if (c >= 0x80) {
      // The CLI's own help strings: valid UTF-8, decoded here one code point at a time.
      const int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : 1;
      uint32_t cp = c & (0x3F >> extra);
      for (int k = 0; k < extra && i + 1 < s.size(); ++k) cp = cp << 6 | (static_cast<unsigned char>(s[++i]) & 0x3F);
      char buf[16];
      std::snprintf(buf, sizeof buf, "\\[u%04X]", cp);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out = "\\&" + out;
  return out;
}

std::string OptionSynopsis(const CLI::Option* opt) {
  if (!opt->nonpositional()) return "\\fI" + Roff(opt->get_name()) + "\\fR";
  std::string names;
  for (const auto& s : opt->get_snames()) names += (names.empty() ? "" : ", ") + std::string("\\fB-") + Roff(s) + "\\fR";
  for (const auto& l : opt->get_lnames()) names += (names.empty() ? "" : ", ") + std::string("\\fB\\-\\-") + Roff(l) + "\\fR";
  if (!IsFlag(opt)) names += " \\fIVALUE\\fR";
  return names;
}

void ManOptions(const CLI::App* app, std::ostringstream& os) {
  for (const CLI::Option* opt : app->get_options()) {
    if (opt->get_lnames().size() == 1 && opt->get_lnames()[0] == "help") continue;
    os << ".TP\n" << OptionSynopsis(opt) << "\n" << Roff(opt->get_description()) << "\n";
  }
}

std::string ManPage(const CLI::App& root) {
  std::vector<Command> commands;
  Collect(&root, "", commands);
  std::ostringstream os;
  os << ".TH EXPORTCTL 1 \"\" \"exportctl\" \"User Commands\"\n";
  std::string summary = root.get_description();
  if (summary.rfind("exportctl: ", 0) == 0) summary = summary.substr(11);
  os << ".SH NAME\nexportctl \\- " << Roff(summary) << "\n";
  os << ".SH SYNOPSIS\n.B exportctl\n[\\fIGLOBAL OPTIONS\\fR] \\fICOMMAND\\fR [\\fIOPTIONS\\fR] [\\fIGLOBAL OPTIONS\\fR]\n";
  os << ".SH DESCRIPTION\nDecides whether advanced AI chips may be shipped to a party in a country on a date under "
        "US export controls, citing the regulation. Every command that prints takes \\fB\\-\\-json\\fR. "
        "Exit status: 0 for an answer, 2 for invalid input (a JSON error naming the field on stderr), "
        "1 for anything else.\n";
  os << ".SH GLOBAL OPTIONS\n" << Roff(kGlobalOptionsNote) << "\n";
  ManOptions(&root, os);
  os << ".SH COMMANDS\n";
  for (const Command& c : commands) {
    if (c.path.empty() || !IsLeaf(c.app) || c.app->get_group().empty()) continue;
    os << ".SS \"exportctl " << Roff(c.path) << "\"\n" << Roff(c.app->get_description()) << "\n";
    ManOptions(c.app, os);
    // Options of the parent commands (e.g. `ledger --ledger`, `keys --audit`) apply too.
    for (const CLI::App* p = c.app->get_parent(); p && p != &root; p = p->get_parent()) ManOptions(p, os);
    if (auto it = Examples().find(c.path); it != Examples().end()) {
      os << ".PP\nExample:\n.RS\n.nf\n" << Roff(it->second) << "\n.fi\n.RE\n";
    }
  }
  os << ".SH FILES\n.TP\n\\fI./exportctl\\-data\\fR\nThe default data directory (\\fB\\-\\-data\\-dir\\fR): "
        "imported lists, ledger.sqlite, audit.sqlite, keys.sqlite.\n";
  os << ".SH SEE ALSO\nREADME.md, docs/openapi.json, docs/ledger.md, docs/screening.md, docs/audit.md\n";
  return os.str();
}

}  // namespace

void FinishCommandLine(CLI::App& app) {
  std::vector<Command> commands;
  Collect(&app, "", commands);
  for (const Command& c : commands) {
    if (c.path.empty()) continue;
    auto* sub = const_cast<CLI::App*>(c.app);
    std::string footer = sub->get_footer();
    if (auto it = Examples().find(c.path); it != Examples().end()) {
      footer = "Example:\n  " + it->second + (footer.empty() ? "" : "\n\n" + footer);
    }
    sub->footer(footer + (footer.empty() ? "" : "\n\n") + kGlobalOptionsNote);
    if (!IsLeaf(c.app)) continue;
    // Commands whose output is JSON already take --json too, so scripts can always ask for it.
    if (PrintsResult(c.path) && !sub->get_option_no_throw("--json")) {
      sub->add_flag("--json")->description("JSON output (the default for this command)");
    }
  }
}

void RegisterHelpCommands(CLI::App& app) {
  static std::string shell;
  auto* completion = app.add_subcommand("completion", "Print a shell completion script (bash or zsh)");
  completion->add_option("shell", shell, "bash or zsh")->required()->check(CLI::IsMember({"bash", "zsh"}));
  completion->callback([&app] { std::cout << (shell == "bash" ? BashCompletion(app) : ZshCompletion(app)); });

  // The man page, generated at build time (build/exportctl.1); hidden from the command list.
  auto* man = app.add_subcommand("man", "Print the exportctl(1) man page (roff)");
  man->group("");
  man->callback([&app] { std::cout << ManPage(app); });

}

}  // namespace exportctl::cli
