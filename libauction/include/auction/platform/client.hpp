// Client: how every user of the platform (seller, buyer, bench, chaos) calls it.
//
// One typed call per platform command (async_login, async_create_auction, ...): the command
// is encoded by the codec the replica decodes (commands.hpp) and the answer decoded beside
// the replica's encoder (answers.hpp, views.hpp), so both ends share every field name. The
// raw async_call(op, fields) stays for tools and for tests that send what no command can.
//
// Sits on top of one wire::Client per replica (connections are kept between calls) and
// hides the cluster behind one call: it goes to the leader, follows the `leader` hints of
// `not_leader` and `leadership_lost` answers, tries the other replicas when one is down or
// knows no leader, and retries with jittered, bounded backoff until the call's deadline. A mutating
// op carries this client's `client_id` and a `seq` that stays the SAME for every retry of one call,
// so the platform applies it exactly once however many times it is sent (docs/platform.md,
// "Exactly-once sessions"; Raft dissertation §6.3). Its caller sees a value or one clear
// error, never a replica's address and never a hang.
// Threading: construct, call and destroy on the executor's thread; the executor must not run
// handlers concurrently (one thread, or a strand). Calls may be in flight when it is
// destroyed: they end with `unavailable` (or `connection_lost`, a write that may have been
// applied).
// Never: sends two different writes of one client at once (the platform keeps only each
// client's latest seq), or reuses a seq for a different write.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/core/noncopyable.hpp>
#include <nlohmann/json.hpp>

#include "auction/base/error.hpp"
#include "auction/base/ids.hpp"
#include "auction/base/limits.hpp"
#include "auction/identity/user_key.hpp"
#include "auction/platform/answers.hpp"
#include "auction/platform/cluster_config.hpp"
#include "auction/platform/commands.hpp"
#include "auction/platform/limits.hpp"
#include "auction/platform/views.hpp"

namespace auction::platform {

// The user a Client acts as, and the key that proves it.
struct ClientUser {
  std::string username;
  std::shared_ptr<const identity::KeyPair> keys;  // never null
};

struct ClientOptions {
  // The replicas' client endpoints, "host:port" or "[v6-literal]:port" (ClusterConfig order).
  // Precondition: at least one, each with a port in 1..65535.
  std::vector<std::string> replicas;
  // "" -> a random id ("c-" and 16 hex digits) is drawn at construction. Otherwise 1..64
  // characters of [A-Za-z0-9_.-] (the platform answers writes `invalid_argument` otherwise).
  std::string client_id;
  std::chrono::milliseconds deadline{5000};         // per call, including all retries
  std::chrono::milliseconds attempt_timeout{1000};  // one try against one replica
  std::chrono::milliseconds connect_timeout{500};
  // The client port speaks TLS: the replicas' certificates are checked against the CA
  // certificates in this file (the cluster file's tls.dir/ca.crt), and each must name a
  // replica ("replica-<id>"). When it is missing or does not load, every call fails with
  // `credentials_invalid`. `is_plain`: plain TCP instead, only where the cluster file says
  // "client_port": "plain".
  std::filesystem::path trusted_ca_file;
  bool is_plain = false;
  // An operator's certificate and key (the cluster file's tls.dir/admin.crt and admin.key):
  // presented to the replicas, it opens their admin ops (docs/operations.md). Empty: none.
  std::filesystem::path certificate_file;
  std::filesystem::path private_key_file;
  // Who this client acts as. Every connection proves it (auth_challenge, then
  // authenticate: docs/identity.md) before any call goes out on it. Unset: anonymous, which
  // the platform serves only what anyone may read (get_user_address, status).
  std::optional<ClientUser> user;
  // The cluster's id, which a user's proofs are scoped to. Empty: read from cluster_id_file
  // (the cluster file's tls.dir/cluster-id) when `user` is set; when that does not load,
  // every call fails with `credentials_invalid`.
  std::string cluster_id;
  std::filesystem::path cluster_id_file;
};

// Builds the replica list from a cluster file (client endpoints, in id order) and how to
// reach them (trusted_ca_file, is_plain, cluster_id_file); the other options keep their
// defaults.
ClientOptions client_options_from(const ClusterConfig& config);

class Client : boost::noncopyable {
 public:
  // Connects lazily (on the first call). Precondition: see ClientOptions::replicas.
  Client(boost::asio::any_io_executor executor, ClientOptions options);
  // Closes (see close()).
  ~Client();

  // Calls one platform op. `fields` is the op's fields (an object, or null for none) without
  // id/op/client_id/seq. Mutating ops (every op but the reads: is_read(), commands.hpp) get
  // this client's client_id and the next seq; the SAME seq is reused
  // for every retry of this call, so a retry after a lost answer is applied exactly once.
  // Mutating calls of one Client are serialized (one in flight at a time, first come first
  // served) because the platform remembers only each client's latest seq; reads run
  // concurrently. The deadline counts from the call, its wait for earlier writes included.
  // Returns the op's `result` object, or an Error:
  //   the platform's own errors as they came (unknown_user, wrong_stage, invalid_argument,
  //     bad_request, stale_request, ...);
  //   session_expired  the platform ended this client's session between two attempts of this
  //                    call, so whether it was applied is unknown: read to find out. (When
  //                    the session had ended before the call, the call is simply sent again
  //                    under a fresh client_id, which is safe and invisible.)
  //   unavailable      the deadline passed without an answer ("no leader answered within
  //                    5000 ms; last: ..."), or close() was called, and no attempt can have
  //                    been applied: every one was refused before the log (not_leader,
  //                    overloaded, ...) or never sent. Nothing happened.
  //   timeout          the deadline passed and some attempt of this write may have been
  //                    applied (it timed out, its connection dropped after sending, or its
  //                    leader lost leadership before it committed): read to find out.
  //   connection_lost  close() was called while such a write was in doubt.
  //   frame_too_large  the request is longer than a replica accepts.
  // Follows `leader` hints, tries the other replicas when one is down or knows no leader,
  // backs off between rounds. Never hangs.
  boost::asio::awaitable<Result<nlohmann::json>> async_call(std::string op, nlohmann::json fields);

  // The typed calls, one per command. Each sends encode_fields(command) as its op, exactly
  // as async_call(op, fields) does (the same retries, session tags and errors), and decodes
  // the success answer once. A success answer that does not decode is `bad_response` (a
  // write that gets one was applied).
  boost::asio::awaitable<Result<LoggedIn>> async_login(Login command);
  boost::asio::awaitable<Result<UserAddress>> async_get_user_address(GetUserAddress command);
  boost::asio::awaitable<Result<CreatedAuction>> async_create_auction(CreateAuction command);
  boost::asio::awaitable<Result<JoinedAuction>> async_join_auction(JoinAuction command);
  boost::asio::awaitable<Result<LeftAuction>> async_quit_auction(QuitAuction command);
  boost::asio::awaitable<Result<StartedAuction>> async_start_auction(StartAuction command);
  boost::asio::awaitable<Result<UpdatedAuction>> async_update_auction(UpdateAuction command);
  boost::asio::awaitable<Result<FinishedAuction>> async_finish_auction(FinishAuction command);
  boost::asio::awaitable<Result<CancelledAuction>> async_cancel_auction(CancelAuction command);
  boost::asio::awaitable<Result<AuctionPage>> async_fetch_auctions(FetchAuctions command);
  boost::asio::awaitable<Result<RotatedKey>> async_rotate_key(RotateKey command);
  boost::asio::awaitable<Result<TranscriptSummary>> async_get_transcript(GetTranscript command);
  boost::asio::awaitable<Result<BuyerPage>> async_fetch_buyers(FetchBuyers command);
  boost::asio::awaitable<Result<LinkPage>> async_fetch_links(FetchLinks command);
  // The replica may hold a watch up to its wait_ms before answering: each attempt, and the
  // call's deadline, get that much longer. Errors: also `compacted` (the events after
  // command.after are no longer kept: read the auctions again and watch from the
  // `revision` the error names), `overloaded` (too many watches wait on the leader: answered
  // at once, not retried, when wait_ms is not 0; nothing happened, ask again later). Events
  // of kinds this client does not know (a newer platform's) are left out of the page.
  boost::asio::awaitable<Result<WatchPage>> async_watch(Watch command);
  // Any command, chosen at run time; the answer holds the alternative of the command's index.
  boost::asio::awaitable<Result<Answer>> async_call(Command command);

  // Every auction `username` may see, in id order (with `mine`, only those it sells or has
  // joined): fetch_auctions page after page, at most fetch_pages_max pages (the platform
  // holds at most limits::auctions_max auctions). Every auction is many pages on a large
  // platform (10,000 of them at a million auctions): a front end shows one page at a time
  // (async_fetch_auctions), and `mine` reads only the user's own.
  // Errors: those of fetch_auctions; each page has the call's whole deadline.
  static constexpr std::size_t fetch_pages_max = limits::auctions_max / limits::fetch_page_max + 1;
  boost::asio::awaitable<Result<std::vector<AuctionView>>> async_fetch_all_auctions(
      std::string username, bool mine = false);
  // One auction as `username` sees it. Errors: unknown_auction, those of fetch_auctions.
  boost::asio::awaitable<Result<AuctionView>> async_fetch_auction(std::string username,
                                                                  AuctionId auction_id);
  // Every buyer of an auction as `username` sees them (fetch_buyers page after page, at most
  // buyer_pages_max), in username order. Errors: those of fetch_buyers; bad_response when the
  // pages do not follow each other.
  static constexpr std::size_t buyer_pages_max =
      auction::limits::buyers_per_auction_max / limits::buyers_page_max + 1;
  boost::asio::awaitable<Result<std::vector<BuyerView>>> async_fetch_all_buyers(
      std::string username, AuctionId auction_id);
  // Every link of an auction's chain (fetch_links page after page, at most link_pages_max).
  // Errors: those of fetch_links; bad_response when the pages do not follow each other.
  static constexpr std::size_t link_pages_max = auction::limits::buyers_per_auction_max + 1;
  boost::asio::awaitable<Result<nlohmann::json>> async_fetch_all_links(std::string username,
                                                                       AuctionId auction_id);
  // An auction's whole transcript: get_transcript, then every page of its buyers (with their
  // recorded keys) and of its links. The pages of a finished auction never change; a running
  // one's chain may grow between them, and the transcript then holds the links up to the
  // last page read. Errors: those of the three reads.
  boost::asio::awaitable<Result<AuctionTranscript>> async_fetch_transcript(std::string username,
                                                                           AuctionId auction_id);

  // The `status` of one replica (index into options.replicas), without leader-following or
  // retries, within attempt_timeout; with the digest of its state when asked (docs/protocol.md:
  // costly, and refreshed at most once a second). Errors: invalid_argument (no such index), and
  // the wire errors (unavailable, timeout, ...) of that one try.
  enum class StatusDigest : bool { without, with };
  boost::asio::awaitable<Result<nlohmann::json>> async_status(
      std::size_t replica, StatusDigest digest = StatusDigest::without);

  // The client_id writes carry now. It changes (to a fresh random id) when the platform
  // ended this client's session, or when the client's first write got no answer, because a
  // session that never began cannot go on at seq 2 (docs/platform.md).
  const std::string& client_id() const;
  // The public key (hex) of options.user, which a login of that user must carry; "" when
  // the client is anonymous.
  std::string user_public_key() const;
  // The user this client acts as (options.user), and the cluster id its proofs are scoped
  // to ("" when anonymous, or when the cluster file named none): what a seller or buyer
  // signs its peer messages with.
  const std::optional<ClientUser>& user() const;
  const std::string& cluster_id() const;

  // Drops every connection; calls in flight end with `unavailable` (`connection_lost` for a
  // write that may have been applied). Later calls connect again.
  void close();

  struct State;  // shared with the coroutines in flight; defined in client.cpp

 private:
  std::shared_ptr<State> state_;
};

// Whether `error` means the platform was out of reach (unavailable, timeout, connection_lost,
// overloaded, not_leader, leadership_lost): worth trying again later, unlike an answer the
// platform gave. (Whether the call may have happened is the code's own meaning.)
bool is_unreachable(const Error& error);

}  // namespace auction::platform
