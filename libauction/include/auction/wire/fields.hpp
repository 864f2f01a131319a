// Typed access to a request's fields, with errors a caller can act on.
//
// Handlers of every layer read their inputs through these, so a wrong type always answers
// `bad_request` and an out-of-range value `invalid_argument`, both naming the field. A
// missing required field is `bad_request`; an optional field may be absent or null.
// Pure functions; safe from any thread. `body` is a Request::body (a JSON object).
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "auction/wire/envelope.hpp"
#include "auction/base/error.hpp"

namespace auction::wire {

// A string of at most bytes_max bytes (longer: invalid_argument).
Result<std::string> get_string(const Json& body, std::string_view field, std::size_t bytes_max);
Result<std::optional<std::string>> get_optional_string(const Json& body, std::string_view field,
                                                       std::size_t bytes_max);

// A JSON integer (not 1.0) within [min, max] (outside: invalid_argument).
Result<std::int64_t> get_int64(const Json& body, std::string_view field,
                               std::int64_t min = std::numeric_limits<std::int64_t>::min(),
                               std::int64_t max = std::numeric_limits<std::int64_t>::max());
Result<std::optional<std::int64_t>> get_optional_int64(
    const Json& body, std::string_view field,
    std::int64_t min = std::numeric_limits<std::int64_t>::min(),
    std::int64_t max = std::numeric_limits<std::int64_t>::max());

// A non-negative JSON integer at most max (negative or above: invalid_argument).
Result<std::uint64_t> get_uint64(const Json& body, std::string_view field,
                                 std::uint64_t max = std::numeric_limits<std::uint64_t>::max());
Result<std::optional<std::uint64_t>> get_optional_uint64(
    const Json& body, std::string_view field,
    std::uint64_t max = std::numeric_limits<std::uint64_t>::max());

Result<bool> get_bool(const Json& body, std::string_view field);
Result<std::optional<bool>> get_optional_bool(const Json& body, std::string_view field);

}  // namespace auction::wire
