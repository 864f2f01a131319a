// HttpAnswer: what a handler of the monitoring port's HttpServer (http_server.hpp) answers to
// a GET, as plain values, so that what builds it (platform/replica_metrics.hpp) needs no Asio.
#pragma once

#include <string>

namespace auction::wire {

struct HttpAnswer {
  unsigned status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

}  // namespace auction::wire
