#pragma once
// Identifiers and secrets: request ids (ULIDs), personal tokens (random, shown once, stored only as
// a SHA-256), and the clock every state change is stamped with.
#include <chrono>
#include <functional>
#include <string>
#include <string_view>

namespace outcheck::db {

// 26 Crockford base-32 characters: 48 bits of milliseconds, then 80 random bits.
std::string new_ulid(std::chrono::system_clock::time_point now);

// "oc_" and 40 random base-32 characters (200 bits).
std::string new_token();
std::string token_hash(std::string_view token);
// `bytes` random bytes, hex-encoded (session ids, CSRF tokens).
std::string random_hex(std::size_t bytes);
// Compares two hashes without an early exit, so timing says nothing about how much matched.
bool constant_time_equal(std::string_view a, std::string_view b);

// ISO 8601 UTC with milliseconds: 2026-11-24T22:15:03.123Z.
std::string iso_utc(std::chrono::system_clock::time_point t);

// Tests inject a clock; the program uses the system's.
using Clock = std::function<std::chrono::system_clock::time_point()>;
inline Clock system_clock() {
  return [] { return std::chrono::system_clock::now(); };
}

}  // namespace outcheck::db
