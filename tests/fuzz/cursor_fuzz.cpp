// Fuzz target: page-cursor decoding (engine/src/cursor.cpp). Cursors come back
// from clients verbatim, so decode_cursor sees arbitrary bytes. Properties:
// - a cursor that decodes gives a non-zero position, and encoding that
//   position gives a cursor that decodes to the same position;
// - the first 8 input bytes as a position round-trip through encode/decode.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "cursor.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  uint64_t pos = 0;
  if (chirp::engine::decode_cursor(in, &pos).ok() && !in.empty()) {  // "" is page one
    if (pos == 0) std::abort();
    uint64_t again = 0;
    if (!chirp::engine::decode_cursor(chirp::engine::encode_cursor(pos), &again).ok() || again != pos)
      std::abort();
  }
  if (size >= 8) {
    uint64_t p = 0;
    std::memcpy(&p, data, 8);
    if (p != 0) {
      uint64_t back = 0;
      if (!chirp::engine::decode_cursor(chirp::engine::encode_cursor(p), &back).ok() || back != p)
        std::abort();
    }
  }
  return 0;
}
