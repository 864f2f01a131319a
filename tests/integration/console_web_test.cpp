// The consoles' web pages with real processes and a real browser: a seller and three buyers,
// each started with --web, run the whole flow through their pages (create, cancel, join,
// leave, a max price, start, the seller's program stopped and started again, resume,
// withdraw, the winner), driven in Debian's Chromium by playwright-core
// (tests/browser/auction_flow.mjs; scripts/install-deps installs both). Screenshots of the three
// pages are kept in the build tree (browser-artefacts/). Also: what a stranger's page, or a page
// without the secret, gets.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <regex>
#include <string>

#include "integration/auction_cli.hpp"

using namespace auction::test;

namespace {

// The page address a program printed at start ("web page at http://...#key=... (open ...").
std::string page_address(AuctionCli& cli) {
  const std::string line = cli.expect("web page at http://");
  const std::size_t from = line.find("http://");
  return line.substr(from, line.find(' ', from) - from);
}

}  // namespace

TEST_CASE(
    "consoles: a seller and three buyers run an auction to its winner through their web pages",
    "[auction][integration][web]") {
  Cluster cluster(1);
  cluster.start_all();
  cluster.wait_for_leader();
  TempDir state("ppapd-seller");
  const std::vector<std::string> seller_args = {"--state-dir", state.path().string(), "--web",
                                                "127.0.0.1:0"};
  auto alice = std::make_unique<AuctionCli>("seller", cluster, "alice", seller_args);
  AuctionCli bob("buyer", cluster, "bob", {"--web", "127.0.0.1:0"});
  AuctionCli carol("buyer", cluster, "carol", {"--web", "127.0.0.1:0"});
  AuctionCli dave("buyer", cluster, "dave", {"--web", "127.0.0.1:0"});
  const std::string seller_page = page_address(*alice);

  // tests/browser/auction_flow.mjs says when to stop the seller's program and when to start
  // it again, and reads the new page's address from its standard input.
  const std::filesystem::path artefacts =
      std::filesystem::path(AUCTION_BINARY_DIR) / "browser-artefacts";
  INFO("Node.js, found at configure time: " << AUCTION_NODE_EXECUTABLE);
  REQUIRE(std::filesystem::exists(AUCTION_NODE_EXECUTABLE));
  ChildProcess flow(
      AUCTION_NODE_EXECUTABLE,
      {std::string(AUCTION_SOURCE_DIR) + "/tests/browser/auction_flow.mjs", seller_page,
       page_address(bob), page_address(carol), page_address(dave), artefacts.string()});
  const auto said = [&](const std::string& text) {
    const auto at = flow.wait_for_output(text, std::chrono::minutes(2));
    INFO("the browser flow did not say \"" << text << "\"; it said:\n"
                                           << flow.output() << "\nalice:\n"
                                           << alice->output());
    REQUIRE(at.has_value());
  };
  said("STOP THE SELLER");
  alice->process().close_input();  // the end of its input: the program leaves at once
  REQUIRE(alice->process().wait_exit(std::chrono::seconds(30)).has_value());
  said("START THE SELLER");
  alice = std::make_unique<AuctionCli>("seller", cluster, "alice", seller_args);
  flow.write_input(page_address(*alice) + "\n");

  const auto exited = flow.wait_exit(std::chrono::minutes(3));
  INFO("the browser flow said:\n"
       << flow.output() << "\nalice:\n"
       << alice->output() << "\nbob:\n"
       << bob.output() << "\ncarol:\n"
       << carol.output() << "\ndave:\n"
       << dave.output());
  REQUIRE(exited.has_value());
  CHECK(*exited == 0);
  // The programs ran the auction, as their terminals show.
  alice->expect_anywhere("auction 1: finished in round ");
  bob.expect_anywhere("(you won)");
  // What a page asked is answered to that page: its reads of the lobby after each (re)connect
  // are not printed on the terminal (which shows the lobby's new auctions as events).
  CHECK(bob.output().find("\n#1 \"spring sale\"") == std::string::npos);
  CHECK(bob.output().find("new: #1 \"spring sale\"") != std::string::npos);
  dave.expect_anywhere("passed your max price 11.00");
  CHECK(std::filesystem::exists(artefacts / "seller-again.png"));
}

namespace {

// Sends `request` to 127.0.0.1:`port` and returns what comes back until the server closes,
// or, for an answer that keeps the connection (a WebSocket's 101), until the end of its head
// (5 s at most: a bound that only turns a hang into a failure).
std::string http_exchange(std::uint16_t port, const std::string& request) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  const timeval timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  REQUIRE(::write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size()));
  std::string answer;
  char buffer[4096];
  for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;) {
    answer.append(buffer, n);
    if (answer.starts_with("HTTP/1.1 101") && answer.find("\r\n\r\n") != std::string::npos) break;
  }
  ::close(fd);
  return answer;
}

std::string upgrade(const std::string& target, const std::string& host, const std::string& origin) {
  return "GET " + target + " HTTP/1.1\r\nHost: " + host +
         "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
         (origin.empty() ? "" : "Origin: " + origin + "\r\n") + "\r\n";
}

}  // namespace

TEST_CASE("consoles: the web page's socket opens only for this server's own page with its secret",
          "[auction][integration][web]") {
  Cluster cluster(1);
  cluster.start_all();
  cluster.wait_for_leader();
  AuctionCli bob("buyer", cluster, "bob", {"--web", "127.0.0.1:0"});
  const std::string page = page_address(bob);
  const std::smatch parts = [&] {
    std::smatch m;
    REQUIRE(
        std::regex_match(page, m, std::regex(R"(http://(127\.0\.0\.1:(\d+))/#key=([0-9a-f]+))")));
    return m;
  }();
  const std::string host = parts[1];
  const auto port = static_cast<std::uint16_t>(std::stoi(parts[2]));
  const std::string key = parts[3];

  // The page itself, built into the program.
  const std::string got =
      http_exchange(port, "GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n");
  CHECK(got.starts_with("HTTP/1.1 200"));
  CHECK(got.find("<title>PPAPD</title>") != std::string::npos);
  // It may run its own script and reach its own socket, nothing else; no other site frames it.
  CHECK(got.find("Content-Security-Policy: default-src 'none'; script-src 'unsafe-inline'; "
                 "style-src 'unsafe-inline'; connect-src 'self'; base-uri 'none'; "
                 "form-action 'none'; frame-ancestors 'none'") != std::string::npos);
  CHECK(got.find("X-Content-Type-Options: nosniff") != std::string::npos);

  const std::string own = "http://" + host;
  CHECK(http_exchange(port, upgrade("/ws?key=" + key, host, own)).starts_with("HTTP/1.1 101"));
  // A client that is no browser sends no Origin: the secret is what it must have.
  CHECK(http_exchange(port, upgrade("/ws?key=" + key, host, "")).starts_with("HTTP/1.1 101"));
  // The page opened as localhost (the same machine's name for it) is this server too.
  const std::string localhost = "localhost:" + std::to_string(port);
  CHECK(http_exchange(port, upgrade("/ws?key=" + key, localhost, "http://" + localhost))
            .starts_with("HTTP/1.1 101"));
  // Without the secret, with another, from another site's page, or by another host name
  // (DNS rebinding): refused, and nothing runs.
  CHECK(http_exchange(port, upgrade("/ws", host, own)).starts_with("HTTP/1.1 403"));
  CHECK(http_exchange(port, upgrade("/ws?key=" + std::string(key.size(), '0'), host, own))
            .starts_with("HTTP/1.1 403"));
  // Only the first key counts: a wrong one first, the right one after, is refused.
  CHECK(http_exchange(port,
                      upgrade("/ws?key=" + std::string(key.size(), '0') + "&key=" + key, host, own))
            .starts_with("HTTP/1.1 403"));
  CHECK(
      http_exchange(port, upgrade("/ws/../ws?key=" + key, host, own)).starts_with("HTTP/1.1 403"));
  CHECK(http_exchange(port, upgrade("/ws?key=" + key, host, "http://evil.example"))
            .starts_with("HTTP/1.1 403"));
  CHECK(http_exchange(port, upgrade("/ws?key=" + key, "evil.example:" + std::to_string(port), own))
            .starts_with("HTTP/1.1 403"));
  CHECK(
      http_exchange(port, upgrade("/elsewhere?key=" + key, host, own)).starts_with("HTTP/1.1 403"));
}
