// Maps 64-bit tweet ids to 32-bit Xapian docids so that ascending docid order
// is newest-first (the matcher stops early only for BoolWeight + ascending
// docid order on one database; see DESIGN.md).
//
// Why not a pure function of the id: a snowflake carries a 41-bit millisecond
// timestamp; 32 bits cannot hold time at a useful resolution for decades AND
// leave room for thousands of tweets per second. So docids are *allocated*,
// and the allocator state is persisted in the Xapian metadata in the same
// commit as the documents:
//
//   [1, kLiveTop]            live region, counts DOWN: a tweet whose id is
//                            greater than every id seen so far (live posts,
//                            rebuilds and imports fed oldest-first) takes the
//                            next lower docid, so newer => smaller docid, exactly.
//   (kLiveTop, 0xFFFFFFFF]   out-of-order region, also counts down: a tweet
//                            older than the newest one already indexed (an
//                            unsorted import) lands here, after every live
//                            tweet in recent order. Ordering inside it is
//                            approximate (allocation order), as allowed.
//
// Collisions cannot happen: each docid is handed out once; re-indexing a
// tweet reuses its docid, found through its unique term Q<id>.
// Capacity: ~3.2 billion live tweets, ~1 billion out-of-order ones; beyond
// that allocate() fails with Internal (rebuild with reset()).
//
// Not thread-safe: owned by the single ingest path.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace chirp::search {

class DocidAllocator {
 public:
  static constexpr uint32_t kLiveTop = 0xC0000000u - 1;
  static constexpr uint32_t kOldTop = 0xFFFFFFFFu;

  // A fresh allocator or one restored from serialise(); nullopt if the text is corrupt.
  static std::optional<DocidAllocator> parse(const std::string& s);
  std::string serialise() const;

  // A new docid for `tweet_id`, or 0 when the region is exhausted.
  uint32_t allocate(uint64_t tweet_id);

  bool operator==(const DocidAllocator&) const = default;

 private:
  uint32_t next_live_ = kLiveTop;
  uint32_t next_old_ = kOldTop;
  uint64_t max_live_id_ = 0;
};

}  // namespace chirp::search
