// Key encoding: fixed-width big-endian integers, so that LMDB's bytewise key
// order is numeric order (ids sort, time-ordered ids sort by time).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace chirp::storage {

inline void append_u64(std::string& out, uint64_t v) {
  char b[8];
  for (int i = 7; i >= 0; --i) { b[i] = static_cast<char>(v & 0xff); v >>= 8; }
  out.append(b, 8);
}

inline uint64_t read_u64(std::string_view s, size_t at = 0) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(s[at + i]);
  return v;
}

inline std::string key_u64(uint64_t a) {
  std::string k;
  k.reserve(8);
  append_u64(k, a);
  return k;
}

inline std::string key_u64_u64(uint64_t a, uint64_t b) {
  std::string k;
  k.reserve(16);
  append_u64(k, a);
  append_u64(k, b);
  return k;
}

// Key made of a u64 and arbitrary bytes (user id + token hash).
inline std::string key_u64_bytes(uint64_t a, std::string_view b) {
  std::string k = key_u64(a);
  k.append(b);
  return k;
}

inline bool has_prefix(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.compare(0, p.size(), p) == 0;
}

}  // namespace chirp::storage
