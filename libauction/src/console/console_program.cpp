// The body of the console programs; see auction/console/console_program.hpp.
#include "auction/console/console_program.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <deque>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>

#include "auction/base/error_codes.hpp"
#include "auction/base/open_file_limit.hpp"
#include "auction/base/text_rules.hpp"
#include "auction/platform/client.hpp"
#include "auction/platform/cluster_config.hpp"
#include "base/file_descriptor.hpp"
#include "console/command_line.hpp"
#include "console/console_output.hpp"
#include "console/line_reader.hpp"
#include "console/platform_watch.hpp"
#include "console/user_key_file.hpp"
#include "console/web_console.hpp"

namespace auction::console {
namespace {

namespace asio = boost::asio;

void print_line(const std::string& line) { detail::write_line(line); }

// How the program says what leaving would cost, as a line of its output.
std::string leaving_line(const std::string& warning, std::string_view again, bool json) {
  if (!json) return warning + "; " + std::string(again) + " to leave anyway";
  return nlohmann::json{{"event", "leaving_warning"}, {"message", warning}}.dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// One command at a time, whether typed or sent by the web page: first come, first served.
class CommandTurn {
 public:
  // The turn, while held: handed on when destroyed (also when the command threw).
  class Held {
   public:
    explicit Held(CommandTurn& turn) : turn_(&turn) {}
    Held(Held&& other) noexcept : turn_(std::exchange(other.turn_, nullptr)) {}
    Held& operator=(Held&&) = delete;
    ~Held() {
      if (turn_ != nullptr) turn_->release();
    }

   private:
    CommandTurn* turn_;
  };

  explicit CommandTurn(asio::any_io_executor executor) : executor_(std::move(executor)) {}

  // Waits for the turn.
  asio::awaitable<Held> async_acquire() {
    if (!is_held_) {
      is_held_ = true;
      co_return Held(*this);
    }
    asio::steady_timer waiter(executor_, asio::steady_timer::time_point::max());
    waiters_.push_back(&waiter);
    co_await waiter.async_wait(asio::as_tuple(asio::use_awaitable));
    co_return Held(*this);  // handed on by release(), still held
  }

 private:
  void release() {
    if (waiters_.empty()) {
      is_held_ = false;
      return;
    }
    asio::steady_timer* next = waiters_.front();
    waiters_.pop_front();
    next->cancel();  // the turn passes to it, still held
  }

  asio::any_io_executor executor_;
  bool is_held_ = false;
  std::deque<asio::steady_timer*> waiters_;
};

// Runs a line from a web page in its turn, its answer to that page (`reply`). A `quit` is
// the terminal's.
asio::awaitable<void> async_run_web_command(CommandTurn& turn, FrontEnd& front_end, PrintLine reply,
                                            std::string line) {
  if (detail::is_quit_line(line)) {
    reply(detail::answer_line("quit", fail(code::invalid_argument, "quit at the terminal")));
    co_return;
  }
  const CommandTurn::Held held = co_await turn.async_acquire();
  co_await front_end.async_execute_for_page(std::move(line), std::move(reply));
}

// The command loop: a prompt (with `shows_prompt`: at a terminal the editor does not draw), a
// line, its answer, until `quit` or the end of the input. With `confirms_quit`, a `quit`
// while leaving costs something says what, and leaves only when the next line is `quit` again.
asio::awaitable<void> async_run_commands(LineReader& reader, FrontEnd& front_end, CommandTurn& turn,
                                         bool shows_prompt, bool confirms_quit, bool json) {
  bool is_quit_pending = false;
  for (;;) {
    if (shows_prompt) {
      std::fputs("> ", stdout);
      std::fflush(stdout);
    }
    std::optional<std::string> line = co_await reader.async_read_line();
    if (!line) co_return;
    if (confirms_quit && detail::is_quit_line(*line) && !is_quit_pending) {
      if (const std::string warning = front_end.leaving_warning(); !warning.empty()) {
        reader.print(leaving_line(warning, "type quit again", json));
        is_quit_pending = true;
        continue;
      }
    }
    is_quit_pending = false;
    bool goes_on = false;
    {
      const CommandTurn::Held held = co_await turn.async_acquire();
      goes_on = co_await front_end.async_execute(std::move(*line));
    }
    if (!goes_on) co_return;
  }
}

int run(const ProgramOptions& options, const MakeFrontEnd& make_front_end) {
  auto refuse = [&](const std::string& line) {
    std::fprintf(stderr, "%s: cannot start: %s\n", options.program.c_str(),
                 printable_text(line).c_str());
    return exit_refused;
  };
  auto cluster = platform::ClusterConfig::load(options.config_path);
  if (!cluster) return refuse("config " + options.config_path + ": " + cluster.error().message);
  if (!is_valid_username(options.user)) {
    return refuse("--user must be 1..32 characters of A-Z a-z 0-9 _ . -");
  }
  const auto listen = parse_endpoint(options.listen);
  if (!listen) return refuse("--listen: " + listen.error().message + " (e.g. 127.0.0.1:0)");
  std::optional<Endpoint> web_address;
  if (!options.web.empty()) {
    auto parsed = parse_endpoint(options.web);
    if (!parsed) return refuse("--web: " + parsed.error().message + " (e.g. 127.0.0.1:8080)");
    // The page's socket answers only the host the browser names, which is never "any".
    boost::system::error_code not_ip;
    const auto ip = asio::ip::make_address(parsed->host, not_ip);
    if (!not_ip && ip.is_unspecified()) {
      return refuse("--web: " + parsed->host +
                    " is every address; name the one your browser will use (e.g. 127.0.0.1:8080)");
    }
    web_address = std::move(*parsed);
  }
  const std::string too_few_files = open_file_limit_warning(
      raise_open_file_limit(), options.open_files_needed, options.open_files_needed_for);
  // Closed on the way out, after the LineReader that reads it.
  const FileDescriptor script(
      options.script.empty() ? -1 : ::open(options.script.c_str(), O_RDONLY | O_CLOEXEC));
  if (!options.script.empty() && script.get() < 0) {
    return refuse("cannot open script " + options.script);
  }
  const int script_fd = options.script.empty() ? 0 : script.get();

  auto keys = open_user_key(options, print_line);
  if (!keys) return refuse(keys.error().message);

  asio::io_context io(1);
  auto client_options = platform::client_options_from(*cluster);
  client_options.user = platform::ClientUser{options.user, std::move(*keys)};
  platform::Client client(io.get_executor(), std::move(client_options));
  ConsoleOptions console_options;
  console_options.json = options.json;
  console_options.resumes_paused = options.resume;
  // The web page, once started, gets every answer and event.
  std::optional<detail::WebConsole> web;
  if (web_address) {
    console_options.json_sink = [&web](const std::string& line) {
      if (web) web->broadcast(line);
    };
  }
  // Once the reader reads typed lines, every line goes through it (above the line being
  // typed, at a terminal).
  LineReader* screen = nullptr;
  const PrintLine print = [&screen](const std::string& line) {
    if (screen != nullptr) {
      screen->print(line);
    } else {
      print_line(line);
    }
  };
  auto made =
      make_front_end(ProgramContext{io.get_executor(), client, *listen, print, console_options});
  if (!made) return refuse(made.error().message);
  FrontEnd& front_end = **made;
  auto address = front_end.start();
  if (!address) return refuse(address.error().message);
  // A command that escapes with an exception ends the program, saying why.
  const auto on_fatal = [&](std::exception_ptr escaped) {
    if (!escaped) return;
    try {
      std::rethrow_exception(escaped);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s: fatal: %s\n", options.program.c_str(), e.what());
    }
    io.stop();
  };
  CommandTurn turn(io.get_executor());
  std::string web_page_address;
  if (web_address) {
    web.emplace(io.get_executor(), *web_address, options.program, options.user,
                [&](std::string line, std::function<void(const std::string&)> reply,
                    std::function<void()> done) {
                  asio::co_spawn(
                      io, async_run_web_command(turn, front_end, std::move(reply), std::move(line)),
                      [&on_fatal, done = std::move(done)](std::exception_ptr escaped) {
                        done();
                        on_fatal(escaped);
                      });
                });
    auto started = web->start();
    if (!started) return refuse("--web: " + started.error().message);
    web_page_address = std::move(*started);
  }

  const bool interactive = options.script.empty() && ::isatty(0) == 1;
  // A person at a terminal edits the line typed, and what is printed meanwhile goes above it.
  const bool is_edited = interactive && ::isatty(1) == 1;
  // A person (or a program standing in for one) types on the standard input; a --script
  // runs to its end as written.
  const bool confirms_quit = options.script.empty();
  LineReader reader(io.get_executor(), script_fd,
                    is_edited ? LineReader::Editing::on : LineReader::Editing::off);
  screen = &reader;
  // Whatever prints after the reader is gone (the front end as it is destroyed) goes straight
  // to the standard output.
  const struct ScreenReset {
    LineReader*& screen;
    ~ScreenReset() { screen = nullptr; }
  } screen_reset{screen};
  // What the platform says while the program runs, from the login on.
  detail::PlatformListener listener;
  listener.on_event = [&](const platform::WatchEvent& e) { front_end.on_platform_event(e); };
  listener.on_reachable = [&](bool reachable, const Error* why) {
    front_end.on_platform_reachable(reachable, why);
  };
  listener.on_missed = [&] { front_end.on_platform_missed(); };
  std::optional<detail::PlatformWatch> watch;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        const auto login = co_await front_end.async_login();
        if (!login) {
          print("warning: cannot log in (" +
                printable_text(login.error().code + ": " + login.error().message) +
                "); commands that need the platform will fail until it is back");
        }
        if (!too_few_files.empty()) print(too_few_files);
        print(options.program + " " + options.user + " ready at " + *address + " (type help)");
        if (web) print("web page at " + web_page_address + " (open it in your browser)");
        watch.emplace(io.get_executor(), client, options.user, std::move(listener),
                      login.has_value());
        watch->start();
        {
          // What the front end runs as it gets ready (a seller's --resume) takes its turn
          // like any command: a page opened at once waits for it.
          const CommandTurn::Held held = co_await turn.async_acquire();
          co_await front_end.async_on_ready();
        }
        co_await async_run_commands(reader, front_end, turn, interactive && !is_edited,
                                    confirms_quit, options.json);
      },
      [&](std::exception_ptr escaped) {
        on_fatal(escaped);
        io.stop();  // the commands ended: so does the program
      });

  // SIGTERM leaves at once; a first SIGINT (Ctrl-C) while leaving costs something says what,
  // and the second leaves. At a terminal, SIGQUIT (Ctrl-\) leaves at once too, through the
  // same way out, so the terminal is given back as it was (its default would leave it in the
  // editor's mode).
  asio::signal_set signals(io, SIGINT, SIGTERM);
  if (is_edited) signals.add(SIGQUIT);
  bool is_interrupt_pending = false;
  std::function<void()> await_signal = [&] {
    signals.async_wait([&](boost::system::error_code ec, int signo) {
      if (ec) return;
      if (signo == SIGINT && confirms_quit && !is_interrupt_pending) {
        if (const std::string warning = front_end.leaving_warning(); !warning.empty()) {
          print(leaving_line(warning, "press Ctrl-C again", options.json));
          is_interrupt_pending = true;
          await_signal();
          return;
        }
      }
      io.stop();
    });
  };
  await_signal();
  // At a terminal, a change of its size reaches the editor.
  asio::signal_set resizes(io);
  std::function<void()> await_resize = [&] {
    resizes.async_wait([&](boost::system::error_code ec, int) {
      if (ec) return;
      reader.on_terminal_resized();
      await_resize();
    });
  };
  if (is_edited) {
    resizes.add(SIGWINCH);
    await_resize();
  }
  io.run();
  if (watch) watch->stop();
  if (web) web->stop();
  front_end.stop();
  return 0;
}

}  // namespace

int run_console_program(const ProgramOptions& options, const MakeFrontEnd& make_front_end) {
  std::signal(SIGPIPE, SIG_IGN);
  try {
    return run(options, make_front_end);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: fatal: %s\n", options.program.c_str(), e.what());
    return 1;
  }
}

}  // namespace auction::console
