// What each signature of the peer protocol covers, and signing and checking them.
//
// A seller signs its announcements, its seller_back and its result; a buyer signs its
// acknowledgements and its withdraw requests. Each signature is made in the cluster's scope
// under its own purpose (identity/signing.hpp), over a statement: the message's fields in one
// fixed byte encoding (docs/auction.md, "Signed peer messages"). So a signature made for one
// message, auction, round or cluster is worth nothing for any other, and a receiver that
// checks it against the sender's key from the platform believes only what that user said.
//
//   announcement   auction, round, price, every buyer's status (sorted by name), chain head
//   ack            auction, buyer, round, SHA-256 of the statement acknowledged
//   withdraw       auction, buyer, reason, round and price the buyer had seen
//   seller_back    auction, seller, address, round resumed at
//   finished       auction, round, winner, price, every buyer's status, chain head
//
// Pure (market/): no I/O, no clock; safe from any thread; never throws but for memory.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "auction/identity/sha256.hpp"
#include "auction/identity/signing.hpp"
#include "auction/identity/user_key.hpp"
#include "auction/market/peer_messages.hpp"

namespace auction::market {

// Who signs for this program, and in which cluster. Shared, so that one key pair in memory
// serves every auction (a KeyPair wipes its secret on destruction).
struct PeerSigner {
  std::string username;
  std::shared_ptr<const identity::KeyPair> keys;
  std::string cluster_id;  // the scope of every peer signature; not empty
};

// Whether `signer` can sign: it holds a key pair, a valid username and a cluster id.
bool can_sign(const PeerSigner& signer);

// The statements, byte for byte. `statuses` in any order (they are sorted by username).
std::string announcement_statement(AuctionId auction_id, RoundId round_id, Cents price,
                                   const std::vector<BuyerEntry>& statuses,
                                   const identity::Sha256Digest& chain_head);
std::string ack_statement(AuctionId auction_id, std::string_view buyer, RoundId round_id,
                          const identity::Sha256Digest& acknowledged);
std::string withdraw_statement(AuctionId auction_id, std::string_view buyer, WithdrawReason reason,
                               RoundId round_id, Cents price);
std::string seller_back_statement(const SellerBack& message);
std::string finished_statement(const FinishRecord& record,
                               const identity::Sha256Digest& chain_head);

// Signs `statement` for `purpose` in the signer's cluster.
identity::Signature sign_statement(const PeerSigner& signer, identity::SigningPurpose purpose,
                                   std::string_view statement);

// Whether `signature` is `key`'s over `statement` for `purpose` in cluster `cluster_id`.
bool verify_statement(const identity::PublicKey& key, std::string_view cluster_id,
                      identity::SigningPurpose purpose, std::string_view statement,
                      const identity::Signature& signature);

// Whether `request` is signed by `key` (its buyer's) in cluster `cluster_id`: the one check of
// a withdrawal, by the seller when it arrives and by anyone replaying a transcript.
bool is_signed_withdrawal(const identity::PublicKey& key, std::string_view cluster_id,
                          const WithdrawRequest& request);

// The statement of a full-form announcement (precondition: !message.is_compact).
std::string announcement_statement(const AnnouncePrice& message);

// The full form of a compact announcement for a buyer that holds the auction's list of
// buyers, `joined`: every name in it is active unless the compact message lists it
// withdrawn. Errors: invalid_argument when the message lists a name that is not in `joined`.
Result<AnnouncePrice> expand_compact(const AnnouncePrice& compact,
                                     const std::vector<std::string>& joined);

}  // namespace auction::market
