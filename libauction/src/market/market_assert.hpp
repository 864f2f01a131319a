// MARKET_ASSERT: the market layer's always-on assertion for bugs (never for expected
// outcomes). NDEBUG does not remove it: a broken invariant aborts with file, line and
// message, because an auction carrying on with corrupt state could name two winners.
// Private to src/market/. Safe from any thread; never returns when the condition is false.
#pragma once

#include "auction/base/assert.hpp"

// The library-wide always-on assertion (auction/base/assert.hpp) under this layer's name.
#define MARKET_ASSERT(condition, message) AUCTION_ASSERT(condition, message)
