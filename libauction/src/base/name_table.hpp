// NameTable: the stable names of an enum's values (as they appear in JSON), written once and
// read both ways: from a value to its name, and from a name back to its value.
//
// The names stand in the order of the enum's values (0, 1, ...); an empty name marks a value
// that has none (a buyer who is still active has no withdrawal reason).
// Private to the library's pure layers (platform, market). Plain constexpr data; safe from
// any thread; never throws.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

#include "auction/base/assert.hpp"

namespace auction::detail {

template <class E, std::size_t N>
struct NameTable {
  std::array<std::string_view, N> names;  // names[i] is the name of the value E(i)

  // Precondition: `value` has a name (asking for another is a bug).
  constexpr std::string_view name(E value) const {
    const auto i = static_cast<std::size_t>(value);
    AUCTION_ASSERT(i < N && !names[i].empty(), "a value without a name");
    return names[i];
  }

  // The value named `name`; nullopt for any other text.
  constexpr std::optional<E> find(std::string_view name) const {
    for (std::size_t i = 0; i < N; ++i) {
      if (!names[i].empty() && names[i] == name) return static_cast<E>(i);
    }
    return std::nullopt;
  }
};

}  // namespace auction::detail
