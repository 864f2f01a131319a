// Typed field access: see auction/wire/fields.hpp. Pure.
#include "auction/wire/fields.hpp"

#include <utility>

#include "auction/base/error_codes.hpp"

namespace auction::wire {
namespace {

std::string quoted(std::string_view field) { return "field \"" + std::string(field) + "\""; }

// The one lookup every getter shares: nullptr when the field is absent or null.
Result<const Json*> find_field(const Json& body, std::string_view field) {
  if (!body.is_object()) return fail(code::bad_request, "request fields must be an object");
  const auto it = body.find(field);
  if (it == body.end() || it->is_null()) return nullptr;
  return &*it;
}

// Turns an optional getter into a required one: absent becomes bad_request.
template <class T>
Result<T> required(Result<std::optional<T>> value, std::string_view field) {
  if (!value) return std::unexpected(std::move(value.error()));
  if (!value->has_value()) return fail(code::bad_request, "missing " + quoted(field));
  return std::move(**value);
}

}  // namespace

Result<std::optional<std::string>> get_optional_string(const Json& body, std::string_view field,
                                                       std::size_t bytes_max) {
  auto found = find_field(body, field);
  if (!found) return std::unexpected(std::move(found.error()));
  if (*found == nullptr) return std::optional<std::string>();
  const Json& value = **found;
  if (!value.is_string()) return fail(code::bad_request, quoted(field) + " must be a string");
  const auto& text = value.get_ref<const std::string&>();
  if (text.size() > bytes_max) {
    return fail(code::invalid_argument,
                quoted(field) + " is longer than " + std::to_string(bytes_max) + " bytes");
  }
  return std::optional<std::string>(text);
}

Result<std::string> get_string(const Json& body, std::string_view field, std::size_t bytes_max) {
  return required(get_optional_string(body, field, bytes_max), field);
}

Result<std::optional<std::int64_t>> get_optional_int64(const Json& body, std::string_view field,
                                                       std::int64_t min, std::int64_t max) {
  auto found = find_field(body, field);
  if (!found) return std::unexpected(std::move(found.error()));
  if (*found == nullptr) return std::optional<std::int64_t>();
  const Json& value = **found;
  if (!value.is_number_integer()) {
    return fail(code::bad_request, quoted(field) + " must be an integer");
  }
  const auto range_error = [&] {
    return fail(code::invalid_argument, quoted(field) + " must be between " +
                                            std::to_string(min) + " and " + std::to_string(max));
  };
  if (value.is_number_unsigned() &&
      value.get<std::uint64_t>() > static_cast<std::uint64_t>(max < 0 ? 0 : max)) {
    return range_error();
  }
  const auto number = value.get<std::int64_t>();
  if (number < min || number > max) return range_error();
  return std::optional<std::int64_t>(number);
}

Result<std::int64_t> get_int64(const Json& body, std::string_view field, std::int64_t min,
                               std::int64_t max) {
  return required(get_optional_int64(body, field, min, max), field);
}

Result<std::optional<std::uint64_t>> get_optional_uint64(const Json& body,
                                                         std::string_view field,
                                                         std::uint64_t max) {
  auto found = find_field(body, field);
  if (!found) return std::unexpected(std::move(found.error()));
  if (*found == nullptr) return std::optional<std::uint64_t>();
  const Json& value = **found;
  if (!value.is_number_integer()) {
    return fail(code::bad_request, quoted(field) + " must be an integer");
  }
  if (!value.is_number_unsigned() || value.get<std::uint64_t>() > max) {
    return fail(code::invalid_argument,
                quoted(field) + " must be between 0 and " + std::to_string(max));
  }
  return std::optional<std::uint64_t>(value.get<std::uint64_t>());
}

Result<std::uint64_t> get_uint64(const Json& body, std::string_view field, std::uint64_t max) {
  return required(get_optional_uint64(body, field, max), field);
}

Result<std::optional<bool>> get_optional_bool(const Json& body, std::string_view field) {
  auto found = find_field(body, field);
  if (!found) return std::unexpected(std::move(found.error()));
  if (*found == nullptr) return std::optional<bool>();
  if (!(*found)->is_boolean()) return fail(code::bad_request, quoted(field) + " must be a boolean");
  return std::optional<bool>((*found)->get<bool>());
}

Result<bool> get_bool(const Json& body, std::string_view field) {
  return required(get_optional_bool(body, field), field);
}

}  // namespace auction::wire
