// CRC32C (Castagnoli, polynomial 0x1EDC6F41, reflected 0x82F63B78): the checksum that
// frames every record of the write-ahead log (see file_storage.hpp).
//
// Private to libauction. Pure: no I/O, no state beyond constant tables; callable from any
// thread. Software only (slicing-by-8 tables built at compile time) so that the result never
// depends on the CPU the log was written on.
#pragma once

#include <cstdint>
#include <string_view>

namespace auction::raft {

// The CRC32C of `bytes`. To checksum data that arrives in pieces, pass the result of the
// previous pieces as `crc`: crc32c(b, crc32c(a)) == crc32c(a + b). crc32c("") == 0 and
// crc32c("123456789") == 0xE3069283 (the check value of the standard).
std::uint32_t crc32c(std::string_view bytes, std::uint32_t crc = 0);

}  // namespace auction::raft
