// Always-on invariant checks for the platform layer (private header).
//
// A failed invariant is a bug in this replica, never a peer's fault: peers' mistakes are
// error values. It prints file, line and message and aborts, in every build type (unlike
// assert, which NDEBUG removes): a replica with corrupt state must stop, not guess.
#pragma once

#include "auction/wire/assert.hpp"

// The library-wide always-on assertion (auction/wire/assert.hpp) under this layer's name.
#define AUCTION_PLATFORM_INVARIANT(condition, message) AUCTION_ASSERT(condition, message)
