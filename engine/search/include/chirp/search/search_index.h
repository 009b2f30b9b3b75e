// SearchIndex: chirp's tweet search over one data folder's search/ directory.
//
// What: a Xapian (glass) index fed with IndexOps from the engine's change log,
// plus a small in-memory index of applied-but-not-yet-committed tweets
// (Earlybird style) so a tweet is searchable as soon as apply() returns while
// the disk index commits in large batches (every commit_interval or
// commit_docs). Deleted tweets and users vanish at once: their ids are
// filtered out of disk results until the deletion is committed.
//
// Ownership and threads: the SearchIndex owns one WritableDatabase, used only
// by its writer thread, and a pool of read-only Database handles, one per
// concurrent search (reopened after commits, DatabaseModifiedError retried).
// apply() must be called by one feeder at a time (it serialises callers);
// search() and counts() are safe from any number of threads at once and never
// wait for a disk commit. Destruction commits what was applied, then stops
// the writer. No Xapian exception escapes: failures come back as Status.
//
// Resume: last_applied_seq() is the seq stored in the Xapian metadata by the
// last commit. After a restart, replay the change log after it; ops with a
// seq already applied are ignored, so replaying is idempotent.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "chirp/search/query.h"
#include "chirp/search/types.h"
#include "chirp/status.h"

namespace chirp::search {

struct SearchIndexOptions {
  std::chrono::milliseconds commit_interval{1000};  // max age of an uncommitted op
  size_t commit_docs = 20000;       // commit after this many ops
  size_t max_pending = 200000;      // apply() waits while more ops are uncommitted
  // The same bounds by (estimated) memory of the uncommitted ops in the memory
  // index: apply() waits past max_pending_bytes, the writer commits at
  // commit_bytes. Estimate per tweet: 2 KiB + 24 bytes per byte of text.
  size_t max_pending_bytes = size_t{256} << 20;
  size_t commit_bytes = size_t{64} << 20;
  size_t max_stale = 4096;          // rebuild the memory index past this many committed tweets in it
  size_t bulk_segment_docs = 1250;  // BulkLoad: tweets per segment (one glass flush each; merged in runs of 16)
  bool spelling = true;             // keep Xapian spelling data for suggestions
  QueryLimits limits;
  // Relevance = BM25 + recency_boost * 2^(-age / recency_half_life).
  double recency_boost = 2.0;
  std::chrono::hours recency_half_life{24};
};

class BulkLoad;

class SearchIndex {
 public:
  // Opens (or creates) the index in `dir`. A missing, unreadable or corrupt
  // index is replaced by an empty one and needs_rebuild() is then true.
  static Result<std::unique_ptr<SearchIndex>> Open(const std::string& dir, SearchIndexOptions options = {});
  ~SearchIndex();
  SearchIndex(const SearchIndex&) = delete;
  SearchIndex& operator=(const SearchIndex&) = delete;

  // Applies ops (in increasing seq order; ops at or below searchable_seq() are
  // skipped). They are searchable when this returns; the disk commit follows
  // in the background.
  Status apply(std::vector<IndexOp> ops);

  uint64_t last_applied_seq() const;  // committed to disk: the resume point
  uint64_t searchable_seq() const;    // applied and visible to search
  bool needs_rebuild() const;         // Open found no usable index: replay from seq 0
  uint64_t doc_count() const;         // committed documents
  // The disk writer's last commit error; Ok once a commit succeeds again
  // (readiness: /ready answers 503 while the index cannot commit).
  Status writer_health() const;

  // Drops every document and the stored seq (for a full rebuild from seq 0).
  Status reset();
  // Waits until `seq` is searchable (InvalidArgument never; Unavailable on timeout).
  Status wait_until_applied(uint64_t seq, std::chrono::milliseconds timeout);
  // Commits everything applied so far to disk (importers, tests, shutdown).
  Status flush();

  // Bulk catch-up for imports and rebuilds (see BulkLoad). Commits what was
  // applied first; `threads` segment builders run in parallel (0 = one per core).
  Result<std::unique_ptr<BulkLoad>> begin_bulk(int threads = 0);

  Result<SearchPage> search(const SearchRequest& request) const;
  // Matches of `q` per UTC day; since / until are YYYY-MM-DD, inclusive, and
  // may be empty (unbounded; then only days with matches are listed).
  Result<std::vector<DayCount>> counts(std::string_view q, std::string_view since, std::string_view until) const;

  struct Impl;

 private:
  explicit SearchIndex(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// A bulk load: ops go to segment databases built in parallel (each written
// once, in one commit), which finish() merges with the disk index in one
// Xapian compaction (docids kept), then writes chirp.last_seq and the docid
// allocator and swaps the result in. Much faster than one replace_document
// per tweet into one growing database (the writer's path).
//
// Visibility: nothing added is searchable until finish() returns; then all of
// it is committed (durable) and searchable. A crash before the swap leaves the
// old index with its old last_seq (the caller replays from there); a crash
// between the two renames of the swap leaves no index (rebuilt from seq 0).
//
// Threads: one caller thread, the one that called begin_bulk; it holds the
// index's ingest lock until finish() or destruction, so apply() waits.
class BulkLoad {
 public:
  ~BulkLoad();  // an unfinished load is abandoned: the index stays as it was
  BulkLoad(const BulkLoad&) = delete;
  BulkLoad& operator=(const BulkLoad&) = delete;

  // Ops in increasing seq order after the index's searchable_seq();
  // `through_seq` (>= the last op's seq) is the change-log position they cover.
  Status add(std::vector<IndexOp> ops, uint64_t through_seq);
  Status finish();

  struct State;
  explicit BulkLoad(std::unique_ptr<State> state);

 private:
  std::unique_ptr<State> s_;
};

}  // namespace chirp::search
