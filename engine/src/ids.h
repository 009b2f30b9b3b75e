// Snowflake-style 64-bit ids: 41 bits of milliseconds since 2020-01-01T00:00Z,
// 10 bits of node, 12 bits of sequence. Ids sort by time; decimal on the wire.
#pragma once

#include <cstdint>

namespace chirp::engine {

constexpr int64_t kIdEpochMs = 1577836800000LL;  // 2020-01-01T00:00:00Z

inline uint64_t make_id(int64_t ms, unsigned node, unsigned seq) {
  uint64_t t = ms > kIdEpochMs ? static_cast<uint64_t>(ms - kIdEpochMs) : 0;
  return (t << 22) | (static_cast<uint64_t>(node & 0x3ff) << 12) | (seq & 0xfff);
}
inline int64_t id_time_ms(uint64_t id) { return static_cast<int64_t>(id >> 22) + kIdEpochMs; }

// Hands out strictly increasing ids for live writes. Not thread-safe: only the
// writer thread uses it.
class IdGenerator {
 public:
  IdGenerator(unsigned node, uint64_t last_issued) : node_(node), last_(last_issued) {}
  uint64_t next(int64_t now_ms) {
    uint64_t candidate = make_id(now_ms, node_, 0);
    if (candidate <= last_) {
      // Same (or earlier) millisecond: take the next sequence number; when the
      // 12 sequence bits run out, borrow the next millisecond.
      int64_t ms = id_time_ms(last_);
      unsigned seq = static_cast<unsigned>(last_ & 0xfff) + 1;
      if (seq > 0xfff) { ++ms; seq = 0; }
      candidate = make_id(ms, node_, seq);
    }
    last_ = candidate;
    return candidate;
  }
  uint64_t last() const { return last_; }

 private:
  unsigned node_;
  uint64_t last_;
};

}  // namespace chirp::engine
