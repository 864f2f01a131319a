// WebConsole: see web_console.hpp.
#include "console/web_console.hpp"

#include <deque>
#include <map>
#include <memory>
#include <utility>

#include <nlohmann/json.hpp>

#include "auction/base/error_codes.hpp"
#include "auction/identity/random.hpp"
#include "console/console_output.hpp"
#include "wire/http_server.hpp"

namespace auction::console::detail {

namespace {

// The value of `name` in a query string ("a=1&key=xyz"), "" when absent.
std::string_view query_value(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    if (pair.size() > name.size() && pair.substr(0, name.size()) == name &&
        pair[name.size()] == '=') {
      return pair.substr(name.size() + 1);
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return {};
}

// Equal in time independent of where they differ.
bool same_secret(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char differ = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    differ |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return differ == 0;
}

}  // namespace

struct WebConsole::State : std::enable_shared_from_this<WebConsole::State> {
  State(boost::asio::any_io_executor executor, Endpoint address, std::string program,
        std::string user, RunCommand run)
      : address(std::move(address)),
        hello(json_line(nlohmann::json{{"event", "hello"}, {"program", program}, {"user", user}})),
        run_command(std::move(run)),
        secret(identity::random_hex(16)),
        server(std::move(executor), server_options(this->address), page_handler(),
               websocket_handlers()) {}

  static wire::HttpServerOptions server_options(const Endpoint& address) {
    wire::HttpServerOptions options;
    options.address = address.host;
    options.port = address.port;
    options.connections_max = 8;
    options.connections_per_source_max = 8;
    options.content_security_policy = page_policy;
    return options;
  }

  // The page's own script and style (inline: the page is one file), its socket to this
  // server, nothing else: no other script, image, font or frame, no form sent anywhere, and
  // no other site may frame it.
  static constexpr char page_policy[] =
      "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
      "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  wire::HttpHandler page_handler() {
    return [](std::string_view path) {
      if (path == "/") {
        return wire::HttpAnswer{200, "text/html; charset=utf-8", std::string(web_page())};
      }
      return wire::HttpAnswer{404, "text/plain; charset=utf-8", "not found\n"};
    };
  }

  // host:port as a browser names this server in Host, and http://host:port in Origin.
  bool is_own_host(std::string_view host) const {
    return host == authority || host == "localhost:" + std::to_string(port);
  }

  wire::WebSocketHandlers websocket_handlers() {
    wire::WebSocketHandlers handlers;
    handlers.accepts = [this](const wire::UpgradeRequest& request) {
      if (request.path != "/ws" || !is_own_host(request.host)) return false;
      if (!request.origin.empty() &&
          (!request.origin.starts_with("http://") || !is_own_host(request.origin.substr(7)))) {
        return false;
      }
      return same_secret(query_value(request.query, "key"), secret);
    };
    handlers.on_open = [this](const std::shared_ptr<wire::WebSocketChannel>& channel) {
      pages.try_emplace(channel);
      channel->send(hello);
    };
    handlers.on_message = [this](const std::shared_ptr<wire::WebSocketChannel>& channel,
                                 std::string message) { take(channel, std::move(message)); };
    handlers.on_close = [this](const std::shared_ptr<wire::WebSocketChannel>& channel) {
      pages.erase(channel);  // its commands still waiting go with it
    };
    return handlers;
  }

  using Channel = std::shared_ptr<wire::WebSocketChannel>;

  // A command line from a page: queued behind the page's running one, or refused.
  void take(const Channel& channel, std::string line) {
    const auto page = pages.find(channel);
    if (page == pages.end()) return;
    if (page->second.waiting.size() >= commands_waiting_max) {
      channel->send(answer_line(
          line.substr(0, line.find(' ')),
          fail(code::overloaded, std::to_string(commands_waiting_max) +
                                     " commands of this page wait for their answers already: "
                                     "wait for them")));
      return;
    }
    page->second.waiting.push_back(std::move(line));
    run_next(channel);
  }

  // Runs the page's next waiting command, unless one is running.
  void run_next(const Channel& channel) {
    const auto page = pages.find(channel);
    if (page == pages.end() || page->second.is_running || page->second.waiting.empty()) return;
    page->second.is_running = true;
    std::string line = std::move(page->second.waiting.front());
    page->second.waiting.pop_front();
    const auto reply = [channel](const std::string& answer) { channel->send(answer); };
    run_command(std::move(line), reply,
                [weak = weak_from_this(), channel, is_called = false]() mutable {
                  if (std::exchange(is_called, true)) return;  // once only
                  const auto self = weak.lock();
                  if (!self) return;
                  const auto done = self->pages.find(channel);
                  if (done == self->pages.end()) return;  // the page closed meanwhile
                  done->second.is_running = false;
                  self->run_next(channel);
                });
  }

  // What one open page has sent and not yet had run.
  struct PageCommands {
    std::deque<std::string> waiting;
    bool is_running = false;
  };

  Endpoint address;
  std::string hello;  // the first line every page gets
  RunCommand run_command;
  std::string secret;
  std::string authority;  // host:port bound
  std::uint16_t port = 0;
  std::map<Channel, PageCommands> pages;
  wire::HttpServer server;  // last: its handlers use the members above
};

WebConsole::WebConsole(boost::asio::any_io_executor executor, Endpoint address, std::string program,
                       std::string user, RunCommand run_command)
    : state_(std::make_shared<State>(std::move(executor), std::move(address), std::move(program),
                                     std::move(user), std::move(run_command))) {}

WebConsole::~WebConsole() { stop(); }

Result<std::string> WebConsole::start() {
  State& s = *state_;
  auto port = s.server.start();
  if (!port) return std::unexpected(port.error());
  s.port = *port;
  const std::string host =
      s.address.host.find(':') != std::string::npos ? "[" + s.address.host + "]" : s.address.host;
  s.authority = host + ":" + std::to_string(*port);
  return "http://" + s.authority + "/#key=" + s.secret;
}

void WebConsole::broadcast(const std::string& json_line) {
  for (const auto& [page, commands] : state_->pages) page->send(json_line);
}

std::size_t WebConsole::page_count() const { return state_->pages.size(); }

void WebConsole::stop() {
  state_->pages.clear();
  state_->server.stop();
}

}  // namespace auction::console::detail
