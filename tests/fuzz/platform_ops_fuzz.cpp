// Fuzz target: the platform's command codec and its replicated state machine, i.e. what a
// client's request (and a log entry) meets on a replica.
//
// The input is a list of lines, at most lines_max. A line "+<n>" moves the log index on by n
// (the entries Raft does not hand to apply: no-ops, reads), so sessions can expire; every
// other line is one log entry. What must hold, line by line:
//   - decode_request / parse_request accept, or answer "bad_request", "unknown_op" or
//     "invalid_argument" with a message (parse_request refuses a text nested deeper than
//     the limit as "bad_request" before parsing it); an accepted request encodes and decodes back
//     to itself (the log holds the canonical encoding), through JSON text too, and through the
//     log's binary form (encode_entry), which applies as the JSON text does; a line that
//     starts with the binary form's version byte is applied as a binary entry;
//   - an accepted command applies to a fresh StateMachine, and query() answers it, without
//     crashing; answers are {"ok":true,"result":{...}} or {"ok":false,"error":{"code":...}}
//     with a non-empty code;
//   - two state machines are fed the same entries (raw bytes, accepted or not): one is
//     rebuilt from its own snapshot after every entry. Both answer every entry byte for byte
//     alike and keep equal digests, and every restore succeeds: a snapshot loses nothing;
//   - a line tried as a snapshot (JSON, and as the bytes of a binary one) restores, or
//     answers "bad_snapshot"; a restored state snapshots to a state that restores to the
//     same digest. The cycled machine goes through both forms of the snapshot.
// Nothing may crash, hang, or throw (an escaped exception aborts the target).
#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "auction/base/limits.hpp"
#include "auction/base/text_rules.hpp"
#include "auction/platform/commands.hpp"
#include "auction/platform/entry_codec.hpp"
#include "auction/platform/state_machine.hpp"
#include "fuzz_check.hpp"

namespace {

using auction::platform::StateMachine;
using nlohmann::json;

constexpr std::size_t lines_max = 64;
constexpr std::uint64_t index_skip_max = 200'000;

bool is_code(const auction::Error& error, std::initializer_list<std::string_view> codes) {
  if (error.message.empty()) return false;
  for (const auto code : codes) {
    if (error.code == code) return true;
  }
  return false;
}

// The answer bytes apply() returns have the documented shape.
void check_answer(std::string_view answer) {
  const auto j = json::parse(answer, nullptr, /*allow_exceptions=*/false);
  FUZZ_CHECK(j.is_object() && j.contains("ok") && j["ok"].is_boolean(), "an answer without ok");
  if (j["ok"].get<bool>()) {
    FUZZ_CHECK(j.contains("result") && j["result"].is_object(), "a success without a result");
  } else {
    FUZZ_CHECK(j.contains("error") && j["error"].is_object(), "a failure without an error");
    const auto& error = j["error"];
    FUZZ_CHECK(error.contains("code") && error["code"].is_string() &&
                   !error["code"].get_ref<const std::string&>().empty(),
               "an error without a code");
    FUZZ_CHECK(error.contains("message") && error["message"].is_string(),
               "an error without a message");
  }
}

void check_codec(const json& request_json, std::string_view bytes) {
  auto decoded = auction::platform::decode_request(request_json);
  auto parsed = auction::platform::parse_request(bytes);
  if (!auction::is_nesting_within(bytes, auction::limits::json_depth_max)) {
    FUZZ_CHECK(!parsed && is_code(parsed.error(), {"bad_request"}),
               "parse_request took a text that nests deeper than the limit");
    return;
  }
  FUZZ_CHECK(decoded.has_value() == parsed.has_value(), "parse_request and decode_request differ");
  if (!decoded) {
    FUZZ_CHECK(is_code(decoded.error(), {"bad_request", "unknown_op", "invalid_argument"}),
               "a decode error with an unexpected code or no message");
    return;
  }
  FUZZ_CHECK(*decoded == *parsed, "parse_request and decode_request differ");
  const json encoded = auction::platform::encode(*decoded);
  auto again = auction::platform::decode_request(encoded);
  FUZZ_CHECK(again.has_value() && *again == *decoded, "decode(encode(r)) != r");
  const std::string entry = encoded.dump();
  auto from_text = auction::platform::parse_request(entry);
  FUZZ_CHECK(from_text.has_value() && *from_text == *decoded, "the log entry does not decode");
  FUZZ_CHECK(auction::platform::encode(*from_text) == encoded, "the encoding is not canonical");
  const std::string binary = auction::platform::encode_entry(*decoded);
  auto from_binary = auction::platform::decode_entry(binary);
  FUZZ_CHECK(from_binary.has_value() && *from_binary == *decoded,
             "the log's binary form does not decode to the request");

  StateMachine fresh;
  const std::string answer = fresh.apply(auction::raft::LogIndex{1}, entry);
  check_answer(answer);
  StateMachine fresh_binary;
  FUZZ_CHECK(fresh_binary.apply(auction::raft::LogIndex{1}, binary) == answer,
             "the binary form applies differently from the JSON text");
  auto result = fresh.query(request_json);
  if (result) {
    FUZZ_CHECK(result->is_object(), "a query result that is not an object");
  } else {
    FUZZ_CHECK(!result.error().code.empty() && !result.error().message.empty(),
               "a query error without code or message");
  }
}

void check_snapshot_text(const json& candidate) {
  auto restored = StateMachine::restore(candidate);
  if (!restored) {
    FUZZ_CHECK(is_code(restored.error(), {"bad_snapshot"}), "restore failed without bad_snapshot");
    return;
  }
  auto again = StateMachine::restore(restored->snapshot());
  FUZZ_CHECK(again.has_value(), "a restored state's snapshot does not restore");
  FUZZ_CHECK(again->digest() == restored->digest(), "restore changed the digest");
}

void check_snapshot_bytes(std::string_view candidate) {
  auto restored = StateMachine::restore_bytes(candidate);
  if (!restored) {
    FUZZ_CHECK(is_code(restored.error(), {"bad_snapshot"}),
               "restore_bytes failed without bad_snapshot");
    return;
  }
  auto again = StateMachine::restore_bytes(restored->snapshot_bytes());
  FUZZ_CHECK(again.has_value(), "a restored state's binary snapshot does not restore");
  FUZZ_CHECK(again->digest() == restored->digest(), "restore_bytes changed the digest");
}

std::optional<std::uint64_t> index_skip(std::string_view line) {
  if (line.size() < 2 || line[0] != '+') return std::nullopt;
  std::uint64_t n = 0;
  const auto [end, ec] = std::from_chars(line.data() + 1, line.data() + line.size(), n);
  if (ec != std::errc() || end != line.data() + line.size()) return std::nullopt;
  return std::min(n, index_skip_max);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  StateMachine kept;
  StateMachine cycled;
  std::uint64_t index = 0;
  for (std::size_t n = 0; n < lines_max && !input.empty(); ++n) {
    const std::size_t newline = input.find('\n');
    const std::string_view line = input.substr(0, newline);
    input = newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);

    if (const auto skip = index_skip(line)) {
      index += *skip;
      continue;
    }
    check_snapshot_bytes(line);
    const auto line_json = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!line_json.is_discarded()) {
      check_codec(line_json, line);
      check_snapshot_text(line_json);
    }

    ++index;
    const std::string answer = kept.apply(auction::raft::LogIndex{index}, line);
    check_answer(answer);
    FUZZ_CHECK(cycled.apply(auction::raft::LogIndex{index}, line) == answer,
               "a restored state machine answered differently");
    // The watch event of the entry: the same from a restored state, of this entry, and only
    // ever narrowed for a watcher (never given what the event does not hold).
    const auto& event = kept.event_of_last_entry();
    FUZZ_CHECK(event == cycled.event_of_last_entry(), "a restored state made another event");
    if (event) {
      FUZZ_CHECK(event->revision == index, "an event's revision is not its entry's index");
      for (const char* watcher : {"alice", "bob", "nobody"}) {
        if (const auto seen = kept.as_seen_by(*event, watcher)) {
          FUZZ_CHECK(seen->kind == event->kind && seen->revision == event->revision,
                     "a watcher was shown another event");
          FUZZ_CHECK(!seen->progress || event->progress, "a watcher was shown made-up progress");
        }
      }
    }
    // Alternately through the JSON and the binary form of the snapshot.
    auto restored = n % 2 == 0 ? StateMachine::restore(cycled.snapshot())
                               : StateMachine::restore_bytes(cycled.snapshot_bytes());
    FUZZ_CHECK(restored.has_value(), "a snapshot of a live state does not restore");
    cycled = std::move(*restored);
    FUZZ_CHECK(cycled.digest() == kept.digest(), "snapshot -> restore changed the digest");
    FUZZ_CHECK(cycled.applied_index() == kept.applied_index(), "restore lost the applied index");
  }
  return 0;
}
