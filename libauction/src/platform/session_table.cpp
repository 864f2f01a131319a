// SessionTable (see auction/platform/session_table.hpp). Pure; never throws.
#include "auction/platform/detail/session_table.hpp"

#include <utility>

#include "auction/base/assert.hpp"
#include "auction/platform/limits.hpp"
#include "platform/field_reader.hpp"

namespace auction::platform {

void SessionTable::expire(raft::LogIndex now) {
  while (!by_last_used_.empty()) {
    const auto oldest = by_last_used_.begin();
    AUCTION_ASSERT(oldest->first <= now, "a session was used in the future");
    if (now.value - oldest->first.value <= limits::session_idle_entries_max) break;
    sessions_.erase(oldest->second);
    by_last_used_.erase(oldest);
  }
}

Result<SessionTable::Verdict> SessionTable::judge(const SessionTag& tag) const {
  const auto it = sessions_.find(tag.client_id);
  if (it == sessions_.end()) {
    if (tag.seq != 1) {
      return fail(code::session_expired, "no session for client " + tag.client_id +
                                             " (it ended); start a new client_id at seq 1");
    }
    return Verdict::execute;
  }
  const Session& session = it->second;
  if (tag.seq < session.last_seq) {
    return fail(code::stale_request, "seq " + std::to_string(tag.seq) + " is older than " +
                                         std::to_string(session.last_seq));
  }
  return tag.seq == session.last_seq ? Verdict::replay : Verdict::execute;
}

Result<std::optional<std::string>> SessionTable::begin(const SessionTag& tag, raft::LogIndex now) {
  auto verdict = judge(tag);
  if (!verdict) return std::unexpected(verdict.error());
  if (*verdict == Verdict::execute) return std::nullopt;
  const auto it = sessions_.find(tag.client_id);
  touch(it->first, it->second, now);
  return it->second.answer;
}

void SessionTable::record(const SessionTag& tag, std::string answer, raft::LogIndex now) {
  auto it = sessions_.find(tag.client_id);
  if (it == sessions_.end()) {
    if (sessions_.size() >= limits::sessions_max) {
      const auto lru = by_last_used_.begin();
      sessions_.erase(lru->second);
      by_last_used_.erase(lru);
    }
    it = sessions_.emplace(tag.client_id, Session{0, {}, now}).first;
    by_last_used_.emplace(now, tag.client_id);
  }
  AUCTION_ASSERT(tag.seq > it->second.last_seq, "record() without begin()");
  it->second.last_seq = tag.seq;
  it->second.answer = std::move(answer);
  touch(it->first, it->second, now);
}

void SessionTable::touch(const std::string& client_id, Session& session, raft::LogIndex now) {
  by_last_used_.erase(session.last_used);
  session.last_used = now;
  const bool inserted = by_last_used_.emplace(now, client_id).second;
  AUCTION_ASSERT(inserted, "two sessions used by one log entry");
}

nlohmann::json SessionTable::snapshot() const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [client_id, s] : sessions_) {
    out.push_back({{"client_id", client_id},
                   {"last_seq", s.last_seq},
                   {"answer", s.answer},
                   {"last_used_index", s.last_used.value}});
  }
  return out;
}

Result<SessionTable> SessionTable::restore(const nlohmann::json& value, raft::LogIndex applied) {
  if (!value.is_array()) return fail(code::bad_snapshot, "sessions: must be an array");
  if (value.size() > limits::sessions_max) return fail(code::bad_snapshot, "sessions: too many");
  SessionTable table;
  for (const auto& item : value) {
    FieldReader f(item);
    std::string client_id;
    Session s;
    std::uint64_t last_used = 0;
    f.client_id("client_id", client_id);
    f.uint64("last_seq", s.last_seq, 1, UINT64_MAX);
    f.text("answer", s.answer, 1, SIZE_MAX);
    f.uint64("last_used_index", last_used, 1, applied.value);
    if (auto done = f.finish(); !done) {
      return fail(code::bad_snapshot, "sessions[]: " + done.error().message);
    }
    s.last_used = raft::LogIndex{last_used};
    if (!table.by_last_used_.emplace(s.last_used, client_id).second) {
      return fail(code::bad_snapshot, "sessions[]: two sessions used at one index");
    }
    if (!table.sessions_.emplace(client_id, std::move(s)).second) {
      return fail(code::bad_snapshot, "sessions[]: client " + client_id + " twice");
    }
  }
  return table;
}

}  // namespace auction::platform
