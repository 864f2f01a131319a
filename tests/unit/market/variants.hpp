// Test helpers for the market's pure engines (SellerAuction, BuyerAuction): pick the actions
// or events of one kind out of the variant lists they return.
#pragma once

#include <cstddef>
#include <variant>
#include <vector>

namespace auction::test {

template <class T, class Variant>
std::vector<T> all_of(const std::vector<Variant>& items) {
  std::vector<T> out;
  for (const Variant& v : items) {
    if (const T* t = std::get_if<T>(&v)) out.push_back(*t);
  }
  return out;
}

template <class T, class Variant>
std::size_t count_of(const std::vector<Variant>& items) {
  return all_of<T>(items).size();
}

}  // namespace auction::test
