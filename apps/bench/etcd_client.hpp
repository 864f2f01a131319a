// EtcdClient: one keep-alive HTTP/1.1 connection to an etcd cluster's JSON gateway (the
// /v3/... routes etcd serves on its client URL), through which `bench etcd` drives its load.
//
// A call POSTs one JSON body and returns the reply only once it is known to be a success:
// HTTP 200, a JSON object, and no "error"/"code" field (the gateway's error shape). The
// client connects to the first endpoint; when a connection cannot be made it moves on to
// the next one (in order, wrapping) and stays with whichever accepted. Every call has one
// deadline covering all it does (connect, send, receive), so nothing waits forever.
// Threading: one call at a time per client, on its executor's thread (a closed-loop client).
// Never: retries a call (a put that timed out may or may not have happened, and the bench
// must count it as failed), reads a reply body over reply_bytes_max, or throws.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <nlohmann/json.hpp>

#include "auction/base/error.hpp"

namespace auction::bench {

// The two error codes only this client gives (the rest are auction::code's).
namespace etcd_code {
inline constexpr char http_error[] = "http_error";  // a status other than 200
inline constexpr char etcd_error[] = "etcd_error";  // etcd refused the request
}  // namespace etcd_code

// One address of an etcd member's client URL. `name` is what the user gave ("host:port"),
// used in the Host header and in messages.
struct EtcdEndpoint {
  std::string name;
  boost::asio::ip::tcp::endpoint address;
};

// Parses and resolves "host:port" items, in order (a name with several addresses gives one
// endpoint per address). Resolution happens here, once, before any load: the load's calls
// then never wait on a name server. Errors: invalid_argument (syntax, or a name that does
// not resolve).
Result<std::vector<EtcdEndpoint>> resolve_etcd_endpoints(const std::vector<std::string>& items);

// Standard base64 with padding (RFC 4648 §4), how the gateway carries etcd's byte keys.
std::string base64_encode(std::string_view bytes);

// etcd's range_end for "every key starting with `prefix`": the prefix with its last byte
// below 0xff incremented (and the 0xff bytes after it dropped). Precondition: `prefix` has a
// byte below 0xff (etcd spells "no upper bound" differently, and the bench never needs it).
std::string prefix_range_end(std::string_view prefix);

class EtcdClient {
 public:
  // The largest reply body accepted (a 100-key range is about 25 kB).
  static constexpr std::size_t reply_bytes_max = 4 * 1024 * 1024;

  // Nothing connects until the first call. Precondition: `endpoints` is not empty.
  EtcdClient(boost::asio::any_io_executor executor, std::vector<EtcdEndpoint> endpoints,
             std::chrono::milliseconds call_timeout);
  ~EtcdClient();
  EtcdClient(const EtcdClient&) = delete;
  EtcdClient& operator=(const EtcdClient&) = delete;

  // POSTs `body` to `path` (e.g. "/v3/kv/put") and returns the reply's JSON object.
  // Precondition: no other call of this client is in flight.
  // Errors: unavailable (no endpoint accepted a connection, or it dropped mid-call),
  // timeout (the deadline passed), http_error (a status other than 200), bad_response (not
  // HTTP, a body over reply_bytes_max, or not a JSON object), etcd_error (the reply carries
  // an "error" or "code": etcd refused the request). After a failure below HTTP
  // (unavailable, timeout, or bytes that are not an HTTP reply) the connection is dropped,
  // since its state is unknown; the next call connects again.
  boost::asio::awaitable<Result<nlohmann::json>> async_post(std::string path,
                                                            const nlohmann::json& body);

  // The same call, but the HTTP 200 reply's body is returned as text, unparsed: for loads
  // that check a large answer by its envelope and counts (as bench platform's reads do)
  // instead of spending the generator's CPU on a full parse. Errors: as async_post() but
  // bad_response and etcd_error, which the caller's check decides.
  boost::asio::awaitable<Result<std::string>> async_post_text(std::string path,
                                                              const nlohmann::json& body);

  // The endpoint the client is connected to, or will try next.
  const std::string& endpoint_name() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace auction::bench
