// Signed peer statements; see auction/market/peer_signatures.hpp.
#include "auction/market/peer_signatures.hpp"

#include <algorithm>
#include <map>

#include "auction/base/assert.hpp"
#include "market/statement_writer.hpp"

namespace auction::market {

namespace {

void write_statuses(detail::StatementWriter& w, const std::vector<BuyerEntry>& statuses) {
  std::vector<const BuyerEntry*> sorted;
  sorted.reserve(statuses.size());
  for (const BuyerEntry& b : statuses) sorted.push_back(&b);
  std::sort(sorted.begin(), sorted.end(),
            [](const BuyerEntry* a, const BuyerEntry* b) { return a->username < b->username; });
  w.u64(sorted.size());
  for (const BuyerEntry* b : sorted) {
    w.text(b->username);
    w.code(detail::status_code(b->status));
  }
}

}  // namespace

std::string announcement_statement(AuctionId auction_id, RoundId round_id, Cents price,
                                   const std::vector<BuyerEntry>& statuses,
                                   const identity::Sha256Digest& chain_head) {
  detail::StatementWriter w("ppapd/v1/announcement");
  w.u64(auction_id.value);
  w.u64(round_id);
  w.i64(price.value);
  write_statuses(w, statuses);
  w.digest(chain_head);
  return std::move(w).bytes();
}

std::string announcement_statement(const AnnouncePrice& message) {
  AUCTION_ASSERT(!message.is_compact, "an announcement is signed in its full form");
  return announcement_statement(message.auction_id, message.round_id, message.price, message.buyers,
                                message.chain_head);
}

std::string ack_statement(AuctionId auction_id, std::string_view buyer, RoundId round_id,
                          const identity::Sha256Digest& acknowledged) {
  detail::StatementWriter w("ppapd/v1/ack");
  w.u64(auction_id.value);
  w.text(buyer);
  w.u64(round_id);
  w.digest(acknowledged);
  return std::move(w).bytes();
}

std::string withdraw_statement(AuctionId auction_id, std::string_view buyer, WithdrawReason reason,
                               RoundId round_id, Cents price) {
  detail::StatementWriter w("ppapd/v1/withdraw");
  w.u64(auction_id.value);
  w.text(buyer);
  w.code(detail::reason_code(reason));
  w.u64(round_id);
  w.i64(price.value);
  return std::move(w).bytes();
}

std::string seller_back_statement(const SellerBack& message) {
  detail::StatementWriter w("ppapd/v1/seller-back");
  w.u64(message.auction_id.value);
  w.text(message.seller);
  w.text(message.address);
  w.u64(message.round_id);
  return std::move(w).bytes();
}

std::string finished_statement(const FinishRecord& record,
                               const identity::Sha256Digest& chain_head) {
  detail::StatementWriter w("ppapd/v1/auction-finished");
  w.u64(record.auction_id.value);
  w.u64(record.round_id);
  w.text(record.winner.value_or(""));
  w.i64(record.price.value);
  write_statuses(w, record.buyers);
  w.digest(chain_head);
  return std::move(w).bytes();
}

bool can_sign(const PeerSigner& signer) {
  return signer.keys != nullptr && !signer.cluster_id.empty() &&
         is_valid_username(signer.username);
}

bool is_signed_withdrawal(const identity::PublicKey& key, std::string_view cluster_id,
                          const WithdrawRequest& request) {
  return verify_statement(key, cluster_id, identity::SigningPurpose::withdraw,
                          withdraw_statement(request.auction_id, request.username, request.reason,
                                             request.round_id, request.price),
                          request.signature);
}

identity::Signature sign_statement(const PeerSigner& signer, identity::SigningPurpose purpose,
                                   std::string_view statement) {
  AUCTION_ASSERT(signer.keys != nullptr, "a peer signer holds a key pair");
  return identity::sign(*signer.keys, identity::SigningContext{purpose, signer.cluster_id},
                        statement);
}

bool verify_statement(const identity::PublicKey& key, std::string_view cluster_id,
                      identity::SigningPurpose purpose, std::string_view statement,
                      const identity::Signature& signature) {
  return identity::verify(key, identity::SigningContext{purpose, cluster_id}, statement, signature);
}

Result<AnnouncePrice> expand_compact(const AnnouncePrice& compact,
                                     const std::vector<std::string>& joined) {
  AnnouncePrice full = compact;
  full.is_compact = false;
  full.buyers.clear();
  full.buyers.reserve(joined.size());
  std::map<std::string_view, const BuyerEntry*> listed;
  for (const BuyerEntry& b : compact.buyers) listed.emplace(b.username, &b);
  for (const std::string& name : joined) {
    auto it = listed.find(name);
    full.buyers.push_back(it == listed.end() ? BuyerEntry{name, BuyerStatus::active} : *it->second);
    if (it != listed.end()) listed.erase(it);
  }
  if (!listed.empty()) {
    return fail(code::invalid_argument, "announce_price.withdrawn: names " +
                                            std::string(listed.begin()->first) +
                                            ", who is not one of this auction's buyers");
  }
  return full;
}

}  // namespace auction::market
