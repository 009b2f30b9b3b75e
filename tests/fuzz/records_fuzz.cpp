// Fuzz target: stored-record decoding (storage/include/chirp/storage/codec.h
// and records.h). LMDB values are trusted more than HTTP input, but a torn or
// corrupted page must become Status::Internal, never a crash or a huge
// allocation. The first input byte picks the record type, the rest is the
// value. Properties: decode never reads out of bounds (ASan) and never
// throws; a value that decodes re-encodes to bytes that decode to the same
// re-encoding (encode is a fixed point after one round).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "chirp/storage/codec.h"
#include "chirp/storage/records.h"

namespace {

template <class T>
void round_trip(std::string_view bytes) {
  T record;
  if (!chirp::storage::decode(bytes, &record).ok()) return;
  const std::string once = chirp::storage::encode(record);
  T again;
  if (!chirp::storage::decode(once, &again).ok()) std::abort();
  if (chirp::storage::encode(again) != once) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view value(reinterpret_cast<const char*>(data) + 1, size - 1);
  using namespace chirp::storage;
  switch (data[0] % 7) {
    case 0: round_trip<UserRecord>(value); break;
    case 1: round_trip<SessionRecord>(value); break;
    case 2: round_trip<TweetRecord>(value); break;
    case 3: round_trip<FollowRecord>(value); break;
    case 4: round_trip<ChangeRecord>(value); break;
    case 5: round_trip<IdempotencyRecord>(value); break;
    case 6: round_trip<EntityRecord>(value); break;
  }
  return 0;
}
