#include "checker/sha256.h"

// OpenSSL's own SHA-256 functions, not EVP: EVP's first digest in a process loads openssl.cnf and
// fetches the algorithm from a provider, about 2 ms of every `check` here (15% of checking an
// empty file), for the same code underneath (SHA extensions where the CPU has them). Deprecated in
// OpenSSL 3.0, and present in every 3.x.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

namespace outcheck::checker {

struct Sha256::Impl {
  SHA256_CTX ctx;
};

Sha256::Sha256() : impl_(std::make_unique<Impl>()) { SHA256_Init(&impl_->ctx); }
Sha256::~Sha256() = default;

void Sha256::update(std::string_view bytes) { SHA256_Update(&impl_->ctx, bytes.data(), bytes.size()); }

std::string Sha256::hex_digest() {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256_Final(digest, &impl_->ctx);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  out.reserve(2 * SHA256_DIGEST_LENGTH);
  for (unsigned char b : digest) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

std::string sha256_hex(std::string_view bytes) {
  Sha256 h;
  h.update(bytes);
  return h.hex_digest();
}

}  // namespace outcheck::checker
