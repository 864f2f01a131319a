// RAFT_CHECK: the raft layer's always-on assertion for bugs (broken invariants).
//
// Private to libauction/src/raft. Unlike assert(), it survives NDEBUG: a Raft node whose
// invariants are broken must stop rather than risk acknowledging what it does not hold.
// It prints file, line and message to stderr and aborts. Never use it for anything a peer
// or a client controls; those are validated and answered with error values.
#pragma once

#include "auction/wire/assert.hpp"

// The library-wide always-on assertion (auction/wire/assert.hpp) under this layer's name.
#define RAFT_CHECK(condition, message) AUCTION_ASSERT(condition, message)
