// WebConsole: see web_console.hpp.
#include "console/web_console.hpp"

#include <set>
#include <utility>

#include <nlohmann/json.hpp>

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

struct WebConsole::State {
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
    return options;
  }

  wire::HttpHandler page_handler() {
    return [](std::string_view path) {
      if (path == "/")
        return wire::HttpAnswer{200, "text/html; charset=utf-8", std::string(web_page())};
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
      pages.insert(channel);
      channel->send(hello);
    };
    handlers.on_message = [this](const std::shared_ptr<wire::WebSocketChannel>&,
                                 std::string message) { run_command(std::move(message)); };
    handlers.on_close = [this](const std::shared_ptr<wire::WebSocketChannel>& channel) {
      pages.erase(channel);
    };
    return handlers;
  }

  Endpoint address;
  std::string hello;  // the first line every page gets
  RunCommand run_command;
  std::string secret;
  std::string authority;  // host:port bound
  std::uint16_t port = 0;
  std::set<std::shared_ptr<wire::WebSocketChannel>> pages;
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
  for (const auto& page : state_->pages) page->send(json_line);
}

void WebConsole::stop() {
  state_->pages.clear();
  state_->server.stop();
}

}  // namespace auction::console::detail
