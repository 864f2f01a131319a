// Core: the Raft algorithm (see core.hpp). The structure follows etcd's raft.go so that
// a reader who knows one finds their way in the other: Step() filters by term, then a
// per-role step function handles the message.
#include "auction/raft/core.hpp"

#include <algorithm>
#include <functional>
#include <set>
#include <utility>

#include "auction/base/assert.hpp"
#include "raft/crc32c.hpp"

namespace auction::raft {
namespace {

constexpr NodeId none{0};

// splitmix64: a tiny generator whose output is fixed by its seed on every platform (the
// standard distributions are not), so a seed replays the same elections everywhere.
std::uint64_t next_random(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::string leader_hint(NodeId leader) {
  if (leader == none) return "no known leader";
  return "leader is " + std::to_string(leader.value);
}

}  // namespace

std::string_view to_string(Role role) {
  switch (role) {
    case Role::follower: return "follower";
    case Role::pre_candidate: return "pre_candidate";
    case Role::candidate: return "candidate";
    case Role::leader: return "leader";
  }
  return "unknown";
}

Core::Core(Config config, const LogStorage& storage)
    : config_(std::move(config)), log_(storage), rng_state_(0) {
  AUCTION_ASSERT(config_.id != none, "node id 0 is reserved for 'none'");
  std::set<NodeId> seen{config_.id};
  for (NodeId p : config_.peers) {
    AUCTION_ASSERT(p != none && seen.insert(p).second,
                   "peers must be distinct, non-zero, not self");
  }
  AUCTION_ASSERT(
      config_.heartbeat_ticks >= 1 && config_.election_timeout_ticks > config_.heartbeat_ticks,
      "election timeout must exceed the heartbeat interval");
  AUCTION_ASSERT(!config_.join || config_.peers.empty(), "a joining node has no founding peers");
  AUCTION_ASSERT(config_.inflight_max >= 1 && config_.append_entries_max >= 1 &&
                     config_.messages_max >= 1 && config_.snapshot_chunk_bytes >= 1 &&
                     config_.snapshot_chunks_inflight >= 1,
                 "limits must allow progress");
  // Distinct nodes with the same seed must still draw different timeouts.
  rng_state_ = config_.seed ^ (config_.id.value * 0x9e3779b97f4a7c15ULL);

  const HardState hs = storage.hard_state();
  AUCTION_ASSERT(hs.term.value <= term_max && storage.last_index().value <= log_index_max,
                 "the storage holds a term or index past the bound (FileStorage refuses one)");
  last_hard_state_ = hs;
  durable_term_ = hs.term;
  term_ = hs.term;
  vote_ = hs.has_vote ? hs.vote : none;
  // One sync writes the entries, then the hard state: a torn one may keep entries of a term
  // the hard state does not reach yet. This node was in that term (it held those entries),
  // and may have voted in it: it takes the term, and votes for nobody else in it (as its
  // own vote, which only ever refuses others; it campaigns in later terms only). Otherwise
  // a sole voter could lead the same term twice, with different entries at one index.
  if (log_.last_term() > term_) {
    term_ = log_.last_term();
    vote_ = config_.id;
  }

  // The configuration: the snapshot's, else the founding one; then the log's config entries.
  const SnapshotMeta snapshot = storage.snapshot_meta();
  if (!snapshot.membership.empty()) {
    base_membership_ = snapshot.membership;
    base_membership_index_ = snapshot.index;
  } else if (!config_.join) {
    std::vector<NodeId> founders = config_.peers;
    founders.push_back(config_.id);
    base_membership_ = voters_of(std::move(founders));
  }
  constexpr std::size_t scan_bytes = 4 << 20;
  for (LogIndex lo = std::max(storage.first_index(), LogIndex{base_membership_index_.value + 1});
       lo <= storage.last_index();) {
    auto batch = storage.entries(lo, LogIndex{storage.last_index().value + 1}, scan_bytes);
    AUCTION_ASSERT(batch.has_value() && !batch->empty(), "the storage's log cannot be read");
    for (const Entry& e : *batch) {
      if (e.type != EntryType::config) continue;
      auto membership = decode_membership(e.data);
      AUCTION_ASSERT(membership.has_value(), "a config entry in storage does not decode");
      config_entries_.push_back(ConfigEntry{e.index, e.term, std::move(*membership)});
    }
    lo = LogIndex{batch->back().index.value + 1};
  }
  update_membership();

  become_follower(term_, none);
  if (config_.pre_vote && config_.check_quorum && membership_.is_voter(config_.id) &&
      membership_.voter_count() > 1) {
    // A node that (re)starts has heard from no leader for as long as it was down: it waits
    // only the random part of its election timeout before it asks (etcd's initial election
    // tick advance), so a cluster restarted whole elects a leader about one election timeout
    // sooner. Pre-vote with the leader lease makes that harmless: while the others hear a
    // leader, they refuse its pre-vote (without check_quorum there is no lease: no advance).
    election_elapsed_ = config_.election_timeout_ticks - 1;
  }
}

HardState Core::hard_state() const {
  return HardState{term_, vote_, vote_ != none, log_.committed()};
}

const Progress* Core::progress(NodeId peer) const {
  auto it = progress_.find(peer);
  return it == progress_.end() ? nullptr : &it->second;
}

// ---- roles ----------------------------------------------------------------------------

void Core::reset(Term term) {
  if (term_ != term) {
    term_ = term;
    vote_ = none;
  }
  leader_ = none;
  election_elapsed_ = 0;
  heartbeat_elapsed_ = 0;
  reset_randomized_timeout();
  votes_.clear();
  progress_.clear();
  transferee_ = none;
  uncommitted_bytes_ = 0;
  drop_reads();
  read_round_ = 0;
}

void Core::become_follower(Term term, NodeId leader) {
  reset(term);
  role_ = Role::follower;
  leader_ = leader;
}

void Core::become_pre_candidate() {
  AUCTION_ASSERT(role_ != Role::leader, "a leader does not campaign");
  // §9.6: pre-vote changes neither term nor vote; only the role and the tally.
  role_ = Role::pre_candidate;
  votes_.clear();
  leader_ = none;
}

void Core::become_candidate() {
  AUCTION_ASSERT(role_ != Role::leader, "a leader does not campaign");
  reset(Term{term_.value + 1});
  vote_ = config_.id;
  role_ = Role::candidate;
  ++elections_started_;
}

void Core::become_leader() {
  AUCTION_ASSERT(role_ == Role::candidate, "only a candidate becomes leader");
  reset(term_);
  receiving_.reset();  // a leader receives no snapshot
  role_ = Role::leader;
  leader_ = config_.id;
  const LogIndex next{log_.last_index().value + 1};
  auto [self, inserted] = progress_.try_emplace(config_.id, next, config_.inflight_max);
  // The leader's own match index counts only what is durable (§10.2.1): it is raised in
  // advance() as persists complete.
  self->second.on_matched(log_.persisted_index());
  self->second.become_replicate();
  has_led_a_round_ = false;
  track_members();
  // §5.4.2 and §8: a leader commits an entry of its own term before anything older counts
  // as committed; the no-op makes that happen without waiting for a client.
  append_entry(EntryType::noop, {});
  // A log that records no configuration yet (a new cluster, or one written before membership
  // changes) gets the founding one as an entry: from then on every node's configuration is
  // in its log or snapshot, and no longer depends on what its Config::peers say.
  if (config_.record_founding_membership && membership_index_.value == 0) {
    append_entry(EntryType::config, encode_membership(membership_));
  }
  broadcast_append();
}

void Core::reset_randomized_timeout() {
  const auto span = static_cast<std::uint64_t>(config_.election_timeout_ticks);
  randomized_timeout_ =
      config_.election_timeout_ticks + static_cast<int>(next_random(rng_state_) % span);
}

bool Core::is_quorum(std::size_t count) const { return count > membership_.voter_count() / 2; }

bool Core::accepts(const Message& m) const {
  if (m.type == MessageType::vote || m.type == MessageType::pre_vote) {
    // A node that knows no configuration yet (one waiting to join) answers nobody: it holds
    // no log, and a candidate that counts it as a voter could only be one that knows a
    // configuration it never saw -- a founding member started on an empty data directory
    // whose cluster file already lists the nodes waiting to join, which must not win with
    // their votes.
    if (membership_.empty()) return false;
    if (membership_.is_voter(m.from)) return true;
    // A candidate that is no voter of our configuration is most likely a removed node that
    // does not know it, and must not move anyone's term (§4.2.3). Unless ours is the stale
    // configuration: we are not in it ourselves (removed, and since added again: whoever
    // asks for our vote counts us), or the candidate's log is ahead of ours (it may hold the
    // entry that made it a voter). Refusing then could leave a cluster without a leader.
    const bool is_ahead = m.log_term > log_.last_term() ||
                          (m.log_term == log_.last_term() && m.index > log_.last_index());
    return !membership_.contains(config_.id) || is_ahead;
  }
  // Everything else is taken from anyone (the transport checked that the sender holds a
  // member's certificate): a leader is the leader whatever our configuration says, as ours
  // may be stale or not yet known (§4.2: a new server must hear the leader that adds it),
  // and answers count only where a leader or a candidate tracks the sender.
  return true;
}

// ---- membership -----------------------------------------------------------------------

Membership Core::membership_at(LogIndex index) const {
  AUCTION_ASSERT(index >= base_membership_index_, "a configuration before the snapshot");
  for (auto it = config_entries_.rbegin(); it != config_entries_.rend(); ++it) {
    if (it->index <= index) return it->membership;
  }
  return base_membership_;
}

void Core::note_config_entries(std::span<const Entry> entries) {
  // Called for every entry batch appended: only a change recomputes the configuration.
  bool is_changed = forget_overwritten_config_entries();
  for (const Entry& e : entries) {
    if (e.type != EntryType::config) continue;
    const LogIndex known =
        config_entries_.empty() ? base_membership_index_ : config_entries_.back().index;
    // Entries the log held already were noted when they arrived (anything the message
    // overwrote went in forget_overwritten_config_entries()).
    if (e.index <= known || !log_.matches(e.index, e.term)) continue;
    auto membership = decode_membership(e.data);
    AUCTION_ASSERT(membership.has_value(), "decode() let an invalid config entry through");
    config_entries_.push_back(ConfigEntry{e.index, e.term, std::move(*membership)});
    is_changed = true;
  }
  if (is_changed) update_membership();
}

bool Core::forget_overwritten_config_entries() {
  bool is_changed = false;
  while (!config_entries_.empty()) {
    const ConfigEntry& last = config_entries_.back();
    const auto term = log_.term(last.index);
    // Below the log (compacted) it was committed, and so never overwritten.
    const bool is_held = term ? *term == last.term : term.error().code == code::compacted;
    if (is_held) break;
    config_entries_.pop_back();
    is_changed = true;
  }
  return is_changed;
}

void Core::fold_compacted_config_entries() {
  // Entries the log discarded are in a snapshot: the latest of them becomes the base, so the
  // list stays as short as the log (however many changes a long life brings).
  while (!config_entries_.empty() && config_entries_.front().index < log_.first_index()) {
    base_membership_ = std::move(config_entries_.front().membership);
    base_membership_index_ = config_entries_.front().index;
    config_entries_.erase(config_entries_.begin());
  }
}

void Core::update_membership() {
  ++membership_version_;
  if (config_entries_.empty()) {
    membership_ = base_membership_;
    membership_index_ = base_membership_index_;
  } else {
    membership_ = config_entries_.back().membership;
    membership_index_ = config_entries_.back().index;
  }
  if (role_ != Role::leader) return;
  track_members();
  if (!membership_.is_voter(transferee_)) transferee_ = none;
  // Without a slow voter, a majority may hold more already (the caller broadcasts).
  maybe_commit();
}

void Core::track_members() {
  // A leader replicates to every member of the configuration in effect, and counts only
  // its voters (§4.1: from the moment the entry is in its log). A member new to it starts
  // probing from the end of its log.
  const LogIndex next{log_.last_index().value + 1};
  for (NodeId p : membership_.others(config_.id)) {
    progress_.try_emplace(p, next, config_.inflight_max);
  }
  std::erase_if(progress_, [&](const auto& item) {
    return item.first != config_.id && !membership_.contains(item.first);
  });
}

bool Core::in_lease() const {
  return config_.check_quorum && leader_ != none &&
         election_elapsed_ < config_.election_timeout_ticks;
}

void Core::campaign(bool pre, bool is_transfer) {
  // Past the bounds (types.hpp) no peer would decode our vote request, or our entries as
  // leader: 2^48 is unreachable by real elections, so only a forged term puts us here.
  if (term_.value >= term_max || log_.last_index().value >= log_index_max) return;
  // Only a voter campaigns (a late TimeoutNow may reach a node removed or never promoted).
  if (!membership_.is_voter(config_.id)) return;
  Term vote_term;
  if (pre) {
    become_pre_candidate();
    vote_term = Term{term_.value + 1};
  } else {
    become_candidate();
    vote_term = term_;
  }
  votes_[config_.id] = true;
  if (is_quorum(1)) {
    // A sole voter wins with its own vote, once that vote is durable (advance()): a node
    // that led a term it then lost in a crash could lead the same term again.
    if (pre) campaign(false);
    return;
  }
  for (NodeId p : membership_.voters()) {
    if (p == config_.id) continue;
    Message m;
    m.type = pre ? MessageType::pre_vote : MessageType::vote;
    m.to = p;
    m.term = vote_term;
    m.index = log_.last_index();
    m.log_term = log_.last_term();
    if (is_transfer) m.context = vote_context_transfer;
    // A real vote request carries this node's vote for itself, which must be durable
    // first (or a restarted node could vote twice in this term); a pre-vote promises
    // nothing.
    if (pre) {
      send(std::move(m));
    } else {
      send_after_persist(std::move(m));
    }
  }
}

// ---- time -----------------------------------------------------------------------------

void Core::report_unreachable(NodeId peer) {
  if (role_ != Role::follower || peer == none || peer != leader_) return;
  leader_ = none;  // no leader, no lease: we grant the other followers' (pre-)votes
  const auto span = static_cast<std::uint64_t>(std::max(1, config_.election_timeout_ticks / 3));
  const int delay = 1 + static_cast<int>(next_random(rng_state_) % span);
  election_elapsed_ = std::max(election_elapsed_, randomized_timeout_ - delay);
}

void Core::tick() {
  ++election_elapsed_;
  if (role_ != Role::leader) {
    if (election_elapsed_ >= randomized_timeout_) {
      if (membership_.is_voter(config_.id)) {
        election_elapsed_ = 0;
        campaign(config_.pre_vote);
      } else {
        // Learners and nodes outside the configuration wait to be told (§4.2.1); their
        // lease on a silent leader runs out as a voter's does, so they answer a candidate
        // that counts them as voters (a promotion they have not received yet).
        election_elapsed_ = randomized_timeout_;
      }
    }
    return;
  }
  if (election_elapsed_ >= config_.election_timeout_ticks) {
    election_elapsed_ = 0;
    // A transfer that did not end in an election timeout is given up (the target may be
    // down or cut off): this leader takes proposals again.
    transferee_ = none;
    std::size_t active = 0;
    for (auto& [id, pr] : progress_) {
      if (membership_.is_voter(id) && (id == config_.id || pr.recent_active)) ++active;
      pr.recent_active = false;
    }
    has_led_a_round_ = true;
    // §6.2: a leader that has not heard from a majority for an election timeout may be cut
    // off; it steps down so clients look for the real leader.
    if (config_.check_quorum && !is_quorum(active)) {
      become_follower(term_, none);
      return;
    }
  }
  for (auto& [id, pr] : progress_) {
    pr.on_tick();
    SnapshotTransfer* t = pr.snapshot_transfer();
    if (t == nullptr || ++t->idle_ticks < config_.election_timeout_ticks) continue;
    // Nothing acknowledged for an election timeout: chunks or answers were lost (or the
    // connection dropped). Send again from the last byte the follower acknowledged.
    t->idle_ticks = 0;
    t->sent = t->acked;
    t->last_sent = false;
    send_snapshot_chunks(id, pr);
  }
  if (++heartbeat_elapsed_ >= config_.heartbeat_ticks) {
    heartbeat_elapsed_ = 0;
    // Reads still unconfirmed ride a fresh round; the last one may have been lost.
    const bool committed_in_term = log_.term(log_.committed()) == Result<Term>(term_);
    if (!reads_.empty() && committed_in_term) {
      start_read_round();
    } else {
      broadcast_heartbeat();
    }
  }
}

// ---- messages -------------------------------------------------------------------------

void Core::step(const Message& m) {
  if (m.to != config_.id || m.from == config_.id || !accepts(m)) return;

  if (m.term > term_) {
    const bool is_vote_request = m.type == MessageType::vote || m.type == MessageType::pre_vote;
    // Leader lease (§6.2, §9.6): while we hear from a leader, a (pre-)candidate is most
    // likely a node that was cut off; ignoring it keeps the healthy leader in place. Unless
    // that leader asked it to campaign (TimeoutNow, §3.10).
    const bool is_transfer = m.type == MessageType::vote && m.context == vote_context_transfer;
    if (is_vote_request && in_lease() && !is_transfer) return;
    if (m.type == MessageType::pre_vote ||
        (m.type == MessageType::pre_vote_response && !m.reject)) {
      // A pre-vote and its grant speak of a term nobody has entered yet.
    } else if (m.type == MessageType::append || m.type == MessageType::heartbeat ||
               m.type == MessageType::install_snapshot) {
      become_follower(m.term, m.from);
    } else {
      become_follower(m.term, none);
    }
  } else if (m.term < term_) {
    if (m.type == MessageType::append || m.type == MessageType::heartbeat ||
        m.type == MessageType::install_snapshot) {
      // A deposed leader learns our term from this answer and steps down (Figure 2: the
      // reply carries currentTerm). It may hear higher terms no other way: pre-vote and the
      // lease keep candidates from raising terms, and a node that campaigns while the
      // leader counts it as a non-voter is not listened to (accepts()).
      Message resp;
      resp.type = MessageType::append_response;
      resp.to = m.from;
      send(std::move(resp));
    } else if (m.type == MessageType::pre_vote) {
      Message resp;
      resp.type = MessageType::pre_vote_response;
      resp.to = m.from;
      resp.reject = true;
      send(std::move(resp));
    }
    return;
  }

  if (m.type == MessageType::vote || m.type == MessageType::pre_vote) {
    handle_vote_request(m);
    return;
  }
  switch (role_) {
    case Role::leader: step_leader(m); break;
    case Role::pre_candidate:
    case Role::candidate: step_candidate(m); break;
    case Role::follower: step_follower(m); break;
  }
}

void Core::handle_vote_request(const Message& m) {
  const bool pre = m.type == MessageType::pre_vote;
  // One vote per term (§5.2): the same candidate may ask again; a node that knows a
  // leader in this term does not vote. A pre-vote for a later term binds nothing.
  const bool can_vote =
      vote_ == m.from || (vote_ == none && leader_ == none) || (pre && m.term > term_);
  Message resp;
  resp.type = pre ? MessageType::pre_vote_response : MessageType::vote_response;
  resp.to = m.from;
  // §5.4.1: only a candidate whose log is at least as up-to-date as ours gets our vote.
  if (can_vote && log_.is_up_to_date(m.index, m.log_term)) {
    resp.term = m.term;
    if (pre) {
      send(std::move(resp));
    } else {
      election_elapsed_ = 0;
      vote_ = m.from;
      send_after_persist(std::move(resp));
    }
  } else {
    resp.term = term_;
    resp.reject = true;
    if (pre) {
      send(std::move(resp));
    } else {
      send_after_persist(std::move(resp));
    }
  }
}

void Core::step_follower(const Message& m) {
  switch (m.type) {
    case MessageType::append:
      election_elapsed_ = 0;
      leader_ = m.from;
      handle_append(m);
      break;
    case MessageType::heartbeat:
      election_elapsed_ = 0;
      leader_ = m.from;
      handle_heartbeat(m);
      break;
    case MessageType::install_snapshot:
      election_elapsed_ = 0;
      leader_ = m.from;
      handle_snapshot_chunk(m);
      break;
    case MessageType::timeout_now:
      // Only our leader of this term hands leadership over (step() filtered the term).
      // §3.10: no pre-vote (the leader vouches that we are up to date), and our vote
      // requests ask the voters to set their lease aside.
      if (m.from == leader_) campaign(/*pre=*/false, /*is_transfer=*/true);
      break;
    default: break;  // late answers to an earlier candidacy or leadership
  }
}

void Core::step_candidate(const Message& m) {
  const MessageType answer =
      role_ == Role::pre_candidate ? MessageType::pre_vote_response : MessageType::vote_response;
  if (m.type == MessageType::append || m.type == MessageType::heartbeat ||
      m.type == MessageType::install_snapshot) {
    // Someone won this term (§5.2).
    become_follower(term_, m.from);
    step_follower(m);
    return;
  }
  if (m.type != answer || !membership_.is_voter(m.from)) return;
  votes_.try_emplace(m.from, !m.reject);
  std::size_t granted = 0;
  std::size_t rejected = 0;
  for (const auto& [id, yes] : votes_) ++(yes ? granted : rejected);
  if (is_quorum(granted)) {
    if (role_ == Role::pre_candidate) {
      campaign(false);
    } else {
      become_leader();
    }
  } else if (is_quorum(rejected)) {
    become_follower(term_, none);
  }
}

void Core::handle_append(const Message& m) {
  Message resp;
  resp.type = MessageType::append_response;
  resp.to = m.from;
  if (m.index < log_.committed()) {
    // Old news: everything up to our commit index matches the leader's log.
    resp.index = log_.committed();
  } else if (auto last = log_.maybe_append(m.index, m.log_term, m.commit, m.entries)) {
    resp.index = *last;
    note_config_entries(m.entries);
  } else {
    // §5.3 with fast backtracking: tell the leader the last index that can possibly match
    // and its term, so it can skip every entry of a term we do not share.
    resp.reject = true;
    resp.index = m.index;
    auto [hint, hint_term] =
        log_.find_conflict_by_term(std::min(m.index, log_.last_index()), m.log_term);
    resp.reject_hint = hint;
    resp.log_term = hint_term;
  }
  // A snapshot half received is of no use once entries brought us past it.
  if (receiving_ && log_.committed() >= receiving_->meta.index) receiving_.reset();
  // The answer acknowledges entries: they must be durable first.
  send_after_persist(std::move(resp));
}

void Core::handle_heartbeat(const Message& m) {
  Message resp;
  resp.type = MessageType::heartbeat_response;
  resp.to = m.from;
  resp.context = m.context;
  // The leader sends min(match, commit) and that entry's term. We commit it only if we hold
  // that very entry: a log that is not what we acknowledged (a data directory wiped, or
  // restored from an old copy) must not commit what nobody checked against the leader's.
  if (log_.matches(m.commit, m.log_term)) {
    log_.commit_to(m.commit);
  } else if (m.commit > log_.last_index()) {
    // The leader believes we hold entries we do not: we lost what we acknowledged. Say where
    // our log ends, so it looks for where the logs agree again (Progress::on_log_lost).
    resp.reject = true;
    resp.index = log_.last_index();
  }
  send(std::move(resp));
}

void Core::step_leader(const Message& m) {
  auto it = progress_.find(m.from);
  if (it == progress_.end()) return;
  Progress& pr = it->second;
  switch (m.type) {
    case MessageType::append_response:
      pr.on_heard();
      handle_append_response(m, pr);
      if (m.from == transferee_ && pr.match() == log_.last_index()) send_timeout_now(m.from);
      break;
    case MessageType::heartbeat_response:
      pr.on_heard();
      handle_heartbeat_response(m, pr);
      break;
    case MessageType::snapshot_response:
      pr.on_heard();
      handle_snapshot_response(m, pr);
      break;
    default: break;
  }
}

void Core::handle_append_response(const Message& m, Progress& pr) {
  if (m.reject) {
    LogIndex probe_to = m.reject_hint;
    if (m.log_term.value > 0) {
      // The follower's entry at reject_hint has term log_term; our last entry with a term
      // <= that is the first place the logs can agree. One round trip per term, not
      // per entry.
      probe_to = log_.find_conflict_by_term(m.reject_hint, m.log_term).first;
    }
    if (pr.on_rejected(m.index, probe_to)) {
      if (pr.state() == ProgressState::replicate) pr.become_probe();
      maybe_send_append(m.from, true);
    }
    return;
  }
  if (m.index > log_.last_index()) return;  // acknowledges what we never sent
  const bool updated = pr.on_matched(m.index);
  if (const SnapshotTransfer* t = pr.snapshot_transfer();
      t != nullptr && pr.match() >= t->snapshot->meta.index) {
    // The follower holds the snapshot (or got far enough another way): back to entries.
    pr.become_probe();
  }
  if (updated && pr.state() == ProgressState::probe) pr.become_replicate();
  if (updated && maybe_commit()) {
    broadcast_append();
  }
  // Acknowledgements free the window: keep the pipeline full.
  while (maybe_send_append(m.from, false)) {}
}

void Core::handle_heartbeat_response(const Message& m, Progress& pr) {
  if (m.reject && m.index < pr.match()) {
    // The follower's log ends below what it acknowledged: its data directory was wiped or
    // replaced (or this answer is older than a later acknowledgement, which costs only a
    // probe). Its rejections would all look stale against `match`, so find where the logs
    // agree again from where its log ends; entries or the snapshot follow.
    pr.on_log_lost(m.index);
  }
  pr.on_heartbeat_response();
  // A follower behind us gets an AppendEntries even if we have nothing new to send past
  // `next`: if earlier ones were lost, its rejection puts it back into probe.
  if (pr.match() < log_.last_index()) maybe_send_append(m.from, true);
  if (m.context > pr.read_round_acked && m.context <= read_round_) {
    pr.read_round_acked = m.context;
    on_read_round_acked();
  }
}

// ---- replication ----------------------------------------------------------------------

void Core::append_entry(EntryType type, std::string data) {
  uncommitted_bytes_ += data.size();
  Entry e{term_, LogIndex{log_.last_index().value + 1}, type, std::move(data)};
  log_.append(std::span<const Entry>(&e, 1));
  if (type == EntryType::config) note_config_entries(std::span<const Entry>(&e, 1));
}

bool Core::maybe_send_append(NodeId to, bool send_if_empty) {
  Progress& pr = progress_.at(to);
  if (pr.state() == ProgressState::snapshot) {
    send_snapshot_chunks(to, pr);
    return false;
  }
  if (pr.is_paused()) return false;
  const LogIndex prev{pr.next().value - 1};
  auto prev_term = log_.term(prev);
  if (!prev_term) {
    // The entries the follower needs were compacted away: it gets our snapshot instead.
    // Without one readable now, the next heartbeat answer tries again.
    auto snapshot = log_.snapshot();
    if (!snapshot || *snapshot == nullptr) return false;
    pr.become_snapshot(std::move(*snapshot));
    send_snapshot_chunks(to, pr);
    return false;
  }
  const LogIndex last = log_.last_index();
  std::vector<Entry> ents;
  if (pr.next() <= last) {
    const LogIndex hi{std::min(last.value + 1, pr.next().value + config_.append_entries_max)};
    ents = log_.entries(pr.next(), hi, config_.append_bytes_max);
  }
  if (ents.empty() && !send_if_empty) return false;
  Message m;
  m.type = MessageType::append;
  m.to = to;
  m.index = prev;
  m.log_term = *prev_term;
  m.commit = log_.committed();
  pr.on_sent(ents.empty() ? prev : ents.back().index, ents.size());
  m.entries = std::move(ents);
  send(std::move(m));
  return true;
}

void Core::send_snapshot_chunks(NodeId to, Progress& pr) {
  SnapshotTransfer& t = *pr.snapshot_transfer();
  const Snapshot& snapshot = *t.snapshot;
  const std::uint64_t size = snapshot.data.size();
  const std::uint64_t window =
      std::uint64_t{config_.snapshot_chunk_bytes} * config_.snapshot_chunks_inflight;
  // An empty snapshot still goes out as one (empty) chunk.
  while (!t.last_sent && t.sent - t.acked < window) {
    const std::uint64_t length =
        std::min<std::uint64_t>(config_.snapshot_chunk_bytes, size - t.sent);
    Message m;
    m.type = MessageType::install_snapshot;
    m.to = to;
    m.index = snapshot.meta.index;
    m.log_term = snapshot.meta.term;
    m.commit = log_.committed();
    m.context = t.sent;
    m.snapshot_bytes = size;
    m.snapshot_checksum = snapshot.checksum;
    m.data = snapshot.data.substr(t.sent, length);
    m.snapshot_membership = snapshot.meta.membership;
    send(std::move(m));
    t.sent += length;
    t.last_sent = t.sent == size;
  }
}

void Core::handle_snapshot_response(const Message& m, Progress& pr) {
  SnapshotTransfer* t = pr.snapshot_transfer();
  if (t == nullptr || m.index != t->snapshot->meta.index || m.log_term != t->snapshot->meta.term ||
      m.context > t->snapshot->data.size()) {
    return;  // about a transfer that ended or another snapshot
  }
  if (m.reject) {
    // A chunk went missing, or the follower started over: resend from what it holds.
    t->sent = t->acked = m.context;
    t->last_sent = false;
  } else if (m.context > t->acked) {
    t->acked = m.context;
    t->idle_ticks = 0;
    // It may hold more than we sent: what an earlier leader sent of the same snapshot.
    if (t->sent < t->acked) {
      t->sent = t->acked;
      t->last_sent = t->sent == t->snapshot->data.size();
    }
  }
  send_snapshot_chunks(m.from, pr);
}

void Core::answer_chunk(const Message& chunk, std::uint64_t held, bool reject) {
  Message resp;
  resp.type = MessageType::snapshot_response;
  resp.to = chunk.from;
  resp.index = chunk.index;
  resp.log_term = chunk.log_term;
  resp.context = held;
  resp.reject = reject;
  // It promises nothing durable: the chunks live in memory until the snapshot is whole.
  send(std::move(resp));
}

void Core::handle_snapshot_chunk(const Message& m) {
  if (m.index <= log_.committed()) {
    // We already hold everything it covers: tell the leader how far we are, as for an
    // AppendEntries that brings nothing new; it goes back to sending entries.
    receiving_.reset();
    answer_held(m.from, log_.committed());
    return;
  }
  const SnapshotMeta meta{m.index, m.log_term, m.snapshot_membership};
  const bool is_same = receiving_ && receiving_->meta == meta &&
                       receiving_->size == m.snapshot_bytes &&
                       receiving_->checksum == m.snapshot_checksum;
  if (!is_same) {
    // Bigger than we agreed to hold in memory: not even started (the leader's window of
    // chunks goes unanswered, and it tries again on silence).
    if (m.snapshot_bytes > config_.snapshot_bytes_max) return;
    if (m.context != 0) {
      answer_chunk(m, 0, /*reject=*/true);  // a snapshot we have no start of
      return;
    }
    receiving_ = SnapshotReceipt{meta, m.snapshot_bytes, m.snapshot_checksum, {}, 0};
  }
  SnapshotReceipt& r = *receiving_;
  if (m.context != r.data.size()) {
    // Ahead of what we hold: a chunk went missing, send again from here. Behind: a
    // duplicate, nothing to do but say where we are.
    answer_chunk(m, r.data.size(), /*reject=*/m.context > r.data.size());
    return;
  }
  r.data += m.data;
  r.crc = crc32c(m.data, r.crc);
  if (r.data.size() < r.size) {
    answer_chunk(m, r.data.size(), /*reject=*/false);
    return;
  }
  if (r.crc != r.checksum) {
    // Damaged on the way (decode() bounds every chunk, so only the bytes can be wrong):
    // start over rather than install it.
    receiving_.reset();
    answer_chunk(m, 0, /*reject=*/true);
    return;
  }
  auto snapshot = std::make_shared<Snapshot>(Snapshot{meta, std::move(r.data), r.checksum});
  receiving_.reset();
  restore(std::move(snapshot), m.from);
}

void Core::restore(std::shared_ptr<const Snapshot> snapshot, NodeId leader) {
  const SnapshotMeta meta = snapshot->meta;
  if (log_.matches(meta.index, meta.term)) {
    // Our log already holds the snapshot's last entry, so everything before it too (log
    // matching, §5.3): it only tells us that much is committed.
    log_.commit_to(meta.index);
  } else {
    log_.restore(std::move(snapshot));
    // The log is gone: the snapshot's configuration is all there is (a snapshot that
    // records none, from a leader older than membership changes, leaves ours as it is).
    base_membership_ = meta.membership.empty() ? membership_ : meta.membership;
    base_membership_index_ = meta.index;
    config_entries_.clear();
    update_membership();
  }
  // It says we hold the snapshot: only true once it is installed and durable.
  answer_held(leader, meta.index);
}

void Core::answer_held(NodeId leader, LogIndex index) {
  Message resp;
  resp.type = MessageType::append_response;
  resp.to = leader;
  resp.index = index;
  send_after_persist(std::move(resp));
}

void Core::broadcast_append() {
  // A leader tracks every member of the configuration in effect, itself included.
  for (const auto& [p, pr] : progress_) {
    if (p != config_.id) maybe_send_append(p, true);
  }
}

void Core::broadcast_heartbeat() {
  for (const auto& [p, pr] : progress_) {
    if (p == config_.id) continue;
    Message m;
    m.type = MessageType::heartbeat;
    m.to = p;
    // Never tell a follower to commit past what it is known to share with us, and name the
    // entry, so a follower that does not hold it commits nothing (handle_heartbeat). Below
    // our log (compacted): no commit index at all.
    const LogIndex commit = std::min(pr.match(), log_.committed());
    if (auto term = log_.term(commit)) {
      m.commit = commit;
      m.log_term = *term;
    }
    m.context = read_round_;
    send(std::move(m));
  }
}

bool Core::maybe_commit() {
  // The highest index a majority of the voters hold.
  std::vector<LogIndex> matches;
  matches.reserve(progress_.size());
  for (const auto& [id, pr] : progress_) {
    if (membership_.is_voter(id)) matches.push_back(pr.match());
  }
  if (matches.empty()) return false;
  std::sort(matches.begin(), matches.end(), std::greater<>());
  const LogIndex candidate = matches[matches.size() / 2];
  if (candidate <= log_.committed()) return false;
  // Figure 8 (§5.4.2): only an entry of the current term is committed by counting
  // replicas; older entries become committed with it.
  if (log_.term(candidate) != Result<Term>(term_)) return false;
  log_.commit_to(candidate);
  // The first commit of a term releases reads that waited for the no-op (§6.4).
  if (!reads_.empty() && reads_.front().round == 0) start_read_round();
  return true;
}

// ---- proposals and reads --------------------------------------------------------------

Result<ProposalTicket> Core::propose(std::string data) {
  if (role_ != Role::leader) return fail(code::not_leader, leader_hint(leader_));
  if (transferee_ != none) {
    // Nothing is proposed: what is proposed now could only delay the handover.
    return fail(code::not_leader,
                "leadership is being handed to " + std::to_string(transferee_.value));
  }
  if (data.size() > config_.entry_bytes_max) {
    return fail(code::too_large, "proposal exceeds entry_bytes_max");
  }
  // Always admit one proposal when nothing is outstanding, so a large entry cannot
  // starve forever (etcd's increaseUncommittedSize).
  if (uncommitted_bytes_ > 0 && !data.empty() &&
      uncommitted_bytes_ + data.size() > config_.uncommitted_bytes_max) {
    return fail(code::overloaded, "too many uncommitted proposal bytes");
  }
  if (log_.last_index().value >= log_index_max) {
    return fail(code::limit_exceeded, "the log reached its last index, 2^48");
  }
  append_entry(EntryType::normal, std::move(data));
  const ProposalTicket ticket{log_.last_index(), term_};
  broadcast_append();
  return ticket;
}

Result<ProposalTicket> Core::propose_membership(const MembershipChange& change) {
  if (role_ != Role::leader) return fail(code::not_leader, leader_hint(leader_));
  if (transferee_ != none) {
    return fail(code::not_leader,
                "leadership is being handed to " + std::to_string(transferee_.value));
  }
  // One change at a time (§4.1): the next may start once the last is committed.
  if (membership_index_ > log_.committed()) {
    return fail(code::change_in_progress, "the last membership change (entry " +
                                              std::to_string(membership_index_.value) +
                                              ") is not committed yet");
  }
  // §4.1's fix: until an entry of this term commits, a change committed by an earlier leader
  // may be unknown here, and a second change could skip it.
  if (log_.term(log_.committed()) != Result<Term>(term_)) {
    return fail(code::change_in_progress, "this leader has not committed an entry of its term yet");
  }
  if (change.type == MembershipChangeType::remove && change.id == config_.id) {
    return fail(code::invalid_argument,
                "the leader cannot remove itself: hand leadership over first");
  }
  auto next = apply_change(membership_, change);
  if (!next) return std::unexpected(next.error());
  // The new configuration takes effect at once: if this leader does not hear from a majority
  // of its voters, nothing could commit -- not even the change, nor one that undoes it.
  std::size_t reachable = 0;
  for (NodeId voter : next->voters()) {
    const auto it = progress_.find(voter);
    const bool answered_lately =
        it != progress_.end() && it->second.quiet_ticks() < config_.election_timeout_ticks;
    if (voter == config_.id || answered_lately) ++reachable;
  }
  if (reachable <= next->voter_count() / 2) {
    // A leader that took over moments ago may not have heard yet from members that can
    // answer: that is no proof they cannot.
    if (!has_led_a_round_) {
      return fail(code::change_in_progress,
                  "this leader took over less than an election timeout ago and has heard from "
                  "only " +
                      std::to_string(reachable) + " of the " + std::to_string(next->voter_count()) +
                      " voters the change would leave");
    }
    return fail(code::no_quorum, "only " + std::to_string(reachable) + " of the " +
                                     std::to_string(next->voter_count()) +
                                     " voters it would have answer this leader");
  }
  if (change.type == MembershipChangeType::promote) {
    // A learner that lags would make the new majority wait for it (§4.2.1): it must be
    // taking entries in sequence (never heard from, or still probing: no) and be within one
    // pipeline window of the log's end.
    const auto it = progress_.find(change.id);
    const std::uint64_t window = std::uint64_t{config_.append_entries_max} * config_.inflight_max;
    if (it != progress_.end() && (it->second.state() != ProgressState::replicate ||
                                  it->second.match().value + window < log_.last_index().value)) {
      return fail(code::not_caught_up, "node " + std::to_string(change.id.value) +
                                           " holds the log up to " +
                                           std::to_string(it->second.match().value) + " of " +
                                           std::to_string(log_.last_index().value));
    }
  }
  if (log_.last_index().value >= log_index_max) {
    return fail(code::limit_exceeded, "the log reached its last index, 2^48");
  }
  append_entry(EntryType::config, encode_membership(*next));
  const ProposalTicket ticket{log_.last_index(), term_};
  broadcast_append();
  return ticket;
}

Result<void> Core::transfer_leadership(NodeId target) {
  if (role_ != Role::leader) return fail(code::not_leader, leader_hint(leader_));
  if (target == none) {
    // The most up-to-date voter: it needs the fewest entries before TimeoutNow.
    for (NodeId p : membership_.voters()) {
      if (p == config_.id) continue;
      if (target == none || progress_.at(p).match() > progress_.at(target).match()) target = p;
    }
    if (target == none) return fail(code::invalid_argument, "no other voter to lead");
  } else if (target == config_.id || !membership_.is_voter(target)) {
    return fail(code::invalid_argument,
                "node " + std::to_string(target.value) + " is not another voter");
  }
  if (transferee_ == target) return {};
  transferee_ = target;
  // The transfer has one election timeout (tick()).
  election_elapsed_ = 0;
  const Progress& pr = progress_.at(target);
  if (pr.match() == log_.last_index()) {
    send_timeout_now(target);
  } else {
    maybe_send_append(target, true);
  }
  return {};
}

LogIndex Core::snapshot_transfer_floor() const {
  LogIndex floor{log_index_max};
  for (const auto& [id, pr] : progress_) {
    if (pr.state() == ProgressState::snapshot) {
      floor = std::min(floor, pr.snapshot_transfer()->snapshot->meta.index);
    }
  }
  return floor;
}

void Core::send_timeout_now(NodeId to) {
  Message m;
  m.type = MessageType::timeout_now;
  m.to = to;
  send(std::move(m));
}

Result<void> Core::read_index(std::uint64_t context) {
  if (role_ != Role::leader) return fail(code::not_leader, leader_hint(leader_));
  if (reads_.size() + reads_confirmed_.size() >= config_.reads_pending_max) {
    return fail(code::overloaded, "too many reads pending");
  }
  const bool round_in_flight = !reads_.empty() && reads_.front().round != 0;
  reads_.push_back(PendingRead{context, LogIndex{0}, 0});
  // Until the no-op of this term is committed our commit index may lag behind what an
  // earlier leader committed; the read waits (maybe_commit() starts its round).
  const bool committed_in_term = log_.term(log_.committed()) == Result<Term>(term_);
  // Reads arriving while a round is out join the next one: one heartbeat round serves
  // a batch.
  if (committed_in_term && !round_in_flight) start_read_round();
  return {};
}

void Core::start_read_round() {
  ++read_round_;
  for (PendingRead& r : reads_) {
    if (r.round == 0) {
      r.round = read_round_;
      r.index = log_.committed();
    }
  }
  broadcast_heartbeat();
  on_read_round_acked();  // a single-node cluster is its own majority
}

void Core::on_read_round_acked() {
  std::vector<std::uint64_t> acked;
  acked.reserve(progress_.size());
  for (const auto& [id, pr] : progress_) {
    if (!membership_.is_voter(id)) continue;
    acked.push_back(id == config_.id ? read_round_ : pr.read_round_acked);
  }
  if (acked.empty()) return;
  std::sort(acked.begin(), acked.end(), std::greater<>());
  const std::uint64_t confirmed = acked[acked.size() / 2];
  // A majority answered a heartbeat sent after these reads arrived: no other leader
  // existed when they were assigned (§6.4 step 3).
  while (!reads_.empty() && reads_.front().round != 0 && reads_.front().round <= confirmed) {
    reads_confirmed_.push_back(ReadState{reads_.front().context, reads_.front().index});
    reads_.pop_front();
  }
  if (!reads_.empty() && reads_.front().round == 0) start_read_round();
}

void Core::drop_reads() {
  for (const PendingRead& r : reads_) reads_dropped_.push_back(r.context);
  reads_.clear();
}

std::vector<std::uint64_t> Core::take_dropped_reads() { return std::exchange(reads_dropped_, {}); }

// ---- output ---------------------------------------------------------------------------

void Core::send(Message m) {
  // Nothing is said in a term before the term (and our vote in it) is durable: a node that
  // lost it in a crash could take the same term again, and lead it twice with different
  // entries. Votes wait for a round trip anyway; a sole voter wins at once, and its
  // appends to learners wait here.
  if (term_ != durable_term_) return send_after_persist(std::move(m));
  m.from = config_.id;
  if (m.term.value == 0) m.term = term_;
  if (messages_.size() >= config_.messages_max) return;  // lost, as on a network
  messages_.push_back(std::move(m));
}

void Core::send_after_persist(Message m) {
  m.from = config_.id;
  if (m.term.value == 0) m.term = term_;
  if (messages_after_persist_.size() >= config_.messages_max) return;
  messages_after_persist_.push_back(std::move(m));
}

std::vector<Message> Core::take_messages() { return std::exchange(messages_, {}); }

bool Core::has_ready() const {
  if (ready_outstanding_) return false;
  if (hard_state() != last_hard_state_ || log_.has_unpersisted() ||
      log_.has_unpersisted_snapshot() || !messages_after_persist_.empty() ||
      log_.committed() > log_.applied()) {
    return true;
  }
  return std::any_of(reads_confirmed_.begin(), reads_confirmed_.end(),
                     [&](const ReadState& r) { return r.index <= log_.applied(); });
}

Ready Core::ready() {
  AUCTION_ASSERT(!ready_outstanding_, "ready() while the previous Ready is outstanding");
  ready_outstanding_ = true;
  Ready rd;
  rd.snapshot = log_.take_unpersisted_snapshot();
  const HardState hs = hard_state();
  if (hs != last_hard_state_) {
    rd.hard_state = hs;
    last_hard_state_ = hs;
  }
  rd.entries = log_.take_unpersisted();
  rd.messages = std::exchange(messages_after_persist_, {});
  // Everything up to last_index() is durable once this Ready's entries are, so committed
  // entries up to there may be applied after the persist.
  rd.committed_entries = log_.next_committed(log_.last_index(), config_.apply_bytes_max);
  const LogIndex applied_after =
      rd.committed_entries.empty() ? log_.applied() : rd.committed_entries.back().index;
  auto waiting =
      std::stable_partition(reads_confirmed_.begin(), reads_confirmed_.end(),
                            [&](const ReadState& r) { return r.index <= applied_after; });
  rd.reads.assign(reads_confirmed_.begin(), waiting);
  reads_confirmed_.erase(reads_confirmed_.begin(), waiting);
  return rd;
}

void Core::advance(const Ready& rd) {
  AUCTION_ASSERT(ready_outstanding_, "advance() without ready()");
  ready_outstanding_ = false;
  if (rd.hard_state) durable_term_ = rd.hard_state->term;
  if (role_ == Role::candidate && durable_term_ == term_ && is_quorum(1)) become_leader();
  fold_compacted_config_entries();
  if (rd.snapshot) log_.snapshot_stable(rd.snapshot);
  if (!rd.entries.empty()) log_.stable_to(rd.entries.back().index, rd.entries.back().term);
  if (!rd.committed_entries.empty()) {
    log_.applied_to(rd.committed_entries.back().index);
    std::size_t applied_bytes = 0;
    for (const Entry& e : rd.committed_entries) applied_bytes += e.data.size();
    uncommitted_bytes_ -= std::min(uncommitted_bytes_, applied_bytes);
  }
  if (role_ == Role::leader) {
    // Our own entries count toward a majority only now that they are durable.
    if (progress_.at(config_.id).on_matched(log_.persisted_index()) && maybe_commit()) {
      broadcast_append();
    }
  }
}

}  // namespace auction::raft
