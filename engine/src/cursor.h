// Opaque page cursors: a version byte and a 64-bit position (an id), in
// base64url. Clients must treat them as opaque; the engine rejects anything it
// did not make with InvalidArgument.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "chirp/status.h"

namespace chirp::engine {

std::string encode_cursor(uint64_t position);
// "" decodes to position 0 (the first page).
Status decode_cursor(std::string_view cursor, uint64_t* position);
int clamp_limit(int limit);  // 1..100

}  // namespace chirp::engine
