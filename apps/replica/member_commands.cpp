// The operator's subcommands of `replica`: see member_commands.hpp.
#include "member_commands.hpp"

#include <chrono>
#include <cstdio>
#include <exception>
#include <optional>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "auction/base/error_codes.hpp"
#include "auction/platform/client.hpp"
#include "auction/platform/cluster_config.hpp"
#include "auction/platform/cluster_credentials.hpp"

namespace replica_cli {
namespace {

namespace asio = boost::asio;
using namespace auction;
using nlohmann::json;

constexpr int exit_failed = 1;
constexpr int exit_refused = 2;

int refuse(const std::string& line) {
  std::fprintf(stderr, "replica: %s\n", line.c_str());
  return exit_refused;
}

// What a failed call means for the operator: did anything happen?
int report_failure(const std::string& what, const Error& error) {
  const bool may_have_happened = error.code == code::leadership_lost || error.code == code::timeout;
  std::fprintf(stderr, "replica: %s: %s: %s%s\n", what.c_str(), error.code.c_str(),
               error.message.c_str(),
               may_have_happened ? " (it may still take effect: see `replica member list`)"
                                 : " (nothing changed)");
  return exit_failed;
}

std::string text_or_dash(const json& value) {
  if (value.is_string()) return value.get<std::string>().empty() ? "-" : value.get<std::string>();
  if (value.is_number_unsigned()) return std::to_string(value.get<std::uint64_t>());
  return "-";
}

int print_members(const json& answer) {
  std::printf("configuration of entry %s (%s); leader %s; log up to %s\n",
              text_or_dash(answer.value("index", json())).c_str(),
              answer.value("committed", false) ? "committed" : "not yet committed",
              text_or_dash(answer.value("leader", json())).c_str(),
              text_or_dash(answer.value("last_index", json())).c_str());
  std::printf("%-6s %-8s %-24s %-24s %s\n", "id", "role", "raft", "client", "log up to");
  for (const json& m : answer.value("members", json::array())) {
    std::printf("%-6s %-8s %-24s %-24s %s\n", text_or_dash(m.value("id", json())).c_str(),
                text_or_dash(m.value("role", json())).c_str(),
                text_or_dash(m.value("raft_address", json())).c_str(),
                text_or_dash(m.value("client_address", json())).c_str(),
                text_or_dash(m.value("match", json())).c_str());
  }
  return 0;
}

// How long a change is asked again while the cluster settles: a leader that just took over
// (say, from the replica being removed) commits its first entry within an election or two.
constexpr std::chrono::seconds change_settle_time{10};

// Asks for a membership change, and asks again while the answer proves nothing changed and
// waiting can help: the last change is still committing or a new leader has not committed an
// entry of its term yet (for up to change_settle_time), or the learner to promote is still
// catching up (for up to `catch_up_time`).
asio::awaitable<Result<json>> async_change(platform::Client& client, std::string op, json fields,
                                           std::chrono::seconds catch_up_time) {
  const auto start = std::chrono::steady_clock::now();
  asio::steady_timer pause(co_await asio::this_coro::executor);
  for (;;) {
    std::string this_op = op;
    json these_fields = fields;
    auto answer = co_await client.async_call(std::move(this_op), std::move(these_fields));
    if (answer) co_return answer;
    const auto waited = std::chrono::steady_clock::now() - start;
    const bool is_worth_waiting =
        (answer.error().code == code::change_in_progress && waited < change_settle_time) ||
        (answer.error().code == code::not_caught_up && waited < catch_up_time);
    if (!is_worth_waiting) co_return answer;
    pause.expires_after(std::chrono::milliseconds(200));
    co_await pause.async_wait(asio::use_awaitable);
  }
}

asio::awaitable<int> async_run(platform::Client& client, const platform::ClusterConfig& cluster,
                               MemberCommand command) {
  const std::string who = "replica " + std::to_string(command.id);
  if (command.action == "list") {
    std::string op = "member_list";
    json fields = json::object();
    auto answer = co_await client.async_call(std::move(op), std::move(fields));
    if (!answer) co_return report_failure("member list", answer.error());
    co_return print_members(*answer);
  }
  if (command.action == "add") {
    const platform::ReplicaAddress* address = cluster.find(command.id);
    if (address == nullptr) {
      co_return refuse(who + " is not in " + command.config_path +
                       ": add its entry (host and ports) there first");
    }
    json fields = json::object();
    fields["member"] = command.id;
    fields["raft_address"] = address->raft_endpoint();
    fields["client_address"] = address->client_endpoint();
    auto answer =
        co_await async_change(client, "member_add", std::move(fields), std::chrono::seconds(0));
    if (!answer) co_return report_failure("member add", answer.error());
    std::printf(
        "%s added as a learner (entry %s): it receives the log without voting; once it caught "
        "up: replica member promote --config %s --id %llu\n",
        who.c_str(), text_or_dash(answer->value("index", json())).c_str(),
        command.config_path.c_str(), static_cast<unsigned long long>(command.id));
    co_return 0;
  }
  if (command.action == "promote") {
    json fields = json::object();
    fields["member"] = command.id;
    auto answer = co_await async_change(client, "member_promote", std::move(fields),
                                        std::chrono::seconds(command.wait_seconds));
    if (!answer) co_return report_failure("member promote", answer.error());
    std::printf("%s is a voter (entry %s)\n", who.c_str(),
                text_or_dash(answer->value("index", json())).c_str());
    co_return 0;
  }
  if (command.action == "remove") {
    json fields = json::object();
    fields["member"] = command.id;
    auto answer =
        co_await async_change(client, "member_remove", std::move(fields), std::chrono::seconds(0));
    if (!answer) co_return report_failure("member remove", answer.error());
    std::printf("%s removed (entry %s): stop it, and take it out of the cluster files\n",
                who.c_str(), text_or_dash(answer->value("index", json())).c_str());
    co_return 0;
  }
  std::string op = "transfer_leadership";
  json fields = json::object();
  if (command.id != 0) fields["to"] = command.id;
  auto answer = co_await client.async_call(std::move(op), std::move(fields));
  if (!answer) co_return report_failure("transfer", answer.error());
  std::printf("replica %s handed leadership over; the leader is now %s\n",
              text_or_dash(answer->value("from", json())).c_str(),
              text_or_dash(answer->value("leader", json())).c_str());
  co_return 0;
}

}  // namespace

int run_member_command(const MemberCommand& command) {
  auto cluster = platform::ClusterConfig::load(command.config_path);
  if (!cluster) return refuse(cluster.error().message);
  platform::ClientOptions options = platform::client_options_from(*cluster);
  options.deadline = std::chrono::seconds(10);
  if (!options.is_plain) {
    if (!cluster->tls) return refuse(command.config_path + " has no \"tls\" section");
    options.certificate_file = command.certificate_file.empty()
                                   ? platform::admin_certificate_file(cluster->tls->dir).string()
                                   : command.certificate_file;
    options.private_key_file = command.private_key_file.empty()
                                   ? platform::admin_key_file(cluster->tls->dir).string()
                                   : command.private_key_file;
  }
  asio::io_context io;
  platform::Client client(io.get_executor(), options);
  int exit_code = exit_failed;
  asio::co_spawn(io, async_run(client, *cluster, command),
                 [&](std::exception_ptr failure, int code) {
                   exit_code = failure ? exit_failed : code;
                   client.close();
                 });
  io.run();
  return exit_code;
}

}  // namespace replica_cli
