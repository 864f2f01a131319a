// Envelope parsing and encoding: see auction/wire/envelope.hpp. Pure; this is the edge where
// JSON parse failures become `bad_request` values.
#include "wire/envelope.hpp"

#include "auction/base/text_rules.hpp"

#include <utility>

#include "auction/base/assert.hpp"
#include "auction/base/error_codes.hpp"

namespace auction::wire {
namespace {

std::unexpected<RequestError> reject(Json id, std::string message) {
  return std::unexpected<RequestError>(
      RequestError{std::move(id), Error{code::bad_request, std::move(message)}});
}

// Parses a whole JSON text that has already passed the UTF-8 and depth checks; a discarded
// value means "not JSON". allow_exceptions=false keeps nlohmann from throwing on bad input.
Json parse_checked(std::string_view text) {
  return Json::parse(text.begin(), text.end(), /*cb=*/nullptr, /*allow_exceptions=*/false);
}

bool is_valid_id(const Json& id, std::size_t id_bytes_max) {
  if (id.is_number_integer()) return true;  // nlohmann: signed or unsigned, never float
  return id.is_string() && id.get_ref<const std::string&>().size() <= id_bytes_max;
}

}  // namespace

std::expected<Request, RequestError> parse_request(std::string_view line,
                                                   const EnvelopeLimits& limits) {
  if (!is_valid_utf8(line)) return reject(nullptr, "request is not valid UTF-8");
  if (!is_nesting_within(line, limits.depth_max)) {
    return reject(nullptr, "request nests deeper than " + std::to_string(limits.depth_max));
  }
  Json doc = parse_checked(line);
  if (doc.is_discarded()) return reject(nullptr, "request is not valid JSON");
  if (!doc.is_object()) return reject(nullptr, "request must be a JSON object");

  const auto id_it = doc.find("id");
  if (id_it == doc.end()) return reject(nullptr, "request has no \"id\"");
  if (!is_valid_id(*id_it, limits.id_bytes_max)) {
    return reject(nullptr, "\"id\" must be an integer or a string of at most " +
                               std::to_string(limits.id_bytes_max) + " bytes");
  }
  Json id = std::move(*id_it);
  doc.erase(id_it);

  const auto op_it = doc.find("op");
  if (op_it == doc.end()) return reject(std::move(id), "request has no \"op\"");
  if (!op_it->is_string() || op_it->get_ref<const std::string&>().empty() ||
      op_it->get_ref<const std::string&>().size() > limits.op_bytes_max) {
    return reject(std::move(id), "\"op\" must be a non-empty string of at most " +
                                     std::to_string(limits.op_bytes_max) + " bytes");
  }
  std::string op = std::move(op_it->get_ref<std::string&>());
  doc.erase(op_it);
  return Request{std::move(id), std::move(op), std::move(doc), {}, nullptr};
}

Reply Reply::success(Json result) {
  Reply reply;
  reply.ok = true;
  reply.result = result.is_null() ? Json::object() : std::move(result);
  return reply;
}

Reply Reply::success_text(std::string result_text) {
  AUCTION_ASSERT(result_text.starts_with('{') && result_text.ends_with('}'),
                 "result_text must be a serialized JSON object");
  Reply reply;
  reply.ok = true;
  reply.result_text = std::move(result_text);
  return reply;
}

Reply Reply::failure(const Error& error, const Json& extra) {
  AUCTION_ASSERT(extra.is_null() || extra.is_object(), "error extras must be a JSON object");
  Reply reply;
  reply.ok = false;
  reply.result = nullptr;
  reply.error = extra.is_object() ? extra : Json::object();
  reply.error["code"] = error.code;
  reply.error["message"] = error.message;
  return reply;
}

std::string Reply::code() const {
  if (ok) return {};
  const auto it = error.find("code");
  return it != error.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Error Reply::to_error() const {
  AUCTION_ASSERT(!ok, "to_error() on a successful reply");
  const auto it = error.find("message");
  return Error{code(), it != error.end() && it->is_string() ? it->get<std::string>() : ""};
}

std::string encode_reply(const Json& id, const Reply& reply) {
  // The same text as dumping {"id":..,"ok":..,"result"|"error":..} (keys in nlohmann's
  // sorted order), written piece by piece so the result is neither copied nor, when the
  // server kept it serialized, dumped again.
  const auto dump = [](const Json& value) {
    return value.dump(-1, ' ', false, Json::error_handler_t::replace);
  };
  std::string line;
  if (reply.ok) {
    line = "{\"id\":" + dump(id) + ",\"ok\":true,\"result\":";
    line += reply.result_text.empty() ? dump(reply.result) : reply.result_text;
  } else {
    line = "{\"error\":" + dump(reply.error) + ",\"id\":" + dump(id) + ",\"ok\":false";
  }
  line += "}\n";
  return line;
}

std::string encode_request(const Json& id, std::string_view op, const Json& fields) {
  const PreparedRequest request(op, fields);
  return PreparedRequest::head(id) + *request.tail();
}

PreparedRequest::PreparedRequest(std::string_view op, const Json& fields) : op_(op) {
  AUCTION_ASSERT(fields.is_null() || fields.is_object(), "request fields must be a JSON object");
  const auto dump = [](const Json& value) {
    return value.dump(-1, ' ', false, Json::error_handler_t::replace);
  };
  std::string tail = "\"op\":" + dump(Json(op_));
  if (fields.is_object()) {
    for (const auto& [key, value] : fields.items()) {
      if (key == "id" || key == "op") continue;  // the envelope's own keys win
      tail += ',';
      tail += dump(Json(key));
      tail += ':';
      tail += dump(value);
    }
  }
  tail += "}\n";
  tail_ = std::make_shared<const std::string>(std::move(tail));
}

std::string PreparedRequest::head(const Json& id) {
  return "{\"id\":" + id.dump(-1, ' ', false, Json::error_handler_t::replace) + ",";
}

Result<Response> parse_response(std::string_view line, const EnvelopeLimits& limits) {
  const auto bad = [](std::string message) { return fail(code::bad_response, std::move(message)); };
  if (!is_valid_utf8(line)) return bad("response is not valid UTF-8");
  if (!is_nesting_within(line, limits.depth_max)) return bad("response nests too deep");
  Json doc = parse_checked(line);
  if (doc.is_discarded() || !doc.is_object()) return bad("response is not a JSON object");
  const auto id_it = doc.find("id");
  if (id_it == doc.end() || !(id_it->is_null() || is_valid_id(*id_it, limits.id_bytes_max))) {
    return bad("response has no usable \"id\"");
  }
  const auto ok_it = doc.find("ok");
  if (ok_it == doc.end() || !ok_it->is_boolean()) return bad("response has no boolean \"ok\"");
  Response response;
  response.id = std::move(*id_it);
  response.reply.ok = ok_it->get<bool>();
  if (response.reply.ok) {
    const auto result_it = doc.find("result");
    if (result_it == doc.end() || !result_it->is_object()) {
      return bad("successful response has no \"result\" object");
    }
    response.reply.result = std::move(*result_it);
  } else {
    const auto error_it = doc.find("error");
    if (error_it == doc.end() || !error_it->is_object() || !error_it->contains("code") ||
        !(*error_it)["code"].is_string()) {
      return bad("failed response has no \"error\" object with a string \"code\"");
    }
    response.reply.result = nullptr;
    response.reply.error = std::move(*error_it);
  }
  return response;
}

}  // namespace auction::wire
