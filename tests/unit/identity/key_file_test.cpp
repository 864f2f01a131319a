// Tests of key files: a created file loads back to the same key pair; a wrong passphrase,
// an altered file, a file others can read, hostile key derivation limits and an existing
// path are each refused with their own code, and a refusal changes nothing on disk. The
// format's parser is tested on its own too. Every file uses libsodium's cheapest Argon2
// limits, so the suite stays fast.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "auction/identity/key_file.hpp"
#include "auction/identity/signing.hpp"
#include "unit/raft/file_storage_test_support.hpp"

namespace {

namespace fs = std::filesystem;
namespace code = auction::code;
using auction::identity::create_key_file;
using auction::identity::kdf_limits_min;
using auction::identity::KdfLimits;
using auction::identity::key_file_text;
using auction::identity::KeyFileOptions;
using auction::identity::KeyPair;
using auction::identity::load_key_file;
using auction::identity::open_key_file_contents;
using auction::identity::parse_key_file_text;
using auction::identity::seal_key_pair;
using auction::identity::sign;
using auction::identity::verify;
using auction::test::TempDir;
using nlohmann::json;

const KeyFileOptions cheap{.kdf = kdf_limits_min};

unsigned mode_of(const fs::path& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Replaces the file's contents, keeping it private.
void overwrite(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  REQUIRE(::chmod(path.c_str(), 0600) == 0);
}

std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

// A key file with one JSON field changed, and what loading it gives.
auction::Result<KeyPair> load_with(const fs::path& file, const std::function<void(json&)>& edit) {
  json document = json::parse(read(file));
  edit(document);
  overwrite(file, document.dump());
  return load_key_file(file, "correct horse");
}

// A fresh key file, alice.key, sealed under "correct horse" in a directory of its own.
struct CreatedKeyFile {
  TempDir dir;
  fs::path file = dir / "alice.key";

  CreatedKeyFile() { REQUIRE(create_key_file(file, "correct horse", cheap).has_value()); }
};

// Checks that loading `file` fails with `code` and leaves the file as it was.
void check_refused(const fs::path& file, const std::string& passphrase, const char* code_expected,
                   const std::string& message_part) {
  const std::string before = read(file);
  const unsigned mode_before = mode_of(file);
  const auto loaded = load_key_file(file, passphrase);
  REQUIRE_FALSE(loaded.has_value());
  CHECK(loaded.error().code == code_expected);
  CHECK_THAT(loaded.error().message,
             Catch::Contains(file.string()) && Catch::Contains(message_part));
  CHECK(read(file) == before);
  CHECK(mode_of(file) == mode_before);
}

}  // namespace

TEST_CASE("identity: a created key file loads back to the same key pair", "[identity][key_file]") {
  TempDir dir;
  const fs::path file = dir / "keys" / "alice.key";
  const auto created = create_key_file(file, "correct horse", cheap);
  REQUIRE(created.has_value());
  CHECK(mode_of(file) == 0600);
  CHECK(mode_of(dir / "keys") == 0700);
  CHECK(names_in(dir / "keys") == std::vector<std::string>{"alice.key"});  // no temporary left

  const auto loaded = load_key_file(file, "correct horse");
  REQUIRE(loaded.has_value());
  CHECK(loaded->public_key() == created->public_key());
  // The loaded secret key signs what the created public key verifies.
  const auction::identity::SigningContext context{
      .purpose = auction::identity::SigningPurpose::connection_auth, .scope = "nonce"};
  CHECK(verify(created->public_key(), context, "hello", sign(*loaded, context, "hello")));

  const json document = json::parse(read(file));
  CHECK(document["format"] == "ppapd-user-key");
  CHECK(document["version"] == 1);
  CHECK(document["public_key"] == created->public_key().to_text());
  CHECK(document["kdf"]["name"] == "argon2id13");
  CHECK(document["kdf"]["opslimit"] == kdf_limits_min.opslimit);
  CHECK(document["kdf"]["memlimit"] == kdf_limits_min.memlimit_bytes);
  CHECK(document["cipher"] == "xchacha20poly1305-ietf");
}

TEST_CASE("identity: a wrong passphrase is wrong_passphrase", "[identity][key_file]") {
  const CreatedKeyFile created;
  const fs::path& file = created.file;
  check_refused(file, "correct horse ", code::wrong_passphrase, "passphrase does not open");
  check_refused(file, "", code::wrong_passphrase, "passphrase does not open");
}

TEST_CASE("identity: an altered key file is refused as invalid, not as a wrong passphrase",
          "[identity][key_file]") {
  const CreatedKeyFile created;
  const fs::path& file = created.file;
  const std::string original = read(file);
  const auto flip_hex = [](json& document, const char* field) {
    std::string text = document[field];
    text[10] = text[10] == '0' ? '1' : '0';
    document[field] = text;
  };

  SECTION("a changed ciphertext") {
    const auto loaded = load_with(file, [&](json& d) { flip_hex(d, "ciphertext"); });
    REQUIRE_FALSE(loaded.has_value());
    CHECK(loaded.error().code == code::credentials_invalid);
    CHECK_THAT(loaded.error().message, Catch::Contains("altered"));
  }
  SECTION("a changed nonce") {
    const auto loaded = load_with(file, [&](json& d) { flip_hex(d, "nonce"); });
    REQUIRE_FALSE(loaded.has_value());
    CHECK(loaded.error().code == code::credentials_invalid);
  }
  SECTION("another user's public key put in its place") {
    const std::string other = auction::identity::generate_key_pair().public_key().to_text();
    const auto loaded = load_with(file, [&](json& d) { d["public_key"] = other; });
    REQUIRE_FALSE(loaded.has_value());
    CHECK(loaded.error().code == code::credentials_invalid);
    CHECK_THAT(loaded.error().message, Catch::Contains("public_key"));
  }
  SECTION("a truncated file") {
    overwrite(file, original.substr(0, original.size() / 2));
    check_refused(file, "correct horse", code::credentials_invalid, "not JSON");
  }
  SECTION("an empty file") {
    overwrite(file, "");
    check_refused(file, "correct horse", code::credentials_invalid, "not JSON");
  }
}

TEST_CASE("identity: a key file that other users can read is refused unread",
          "[identity][key_file]") {
  const CreatedKeyFile created;
  const fs::path& file = created.file;
  for (const unsigned mode : {0640u, 0604u, 0660u}) {
    INFO(mode);
    REQUIRE(::chmod(file.c_str(), mode) == 0);
    check_refused(file, "correct horse", code::credentials_invalid, "chmod 600");
  }
}

TEST_CASE(
    "identity: a key file asking for hostile key derivation limits is refused before "
    "Argon2 runs",
    "[identity][key_file]") {
  const CreatedKeyFile created;
  const fs::path& file = created.file;
  const json original = json::parse(read(file));
  struct Case {
    const char* field;
    json value;
    const char* message;
  };
  for (const Case& c :
       {Case{"memlimit", json(1ull << 40), "kdf.memlimit"},
        Case{"memlimit", json((1ull << 30) + 1), "kdf.memlimit"},
        Case{"memlimit", json(8191), "kdf.memlimit"}, Case{"memlimit", json(-1), "kdf.memlimit"},
        Case{"opslimit", json(17), "kdf.opslimit"}, Case{"opslimit", json(0), "kdf.opslimit"},
        Case{"opslimit", json(2.5), "kdf.opslimit"}, Case{"opslimit", json("2"), "kdf.opslimit"}}) {
    INFO(c.field << " = " << c.value.dump());
    json document = original;
    document["kdf"][c.field] = c.value;
    overwrite(file, document.dump());
    check_refused(file, "correct horse", code::credentials_invalid, c.message);
  }
}

TEST_CASE("identity: creating a key file never replaces what is there", "[identity][key_file]") {
  const CreatedKeyFile created;
  const fs::path& file = created.file;
  const std::string before = read(file);

  const auto again = create_key_file(file, "another", cheap);
  REQUIRE_FALSE(again.has_value());
  CHECK(again.error().code == code::credentials_exist);
  CHECK(read(file) == before);
  CHECK(load_key_file(file, "correct horse").has_value());

  // A dangling symbolic link is something too: never write through it.
  const fs::path link = created.dir / "link.key";
  fs::create_symlink(created.dir / "nowhere", link);
  const auto through_link = create_key_file(link, "correct horse", cheap);
  REQUIRE_FALSE(through_link.has_value());
  CHECK(through_link.error().code == code::credentials_exist);
  CHECK_FALSE(fs::exists(created.dir / "nowhere"));
  CHECK(names_in(created.dir.path()) == std::vector<std::string>{"alice.key", "link.key"});
}

TEST_CASE("identity: creating a key file refuses an empty passphrase or limits out of range",
          "[identity][key_file]") {
  TempDir dir;
  const fs::path file = dir / "keys" / "alice.key";
  for (const KeyFileOptions& options :
       {KeyFileOptions{.kdf = KdfLimits{.opslimit = 0, .memlimit_bytes = 8192}},
        KeyFileOptions{.kdf = KdfLimits{.opslimit = 1, .memlimit_bytes = 2ull << 30}}}) {
    const auto created = create_key_file(file, "correct horse", options);
    REQUIRE_FALSE(created.has_value());
    CHECK(created.error().code == code::invalid_argument);
  }
  const auto empty = create_key_file(file, "", cheap);
  REQUIRE_FALSE(empty.has_value());
  CHECK(empty.error().code == code::invalid_argument);
  CHECK_FALSE(fs::exists(dir / "keys"));
}

TEST_CASE("identity: a key file's text parses back to what was sealed, in memory",
          "[identity][key_file]") {
  const KeyPair keys = auction::identity::generate_key_pair();
  const auto sealed = seal_key_pair(keys, "pass", kdf_limits_min);
  REQUIRE(sealed.has_value());
  const auto parsed = parse_key_file_text(key_file_text(*sealed));
  REQUIRE(parsed.has_value());
  CHECK(*parsed == *sealed);
  const auto opened = open_key_file_contents(*parsed, "pass");
  REQUIRE(opened.has_value());
  CHECK(opened->public_key() == keys.public_key());
  // Two seals of one key differ (fresh salt and nonce) and both open.
  const auto resealed = seal_key_pair(keys, "pass", kdf_limits_min);
  REQUIRE(resealed.has_value());
  CHECK_FALSE(*resealed == *sealed);
  CHECK(open_key_file_contents(*resealed, "pass").has_value());
}

TEST_CASE("identity: the key file parser refuses what is not a version-1 key file",
          "[identity][key_file]") {
  const auto sealed = seal_key_pair(auction::identity::generate_key_pair(), "p", kdf_limits_min);
  REQUIRE(sealed.has_value());
  const json good = json::parse(key_file_text(*sealed));
  struct Case {
    const char* name;
    std::function<void(json&)> edit;
    const char* message;
  };
  const std::vector<Case> cases = {
      {"another format", [](json& d) { d["format"] = "ssh-key"; }, "format: must be"},
      {"version 2", [](json& d) { d["version"] = 2; }, "version 2 is not one"},
      {"a version as text", [](json& d) { d["version"] = "1"; }, "version: must be"},
      {"an unknown key", [](json& d) { d["comment"] = "x"; }, "comment: unknown key"},
      {"an unknown kdf key", [](json& d) { d["kdf"]["p"] = 1; }, "kdf.p: unknown key"},
      {"another kdf", [](json& d) { d["kdf"]["name"] = "scrypt"; }, "kdf.name: must be"},
      {"another cipher", [](json& d) { d["cipher"] = "aes256gcm"; }, "cipher: must be"},
      {"a missing nonce", [](json& d) { d.erase("nonce"); }, "nonce: missing"},
      {"a missing kdf", [](json& d) { d.erase("kdf"); }, "kdf: missing"},
      {"a kdf that is no object", [](json& d) { d["kdf"] = 1; }, "kdf must be a JSON object"},
      {"a short salt", [](json& d) { d["kdf"]["salt"] = "00"; }, "kdf.salt: must be 32"},
      {"uppercase hex",
       [](json& d) {
         std::string key = d["public_key"];
         for (char& c : key) c = static_cast<char>(std::toupper(c));
         d["public_key"] = key + (key.find_first_of("ABCDEF") == std::string::npos ? "A" : "");
       },
       "public_key: must be 64 lowercase hex"},
      {"a short ciphertext",
       [](json& d) { d["ciphertext"] = std::string(d["ciphertext"]).substr(2); },
       "ciphertext: must be 96"},
      {"an array", [](json& d) { d = json::array({d}); }, "must be a JSON object"},
      {"an escape in a key", [](json& d) { d["\x1b[2J"] = 1; }, "\\x1b[2J: unknown key"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    json document = good;
    c.edit(document);
    const auto parsed = parse_key_file_text(document.dump());
    REQUIRE_FALSE(parsed.has_value());
    CHECK(parsed.error().code == code::credentials_invalid);
    CHECK_THAT(parsed.error().message, Catch::Contains(c.message));
  }
  const auto huge =
      parse_key_file_text(std::string(auction::identity::key_file_bytes_max + 1, ' '));
  REQUIRE_FALSE(huge.has_value());
  CHECK_THAT(huge.error().message, Catch::Contains("larger than"));
}
