// WebConsole: a console program's page in a browser (`buyer --web ADDR`, `seller --web ADDR`):
// the same commands and the same events as at the terminal, over a WebSocket (private to
// src/console/).
//
// It serves one page (src/console/web/page.html, built into the program: no file is read at
// run time and nothing comes from elsewhere) at GET /, and a WebSocket at /ws. Every line the
// page sends is a command line, run by the program's interpreter as a typed one would be
// (one command at a time, with the terminal's); every answer and event goes to every open
// page as the JSON line `--json` prints (docs/auction.md, "The CLIs"), so the page is a view of
// the interpreter and knows no rule of its own. A page that reconnects reads `list` and
// `status` again.
// Only this user's own browser may drive it: the page's address carries a secret drawn at
// start (`#key=...`, printed by the program: the fragment never leaves the browser), which
// the WebSocket must present, and the upgrade must name this server's own host and come from
// its own origin (no other site's page, no DNS rebinding). It binds loopback unless told
// otherwise.
// Threading: the program's executor. Never: runs a command from a socket that did not prove
// the secret, or a `quit` (that is the terminal's).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "auction/base/endpoint.hpp"
#include "auction/base/error.hpp"

namespace auction::console::detail {

class WebConsole {
 public:
  // `run_command` runs one command line, sends its answer with `reply` (to the page that sent
  // it alone) and calls `done` when it is over (the program serializes it with the
  // terminal's commands). A page has one command running at a time;
  // up to commands_waiting_max more wait behind it (past that, refused as `overloaded`), and
  // those still waiting when the page closes are dropped.
  using RunCommand = std::function<void(
      std::string line, std::function<void(const std::string&)> reply, std::function<void()> done)>;
  static constexpr std::size_t commands_waiting_max = 16;
  // `program` and `user` name the page ("buyer", "bob").
  WebConsole(boost::asio::any_io_executor executor, Endpoint address, std::string program,
             std::string user, RunCommand run_command);
  ~WebConsole();
  WebConsole(const WebConsole&) = delete;
  WebConsole& operator=(const WebConsole&) = delete;

  // Binds; returns the page's address with its secret ("http://127.0.0.1:8080/#key=...").
  // Errors: address_in_use, bind_failed.
  Result<std::string> start();
  // Sends one JSON line (an answer or an event) to every open page.
  void broadcast(const std::string& json_line);
  // How many pages have their socket open.
  std::size_t page_count() const;
  void stop();

  struct State;

 private:
  std::shared_ptr<State> state_;
};

// The page, as built into the program.
std::string_view web_page();

}  // namespace auction::console::detail
