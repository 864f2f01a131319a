// Key files on disk (see auction/identity/key_file.hpp): base's credential files do the
// reading and writing, key_file_format.cpp the format and the cryptography.
#include "auction/identity/key_file.hpp"

#include "auction/base/posix_disk.hpp"
#include "base/credential_file.hpp"

namespace auction::identity {
namespace {

namespace fs = std::filesystem;

// `error` with the file named in front of its message.
std::unexpected<Error> about(const fs::path& path, const Error& error) {
  return fail(error.code, path.string() + ": " + error.message);
}

}  // namespace

Result<KeyPair> create_key_file(const fs::path& path, std::string_view passphrase,
                                const KeyFileOptions& options) {
  // What costs nothing first, then Argon2 (which also checks the passphrase and limits),
  // then the disk: a refusal leaves the disk as it was.
  if (is_present(path)) return fail(code::credentials_exist, path.string() + " exists");
  KeyPair keys = generate_key_pair();
  auto sealed = seal_key_pair(keys, passphrase, options.kdf);
  if (!sealed) return about(path, sealed.error());
  const fs::path directory = path.has_parent_path() ? path.parent_path() : fs::path(".");
  if (auto made = posix_disk().create_data_directory(directory); !made) {
    return std::unexpected(made.error());
  }
  if (auto written = write_new_private_file(path, key_file_text(*sealed)); !written) {
    return std::unexpected(written.error());
  }
  return keys;
}

Result<KeyPair> load_key_file(const fs::path& path, std::string_view passphrase) {
  auto text = read_credential_file(path, Readers::owner_only, "the key", key_file_bytes_max);
  if (!text) return std::unexpected(text.error());
  auto contents = parse_key_file_text(*text);
  if (!contents) return about(path, contents.error());
  auto keys = open_key_file_contents(*contents, passphrase);
  if (!keys) return about(path, keys.error());
  return keys;
}

}  // namespace auction::identity
