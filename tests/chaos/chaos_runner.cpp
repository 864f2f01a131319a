// The chaos test's run: setup, clients, nemesis, final checks (see the header).
#include "chaos_runner.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include "auction/base/endpoint.hpp"
#include "auction/base/error_codes.hpp"
#include "auction/platform/client.hpp"
#include "auction/platform/cluster_credentials.hpp"
#include "auction/platform/limits.hpp"
#include "chaos_cluster.hpp"
#include "chaos_nemesis.hpp"
#include "chaos_network.hpp"
#include "chaos_recorder.hpp"
#include "final_state_check.hpp"
#include "invariant.hpp"
#include "linearizability.hpp"
#include "platform/client_tls.hpp"
#include "platform/user_greeting.hpp"
#include "support/test_keys.hpp"
#include "wire/client.hpp"

namespace auction::test {

namespace {

namespace asio = boost::asio;
using Json = nlohmann::json;

// The objects the clients work on. Buyers log in during setup, so they may join; the extra
// users are only ever logged in by the clients, so reads of them also see "absent". Every
// user has its test key (support/test_keys.hpp), which each client acting as it proves.
constexpr int buyer_count = 5;
constexpr int extra_user_count = 2;
constexpr std::uint64_t auction_count = 3;
// Clients 1..pinned_reader_count send their reads to one fixed replica each, past the leader
// following of platform::Client: a follower or a deposed leader that answered a read from
// its own, possibly stale, state would be seen. The correct replica answers not_leader
// there, which records nothing.
constexpr std::size_t pinned_reader_count = 2;
const std::string seller = "s0";

std::string user_name(int i) { return "u" + std::to_string(i); }

// Every user the workload acts as: the buyers, the extra users and the seller.
std::vector<std::string> workload_users() {
  std::vector<std::string> users;
  for (int i = 0; i < buyer_count + extra_user_count; ++i) users.push_back(user_name(i));
  users.push_back(seller);
  return users;
}

// The user whose client makes `call`: the user it acts for, or, for a read of an address
// (which anyone may read), the user read.
std::string caller_of(const platform::Command& call) {
  if (const auto* read = std::get_if<platform::GetUserAddress>(&call)) return read->username;
  const std::optional<std::string_view> user = platform::acting_user(call);
  CHAOS_ASSERT(user.has_value(), "every call of the workload but get_user_address acts for a user");
  return std::string(*user);
}

// `base`: the cluster's (its CA); `endpoints`: the replicas in the order to try them.
platform::ClientOptions client_options(const platform::ClientOptions& base,
                                       const std::vector<std::string>& endpoints,
                                       std::chrono::milliseconds deadline) {
  platform::ClientOptions options = base;
  options.replicas = endpoints;
  options.deadline = deadline;
  // Shorter than the faults: calls give up mid-fault, so the history holds indeterminate
  // writes, and retries of one seq go to several replicas (exactly-once is exercised).
  options.attempt_timeout = std::chrono::milliseconds(500);
  options.connect_timeout = std::chrono::milliseconds(300);
  return options;
}

// One client's next call, drawn from its own generator.
platform::Command draw_call(std::mt19937_64& random, std::int64_t process, std::uint64_t counter) {
  const auto roll = random() % 100;
  const int buyer = static_cast<int>(random() % buyer_count);
  const int any_user = static_cast<int>(random() % (buyer_count + extra_user_count));
  const AuctionId auction_id{1 + random() % auction_count};
  if (roll < 20) {
    // Every written value is unique, so a read says exactly which write it saw.
    std::string address = "c" + std::to_string(process) + ".n" + std::to_string(counter) + ":7000";
    return platform::Login{user_name(any_user), std::move(address),
                           test_public_key(user_name(any_user))};
  }
  if (roll < 40) return platform::GetUserAddress{user_name(any_user)};
  if (roll < 65) return platform::JoinAuction{user_name(buyer), auction_id};
  if (roll < 85) return platform::QuitAuction{user_name(buyer), auction_id};
  // The seller sees every auction's buyers (one page holds them all).
  return platform::FetchBuyers{seller, auction_id, "", platform::limits::buyers_page_max};
}

// One logical process's clients, one per user it acts as: a connection, and so a
// platform::Client, speaks for one user (docs/identity.md), and each of these proves its
// user's test key on every connection it makes. Every process holds a client of every user,
// so one user's address is still written by several processes at once. All on one executor;
// the process makes one call at a time.
class UserClients {
 public:
  UserClients(asio::any_io_executor executor, const platform::ClientOptions& options) {
    for (const std::string& user : workload_users()) {
      platform::ClientOptions acting = options;
      acting.user = test_user(user);
      clients_.emplace(user, std::make_unique<platform::Client>(executor, std::move(acting)));
    }
  }

  platform::Client& of(const std::string& user) {
    const auto it = clients_.find(user);
    CHAOS_ASSERT(it != clients_.end(), "the workload acts only as its own users");
    return *it->second;
  }
  platform::Client& for_call(const platform::Command& call) { return of(caller_of(call)); }

  void close() {
    for (auto& [user, client] : clients_) client->close();
  }

 private:
  std::map<std::string, std::unique_ptr<platform::Client>> clients_;
};

// A process's reads sent to one replica, past the clients' leader following: addresses on an
// anonymous connection (anyone may read them), fetches on one that proves the seller's key.
struct PinnedReader {
  std::unique_ptr<wire::Client> anonymous;
  std::unique_ptr<wire::Client> as_seller;

  wire::Client& for_read(const platform::Command& read) {
    if (std::holds_alternative<platform::FetchBuyers>(read)) return *as_seller;
    return *anonymous;
  }
  void close() {
    anonymous->close();
    as_seller->close();
  }
};

// Codes that no call of an honest client gets: each client proves its own user's key on
// every connection it makes, before any call goes out on it (after reconnects, restarts and
// leader changes too), logs in with that key, and has one write in flight at a time. So it
// is never refused as a stranger (unauthenticated, bad_signature), never finds its name
// taken, and never sends a seq older than its session's (stale_request). session_expired
// only in the cases honesty_problems() excuses.
bool is_refused_as_dishonest(const std::string& code) {
  return code == code::unauthenticated || code == code::bad_signature || code == code::name_taken ||
         code == code::stale_request || code == code::session_expired;
}

// A call answered with such a code.
struct Refusal {
  std::string user;             // the user whose client made the call
  std::string client_id;        // the exactly-once client_id the call was sent under (a write's)
  bool is_established = false;  // an earlier write under client_id was acknowledged
  std::string code;
  std::string text;  // the process, the call and the answer
};

// What one process's honest clients were answered beyond the history: the exactly-once
// client_ids each user's client sent writes under (platform::Client draws a new one when a
// session is doubtful or ended), those of them under which a write was acknowledged (the
// platform holds a session for those), and the refusals no honest client should get.
struct HonestyLog {
  std::map<std::string, std::set<std::string>> client_ids;   // by user
  std::map<std::string, std::set<std::string>> established;  // by user
  std::vector<Refusal> refusals;

  // After `call` was made through `client` (or, a read, past it), whose client_id() was
  // `id_before` when the call began.
  void note(std::int64_t process, const platform::Command& call, const platform::Client& client,
            const std::string& id_before, const Result<platform::Answer>& answer) {
    const std::string user = caller_of(call);
    const bool is_write = !platform::is_read(platform::op_name(call));
    if (is_write) {
      // A call sends under id_before, or under ids it draws, the last of which client_id()
      // shows (one more is drawn after session_expired): both bound what was sent.
      client_ids[user].insert(id_before);
      client_ids[user].insert(client.client_id());
      if (answer) established[user].insert(client.client_id());
    }
    if (answer || !is_refused_as_dishonest(answer.error().code)) return;
    refusals.push_back(Refusal{.user = user,
                               .client_id = id_before,
                               .is_established = is_write && established[user].contains(id_before),
                               .code = answer.error().code,
                               .text = "process " + std::to_string(process) + ": " +
                                       std::string(platform::op_name(call)) + " as " + user +
                                       " answered " + answer.error().code + ": " +
                                       answer.error().message});
  }
};

struct ClientCounts {
  std::size_t calls = 0;
  std::size_t ok = 0;
  std::size_t failed = 0;
  std::size_t indeterminate = 0;
  HonestyLog honesty;
};

// The refusals in `logs` that show the platform refusing an honest client. session_expired
// is excused (counted in `excused`) unless the call's client_id had a session, which the
// platform ends only to keep a user within limits::sessions_per_user_max, and its user's
// clients wrote under no more client_ids than that in all. Excused: a session that never
// began (its first write was refused before it was proposed, so the next seq finds no
// session: platform::Client sends it again under a new client_id when that was its first
// attempt, and gives up with session_expired when an earlier attempt found no leader), or
// an eviction by the user's newer sessions.
std::vector<std::string> honesty_problems(const std::vector<const HonestyLog*>& logs,
                                          std::size_t& excused) {
  std::map<std::string, std::set<std::string>> client_ids;
  for (const HonestyLog* log : logs) {
    for (const auto& [user, ids] : log->client_ids) client_ids[user].insert(ids.begin(), ids.end());
  }
  std::vector<std::string> problems;
  excused = 0;
  for (const HonestyLog* log : logs) {
    for (const Refusal& refusal : log->refusals) {
      if (refusal.code == code::session_expired &&
          (!refusal.is_established ||
           client_ids[refusal.user].size() > platform::limits::sessions_per_user_max)) {
        ++excused;
        continue;
      }
      std::string why;
      if (refusal.code == code::session_expired) {
        why = "the session of " + refusal.client_id +
              ", which had acknowledged writes, ended although " + refusal.user +
              "'s clients wrote under only " + std::to_string(client_ids[refusal.user].size()) +
              " client_ids";
      } else if (refusal.code == code::name_taken) {
        why = "every login carries its user's own key";
      } else if (refusal.code == code::stale_request) {
        why = "a client sends one write at a time, each with a newer seq";
      } else {
        why = "every client proves its own user's key on each connection it makes";
      }
      problems.push_back("an honest call was refused: " + refusal.text + " (" + why + ")");
    }
  }
  return problems;
}

// A read sent to one replica, past the client's leader following: the request the client
// would send, encoded and its answer decoded by the platform's codec.
asio::awaitable<Result<platform::Answer>> async_pinned_read(wire::Client& pinned,
                                                            platform::Command read) {
  auto reply =
      co_await pinned.async_call(std::string(platform::op_name(read)),
                                 platform::encode_fields(read), std::chrono::milliseconds(500));
  if (!reply) co_return std::unexpected(reply.error());
  if (!reply->ok) co_return std::unexpected(reply->to_error());
  co_return platform::decode_answer(read, reply->result);
}

// One call through the leader-following client, or a read through `pinned` when given.
asio::awaitable<Result<platform::Answer>> async_call(platform::Client& client, PinnedReader* pinned,
                                                     const platform::Command& call) {
  if (pinned != nullptr && platform::is_read(platform::op_name(call))) {
    return async_pinned_read(pinned->for_read(call), call);
  }
  return client.async_call(call);
}

asio::awaitable<ClientCounts> async_client_loop(UserClients& clients, PinnedReader* pinned,
                                                ChaosRecorder& recorder, std::int64_t process,
                                                std::uint64_t seed, const std::atomic<bool>& stop) {
  std::mt19937_64 random(seed);
  ClientCounts counts;
  while (!stop.load()) {
    const platform::Command call = draw_call(random, process, counts.calls);
    platform::Client& client = clients.for_call(call);
    const std::string id_before = client.client_id();
    const std::int64_t invoke_ns = recorder.now_ns();
    Result<platform::Answer> answer = co_await async_call(client, pinned, call);
    recorder.record(process, call, invoke_ns, recorder.now_ns(), answer);
    counts.honesty.note(process, call, client, id_before, answer);
    ++counts.calls;
    if (answer) {
      ++counts.ok;
    } else if (is_definite_error(answer.error().code)) {
      ++counts.failed;
    } else {
      ++counts.indeterminate;
    }
  }
  co_return counts;
}

// Calls and records one op on the caller's thread; the setup and the final reads use it.
Result<platform::Answer> call_recorded(asio::io_context& io, UserClients& clients,
                                       ChaosRecorder& recorder, HonestyLog& honesty,
                                       std::int64_t process, const platform::Command& call) {
  platform::Client& client = clients.for_call(call);
  const std::string id_before = client.client_id();
  const std::int64_t invoke_ns = recorder.now_ns();
  Result<platform::Answer> answer = run_to_completion(io, client.async_call(call));
  recorder.record(process, call, invoke_ns, recorder.now_ns(), answer);
  honesty.note(process, call, client, id_before, answer);
  return answer;
}

void sleep_ms(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

// Waits until some replica leads and every replica has applied the same entries with the same
// digest. Returns the last statuses seen when that does not happen within the deadline.
std::optional<std::string> await_convergence(const ChaosCluster& cluster,
                                             std::chrono::seconds deadline) {
  const auto give_up = std::chrono::steady_clock::now() + deadline;
  std::string last;
  for (;;) {
    bool converged = true;
    bool has_leader = false;
    std::optional<Json> first;
    last.clear();
    for (std::size_t i = 0; i < cluster.size(); ++i) {
      auto status = cluster.status(i, 500, LocalCluster::WithDigest::yes);
      if (!status) {
        last += "replica " + std::to_string(i + 1) + ": " + status.error().code + "\n";
        converged = false;
        continue;
      }
      last += status->dump() + "\n";
      has_leader = has_leader || status->value("role", "") == "leader";
      // A digest of the state as applied now (one of an earlier index is kept for a while).
      if (!status->contains("digest") || (*status)["digest_index"] != (*status)["applied"]) {
        converged = false;
        continue;
      }
      if (!first) {
        first = *status;
      } else if ((*status)["applied"] != (*first)["applied"] ||
                 (*status)["digest"] != (*first)["digest"] ||
                 (*status)["commit"] != (*first)["commit"]) {
        converged = false;
      }
    }
    if (converged && has_leader) return std::nullopt;
    if (std::chrono::steady_clock::now() > give_up) return last;
    // status has no change notification; poll at a modest rate.
    sleep_ms(100);
  }
}

std::string save_artifacts(const ChaosOptions& options, const History& history,
                           const ChaosCluster& cluster) {
  const std::string stem =
      "chaos-" + std::to_string(options.replicas) + "r-seed" + std::to_string(options.seed);
  std::filesystem::create_directories(options.artifacts_dir);
  const std::filesystem::path history_path = options.artifacts_dir / (stem + "-history.json");
  const std::filesystem::path logs_path = options.artifacts_dir / (stem + "-replicas.log");
  auto saved = save_history(history, history_path.string());
  std::ofstream(logs_path) << cluster.logs();
  return "history: " + (saved ? history_path.string() : "NOT SAVED: " + saved.error().message) +
         "\nreplica logs: " + logs_path.string() +
         "\nre-check: AUCTION_CHAOS_HISTORY=" + history_path.string() +
         " chaos_tests \"[.recheck]\"";
}

}  // namespace

ChaosOptions chaos_options_from_environment(std::size_t replicas, int default_seconds) {
  ChaosOptions options;
  options.replicas = replicas;
  options.duration = std::chrono::seconds(default_seconds);
  if (const char* seed = std::getenv("CHAOS_SEED")) {
    options.seed = std::strtoull(seed, nullptr, 10);
  } else {
    options.seed = std::random_device{}() % 1'000'000'000;
  }
  if (const char* seconds = std::getenv("CHAOS_SECONDS")) {
    options.duration = std::chrono::seconds(std::atoi(seconds));
  }
  if (const char* network = std::getenv("CHAOS_NETWORK")) {
    options.use_network = std::string(network) != "0";
  }
  const char* artifacts = std::getenv("CHAOS_ARTIFACTS");
  options.artifacts_dir =
      artifacts ? std::filesystem::path(artifacts) : std::filesystem::current_path();
  return options;
}

ChaosResult run_chaos(const ChaosOptions& options) {
  ChaosResult result;
  // Each user has a client in every process and one in the setup, each with its own
  // exactly-once session: more would end one another's sessions.
  if (options.clients + 1 > platform::limits::sessions_per_user_max) {
    FAIL("at most " << platform::limits::sessions_per_user_max - 1
                    << " client processes: each acts as every user");
  }
  std::fprintf(stderr,
               "chaos: %zu replicas, %zu clients, %lld s, seed %llu"
               " (replay with CHAOS_SEED=%llu)\n",
               options.replicas, options.clients, static_cast<long long>(options.duration.count()),
               static_cast<unsigned long long>(options.seed),
               static_cast<unsigned long long>(options.seed));

  std::unique_ptr<ChaosNetwork> network;
  std::string network_note;
  if (options.use_network) {
    auto made = ChaosNetwork::create(options.replicas);
    if (made) {
      network = std::move(*made);
      network_note = "network partitions on (network namespaces " + network->address(0) + "..)";
    } else {
      network_note =
          "network partitions SKIPPED (" + made.error().message + "): kill and pause faults only";
    }
  } else {
    network_note = "network partitions SKIPPED (CHAOS_NETWORK=0): kill and pause faults only";
  }
  std::fprintf(stderr, "chaos: %s\n", network_note.c_str());

  ChaosCluster cluster(options.replicas, network.get());
  const std::vector<std::string> endpoints = cluster.client_endpoints();
  const platform::ClientOptions base_options = cluster.client_options();
  // The pinned readers' wire clients speak TLS as platform::Client does, and the one that
  // fetches proves the seller's key as platform::Client does, in the cluster's id.
  auto tls = platform::client_tls_context(base_options);
  if (!tls) FAIL("the cluster's CA does not load: " << tls.error().message);
  auto cluster_id = platform::load_cluster_id(base_options.cluster_id_file.parent_path());
  if (!cluster_id) FAIL("the cluster's id does not load: " << cluster_id.error().message);
  ChaosRecorder recorder;

  // Setup, before any fault: the users who may join, the seller and its auctions.
  asio::io_context io;
  UserClients setup_clients(
      io.get_executor(), client_options(base_options, endpoints, std::chrono::milliseconds(20000)));
  platform::Client& seller_client = setup_clients.of(seller);
  HonestyLog setup_honesty;  // of the setup's and the final reads' calls
  const std::int64_t main_process = static_cast<std::int64_t>(options.clients) + 1;
  for (int i = 0; i < buyer_count; ++i) {
    const platform::Login login{user_name(i), "setup.n" + std::to_string(i) + ":7000",
                                test_public_key(user_name(i))};
    auto answer = call_recorded(io, setup_clients, recorder, setup_honesty, main_process, login);
    if (!answer) FAIL("setup login failed: " << answer.error().message);
  }
  if (auto answer = run_to_completion(io, seller_client.async_login(platform::Login{
                                              seller, "seller:7000", test_public_key(seller)}));
      !answer) {
    FAIL("setup login of the seller failed: " << answer.error().message);
  }
  for (std::uint64_t a = 1; a <= auction_count; ++a) {
    platform::CreateAuction create{
        seller, "a" + std::to_string(a), "item", "", Cents{100}, Cents{10}, 1000};
    auto created = run_to_completion(io, seller_client.async_create_auction(std::move(create)));
    if (!created || created->auction_id != AuctionId{a}) {
      FAIL("setup create_auction "
           << a << " failed: "
           << (created ? "created auction " + std::to_string(created->auction_id.value)
                       : created.error().message));
    }
  }

  // The run: clients call while the nemesis works.
  std::atomic<bool> stop{false};
  std::vector<ClientCounts> counts(options.clients);
  // Stops and joins the clients however this function is left (a FAIL throws).
  struct Joiner {
    std::atomic<bool>& stop;
    std::vector<std::thread> threads;
    void join() {
      stop = true;
      for (auto& t : threads) {
        if (t.joinable()) t.join();
      }
    }
    ~Joiner() { join(); }
  } clients{stop, {}};
  std::vector<std::thread>& threads = clients.threads;
  for (std::size_t c = 0; c < options.clients; ++c) {
    threads.emplace_back([&, c] {
      asio::io_context client_io;
      // Each client starts at, and fails over through, the replicas in a different order, so
      // the clients do not all move together when a replica fails.
      std::vector<std::string> order = endpoints;
      std::rotate(order.begin(), order.begin() + static_cast<long>(c % order.size()), order.end());
      UserClients clients(client_io.get_executor(),
                          client_options(base_options, order, std::chrono::milliseconds(1500)));
      std::unique_ptr<PinnedReader> pinned;
      if (c < pinned_reader_count) {
        auto endpoint = parse_endpoint(endpoints[c % endpoints.size()]);
        CHAOS_ASSERT(endpoint.has_value(), "a replica's client endpoint is host:port");
        wire::ClientOptions pinned_options;
        pinned_options.host = endpoint->host;
        pinned_options.port = endpoint->port;
        pinned_options.connect_timeout = std::chrono::milliseconds(300);
        pinned_options.tls = *tls;
        pinned = std::make_unique<PinnedReader>();
        pinned->anonymous =
            std::make_unique<wire::Client>(client_io.get_executor(), pinned_options);
        pinned_options.greeting = platform::user_greeting(test_user(seller), *cluster_id);
        pinned->as_seller =
            std::make_unique<wire::Client>(client_io.get_executor(), pinned_options);
      }
      counts[c] = run_to_completion(client_io, async_client_loop(clients, pinned.get(), recorder,
                                                                 static_cast<std::int64_t>(c + 1),
                                                                 options.seed * 1000 + c, stop));
      if (pinned) pinned->close();
      clients.close();
      client_io.restart();
      client_io.poll();
    });
  }
  ChaosNemesis nemesis(cluster, network.get(), options.seed);
  const auto end = std::chrono::steady_clock::now() + options.duration;
  while (std::chrono::steady_clock::now() < end) {
    const Fault fault = nemesis.next();
    sleep_ms(fault.quiet_ms);
    std::fprintf(stderr, "chaos: t=%.1fs %s\n", static_cast<double>(recorder.now_ns()) / 1e9,
                 nemesis.inject(fault).c_str());
    sleep_ms(fault.hold_ms);
    nemesis.heal();
  }
  clients.join();

  // Recovery from nothing but the logs: every replica is killed and started again.
  for (std::size_t i = 0; i < cluster.size(); ++i) cluster.kill(i);
  cluster.revive_all();
  if (auto stuck = await_convergence(cluster, std::chrono::seconds(60))) {
    result.problems.push_back("the replicas did not converge to one state within 60 s:\n" + *stuck);
  }

  // Final reads, after everything else has completed, by the setup's clients (which prove
  // their users again on new connections: every replica was restarted).
  std::map<std::string, std::optional<std::string>> final_addresses;
  for (int i = 0; i < buyer_count + extra_user_count; ++i) {
    const platform::GetUserAddress read{user_name(i)};
    auto answer = call_recorded(io, setup_clients, recorder, setup_honesty, main_process, read);
    if (answer) {
      final_addresses[user_name(i)] = std::get<platform::UserAddress>(*answer).address;
    } else if (answer.error().code == code::unknown_user) {
      final_addresses[user_name(i)] = std::nullopt;
    } else {
      result.problems.push_back("final read of " + user_name(i) +
                                " failed: " + answer.error().message);
    }
  }
  // Every auction's buyers, as the seller sees them (one page each holds them all).
  std::map<AuctionId, std::vector<std::string>> final_members;
  for (std::uint64_t id = 1; id <= auction_count; ++id) {
    const platform::FetchBuyers fetch{seller, AuctionId{id}, "", platform::limits::buyers_page_max};
    auto fetched = call_recorded(io, setup_clients, recorder, setup_honesty, main_process, fetch);
    if (!fetched) {
      result.problems.push_back("final fetch of auction " + std::to_string(id) +
                                "'s buyers failed: " + fetched.error().message);
      continue;
    }
    std::vector<std::string>& members = final_members[AuctionId{id}];
    for (const auto& buyer : std::get<platform::BuyerPage>(*fetched).buyers) {
      members.push_back(buyer.username);
    }
  }
  setup_clients.close();
  io.restart();
  io.poll();

  // The checks.
  const History history = recorder.history();
  ClientCounts total;
  for (const auto& c : counts) {
    total.calls += c.calls;
    total.ok += c.ok;
    total.failed += c.failed;
    total.indeterminate += c.indeterminate;
  }
  std::vector<const HonestyLog*> honesty{&setup_honesty};
  for (const auto& c : counts) honesty.push_back(&c.honesty);
  std::size_t excused = 0;
  const std::vector<std::string> refused = honesty_problems(honesty, excused);
  result.summary = std::to_string(total.calls) + " client calls (" + std::to_string(total.ok) +
                   " ok, " + std::to_string(total.failed) + " definite errors, " +
                   std::to_string(total.indeterminate) + " indeterminate), " +
                   std::to_string(history.operations.size()) +
                   " history operations; honest calls refused: " + std::to_string(refused.size()) +
                   " (session_expired excused: " + std::to_string(excused) +
                   "); faults: " + nemesis.describe_counts() + "; " + network_note;
  std::fprintf(stderr, "chaos: %s\n", result.summary.c_str());
  if (total.ok == 0) result.problems.push_back("no client call succeeded during the run");
  // A dishonest-looking refusal tends to repeat for every call of one client: a few say it.
  constexpr std::size_t refusals_shown = 5;
  for (std::size_t i = 0; i < refused.size() && i < refusals_shown; ++i) {
    result.problems.push_back(refused[i]);
  }
  if (refused.size() > refusals_shown) {
    result.problems.push_back("... and " + std::to_string(refused.size() - refusals_shown) +
                              " more honest calls refused");
  }

  if (auto valid = validate(history); !valid) {
    result.problems.push_back("the recorded history is malformed: " + valid.error().message);
  } else {
    const CheckReport report = check_history(history);
    if (report.verdict != Verdict::linearizable) {
      result.problems.push_back("the history is " + std::string(to_string(report.verdict)) + ":\n" +
                                format_report(report));
    } else {
      std::fprintf(stderr, "chaos: %s\n", format_report(report).c_str());
    }
  }
  for (const auto& [user, value] : final_addresses) {
    for (const std::string& p :
         find_lost_register_writes(history, ChaosRecorder::user_key(user), value)) {
      result.problems.push_back(p);
    }
  }
  for (auto& [auction_id, members] : final_members) {
    std::sort(members.begin(), members.end());
    const std::string key = ChaosRecorder::auction_key(auction_id);
    for (const std::string& p : find_lost_set_writes(history, key, members)) {
      result.problems.push_back(p);
    }
  }
  if (!result.problems.empty()) {
    result.problems.push_back(save_artifacts(options, history, cluster) +
                              "\nreplay: CHAOS_SEED=" + std::to_string(options.seed) +
                              " CHAOS_SECONDS=" + std::to_string(options.duration.count()));
  }
  return result;
}

}  // namespace auction::test
