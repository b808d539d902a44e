#include "db/identity.h"

#include <ctime>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "checker/sha256.h"

namespace outcheck::db {

namespace {

constexpr const char* kCrockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

void random_bytes(unsigned char* out, int n) {
  if (RAND_bytes(out, n) != 1) std::abort();  // no entropy: nothing secure can be done
}

}  // namespace

std::string new_ulid(std::chrono::system_clock::time_point now) {
  auto ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count());
  std::string out(26, '0');
  for (int i = 9; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = kCrockford[ms & 31];
    ms >>= 5;
  }
  unsigned char r[10];
  random_bytes(r, sizeof r);
  // 80 random bits as 16 characters of 5 bits each.
  unsigned __int128 bits = 0;
  for (unsigned char b : r) bits = (bits << 8) | b;
  for (int i = 25; i >= 10; --i) {
    out[static_cast<std::size_t>(i)] = kCrockford[static_cast<unsigned>(bits & 31)];
    bits >>= 5;
  }
  return out;
}

std::string new_token() {
  unsigned char r[40];
  random_bytes(r, sizeof r);
  std::string out = "oc_";
  for (unsigned char b : r) out.push_back(static_cast<char>(std::tolower(kCrockford[b & 31])));
  return out;
}

std::string random_hex(std::size_t bytes) {
  std::string raw(bytes, '\0');
  random_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes));
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char b : raw) {
    out += hex[b >> 4];
    out += hex[b & 15];
  }
  return out;
}

std::string token_hash(std::string_view token) { return checker::sha256_hex(token); }

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string iso_utc(std::chrono::system_clock::time_point t) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];  // room for any int in every field, so the compiler can see nothing is cut
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

}  // namespace outcheck::db
