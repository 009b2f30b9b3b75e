// Password hashing (argon2id via libsodium crypto_pwhash_str) with bounded
// concurrency, and session tokens (256 random bits, stored only as a hash).
#pragma once

#include <semaphore>
#include <string>
#include <string_view>

#include "chirp/status.h"

namespace chirp::engine {

class PasswordHasher {
 public:
  PasswordHasher(unsigned long long opslimit, size_t memlimit, unsigned max_concurrent);
  Result<std::string> hash(std::string_view password);
  // Verifies `password` against `stored_hash`. An empty stored hash never matches
  // but costs the same time, so a missing user is not told apart by timing.
  bool verify(std::string_view stored_hash, std::string_view password);

 private:
  unsigned long long opslimit_;
  size_t memlimit_;
  std::counting_semaphore<64> slots_;  // each hash holds memlimit_ bytes
  std::string dummy_hash_;
};

// A fresh session token (43 characters of base64url) and the hash stored for it.
std::string new_token();
std::string token_hash(std::string_view token);  // 32 raw bytes (BLAKE2b)

}  // namespace chirp::engine
