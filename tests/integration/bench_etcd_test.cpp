// `bench etcd` as a user runs it: against an endpoint where nothing listens, one that
// answers something that is not etcd, one that never answers, and (when the machine has
// etcd) a real one-member etcd on free ports. Every child is stopped by pid when its test
// ends; the fake servers are threads of this test, stopped and joined by their owners.
#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/child_process.hpp"

namespace {

using namespace std::chrono_literals;
using auction::test::ChildProcess;
using auction::test::TempDir;
using nlohmann::json;

constexpr auto deadline = 30s;  // only turns a hang into a failure

// Runs bench with `args` to its end; returns its exit code and everything it printed.
std::pair<int, std::string> run_bench(std::vector<std::string> args) {
  ChildProcess bench(auction::test::executable("bench"), std::move(args));
  const auto code = bench.wait_exit(deadline);
  INFO(bench.output());
  REQUIRE(code.has_value());
  return {*code, bench.output()};
}

std::vector<std::string> etcd_args(std::uint16_t port, std::vector<std::string> more = {}) {
  std::vector<std::string> args{
      "--json",      "etcd",  "--endpoints",   "127.0.0.1:" + std::to_string(port),
      "--workload",  "write", "--clients",     "1",
      "--warmup-ms", "0",     "--duration-ms", "100"};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

// A TCP server on a free loopback port that reads each connection's first bytes and then
// sends `reply` and closes, or (with an empty `reply`) holds the connection without a word.
class CannedServer {
 public:
  explicit CannedServer(std::string reply) : reply_(std::move(reply)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(listener_ >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(listener_, 16) == 0);
    socklen_t size = sizeof address;
    REQUIRE(::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &size) == 0);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~CannedServer() {
    stop_ = true;
    thread_.join();
    for (int fd : held_) ::close(fd);
    ::close(listener_);
  }
  CannedServer(const CannedServer&) = delete;
  CannedServer& operator=(const CannedServer&) = delete;

  std::uint16_t port() const { return port_; }

 private:
  void serve() {
    while (!stop_) {
      pollfd ready{listener_, POLLIN, 0};
      if (::poll(&ready, 1, 50) != 1) continue;  // 50 ms: how soon stop_ is noticed
      const int fd = ::accept(listener_, nullptr, nullptr);
      if (fd < 0) continue;
      pollfd request{fd, POLLIN, 0};
      char bytes[4096];
      if (::poll(&request, 1, 5000) == 1) {
        [[maybe_unused]] const ssize_t n = ::read(fd, bytes, sizeof bytes);  // any request
      }
      if (reply_.empty()) {
        held_.push_back(fd);
        continue;
      }
      [[maybe_unused]] auto sent = ::write(fd, reply_.data(), reply_.size());
      ::close(fd);
    }
  }

  std::string reply_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::vector<int> held_;
  std::thread thread_;
};

// `name` found on PATH, or an empty path.
std::filesystem::path on_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const auto candidate = std::filesystem::path(dir) / name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

}  // namespace

TEST_CASE("bench: the etcd mode against an endpoint where nothing listens says so and exits 1",
          "[bench]") {
  const std::uint16_t port = auction::test::free_port();
  const auto [code, output] = run_bench(etcd_args(port));
  INFO(output);
  CHECK(code == 1);
  CHECK(output.find("unavailable") != std::string::npos);
  CHECK(output.find("127.0.0.1:" + std::to_string(port)) != std::string::npos);
  CHECK(output.find("\"bench\"") == std::string::npos);  // no result row
}

TEST_CASE("bench: the etcd mode refuses a reply that is not etcd's JSON, and exits 1", "[bench]") {
  CannedServer server("HTTP/1.1 200 OK\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot json!");
  const auto [code, output] = run_bench(etcd_args(server.port()));
  INFO(output);
  CHECK(code == 1);
  CHECK(output.find("bad_response") != std::string::npos);
  CHECK(output.find("not json!") != std::string::npos);
}

TEST_CASE("bench: the etcd mode reports an HTTP error status with its code, and exits 1",
          "[bench]") {
  CannedServer server(
      "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot found");
  const auto [code, output] = run_bench(etcd_args(server.port()));
  INFO(output);
  CHECK(code == 1);
  CHECK(output.find("http_error") != std::string::npos);
  CHECK(output.find("HTTP 404") != std::string::npos);
}

TEST_CASE("bench: the etcd mode gives up on a silent endpoint at the call deadline", "[bench]") {
  CannedServer server("");  // accepts, reads, never answers
  const auto [code, output] = run_bench(etcd_args(server.port(), {"--timeout-ms", "200"}));
  INFO(output);
  CHECK(code == 1);
  CHECK(output.find("timeout") != std::string::npos);
}

TEST_CASE("bench: the etcd mode rejects a workload etcd does not run, and a bad endpoint",
          "[bench]") {
  const std::uint16_t port = auction::test::free_port();
  auto login = etcd_args(port);
  login[5] = "login";
  CHECK(run_bench(login).first == 2);
  auto no_port = etcd_args(port);
  no_port[3] = "127.0.0.1";
  CHECK(run_bench(no_port).first == 2);
}

TEST_CASE("bench: the etcd mode measures a one-member etcd (when etcd is installed)", "[bench]") {
  const auto etcd = on_path("etcd");
  if (etcd.empty()) {
    WARN("etcd is not installed (Debian: apt-get install etcd-server); not measuring one");
    return;
  }
  TempDir dir("ppapd-bench-etcd-test");
  const std::string client_url = "http://127.0.0.1:" + std::to_string(auction::test::free_port());
  const std::string peer_url = "http://127.0.0.1:" + std::to_string(auction::test::free_port());
  ChildProcess member(
      etcd, {"--name", "m1", "--data-dir", (dir.path() / "m1").string(), "--listen-client-urls",
             client_url, "--advertise-client-urls", client_url, "--listen-peer-urls", peer_url,
             "--initial-advertise-peer-urls", peer_url, "--initial-cluster", "m1=" + peer_url});
  {
    INFO(member.output());
    REQUIRE(member.wait_for_output("ready to serve client requests", deadline));
  }
  const auto [code, output] =
      run_bench({"--json", "etcd", "--endpoints", client_url.substr(std::string("http://").size()),
                 "--server-pids", std::to_string(member.pid()), "--workload", "write,fetch,lookup",
                 "--clients", "2", "--warmup-ms", "0", "--duration-ms", "300"});
  INFO(output);
  CHECK(code == 0);
  std::vector<json> rows;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line.front() == '{') rows.push_back(json::parse(line));
  }
  REQUIRE(rows.size() == 3);
  for (const json& row : rows) {
    CHECK(row["bench"] == "etcd");
    CHECK(row["clients"] == 2);
    CHECK(row["ops"].get<std::uint64_t>() > 0);
    CHECK(row["errors"] == 0);
    CHECK(row.contains("server_cpu_s"));
    CHECK(row["new_terms"] == 0);  // one member: nobody to hold an election against
  }
  CHECK(rows[0]["workload"] == "write");
  CHECK(rows[1]["workload"] == "fetch");
  CHECK(rows[2]["workload"] == "lookup");
}
