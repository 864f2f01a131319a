// raft::MemoryStorage: the LogStorage used by tests and simulation, and its crash model.
#include <catch2/catch.hpp>

#include "auction/raft/memory_storage.hpp"

using namespace auction::raft;

namespace {

Entry e(std::uint64_t term, std::uint64_t index) {
  return Entry{Term{term}, LogIndex{index}, EntryType::normal, "d" + std::to_string(index)};
}

}  // namespace

TEST_CASE("raft: memory storage appends, overwrites a suffix and bounds reads by bytes", "[raft]") {
  MemoryStorage s;
  CHECK(s.last_index() == LogIndex{0});
  CHECK(s.term(LogIndex{0}).value() == Term{0});
  std::vector<Entry> first{e(1, 1), e(1, 2), e(1, 3)};
  s.append(first);
  std::vector<Entry> over{e(2, 2)};
  s.append(over);
  CHECK(s.last_index() == LogIndex{2});
  CHECK(s.term(LogIndex{2}).value() == Term{2});
  CHECK(s.term(LogIndex{3}).error().code == "unavailable");
  CHECK(s.entries(LogIndex{1}, LogIndex{3}, 0).value().size() == 1);  // at least one
  CHECK(s.entries(LogIndex{1}, LogIndex{3}, 100).value().size() == 2);
}

TEST_CASE("raft: a memory storage crash loses what was not synced", "[raft]") {
  MemoryStorage s;
  std::vector<Entry> a{e(1, 1), e(1, 2), e(1, 3)};
  s.append(a);
  s.set_hard_state(HardState{Term{1}, NodeId{2}, true, LogIndex{1}});
  s.sync();
  std::vector<Entry> b{e(2, 2)};
  s.append(b);
  s.set_hard_state(HardState{Term{2}, NodeId{0}, false, LogIndex{1}});
  s.crash();
  CHECK(s.last_index() == LogIndex{3});
  CHECK(s.term(LogIndex{2}).value() == Term{1});  // the overwritten suffix is back
  CHECK(s.hard_state() == HardState{Term{1}, NodeId{2}, true, LogIndex{1}});
}

TEST_CASE("raft: a torn memory storage crash also loses the last synced batch", "[raft]") {
  MemoryStorage s;
  std::vector<Entry> a{e(1, 1)};
  s.append(a);
  s.sync();
  std::vector<Entry> b{e(1, 2), e(1, 3)};
  s.append(b);
  s.set_hard_state(HardState{Term{1}, NodeId{0}, false, LogIndex{3}});
  s.sync();
  s.crash(true);
  CHECK(s.last_index() == LogIndex{1});
  CHECK(s.hard_state() == HardState{});
  s.crash(true);  // only one batch can be torn
  CHECK(s.last_index() == LogIndex{1});
}
