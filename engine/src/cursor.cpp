#include "cursor.h"

#include <sodium.h>

#include <algorithm>

#include "chirp/storage/keys.h"

namespace chirp::engine {

namespace {
constexpr unsigned char kCursorVersion = 1;
constexpr int kVariant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
}  // namespace

std::string encode_cursor(uint64_t position) {
  std::string raw(1, static_cast<char>(kCursorVersion));
  storage::append_u64(raw, position);
  char out[sodium_base64_ENCODED_LEN(9, kVariant)];
  sodium_bin2base64(out, sizeof out, reinterpret_cast<const unsigned char*>(raw.data()),
                    raw.size(), kVariant);
  return out;
}

Status decode_cursor(std::string_view cursor, uint64_t* position) {
  *position = 0;
  if (cursor.empty()) return Status::Ok();
  unsigned char raw[9];
  size_t len = 0;
  if (cursor.size() > 16 ||
      sodium_base642bin(raw, sizeof raw, cursor.data(), cursor.size(), nullptr, &len, nullptr,
                        kVariant) != 0 ||
      len != 9 || raw[0] != kCursorVersion)
    return Status::InvalidArgument("invalid cursor");
  *position = storage::read_u64(std::string_view(reinterpret_cast<char*>(raw) + 1, 8));
  if (*position == 0) return Status::InvalidArgument("invalid cursor");
  return Status::Ok();
}

int clamp_limit(int limit) { return std::clamp(limit, 1, 100); }

}  // namespace chirp::engine
