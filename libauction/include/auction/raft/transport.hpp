// Transport: how a raft::Driver hands messages to the network.
//
// The runtime implements it over TCP (encode() each message, frame it, send it to the
// peer named in `to`); the simulator implements it as a seeded lossy network; tests as a
// queue. send() must not block and must not call back into the driver: a full queue or a
// dead connection drops the message, which Raft tolerates (it retries on its own).
// Threading: called from the driver's thread only.
#pragma once

#include "auction/raft/message.hpp"

namespace auction::raft {

class Transport {
 public:
  virtual ~Transport() = default;

  // Takes ownership of `message` (addressed by message.to). Never fails visibly.
  virtual void send(Message message) = 0;
};

}  // namespace auction::raft
