// The one translation unit that compiles Boost.Asio and its TLS layer
// (BOOST_ASIO_SEPARATE_COMPILATION).
// Every other file includes Asio's headers only; nothing else may include impl/src.hpp.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
