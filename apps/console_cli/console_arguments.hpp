// The command line both console programs (`seller`, `buyer`) take, said once: --config,
// --user and --listen, --script and --json, --version, and the parse that turns a bad command
// line into exit code 2. Each main adds its own options between these (CLI11 lists options
// in the order they were added, and --help shows them so).
//
// Header-only, for the mains of apps/seller and apps/buyer. Threading: main's.
#pragma once

#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "auction/console/console_program.hpp"
#include "auction/version.hpp"

namespace auction::apps {

// --config, --user and --listen; `peers` names who reaches this program there ("sellers").
inline void add_identity_options(CLI::App& app, console::ProgramOptions& program,
                                 const std::string& peers) {
  app.add_option("--config", program.config_path, "cluster file, e.g. configs/local-3.json")
      ->required();
  app.add_option("--user", program.user, "your username (1..32 of A-Z a-z 0-9 _ . -)")->required();
  app.add_option("--listen", program.listen,
                 "HOST:PORT where " + peers + " reach you (port 0: any free one)");
  app.add_option("--key-file", program.key_file,
                 "your key file, made on first use (default: "
                 "$XDG_CONFIG_HOME or ~/.config, then ppapd/keys/USER.key)");
  auto* file = app.add_option("--passphrase-file", program.passphrase_file,
                              "read the key file's passphrase from the first line of FILE");
  app.add_option("--passphrase-env", program.passphrase_env,
                 "read the key file's passphrase from the environment variable NAME")
      ->excludes(file);
}

// --script, --json and --web.
inline void add_input_options(CLI::App& app, console::ProgramOptions& program) {
  app.add_option("--script", program.script, "read commands from FILE instead of the terminal");
  app.add_flag("--json", program.json, "print every event and answer as one JSON line");
  app.add_option("--web", program.web,
                 "HOST:PORT where a page in your browser drives this program too (its address, "
                 "with a secret, is printed at start; use a loopback HOST unless you mean it)");
}

// Adds --version and parses. nullopt: the program runs; otherwise its exit code (0 after
// --help or --version, console::exit_refused for a bad command line, which CLI11 reports).
inline std::optional<int> parse_arguments(CLI::App& app, int argc, char** argv) {
  app.set_version_flag("--version", std::string(version()));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : console::exit_refused;
  }
  return std::nullopt;
}

}  // namespace auction::apps
