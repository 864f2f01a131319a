// Every stable error code of the system, as named constants: the one definition of each.
//
// Sits in base/, below every layer. A code is part of the protocol (docs/protocol.md lists
// them with the ops that send them): it reads the same in C++ and in JSON and is never
// renamed or given a second meaning. Code compares and fails with these names, never with
// a string typed by hand, so a misspelt code does not compile.
// Plain constants, no state: safe from any thread.
#pragma once

namespace auction::code {

// --- The wire layer: framing, envelopes, calls (docs/protocol.md, "Error codes") ---

// The request line could not be used: not JSON, not an object, invalid UTF-8, nested too
// deep, missing or ill-typed `id`/`op`, or a field of the wrong type. The connection stays up.
inline constexpr char bad_request[] = "bad_request";
// The request was well formed but names an op this process does not serve.
inline constexpr char unknown_op[] = "unknown_op";
// A field has the right type but a value out of its allowed range or length.
inline constexpr char invalid_argument[] = "invalid_argument";
// A frame exceeded the size limit. The server says so once, then closes the connection,
// because it can no longer tell where the next frame starts.
inline constexpr char frame_too_large[] = "frame_too_large";
// The server refuses a connection because it already serves its maximum; sent once, then
// close. In a client: too many calls in flight.
inline constexpr char overloaded[] = "overloaded";
// The server refuses a connection because its source address already holds its share of
// connections (ServerOptions::connections_per_address_max); sent once with "id": null, then
// close. Nothing was read from the connection: close others, or retry later.
inline constexpr char too_many_connections[] = "too_many_connections";
// The server closes a connection that sent nothing for its idle timeout; sent once with
// "id": null, then close. Nothing was pending on it: connect again to go on.
inline constexpr char idle_timeout[] = "idle_timeout";
// A source address sent more requests of a kind (registrations, writes) than its rate
// allows. Nothing happened: retry after the reply's `retry_after_ms`.
inline constexpr char rate_limited[] = "rate_limited";
// A handler failed in a way it did not report as a value (an escaped exception).
inline constexpr char internal[] = "internal";
// Client side: the call's deadline passed before its reply arrived (a late reply is dropped).
// The request may have been acted on: it may have happened. A replica answers it too, when a
// write it proposed did not commit within its deadline (the entry may still commit).
inline constexpr char timeout[] = "timeout";
// Client side: the request was never sent -- no connection could be made, the connection
// was gone before the request went out, or the client was closed first. Nothing happened:
// send it elsewhere. (platform::Client: no attempt of the call can have been applied.)
inline constexpr char unavailable[] = "unavailable";
// Client side: the connection dropped (or the client was closed) after the request was sent
// and before its reply arrived. The server may have acted on it: it may have happened.
inline constexpr char connection_lost[] = "connection_lost";
// Client side: the peer sent a line that is not a valid response envelope, or a result
// without the fields its op promises.
inline constexpr char bad_response[] = "bad_response";
// Server start: the listening address is taken.
inline constexpr char address_in_use[] = "address_in_use";
// Server start: the address could not be parsed, or binding/listening failed otherwise.
inline constexpr char bind_failed[] = "bind_failed";

// --- Raft: proposals and storage (docs/raft.md, docs/raft-storage.md) ---

// This replica does not lead and did not propose the request: nothing happened. The answer
// names the leader when one is known: send the request there.
inline constexpr char not_leader[] = "not_leader";
// This replica proposed the write as leader and stopped leading before it committed: the
// next leader may still commit and apply it, so it may have happened. Send it again in the
// same session (client_id and seq) to learn its one outcome; the answer names the leader
// when one is known, as not_leader's does.
inline constexpr char leadership_lost[] = "leadership_lost";
// A membership change was refused for now: the last one is not committed yet, or the leader
// has not yet committed an entry of its term. Nothing was proposed: try again shortly.
inline constexpr char change_in_progress[] = "change_in_progress";
// A membership change was refused because the leader does not hear from a majority of the
// voters the change would leave: that configuration could commit nothing. Nothing was
// proposed: bring the voters back (or choose another change) and try again.
inline constexpr char no_quorum[] = "no_quorum";
// A learner was not promoted because it lags behind the leader's log. Nothing was proposed:
// wait until it caught up (`member list` shows how far it is) and try again.
inline constexpr char not_caught_up[] = "not_caught_up";
// A proposal larger than the configured entry size limit.
inline constexpr char too_large[] = "too_large";
// The log entries asked for were compacted away.
inline constexpr char compacted[] = "compacted";
// A raft message that does not decode or breaks the protocol's rules.
inline constexpr char bad_message[] = "bad_message";
// The WAL holds damaged data (not a torn tail): the replica refuses to start.
inline constexpr char storage_corrupt[] = "storage_corrupt";
// Another process holds the data directory's lock.
inline constexpr char storage_locked[] = "storage_locked";
// The data directory cannot be opened, written or synced.
inline constexpr char storage_unavailable[] = "storage_unavailable";
// The data directory can be written by other users, or belongs to another user: it is
// refused before anything in it is read or written (nothing happened; fix its owner or mode).
inline constexpr char storage_unsafe[] = "storage_unsafe";
// A low-level read or write failed (the message names the file and the call).
inline constexpr char io_error[] = "io_error";

// --- The platform: its ops and the replica (docs/platform.md) ---

inline constexpr char unknown_user[] = "unknown_user";
inline constexpr char unknown_auction[] = "unknown_auction";
// The auction is not in the stage the op needs.
inline constexpr char wrong_stage[] = "wrong_stage";
// The caller is not the auction's seller.
inline constexpr char not_owner[] = "not_owner";
// The user does not take part in the auction.
inline constexpr char not_joined[] = "not_joined";
// A start with no buyer joined.
inline constexpr char no_buyers[] = "no_buyers";
// A size limit of the replicated state was reached (users, auctions, buyers, or the raft
// log's last index, 2^48).
inline constexpr char limit_exceeded[] = "limit_exceeded";
// A request whose seq is older than the session's latest: its answer is gone.
inline constexpr char stale_request[] = "stale_request";
// The platform ended the client's session; whether the call was applied is unknown.
inline constexpr char session_expired[] = "session_expired";
// A login for a name that is registered with another key (first come, first served).
// Nothing happened: choose another name.
inline constexpr char name_taken[] = "name_taken";
// The request acts for or reads as a user this connection has not proven to be (or the
// user's key changed since): nothing happened. Prove the key (auth_challenge, then
// authenticate; docs/identity.md) and send it again.
inline constexpr char unauthenticated[] = "unauthenticated";
// A signature or proof that does not verify against the key it claims. Nothing happened.
inline constexpr char bad_signature[] = "bad_signature";
// A state-machine snapshot that does not read back.
inline constexpr char bad_snapshot[] = "bad_snapshot";
// A cluster file that cannot be read, or whose contents break its rules.
inline constexpr char config_unreadable[] = "config_unreadable";
inline constexpr char config_invalid[] = "config_invalid";
// A certificate, key or CA file that cannot be read, does not parse, does not match, is
// not signed by the cluster's CA, names the wrong replica, or is readable by other users.
// Also a user's key file (docs/identity.md) that cannot be read, is readable by other
// users, is not a key file of a known version, asks for key derivation limits out of range,
// or was altered (its ciphertext, nonce or public key changed).
inline constexpr char credentials_invalid[] = "credentials_invalid";
// A plain-text request reached a port that speaks TLS (the reply is the one plain line).
inline constexpr char tls_required[] = "tls_required";
// Creating credentials (a cluster's, or a user's key file) would overwrite files that exist.
inline constexpr char credentials_exist[] = "credentials_exist";

// --- Identity: users' keys and key files (docs/identity.md) ---

// The passphrase does not open the key file (its check value does not match). An altered
// salt, limits or check value read the same way: they cannot be told from a wrong
// passphrase. Nothing was changed; ask again.
inline constexpr char wrong_passphrase[] = "wrong_passphrase";
// No passphrase could be had from where it was to come from: the environment variable is
// unset or empty, the passphrase file cannot be read, is readable by other users or holds
// an empty first line, there is no terminal to ask on, or the two entries differ.
inline constexpr char passphrase_unavailable[] = "passphrase_unavailable";

// --- The market: rules, peers, journal, consoles (docs/auction.md) ---

inline constexpr char not_started[] = "not_started";
inline constexpr char already_finished[] = "already_finished";
inline constexpr char already_withdrawn[] = "already_withdrawn";
// A price past what int64 cents hold.
inline constexpr char price_overflow[] = "price_overflow";
// An amount a person typed that does not fit in int64 cents.
inline constexpr char out_of_range[] = "out_of_range";
// The seller's journal cannot be opened, holds damaged data, or cannot be written.
inline constexpr char journal_unusable[] = "journal_unusable";
inline constexpr char journal_corrupt[] = "journal_corrupt";
inline constexpr char journal_write_failed[] = "journal_write_failed";
// A peer's announcement whose round or price is further than the auction's period and
// increment allow since the last one taken: refused and not acknowledged (docs/auction.md,
// "Signed peer messages"). Also the same check on a seller_back.
inline constexpr char implausible_round[] = "implausible_round";
// A compact announcement reached a buyer that does not hold the auction's list of buyers, so
// it cannot check the seller's signature: nothing was taken; send the full form.
inline constexpr char buyers_unknown[] = "buyers_unknown";
// An auction's chain or transcript that the rules do not replay to the result it claims: a
// withdrawal the rules refuse, a round out of order, a result or head that differs. The
// message names the first difference. Nothing was recorded.
inline constexpr char transcript_invalid[] = "transcript_invalid";
// A console line that names no command.
inline constexpr char unknown_command[] = "unknown_command";

}  // namespace auction::code
