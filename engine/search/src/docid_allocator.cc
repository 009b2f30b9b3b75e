#include "docid_allocator.h"

#include <cstdio>
#include <cinttypes>

namespace chirp::search {

std::optional<DocidAllocator> DocidAllocator::parse(const std::string& s) {
  DocidAllocator a;
  if (s.empty()) return a;
  unsigned long long live = 0, old = 0, max_id = 0;
  if (std::sscanf(s.c_str(), "v1 %llu %llu %llu", &live, &old, &max_id) != 3) return std::nullopt;
  if (live > kLiveTop || old > kOldTop || old < kLiveTop) return std::nullopt;
  a.next_live_ = static_cast<uint32_t>(live);
  a.next_old_ = static_cast<uint32_t>(old);
  a.max_live_id_ = max_id;
  return a;
}

std::string DocidAllocator::serialise() const {
  char buf[96];
  std::snprintf(buf, sizeof buf, "v1 %" PRIu32 " %" PRIu32 " %" PRIu64, next_live_, next_old_, max_live_id_);
  return buf;
}

uint32_t DocidAllocator::allocate(uint64_t tweet_id) {
  if (tweet_id > max_live_id_ && next_live_ >= 1) {
    max_live_id_ = tweet_id;
    return next_live_--;  // reaches 0 once exhausted; later live tweets fall through
  }
  if (next_old_ > kLiveTop) return next_old_--;
  return 0;
}

}  // namespace chirp::search
