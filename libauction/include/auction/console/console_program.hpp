// run_console_program: the body of a console program (the `seller` and `buyer` CLIs), shared
// by their mains, which parse their own options and name their own runtime and interpreter.
//
// In order, it loads the cluster file (--config), checks --user and --listen (a strict
// host:port, auction::parse_endpoint), opens --script (or reads standard input), makes the
// io_context and the platform client, has the caller make its front end (a runtime and the
// interpreter that drives it), binds it, logs in (a platform that does not answer is a
// warning, not a refusal), prints "<program> <user> ready at <address> (type help)", lets the
// interpreter say what it has to say once ready, and runs typed commands (with a "> " prompt
// at a terminal) until `quit`, the end of the input, SIGINT or SIGTERM. When leaving would
// cost something (a running auction: FrontEnd::leaving_warning), a `quit` read from the
// standard input and a first SIGINT say what, and take effect only when repeated; a
// --script, the end of the input and SIGTERM leave at once.
//
// Exit codes: 0 at the end; exit_refused (2) when the program cannot start (bad options or
// cluster file, an unusable state directory, an address in use), with one line
// "<program>: cannot start: <why>" on standard error; 1 when an exception escaped while
// starting ("<program>: fatal: <what>"). Output goes to standard output, one flushed line at
// a time.
//
// Sits in console/, above market/runtime/; names no seller or buyer class, so a buyer build
// includes no seller header. Threading: everything runs on the calling thread (one
// io_context); a reader thread only reads the input lines. Call it once per process, from
// main: it ignores SIGPIPE and ends the run at SIGINT or SIGTERM.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "auction/base/endpoint.hpp"
#include "auction/base/error.hpp"
#include "auction/console/console_options.hpp"
#include "auction/platform/watch_event.hpp"

namespace auction::platform {
class Client;
}

namespace auction::console {

// The exit code of a program that cannot start (and of bad command-line arguments).
inline constexpr int exit_refused = 2;

// The options every console program takes.
struct ProgramOptions {
  std::string program;                 // "seller" or "buyer": names the program in its lines
  std::string config_path;             // --config: the cluster file
  std::string user;                    // --user: a valid username
  std::string listen = "127.0.0.1:0";  // --listen HOST:PORT where peers reach it (0: any port)
  std::string script;                  // --script FILE; "" reads standard input
  bool json = false;                   // --json: events and answers as JSON lines
  bool resume = false;                 // --resume (seller): ConsoleOptions::resumes_paused
  std::string web;  // --web HOST:PORT: the page (console/web_console.hpp); "": none
  // --key-file: the user's key file ("": the default place, user_key_file.hpp); made on
  // first use. Its passphrase comes from --passphrase-file, else --passphrase-env (the
  // name of an environment variable), else a prompt on the terminal.
  std::string key_file;
  std::string passphrase_file;
  std::string passphrase_env;
  // How many open files and connections the program may need at most, and for what (said
  // when the hard limit is lower; base/open_file_limit.hpp). 0: no more than usual.
  std::uint64_t open_files_needed = 0;
  std::string open_files_needed_for;
};

// What the program has made when it asks for its front end. Everything outlives the front end.
struct ProgramContext {
  boost::asio::any_io_executor executor;  // the program's one io_context
  platform::Client& platform;             // the client of the cluster in --config
  Endpoint listen;                        // --listen, parsed
  PrintLine print;                        // a line to standard output
  ConsoleOptions console_options;         // json from --json
};

// A program's runtime and interpreter, behind the calls the program makes, in this order:
// start, async_login, async_on_ready, async_execute for each line, stop.
class FrontEnd {
 public:
  virtual ~FrontEnd() = default;
  // Binds the runtime; returns the address peers reach it at. Errors: the runtime's.
  virtual Result<std::string> start() = 0;
  virtual boost::asio::awaitable<Result<void>> async_login() = 0;
  virtual boost::asio::awaitable<void> async_on_ready() = 0;
  // Runs one command line; false when it was `quit`.
  virtual boost::asio::awaitable<bool> async_execute(std::string line) = 0;
  // Runs one command line a web page sent, its answer to `answers_to` alone (nothing
  // printed). A front end without pages need not override it.
  virtual boost::asio::awaitable<bool> async_execute_for_page(std::string line,
                                                              PrintLine answers_to) {
    (void)answers_to;
    return async_execute(std::move(line));
  }
  // What leaving now would cost ("" when nothing is at stake): asked before a `quit` typed
  // or a first Ctrl-C takes effect.
  virtual std::string leaving_warning() const = 0;
  // What the platform's watch says while the program runs (src/console/platform_watch.hpp):
  // an event the user may see, the platform unreachable (with why) or back, events missed.
  // A front end that shows none of it need not override them.
  virtual void on_platform_event(const platform::WatchEvent& /*event*/) {}
  virtual void on_platform_reachable(bool /*reachable*/, const Error* /*why*/) {}
  virtual void on_platform_missed() {}
  virtual void stop() = 0;
};

// Makes the front end, or refuses (the error's message is the refusal line).
using MakeFrontEnd =
    std::function<Result<std::unique_ptr<FrontEnd>>(const ProgramContext& context)>;

// Runs the program to its end and returns its exit code.
int run_console_program(const ProgramOptions& options, const MakeFrontEnd& make_front_end);

// The front end of a runtime (SellerRuntime, BuyerRuntime) and the interpreter that drives it
// (SellerConsole, BuyerConsole): the runtime is made first and goes last.
template <class Runtime, class Interpreter>
class RuntimeFrontEnd final : public FrontEnd {
 public:
  template <class RuntimeOptions>
  RuntimeFrontEnd(const ProgramContext& context, RuntimeOptions options)
      : runtime_(context.executor, context.platform, std::move(options)),
        interpreter_(runtime_, context.print, context.console_options) {}

  Result<std::string> start() override {
    auto address = runtime_.start();
    if (address) address_ = *address;
    return address;
  }
  boost::asio::awaitable<Result<void>> async_login() override { return runtime_.async_login(); }
  boost::asio::awaitable<void> async_on_ready() override { return interpreter_.async_on_ready(); }
  boost::asio::awaitable<bool> async_execute(std::string line) override {
    return interpreter_.async_execute(std::move(line));
  }
  boost::asio::awaitable<bool> async_execute_for_page(std::string line,
                                                      PrintLine answers_to) override {
    return interpreter_.async_execute(std::move(line), std::move(answers_to));
  }
  std::string leaving_warning() const override { return interpreter_.leaving_warning(); }
  void on_platform_event(const platform::WatchEvent& event) override {
    interpreter_.on_platform_event(event, address_);
  }
  void on_platform_reachable(bool reachable, const Error* why) override {
    interpreter_.on_platform_reachable(reachable, why);
  }
  void on_platform_missed() override { interpreter_.on_platform_missed(); }
  void stop() override { runtime_.stop(); }

 private:
  std::string address_;  // where peers reach this program (start()'s answer)
  Runtime runtime_;
  Interpreter interpreter_;  // observes runtime_, so it is destroyed first
};

// Runs a program whose front end is RuntimeFrontEnd<Runtime, Interpreter>. `make_options()`
// returns the runtime's options (Result<Runtime's options>), or an error whose message is the
// refusal line; the program then sets the peer's username and listen address in them from
// --user and --listen.
template <class Runtime, class Interpreter, class MakeOptions>
int run_console_program(const ProgramOptions& options, MakeOptions make_options) {
  return run_console_program(
      options, [&](const ProgramContext& context) -> Result<std::unique_ptr<FrontEnd>> {
        auto runtime_options = make_options();
        if (!runtime_options) return std::unexpected(runtime_options.error());
        runtime_options->peer.username = options.user;
        runtime_options->peer.listen_address = context.listen.host;
        runtime_options->peer.listen_port = context.listen.port;
        return std::make_unique<RuntimeFrontEnd<Runtime, Interpreter>>(context,
                                                                       std::move(*runtime_options));
      });
}

}  // namespace auction::console
