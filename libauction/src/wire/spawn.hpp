// spawn_logged: co_spawn with a completion handler that reports what escaped.
//
// Every coroutine the runtime layers start goes through this, so an exception that escapes
// a coroutine is never silently swallowed (Beast's examples do the same). Expected failures
// are values inside the coroutine; anything reaching this handler is a bug or an environment
// failure, and it is printed with the coroutine's name. Call on the executor's thread.
#pragma once

#include <exception>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>

namespace auction::wire {

// Prints "<what>: <exception message>" to stderr. Used as co_spawn's completion handler.
void log_escaped(const char* what, std::exception_ptr escaped) noexcept;

// Starts `task` on `executor`. `what` must be a string literal (it outlives the coroutine).
inline void spawn_logged(const boost::asio::any_io_executor& executor,
                         boost::asio::awaitable<void> task, const char* what) {
  boost::asio::co_spawn(executor, std::move(task),
                        [what](std::exception_ptr escaped) { log_escaped(what, escaped); });
}

}  // namespace auction::wire
