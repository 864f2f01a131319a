// Unit tests of FrameSplitter: the byte-level framing rules of docs/protocol.md.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "wire/frame_splitter.hpp"

using auction::wire::FrameSplitter;

namespace {
// Every frame currently available, stopping at need_more or too_large.
std::vector<std::string> drain(FrameSplitter& splitter, FrameSplitter::Status* last = nullptr) {
  std::vector<std::string> frames;
  std::string line;
  for (;;) {
    const auto status = splitter.next(line);
    if (status != FrameSplitter::Status::frame) {
      if (last) *last = status;
      return frames;
    }
    frames.push_back(line);
  }
}
}  // namespace

TEST_CASE("wire: a frame split across many reads comes out whole", "[wire]") {
  FrameSplitter splitter(1024);
  const std::string text = "{\"id\":1,\"op\":\"ping\"}\n";
  std::vector<std::string> frames;
  for (char c : text) {
    splitter.append(std::string(1, c));
    for (auto& f : drain(splitter)) frames.push_back(f);
  }
  REQUIRE(frames == std::vector<std::string>{"{\"id\":1,\"op\":\"ping\"}"});
  CHECK(splitter.buffered_bytes() == 0);
}

TEST_CASE("wire: many frames in one read come out in order", "[wire]") {
  FrameSplitter splitter(1024);
  splitter.append("a\nbb\nccc\ndd");
  FrameSplitter::Status last{};
  CHECK(drain(splitter, &last) == std::vector<std::string>{"a", "bb", "ccc"});
  CHECK(last == FrameSplitter::Status::need_more);
  CHECK(splitter.buffered_bytes() == 2);
  splitter.append("d\n");
  CHECK(drain(splitter) == std::vector<std::string>{"ddd"});
}

TEST_CASE("wire: empty lines are skipped and a trailing carriage return is dropped", "[wire]") {
  FrameSplitter splitter(1024);
  splitter.append("\n\n\r\nx\r\n\ny\n");
  CHECK(drain(splitter) == std::vector<std::string>{"x", "y"});
}

TEST_CASE("wire: a frame of exactly the limit passes and one byte more is too large", "[wire]") {
  FrameSplitter splitter(4);
  splitter.append("abcd\nabcde\nok\n");
  FrameSplitter::Status last{};
  CHECK(drain(splitter, &last) == std::vector<std::string>{"abcd"});
  CHECK(last == FrameSplitter::Status::too_large);
  // The stream cannot be resynchronised: it stays broken and holds nothing.
  splitter.append("more\n");
  std::string line;
  CHECK(splitter.next(line) == FrameSplitter::Status::too_large);
  CHECK(splitter.buffered_bytes() == 0);
}

TEST_CASE("wire: an oversize frame is reported before its newline arrives", "[wire]") {
  FrameSplitter splitter(8);
  splitter.append(std::string(9, 'x'));  // could still be 8 bytes + "\r"
  std::string line;
  CHECK(splitter.next(line) == FrameSplitter::Status::need_more);
  splitter.append("y");
  CHECK(splitter.next(line) == FrameSplitter::Status::too_large);
}

TEST_CASE("wire: a frame of the limit followed by a carriage return passes", "[wire]") {
  FrameSplitter splitter(4);
  splitter.append("abcd\r");
  std::string line;
  CHECK(splitter.next(line) == FrameSplitter::Status::need_more);
  splitter.append("\n");
  REQUIRE(splitter.next(line) == FrameSplitter::Status::frame);
  CHECK(line == "abcd");
}
