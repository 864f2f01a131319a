// parse_endpoint: the one host:port parser, and the inputs that used to slip through.
#include <catch2/catch.hpp>

#include "auction/base/endpoint.hpp"

using namespace auction;

TEST_CASE("base: an endpoint is a host and a port in 0..65535", "[base][endpoint]") {
  CHECK(parse_endpoint("127.0.0.1:7001").value() == Endpoint{"127.0.0.1", 7001});
  CHECK(parse_endpoint("localhost:65535").value() == Endpoint{"localhost", 65535});
  CHECK(parse_endpoint("127.0.0.1:0").value() == Endpoint{"127.0.0.1", 0});
  CHECK(parse_endpoint("[::1]:7001").value() == Endpoint{"::1", 7001});
  CHECK(parse_endpoint("[::ffff:127.0.0.1]:1").value() == Endpoint{"::ffff:127.0.0.1", 1});
}

TEST_CASE("base: a port out of range, signed, or with trailing junk is refused",
          "[base][endpoint]") {
  // Each of these was once accepted by some parser (112486 bound port 46950).
  for (const char* text :
       {"127.0.0.1:112486", "127.0.0.1:65536", "127.0.0.1:-1", ":-1", "127.0.0.1:12abc",
        "127.0.0.1:+80", "127.0.0.1: 80", "127.0.0.1:080", "127.0.0.1:", "127.0.0.1", "", ":80",
        "127.0.0.1:99999999999999999999"}) {
    INFO(text);
    const auto parsed = parse_endpoint(text);
    REQUIRE_FALSE(parsed.has_value());
    CHECK(parsed.error().code == code::invalid_argument);
  }
  CHECK(parse_endpoint("127.0.0.1:112486").error().message.find("out of range 0..65535") !=
        std::string::npos);
  CHECK(parse_endpoint("127.0.0.1:12abc").error().message.find("not a number") !=
        std::string::npos);
}

TEST_CASE("base: a host is a name, an IPv4 address or a bracketed IPv6 address",
          "[base][endpoint]") {
  for (const char* text : {"-host:80", ".host:80", "ho st:80", "host/x:80", "::1:80", "[]:80",
                           "[zz]:80", "[1.2.3.4]:80", "h\xc3\xa9:80"}) {
    INFO(text);
    CHECK_FALSE(parse_endpoint(text).has_value());
  }
}

TEST_CASE("base: an endpoint prints back to what parses to it", "[base][endpoint]") {
  for (const Endpoint& e :
       {Endpoint{"127.0.0.1", 7001}, Endpoint{"::1", 0}, Endpoint{"example.org", 65535}}) {
    CHECK(parse_endpoint(to_string(e)).value() == e);
  }
  CHECK(to_string(Endpoint{"::1", 7001}) == "[::1]:7001");
}
