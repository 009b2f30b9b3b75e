// SearchFeeder: the thread that follows a change log and feeds the search index.
//
// It reads changes after the index's resume point, turns tweet posts, tweet
// deletes and account deletions into IndexOps and applies them in batches.
// The source of changes is a pair of functions, so the same feeder follows the
// local LMDB log (all-in-one) or, in split mode, a remote service's log.
//
// Thread-safety: start()/stop() from the owner; fed_seq()/wait_fed() from any
// thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

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
  uint64_t fed_seq() const { return fed_seq_.load(); }
  // Waits until fed_seq() >= seq; Unavailable on timeout.
  Status wait_fed(uint64_t seq, std::chrono::milliseconds timeout) const;
  // The last error from reading or applying (Ok when healthy).
  Status health() const;

 private:
  void loop(uint64_t after);

  search::SearchIndex& index_;
  ChangeSource source_;
  std::atomic<uint64_t> fed_seq_{0};
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  mutable std::condition_variable fed_cv_;
  Status health_;  // guarded by mu_
  std::thread thread_;
};

}  // namespace chirp::engine
