// SessionTable (see auction/platform/detail/session_table.hpp). Pure; never throws.
#include "auction/platform/detail/session_table.hpp"

#include <algorithm>
#include <utility>

#include "auction/base/assert.hpp"
#include "auction/platform/limits.hpp"
#include "platform/entry_reader.hpp"
#include "platform/field_reader.hpp"

namespace auction::platform {

const SessionTable::Session* SessionTable::find(std::string_view user,
                                                std::string_view client_id) const {
  const auto user_it = users_.find(user);
  if (user_it == users_.end()) return nullptr;
  const auto it = user_it->second.find(client_id);
  return it == user_it->second.end() ? nullptr : &it->second;
}

Result<SessionTable::Verdict> SessionTable::judge(std::string_view user,
                                                  const SessionTag& tag) const {
  const Session* session = find(user, tag.client_id);
  if (session == nullptr) {
    if (tag.seq != 1) {
      return fail(code::session_expired, "no session for client " + tag.client_id +
                                             " (it ended); start a new client_id at seq 1");
    }
    return Verdict::execute;
  }
  if (tag.seq < session->last_seq) {
    return fail(code::stale_request, "seq " + std::to_string(tag.seq) + " is older than " +
                                         std::to_string(session->last_seq));
  }
  return tag.seq == session->last_seq ? Verdict::replay : Verdict::execute;
}

Result<std::optional<std::string>> SessionTable::begin(std::string_view user, const SessionTag& tag,
                                                       raft::LogIndex now) {
  auto verdict = judge(user, tag);
  if (!verdict) return std::unexpected(verdict.error());
  if (*verdict == Verdict::execute) return std::nullopt;
  Session& session = users_.find(user)->second.find(tag.client_id)->second;
  session.last_used = now;
  return session.answer;
}

void SessionTable::record(std::string_view user, const SessionTag& tag, std::string answer,
                          raft::LogIndex now) {
  auto user_it = users_.find(user);
  if (user_it == users_.end()) user_it = users_.emplace(std::string(user), UserSessions{}).first;
  UserSessions& sessions = user_it->second;
  auto it = sessions.find(tag.client_id);
  if (it == sessions.end()) {
    if (sessions.size() >= limits::sessions_per_user_max) {
      // Each entry touches at most one session, so last_used values differ: one oldest.
      sessions.erase(std::min_element(
          sessions.begin(), sessions.end(),
          [](const auto& a, const auto& b) { return a.second.last_used < b.second.last_used; }));
    }
    it = sessions.emplace(tag.client_id, Session{0, {}, now}).first;
  }
  AUCTION_ASSERT(tag.seq > it->second.last_seq, "record() without begin()");
  it->second.last_seq = tag.seq;
  it->second.answer = std::move(answer);
  it->second.last_used = now;
}

std::size_t SessionTable::size() const {
  std::size_t n = 0;
  for (const auto& [user, sessions] : users_) n += sessions.size();
  return n;
}

nlohmann::json SessionTable::snapshot() const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [user, sessions] : users_) {
    for (const auto& [client_id, s] : sessions) {
      out.push_back({{"username", user},
                     {"client_id", client_id},
                     {"last_seq", s.last_seq},
                     {"answer", s.answer},
                     {"last_used_index", s.last_used.value}});
    }
  }
  return out;
}

Result<SessionTable> SessionTable::restore(const nlohmann::json& value, raft::LogIndex applied) {
  if (!value.is_array()) return fail(code::bad_snapshot, "sessions: must be an array");
  SessionTable table;
  for (const auto& item : value) {
    FieldReader f(item);
    std::string user;
    std::string client_id;
    Session s;
    std::uint64_t last_used = 0;
    f.username("username", user);
    f.client_id("client_id", client_id);
    f.uint64("last_seq", s.last_seq, 1, UINT64_MAX);
    f.text("answer", s.answer, 1, SIZE_MAX);
    f.uint64("last_used_index", last_used, 1, applied.value);
    if (auto done = f.finish(); !done) {
      return fail(code::bad_snapshot, "sessions[]: " + done.error().message);
    }
    s.last_used = raft::LogIndex{last_used};
    if (auto added = table.add_restored(user, std::move(client_id), std::move(s)); !added) {
      return std::unexpected(added.error());
    }
  }
  return table;
}

Result<void> SessionTable::add_restored(const std::string& user, std::string client_id,
                                        Session session) {
  UserSessions& sessions = users_[user];
  if (sessions.size() >= limits::sessions_per_user_max) {
    return fail(code::bad_snapshot, "sessions[]: more than " +
                                        std::to_string(limits::sessions_per_user_max) +
                                        " sessions of " + user);
  }
  if (sessions.contains(client_id)) {
    return fail(code::bad_snapshot, "sessions[]: client " + client_id + " of " + user + " twice");
  }
  sessions.emplace(std::move(client_id), std::move(session));
  return {};
}

void SessionTable::snapshot_to(EntryWriter& out) const {
  out.uint64(size());
  for (const auto& [user, sessions] : users_) {
    for (const auto& [client_id, s] : sessions) {
      out.text(user);
      out.text(client_id);
      out.uint64(s.last_seq);
      out.text(s.answer);
      out.uint64(s.last_used.value);
    }
  }
}

Result<SessionTable> SessionTable::restore_from(EntryReader& in, raft::LogIndex applied) {
  SessionTable table;
  std::uint64_t count = 0;
  in.uint64("sessions", count, 0, UINT64_MAX);
  for (std::uint64_t i = 0; in.ok() && i < count; ++i) {
    std::string user;
    std::string client_id;
    Session s;
    std::uint64_t last_used = 0;
    in.username("username", user);
    in.client_id("client_id", client_id);
    in.uint64("last_seq", s.last_seq, 1, UINT64_MAX);
    in.text("answer", s.answer, 1, SIZE_MAX);
    in.uint64("last_used_index", last_used, 1, applied.value);
    if (!in.ok()) break;
    s.last_used = raft::LogIndex{last_used};
    if (auto added = table.add_restored(user, std::move(client_id), std::move(s)); !added) {
      return std::unexpected(added.error());
    }
  }
  if (!in.ok()) return fail(code::bad_snapshot, "sessions[]: " + in.finish().error().message);
  return table;
}

}  // namespace auction::platform
