// The rules for names, addresses and free text, checked wherever one enters the system.
//
// Sits in base/: the platform's command codec, the peer message codecs and the front ends
// all call these, so a username valid in one place is valid everywhere. Limits are in
// limits.hpp. Pure functions, safe from any thread, never throw.
#pragma once

#include <cstddef>
#include <string_view>

namespace auction {

// 1..bytes_max characters of [A-Za-z0-9_.-].
bool is_valid_name(std::string_view name, std::size_t bytes_max) noexcept;

// A username: a name of at most limits::username_bytes_max.
bool is_valid_username(std::string_view username) noexcept;

// A client id (exactly-once sessions): a name of at most limits::client_id_bytes_max.
bool is_valid_client_id(std::string_view client_id) noexcept;

// A peer address: an endpoint (endpoint.hpp) with a port in 1..65535, at most
// limits::address_bytes_max bytes. This is where a user's program answers peers.
bool is_valid_address(std::string_view address) noexcept;

// Well-formed UTF-8 (RFC 3629): no overlong forms, no UTF-16 surrogates, nothing past
// U+10FFFF, no truncated sequence.
bool is_valid_utf8(std::string_view bytes) noexcept;

// UTF-8 text of bytes_min..bytes_max bytes.
bool is_valid_text(std::string_view text, std::size_t bytes_min, std::size_t bytes_max) noexcept;

}  // namespace auction
