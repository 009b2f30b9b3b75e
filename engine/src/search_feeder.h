// SearchFeeder: the thread that follows a change log and feeds the search index.
//
// It reads changes after the index's resume point, turns tweet posts, tweet
// deletes and account deletions into IndexOps and applies them in batches
// (the read/apply/back-off loop is ChangeFollower's). The source of changes is
// a pair of functions, so the same feeder follows the local LMDB log
// (all-in-one) or, in split mode, the search service's replica log.
//
// Thread-safety: start()/stop() from the owner; fed_seq()/wait_fed() from any
// thread.
#pragma once

#include <chrono>
#include <optional>

#include "change_follower.h"
#include "chirp/engine/change_source.h"  // ChangeSource
#include "chirp/search/search_index.h"
#include "chirp/status.h"
#include "chirp/storage/records.h"

namespace chirp::engine {

// The IndexOp for one change, if search cares about it.
std::optional<search::IndexOp> index_op_for(const storage::ChangeRecord& change);

class SearchFeeder {
 public:
  SearchFeeder(search::SearchIndex& index, ChangeSource source);
  ~SearchFeeder();  // stops the thread

  // Begins following from `after` (the index's last_applied_seq, or 0 to rebuild).
  void start(uint64_t after);
  void stop();
  // The last change seq whose effect is searchable.
  uint64_t fed_seq() const { return follower_.position(); }
  // Waits until fed_seq() >= seq; Unavailable on timeout.
  Status wait_fed(uint64_t seq, std::chrono::milliseconds timeout) const;
  // The last error from reading or applying (Ok when healthy).
  Status health() const { return follower_.health(); }

 private:
  search::SearchIndex& index_;
  ChangeFollower follower_;
};

}  // namespace chirp::engine
