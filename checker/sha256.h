#pragma once
// Streaming SHA-256 (OpenSSL libcrypto), hex-encoded.
#include <memory>
#include <string>
#include <string_view>

namespace outcheck::checker {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(std::string_view bytes);
  std::string hex_digest();  // ends the computation

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

std::string sha256_hex(std::string_view bytes);

}  // namespace outcheck::checker
