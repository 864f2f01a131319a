// raft::encode / raft::decode: round trips, and garbage that must come back as an error.
#include <catch2/catch.hpp>

#include "auction/raft/message.hpp"

using namespace auction::raft;

namespace {

Message sample() {
  Message m;
  m.type = MessageType::append;
  m.from = NodeId{1};
  m.to = NodeId{3};
  m.term = Term{7};
  m.log_term = Term{5};
  m.index = LogIndex{41};
  m.commit = LogIndex{40};
  m.entries = {Entry{Term{6}, LogIndex{42}, EntryType::normal, std::string("a\0b", 3)},
               Entry{Term{7}, LogIndex{43}, EntryType::noop, ""},
               Entry{Term{7}, LogIndex{44}, EntryType::normal, std::string(1000, 'z')}};
  return m;
}

}  // namespace

TEST_CASE("raft: messages of every type survive an encode/decode round trip", "[raft]") {
  Message append = sample();
  REQUIRE(decode(encode(append)).value() == append);

  Message resp;
  resp.type = MessageType::append_response;
  resp.from = NodeId{3};
  resp.to = NodeId{1};
  resp.term = Term{7};
  resp.reject = true;
  resp.index = LogIndex{41};
  resp.reject_hint = LogIndex{30};
  resp.log_term = Term{4};
  REQUIRE(decode(encode(resp)).value() == resp);

  for (MessageType t : {MessageType::heartbeat, MessageType::heartbeat_response, MessageType::vote,
                        MessageType::vote_response, MessageType::pre_vote,
                        MessageType::pre_vote_response, MessageType::timeout_now}) {
    Message m;
    m.type = t;
    m.from = NodeId{2};
    m.to = NodeId{5};
    m.term = Term{9};
    m.log_term = Term{8};
    m.index = LogIndex{100};
    m.commit = LogIndex{99};
    m.context = 12345;
    auto back = decode(encode(m));
    REQUIRE(back.has_value());
    CHECK(*back == m);
  }
}

TEST_CASE("raft: snapshot chunks and their answers survive a round trip and lie about nothing",
          "[raft][snapshot]") {
  Message chunk;
  chunk.type = MessageType::install_snapshot;
  chunk.from = NodeId{1};
  chunk.to = NodeId{2};
  chunk.term = Term{4};
  chunk.index = LogIndex{500};
  chunk.log_term = Term{3};
  chunk.commit = LogIndex{510};
  chunk.context = 64;
  chunk.snapshot_bytes = 100;
  chunk.snapshot_checksum = 0xdeadbeef;
  chunk.data = std::string(36, 'q');
  REQUIRE(decode(encode(chunk)).value() == chunk);

  Message answer;
  answer.type = MessageType::snapshot_response;
  answer.from = NodeId{2};
  answer.to = NodeId{1};
  answer.term = Term{4};
  answer.index = LogIndex{500};
  answer.log_term = Term{3};
  answer.context = 100;
  answer.reject = true;
  REQUIRE(decode(encode(answer)).value() == answer);
  CHECK(to_string(MessageType::snapshot_response) == "snapshot_response");

  const std::string bytes = encode(chunk);
  for (std::size_t len = 0; len < bytes.size(); ++len) {
    CHECK_FALSE(decode(std::string_view(bytes).substr(0, len)).has_value());
  }
  Message past_end = chunk;
  past_end.context = 65;  // 65 + 36 > 100
  CHECK(decode(encode(past_end)).error().code == "bad_message");
  Message huge = chunk;
  huge.snapshot_bytes = (std::uint64_t{1} << 48) + 1;
  CHECK(decode(encode(huge)).error().code == "bad_message");
  Message of_nothing = chunk;
  of_nothing.index = LogIndex{0};
  of_nothing.log_term = Term{0};
  CHECK(decode(encode(of_nothing)).error().code == "bad_message");
}

TEST_CASE("raft: message types have readable names for logs", "[raft]") {
  CHECK(to_string(MessageType::append) == "append");
  CHECK(to_string(MessageType::pre_vote_response) == "pre_vote_response");
  CHECK(to_string(MessageType::timeout_now) == "timeout_now");
}

TEST_CASE("raft: every truncation of a message decodes to an error", "[raft]") {
  const std::string bytes = encode(sample());
  for (std::size_t len = 0; len < bytes.size(); ++len) {
    auto r = decode(std::string_view(bytes).substr(0, len));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == "bad_message");
  }
  CHECK_FALSE(decode(bytes + "x").has_value());  // trailing bytes
}

TEST_CASE("raft: invalid fields decode to bad_message", "[raft]") {
  const std::string good = encode(sample());
  auto with_byte = [&](std::size_t at, char v) {
    std::string b = good;
    b[at] = v;
    return decode(b);
  };
  CHECK_FALSE(with_byte(0, 2).has_value());   // codec version
  CHECK_FALSE(with_byte(1, 9).has_value());   // install_snapshot carries no entries
  CHECK_FALSE(with_byte(1, 11).has_value());  // config_change: reserved, not accepted
  CHECK_FALSE(with_byte(1, 10).has_value());  // timeout_now carries no entries
  CHECK_FALSE(with_byte(1, 0).has_value());   // no such type
  CHECK_FALSE(with_byte(1, 3).has_value());   // a heartbeat may not carry entries
  CHECK_FALSE(with_byte(66, 2).has_value());  // reject flag must be 0 or 1
  // Entry type of the first entry (after the 71-byte header, term and index): config.
  CHECK_FALSE(with_byte(71 + 16, 2).has_value());
  // First entry's index no longer follows `index`.
  CHECK_FALSE(with_byte(71 + 8, 50).has_value());

  Message zero = sample();
  zero.from = NodeId{0};
  CHECK_FALSE(decode(encode(zero)).has_value());
  Message huge_term = sample();
  huge_term.term = Term{~std::uint64_t{0}};
  CHECK_FALSE(decode(encode(huge_term)).has_value());

  // A count that promises far more entries than the bytes hold is refused up front.
  Message empty_append;
  empty_append.type = MessageType::append;
  empty_append.from = NodeId{1};
  empty_append.to = NodeId{2};
  empty_append.term = Term{1};
  std::string lying = encode(empty_append);
  lying[67] = lying[68] = lying[69] = static_cast<char>(0xff);
  lying[70] = 0;
  CHECK_FALSE(decode(lying).has_value());
}

TEST_CASE("raft: terms and indexes up to the bound decode, beyond it are refused", "[raft]") {
  Message at_bound;
  at_bound.type = MessageType::heartbeat;
  at_bound.from = NodeId{1};
  at_bound.to = NodeId{2};
  at_bound.term = Term{term_max};
  at_bound.log_term = Term{term_max};
  at_bound.index = LogIndex{log_index_max};
  at_bound.commit = LogIndex{log_index_max};
  at_bound.reject_hint = LogIndex{log_index_max};
  REQUIRE(decode(encode(at_bound)).value() == at_bound);

  // The attack this bound stops: one heartbeat with term 2^62 that every node would adopt.
  Message forged = at_bound;
  forged.term = Term{std::uint64_t{1} << 62};
  auto refused = decode(encode(forged));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == "bad_message");
  CHECK(refused.error().message == "term 4611686018427387904 is beyond the bound 2^48");

  Message term = at_bound;
  term.term = Term{term_max + 1};
  CHECK(decode(encode(term)).error().message == "term 281474976710657 is beyond the bound 2^48");
  Message index = at_bound;
  index.index = LogIndex{log_index_max + 1};
  CHECK(decode(encode(index)).error().message == "index 281474976710657 is beyond the bound 2^48");
  Message commit = at_bound;
  commit.commit = LogIndex{log_index_max + 1};
  CHECK(decode(encode(commit)).error().code == "bad_message");
  Message hint = at_bound;
  hint.reject_hint = LogIndex{log_index_max + 1};
  CHECK(decode(encode(hint)).error().code == "bad_message");

  // Entries may end exactly at the bound, not one past it.
  Message append;
  append.type = MessageType::append;
  append.from = NodeId{1};
  append.to = NodeId{2};
  append.term = Term{term_max};
  append.log_term = Term{term_max};
  append.index = LogIndex{log_index_max - 2};
  append.entries = {Entry{Term{term_max}, LogIndex{log_index_max - 1}, EntryType::normal, "a"},
                    Entry{Term{term_max}, LogIndex{log_index_max}, EntryType::normal, "b"}};
  REQUIRE(decode(encode(append)).value() == append);
  append.index = LogIndex{log_index_max - 1};
  append.entries[0].index = LogIndex{log_index_max};
  append.entries[1].index = LogIndex{log_index_max + 1};
  CHECK(decode(encode(append)).error().message ==
        "entry index 281474976710657 is beyond the bound 2^48");
}

TEST_CASE("raft: random bytes never crash the decoder", "[raft]") {
  std::uint64_t state = 7;
  auto next = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<unsigned char>(state >> 56);
  };
  const std::string good = encode(sample());
  std::size_t accepted = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string b;
    if (round % 2 == 0) {
      b.resize(next() % 200);
      for (char& ch : b) ch = static_cast<char>(next());
    } else {
      b = good;  // a valid message with a few bytes flipped
      for (int k = 0; k < 3; ++k) b[next() % b.size()] = static_cast<char>(next());
    }
    auto r = decode(b);
    if (r.has_value()) {
      ++accepted;
      CHECK(decode(encode(*r)).value() == *r);  // whatever is accepted is well-formed
    }
  }
  CHECK(accepted < 20000);
}
