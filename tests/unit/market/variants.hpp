// Test helpers for the market engines: pick the actions or events of one kind out of the
// variant lists the engines return.
#pragma once

#include <variant>
#include <vector>

namespace market_test {

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

}  // namespace market_test
