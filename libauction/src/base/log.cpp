// The operator's log; see auction/base/log.hpp.
#include "auction/base/log.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>

#include <nlohmann/json.hpp>

namespace auction {

namespace {

std::atomic<LogFormat> format_in_use{LogFormat::text};

std::string utc_time(long long unix_ms) {
  const std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.tm_year + 1900,
                parts.tm_mon + 1, parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec,
                static_cast<int>(unix_ms % 1000));
  return text;
}

}  // namespace

void set_log_format(LogFormat format) { format_in_use.store(format, std::memory_order_relaxed); }

LogFormat log_format() { return format_in_use.load(std::memory_order_relaxed); }

std::string json_log_line(long long unix_ms, std::string_view source, std::string_view message) {
  const nlohmann::json line = {
      {"time", utc_time(unix_ms)}, {"source", source}, {"message", message}};
  // Bytes that are not UTF-8 (a peer's text in a message) become U+FFFD, never an exception.
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void log_line(std::string_view source, std::string_view message, std::string_view joiner) {
  std::string line;
  if (log_format() == LogFormat::json) {
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now().time_since_epoch());
    line = json_log_line(static_cast<long long>(now.count()), source, message);
  } else {
    line.reserve(source.size() + joiner.size() + message.size() + 1);
    line += source;
    line += joiner;
    // One event, one line: a line break inside a message is written as "\n".
    for (const char c : message) {
      if (c == '\n') {
        line += "\\n";
      } else if (c == '\r') {
        line += "\\r";
      } else {
        line += c;
      }
    }
  }
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace auction
