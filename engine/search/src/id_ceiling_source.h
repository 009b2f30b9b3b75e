// Tweet id <= max_id: the snapshot bound of later relevance pages on disk.
// In the live docid region ascending docid = descending tweet id
// (docid_allocator.h), so the tweets at or below max_id are the live docids
// from one boundary on, found by a binary search over the tweet-id value
// stream; past it the source only steps between existing documents, and
// before it the other half of the AND skips straight to it. Out-of-order
// docids, and an index without allocator metadata (the memory index), are
// tested by their tweet-id value. Replaces OP_VALUE_LE on the id slot, which
// reads one value per match.
#pragma once

#include <algorithm>
#include <limits>
#include <string>

#include <xapian.h>

#include "live_window_source.h"
#include "schema.h"

namespace chirp::search {

class IdCeilingSource : public LiveWindowSource {
 public:
  explicit IdCeilingSource(uint64_t max_id) : LiveWindowSource(schema::kSlotTweetId), max_id_(max_id) {}

  void init(const Xapian::Database& db) override {
    start(db, true);
    // The window runs from the first live docid whose id is <= max_id to the live region's end.
    if (ordered_ && live_last_ > 0) lo_ = first_live_docid([&](uint64_t id) { return id <= max_id_; });
    est_ = max_ = ordered_ ? window_size() : doccount_;
  }

  IdCeilingSource* clone() const override { return new IdCeilingSource(max_id_); }
  std::string name() const override { return "chirp.IdCeilingSource"; }
  std::string get_description() const override { return "chirp.IdCeilingSource(" + std::to_string(max_id_) + ")"; }

  Xapian::docid boundary() const { return window_lo(); }  // for tests

 private:
  bool value_matches(const std::string& tweet_id) const override { return schema::from_be64(tweet_id) <= max_id_; }

  uint64_t max_id_;
};

}  // namespace chirp::search
