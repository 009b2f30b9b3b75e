#include "passwords.h"

#include <sodium.h>

#include <algorithm>

namespace chirp::engine {

PasswordHasher::PasswordHasher(unsigned long long opslimit, size_t memlimit,
                               unsigned max_concurrent)
    : opslimit_(opslimit),
      memlimit_(memlimit),
      slots_(std::clamp<unsigned>(max_concurrent, 1, 64)) {
  char out[crypto_pwhash_STRBYTES];
  const char dummy[] = "chirp-dummy-password";
  if (crypto_pwhash_str(out, dummy, sizeof dummy - 1, opslimit_, memlimit_) == 0)
    dummy_hash_ = out;
}

Result<std::string> PasswordHasher::hash(std::string_view password) {
  char out[crypto_pwhash_STRBYTES];
  slots_.acquire();
  int rc = crypto_pwhash_str(out, password.data(), password.size(), opslimit_, memlimit_);
  slots_.release();
  if (rc != 0) return Status::Internal("password hashing failed (out of memory)");
  return std::string(out);
}

bool PasswordHasher::verify(std::string_view stored_hash, std::string_view password) {
  const std::string& h = stored_hash.empty() ? dummy_hash_ : std::string(stored_hash);
  if (h.empty()) return false;
  slots_.acquire();
  int rc = crypto_pwhash_str_verify(h.c_str(), password.data(), password.size());
  slots_.release();
  return rc == 0 && !stored_hash.empty();
}

std::string new_token() {
  unsigned char raw[32];
  randombytes_buf(raw, sizeof raw);
  char b64[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
  sodium_bin2base64(b64, sizeof b64, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return std::string(b64);
}

std::string token_hash(std::string_view token) {
  unsigned char out[32];
  crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char*>(token.data()),
                     token.size(), nullptr, 0);
  return std::string(reinterpret_cast<char*>(out), sizeof out);
}

}  // namespace chirp::engine
