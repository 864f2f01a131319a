// Cluster credentials: see auction/platform/cluster_credentials.hpp.
//
// Everything here is OpenSSL's libcrypto: keys (EVP_PKEY, ECDSA P-256), certificates (X509)
// and their verification (X509_STORE). The small owners below free what OpenSSL allocates,
// so every early return is clean.
#include "auction/platform/cluster_credentials.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <memory>

#include <boost/asio/ip/address.hpp>

#include "auction/base/assert.hpp"
#include "auction/base/posix_disk.hpp"
#include "auction/raft/member_certificate.hpp"
#include "base/credential_file.hpp"

namespace auction::platform {

namespace fs = std::filesystem;

namespace {

// --- Owners of what OpenSSL allocates ---

struct FreeKey {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct FreeCertificate {
  void operator()(X509* p) const { X509_free(p); }
};
struct FreeBio {
  void operator()(BIO* p) const { BIO_free(p); }
};
struct FreeStore {
  void operator()(X509_STORE* p) const { X509_STORE_free(p); }
};
struct FreeStoreContext {
  void operator()(X509_STORE_CTX* p) const { X509_STORE_CTX_free(p); }
};
struct FreeCertificates {
  void operator()(STACK_OF(X509) * p) const { sk_X509_pop_free(p, X509_free); }
};
using Key = std::unique_ptr<EVP_PKEY, FreeKey>;
using Certificate = std::unique_ptr<X509, FreeCertificate>;
using Bio = std::unique_ptr<BIO, FreeBio>;

constexpr long ca_days = 10 * 365;
constexpr long replica_days = 5 * 365;
// Certificates are valid from an hour ago: a member whose clock is a little behind the
// issuer's must not refuse a certificate issued a moment ago.
constexpr long backdate_seconds = 3600;

std::unexpected<Error> invalid(const std::string& message) {
  return fail(code::credentials_invalid, message);
}

// The reason OpenSSL gave for the last failure (and clears its queue).
std::string openssl_reason() {
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "unknown reason";
  char text[256];
  ERR_error_string_n(e, text, sizeof text);
  return text;
}

std::string to_pem(const Key& key) {
  Bio bio(BIO_new(BIO_s_mem()));
  const bool written = bio && PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0,
                                                       nullptr, nullptr) == 1;
  AUCTION_ASSERT(written, "writing a key to memory cannot fail");
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

std::string to_pem(const Certificate& certificate) {
  Bio bio(BIO_new(BIO_s_mem()));
  const bool written = bio && PEM_write_bio_X509(bio.get(), certificate.get()) == 1;
  AUCTION_ASSERT(written, "writing a certificate to memory cannot fail");
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

Result<Key> key_from_pem(const std::string& pem, const std::string& what) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  Key key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) return invalid(what + " is not a PEM private key (" + openssl_reason() + ")");
  return key;
}

// Every certificate in `pem`, in order; at least one.
Result<std::vector<Certificate>> certificates_from_pem(const std::string& pem,
                                                       const std::string& what) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  std::vector<Certificate> out;
  while (X509* raw = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    out.emplace_back(raw);
  }
  ERR_clear_error();  // the read that ended the loop
  if (out.empty()) return invalid(what + " holds no PEM certificate");
  return out;
}

Key new_key() {
  Key key(EVP_EC_gen("P-256"));
  AUCTION_ASSERT(key != nullptr, "generating an EC key cannot fail");
  return key;
}

bool add_extension(X509* certificate, X509* issuer, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
  if (extension == nullptr) return false;
  const bool added = X509_add_ext(certificate, extension, -1) == 1;
  X509_EXTENSION_free(extension);
  return added;
}

// The subjectAltName of a replica's certificate: its name, and its host from the cluster
// file (an IP literal or a DNS name), so tools that check host names accept it too.
std::string subject_alt_name(const std::string& name, const std::string& host) {
  std::string san = "DNS:" + name;
  if (host.empty()) return san;
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  return san + (ec ? ",DNS:" : ",IP:") + host;
}

// A certificate for `name` with `key`, signed by `issuer_key` as `issuer` (null: self-signed,
// a CA).
Result<Certificate> issue(const std::string& name, const Key& key, X509* issuer,
                          const Key& issuer_key, bool is_ca, const std::string& host) {
  Certificate certificate(X509_new());
  X509* c = certificate.get();
  unsigned char serial_bytes[16];
  if (RAND_bytes(serial_bytes, sizeof serial_bytes) != 1) {
    return invalid("no randomness for a serial number: " + openssl_reason());
  }
  serial_bytes[0] &= 0x7f;  // positive
  BIGNUM* serial = BN_bin2bn(serial_bytes, sizeof serial_bytes, nullptr);
  BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(c));
  BN_free(serial);
  X509_set_version(c, 2);  // v3
  X509_gmtime_adj(X509_getm_notBefore(c), -backdate_seconds);
  X509_gmtime_adj(X509_getm_notAfter(c), (is_ca ? ca_days : replica_days) * 24 * 3600);
  X509_set_pubkey(c, key.get());
  X509_NAME* subject = X509_get_subject_name(c);
  X509_NAME_add_entry_by_txt(subject, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("PPAPD cluster"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(name.c_str()), -1, -1, 0);
  X509* signer = issuer == nullptr ? c : issuer;
  X509_set_issuer_name(c, X509_get_subject_name(signer));
  bool ok = add_extension(c, signer, NID_subject_key_identifier, "hash") &&
            add_extension(c, signer, NID_authority_key_identifier, "keyid:always");
  if (is_ca) {
    ok = ok && add_extension(c, signer, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") &&
         add_extension(c, signer, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    ok = ok && add_extension(c, signer, NID_basic_constraints, "critical,CA:FALSE") &&
         add_extension(c, signer, NID_key_usage, "critical,digitalSignature") &&
         add_extension(c, signer, NID_ext_key_usage, "serverAuth,clientAuth") &&
         add_extension(c, signer, NID_subject_alt_name, subject_alt_name(name, host).c_str());
  }
  if (!ok) return invalid("cannot build the certificate of " + name + ": " + openssl_reason());
  if (X509_sign(c, issuer_key.get(), EVP_sha256()) == 0) {
    return invalid("cannot sign the certificate of " + name + ": " + openssl_reason());
  }
  return certificate;
}

// --- Files ---

fs::path certificate_file(const fs::path& dir, std::uint64_t id) {
  return dir / (raft::member_certificate_name(raft::NodeId{id}) + ".crt");
}
fs::path key_file(const fs::path& dir, std::uint64_t id) {
  return dir / (raft::member_certificate_name(raft::NodeId{id}) + ".key");
}

}  // namespace

Result<void> check_replica_credentials(const TlsCredentials& credentials, std::uint64_t id) {
  auto authorities = certificates_from_pem(credentials.trusted_ca_pem, "the CA file");
  if (!authorities) return std::unexpected(authorities.error());
  auto chain = certificates_from_pem(credentials.certificate_pem, "the certificate");
  if (!chain) return std::unexpected(chain.error());
  auto key = key_from_pem(credentials.private_key_pem, "the key");
  if (!key) return std::unexpected(key.error());
  X509* leaf = chain->front().get();
  if (X509_check_private_key(leaf, key->get()) != 1) {
    ERR_clear_error();
    return invalid("the key does not belong to the certificate");
  }

  std::unique_ptr<X509_STORE, FreeStore> store(X509_STORE_new());
  for (const auto& authority : *authorities) X509_STORE_add_cert(store.get(), authority.get());
  std::unique_ptr<STACK_OF(X509), FreeCertificates> intermediates(sk_X509_new_null());
  for (std::size_t i = 1; i < chain->size(); ++i) {
    X509_up_ref((*chain)[i].get());
    sk_X509_push(intermediates.get(), (*chain)[i].get());
  }
  std::unique_ptr<X509_STORE_CTX, FreeStoreContext> context(X509_STORE_CTX_new());
  X509_STORE_CTX_init(context.get(), store.get(), leaf, intermediates.get());
  X509_STORE_CTX_set_purpose(context.get(), X509_PURPOSE_SSL_SERVER);
  if (X509_verify_cert(context.get()) != 1) {
    const int error = X509_STORE_CTX_get_error(context.get());
    ERR_clear_error();
    return invalid(std::string("the certificate does not verify against the CA file: ") +
                   X509_verify_cert_error_string(error));
  }

  char name[256] = {};
  if (X509_NAME_get_text_by_NID(X509_get_subject_name(leaf), NID_commonName, name, sizeof name) <
      0) {
    ERR_clear_error();
    return invalid("the certificate has no common name");
  }
  const auto member = raft::member_of_certificate_name(name);
  if (!member) {
    return invalid(std::string("the certificate names \"") + name +
                   "\", not a replica (replica-<id>)");
  }
  if (id != 0 && member->value != id) {
    return invalid(std::string("the certificate names ") + name + ", not " +
                   raft::member_certificate_name(raft::NodeId{id}));
  }
  return {};
}

Result<TlsCredentials> load_replica_credentials(const ClusterConfig& cluster, std::uint64_t id) {
  if (!cluster.tls) {
    return invalid(
        "the cluster file has no \"tls\" section: the raft port speaks only mutually "
        "authenticated TLS; create the cluster's credentials with `replica init-certs --config "
        "FILE --out DIR`");
  }
  const fs::path& dir = cluster.tls->dir;
  const fs::path ca = dir / "ca.crt";
  const fs::path certificate = certificate_file(dir, id);
  const fs::path key = key_file(dir, id);
  const std::string remedy =
      " (create it with `replica init-certs`, or copy it from where the "
      "cluster's credentials were made)";
  TlsCredentials credentials;
  // The key must be the replica's alone, as ssh insists for its keys.
  struct File {
    const fs::path& path;
    std::string& contents;
    Readers readers;
  };
  for (const File& file : {File{ca, credentials.trusted_ca_pem, Readers::anyone},
                           File{certificate, credentials.certificate_pem, Readers::anyone},
                           File{key, credentials.private_key_pem, Readers::owner_only}}) {
    if (!is_present(file.path)) return invalid(file.path.string() + " does not exist" + remedy);
    auto text = read_credential_file(file.path, file.readers, "the key");
    if (!text) return std::unexpected(text.error());
    file.contents = std::move(*text);
  }
  if (auto ok = check_replica_credentials(credentials, id); !ok) {
    return invalid(certificate.string() + ": " + ok.error().message);
  }
  return credentials;
}

namespace {

fs::path cluster_id_file(const fs::path& dir) { return dir / "cluster-id"; }

std::string new_cluster_id() {
  unsigned char bytes[cluster_id_hex_digits / 2];
  const int drawn = RAND_bytes(bytes, sizeof bytes);
  AUCTION_ASSERT(drawn == 1, "the system's randomness failed");
  static constexpr char digits[] = "0123456789abcdef";
  std::string id;
  for (const unsigned char b : bytes) {
    id += digits[b >> 4];
    id += digits[b & 15];
  }
  return id;
}

bool is_cluster_id(std::string_view text) {
  return text.size() == cluster_id_hex_digits &&
         text.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

}  // namespace

Result<std::string> load_cluster_id(const fs::path& tls_dir) {
  const fs::path file = cluster_id_file(tls_dir);
  auto text = read_credential_file(file);
  if (!text) {
    return invalid(text.error().message + " (`replica init-certs` adds a missing cluster-id)");
  }
  if (text->size() != cluster_id_hex_digits + 1 || text->back() != '\n' ||
      !is_cluster_id(std::string_view(*text).substr(0, cluster_id_hex_digits))) {
    return invalid(file.string() + ": must be 32 lowercase hex digits and a newline");
  }
  text->pop_back();
  return std::move(*text);
}

Result<void> write_cluster_id(const fs::path& tls_dir, const std::string& cluster_id) {
  AUCTION_ASSERT(is_cluster_id(cluster_id), "a cluster id is 32 lowercase hex digits");
  return write_new_private_file(cluster_id_file(tls_dir), cluster_id + "\n");
}

Result<CreatedCredentials> create_cluster_credentials(const ClusterConfig& cluster,
                                                      const fs::path& dir) {
  if (auto made = posix_disk().create_data_directory(dir); !made) {
    return std::unexpected(made.error());
  }
  CreatedCredentials created;
  if (!is_present(cluster_id_file(dir))) {
    if (auto ok = write_cluster_id(dir, new_cluster_id()); !ok) return std::unexpected(ok.error());
    created.created_cluster_id = true;
  }
  const fs::path admin_certificate = admin_certificate_file(dir);
  const fs::path admin_key = admin_key_file(dir);
  if (is_present(admin_certificate) != is_present(admin_key)) {
    return fail(code::credentials_exist,
                (is_present(admin_certificate) ? admin_certificate : admin_key).string() +
                    " exists without its " +
                    (is_present(admin_certificate) ? "key" : "certificate") +
                    "; remove it or restore the other");
  }
  const bool has_admin = is_present(admin_certificate);
  std::vector<const ReplicaAddress*> to_issue;
  for (const ReplicaAddress& replica : cluster.replicas) {
    const bool has_certificate = is_present(certificate_file(dir, replica.id));
    const bool has_key = is_present(key_file(dir, replica.id));
    if (has_certificate != has_key) {
      return fail(code::credentials_exist,
                  (has_certificate ? certificate_file(dir, replica.id) : key_file(dir, replica.id))
                          .string() +
                      " exists without its " + (has_certificate ? "key" : "certificate") +
                      "; remove it or restore the other");
    }
    if (has_certificate) {
      created.kept_ids.push_back(replica.id);
    } else {
      to_issue.push_back(&replica);
    }
  }

  const fs::path ca_certificate_file = dir / "ca.crt";
  const fs::path ca_key_file = dir / "ca.key";
  const bool has_ca_certificate = is_present(ca_certificate_file);
  const bool has_ca_key = is_present(ca_key_file);
  if (to_issue.empty() && has_admin && has_ca_certificate) return created;
  if (has_ca_certificate != has_ca_key) {
    return fail(code::credentials_exist,
                (has_ca_certificate ? ca_certificate_file : ca_key_file).string() +
                    " exists without " + (has_ca_certificate ? "ca.key" : "ca.crt") +
                    ": certificates can be issued only with both");
  }

  Key ca_key;
  Certificate ca_certificate;
  if (has_ca_certificate) {
    auto key_text = read_credential_file(ca_key_file);
    if (!key_text) return std::unexpected(key_text.error());
    auto key = key_from_pem(*key_text, ca_key_file.string());
    if (!key) return std::unexpected(key.error());
    auto certificate_text = read_credential_file(ca_certificate_file);
    if (!certificate_text) return std::unexpected(certificate_text.error());
    auto certificates = certificates_from_pem(*certificate_text, ca_certificate_file.string());
    if (!certificates) return std::unexpected(certificates.error());
    // While a CA is rotated ca.crt holds two; the one that matches ca.key issues.
    auto match = std::find_if(certificates->begin(), certificates->end(), [&](const auto& c) {
      return X509_check_private_key(c.get(), key->get()) == 1;
    });
    ERR_clear_error();
    if (match == certificates->end()) {
      return invalid(ca_key_file.string() + " belongs to no certificate in " +
                     ca_certificate_file.string());
    }
    ca_key = std::move(*key);
    ca_certificate = std::move(*match);
  } else {
    ca_key = new_key();
    auto certificate = issue("PPAPD cluster CA", ca_key, nullptr, ca_key, true, "");
    if (!certificate) return std::unexpected(certificate.error());
    ca_certificate = std::move(*certificate);
    // The key first: a ca.crt without its key could never issue again.
    if (auto ok = write_new_private_file(ca_key_file, to_pem(ca_key)); !ok)
      return std::unexpected(ok.error());
    if (auto ok = write_new_private_file(ca_certificate_file, to_pem(ca_certificate)); !ok) {
      return std::unexpected(ok.error());
    }
    created.created_ca = true;
  }

  for (const ReplicaAddress* replica : to_issue) {
    Key key = new_key();
    auto certificate = issue(raft::member_certificate_name(raft::NodeId{replica->id}), key,
                             ca_certificate.get(), ca_key, false, replica->host);
    if (!certificate) return std::unexpected(certificate.error());
    if (auto ok = write_new_private_file(key_file(dir, replica->id), to_pem(key)); !ok) {
      return std::unexpected(ok.error());
    }
    if (auto ok = write_new_private_file(certificate_file(dir, replica->id), to_pem(*certificate));
        !ok) {
      return std::unexpected(ok.error());
    }
    created.created_ids.push_back(replica->id);
  }
  if (!has_admin) {
    Key key = new_key();
    auto certificate = issue(admin_certificate_name, key, ca_certificate.get(), ca_key, false, "");
    if (!certificate) return std::unexpected(certificate.error());
    if (auto ok = write_new_private_file(admin_key, to_pem(key)); !ok) {
      return std::unexpected(ok.error());
    }
    if (auto ok = write_new_private_file(admin_certificate, to_pem(*certificate)); !ok) {
      return std::unexpected(ok.error());
    }
    created.created_admin = true;
  }
  return created;
}

fs::path admin_certificate_file(const fs::path& tls_dir) { return tls_dir / "admin.crt"; }
fs::path admin_key_file(const fs::path& tls_dir) { return tls_dir / "admin.key"; }

MemoryCredentials make_memory_credentials(const std::vector<std::uint64_t>& ids) {
  MemoryCredentials out;
  out.cluster_id = new_cluster_id();
  Key ca_key = new_key();
  auto ca_certificate = issue("PPAPD cluster CA", ca_key, nullptr, ca_key, true, "");
  AUCTION_ASSERT(ca_certificate.has_value(), "issuing a CA in memory cannot fail");
  out.ca_certificate_pem = to_pem(*ca_certificate);
  out.ca_private_key_pem = to_pem(ca_key);
  for (const std::uint64_t id : ids) {
    Key key = new_key();
    auto certificate = issue(raft::member_certificate_name(raft::NodeId{id}), key,
                             ca_certificate->get(), ca_key, false, "127.0.0.1");
    AUCTION_ASSERT(certificate.has_value(), "issuing a certificate in memory cannot fail");
    out.replicas.push_back(
        TlsCredentials{out.ca_certificate_pem, to_pem(*certificate), to_pem(key)});
  }
  return out;
}

}  // namespace auction::platform
