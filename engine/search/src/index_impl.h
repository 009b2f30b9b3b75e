// Internal state of SearchIndex, shared by its three parts:
//   search_index.cc  open / reset and the ingest path (apply: memory index)
//   writer.cc        the writer thread (disk index, batched commits)
//   searcher.cc      readers (memory + disk, merged)
// Lock order: ingest_mu -> mem_mu -> queue_mu; pool_mu is a leaf.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include <xapian.h>

#include "chirp/search/search_index.h"
#include "schema.h"
#include "docid_allocator.h"

namespace chirp::search {

// One op on its way to the disk writer, with the docid the ingest path chose
// and the allocator state after it (persisted with the commit that contains it).
struct WorkItem {
  IndexOp op;
  uint32_t docid = 0;
  std::string allocator_state;
  bool reset = false;  // drop the whole disk index
  std::string swap_in;  // bulk load: replace the disk index with this folder
  size_t bytes = 0;     // estimated memory-index cost (SearchIndexOptions::max_pending_bytes)
};

// The estimate behind max_pending_bytes / commit_bytes (InMemory postings,
// positions, the pending map's copy of the tweet).
inline size_t estimated_bytes(const IndexOp& op) { return 2048 + 24 * op.tweet.text.size(); }

struct PendingDoc {
  uint64_t seq;
  uint32_t docid;
  TweetDocument tweet;  // to rebuild the memory index without committed tweets
};

// The memory index is rebuilt past this many garbage slots even when
// SearchIndexOptions::max_stale is higher (see MemoryState::evict_committed).
// Small on purpose: right after a commit almost nothing is pending, so a
// rebuild costs little, while every garbage slot holds ~2.5 KB until then.
// At 1024 the soak's RssAnon swung by ~2.7-3.3 MB between rebuilds and its
// median rose 26% in 10 min; at 128 the swing is ~1 MB and the median rises
// far less, at the same throughput and p99 (docs/reliability.md, "Soak").
inline constexpr size_t kMaxGarbageSlots = 128;

// Applied-but-uncommitted state, guarded by mem_mu (memory_state.cc).
struct MemoryState {
  Xapian::WritableDatabase db = Xapian::WritableDatabase(std::string(), Xapian::DB_BACKEND_INMEMORY);
  std::unordered_map<uint64_t, PendingDoc> upserts;  // tweet id -> latest pending upsert
  std::unordered_map<uint64_t, uint64_t> deleted_tweets;  // tweet id -> seq, until committed
  std::unordered_map<uint64_t, uint64_t> deleted_users;   // user id -> seq, until committed
  uint64_t committed_gen = 0;   // bumped after every disk commit
  uint64_t epoch = 0;           // bumped by reset(): handles must be recreated, not reopened
  Xapian::docid mem_added = 0;  // documents ever added to db
  // Committed tweets still in db. Deleting one from an InMemory database costs
  // a walk of every posting list it is in, so committed tweets are left there
  // (the merge drops them as duplicates of their disk copy) and the memory
  // index is rebuilt from `upserts` once the garbage outnumbers the pending ones.
  size_t stale = 0;

  // The ingest path's changes (apply()); `doc` is the built document of `p`.
  void upsert(uint64_t tweet_id, PendingDoc p, const Xapian::Document& doc);
  void delete_tweet(uint64_t tweet_id, uint64_t seq);
  void delete_user(uint64_t user_id, uint64_t seq);

  // After a disk commit of `written`: their tweets leave `upserts` (their
  // copies in db become stale), their deletes leave the filters. An emptied
  // memory index starts afresh. True when db should be rebuilt (garbage()
  // past max_stale and past the pending count, so rebuilds stay amortised).
  bool evict_committed(const std::vector<WorkItem>& written, size_t max_stale);

  // Slots of db that hold no pending tweet: stale copies of committed tweets
  // and deleted documents (InMemory keeps a deleted document's slot and its
  // terms' entries). Only a rebuild or an emptied index frees them. A tweet
  // posted and deleted before a commit is never stale, so counting only
  // `stale` let this grow without bound under steady post + delete traffic
  // (issue 8: the soak's RssAnon doubled).
  size_t garbage() const { return mem_added > upserts.size() ? mem_added - upserts.size() : 0; }

  // Replaces db by `fresh`, built from `pending` (a copy of `upserts` taken
  // earlier under mem_mu): tweets evicted or replaced since are dropped again.
  void install_rebuilt(Xapian::WritableDatabase fresh, const std::vector<std::pair<uint64_t, PendingDoc>>& pending);

  // Forgets everything applied (reset, or before a bulk swap): empty db, no
  // pending tweets, no delete filters. committed_gen and epoch are kept.
  void clear();
  // A new empty db (InMemory never gives back deleted slots); the maps stay.
  void empty_db();

  // The databases empty_db() and install_rebuilt() replaced. Destroying one
  // and handing its pages back to the system (malloc_trim) takes a while, so
  // the caller swaps them out under mem_mu and passes them to drop_retired()
  // after letting go of it: searches and apply() never wait for that.
  std::vector<Xapian::WritableDatabase> retired;
};

// Destroys the retired memory databases, then gives their freed pages back.
void drop_retired(std::vector<Xapian::WritableDatabase> dbs);

// A fresh InMemory database holding `pending` (see MemoryState::install_rebuilt).
Xapian::WritableDatabase build_memory_db(const std::vector<std::pair<uint64_t, PendingDoc>>& pending);

// Makes renames in `dir` durable (fsync of the directory).
void sync_dir(const std::string& dir);

// A read handle on the disk index, checked out by one search at a time.
struct ReaderHandle {
  std::unique_ptr<Xapian::Database> db;
  std::unique_ptr<Xapian::Database> spelling;  // the spelling database (schema::kSpellingDir), same generation, if asked for
  uint64_t gen = 0;
  uint64_t epoch = 0;
};

struct SearchIndex::Impl {
  std::string dir;
  SearchIndexOptions options;
  bool needs_rebuild = false;

  // Ingest path (apply), serialised by ingest_mu.
  std::mutex ingest_mu;
  DocidAllocator allocator;
  ReaderHandle lookup;  // finds the docid of an already committed tweet
  Xapian::TermGenerator mem_tg;
  std::atomic<uint64_t> searchable_seq{0};
  std::atomic<uint64_t> max_tweet_id{0};
  std::condition_variable_any applied_cv;  // searchable_seq advanced
  std::atomic<uint64_t> committed_seq{0};   // written by the writer after each commit
  std::atomic<uint64_t> committed_docs{0};

  mutable std::mutex mem_mu;
  MemoryState mem;

  // Writer thread.
  std::mutex queue_mu;
  std::condition_variable queue_cv;      // work arrived, flush or stop requested
  std::condition_variable committed_cv;  // a commit (or reset) finished
  std::deque<WorkItem> queue;
  size_t uncommitted = 0;  // queued + written but not committed ops (backpressure)
  size_t uncommitted_bytes = 0;  // their estimated_bytes
  bool flush_wanted = false;
  bool stop = false;
  uint64_t resets_done = 0;  // resets and bulk swaps finished
  Status writer_status;    // last disk error, Ok once a commit succeeds again
  uint64_t commit_attempts = 0;  // commits tried, failed or not (flush() waits for a fresh one)
  std::unique_ptr<Xapian::WritableDatabase> wdb;  // writer thread only (after Open)
  std::unique_ptr<Xapian::WritableDatabase> sdb;  // its spelling database, committed right after wdb
  std::thread writer;

  // Readers.
  mutable std::mutex pool_mu;
  mutable std::vector<std::unique_ptr<ReaderHandle>> pool;

  void writer_loop();
  void rebuild_memory();
  // Docid of a committed tweet (0 if none), retried if commits overtake the handle.
  Result<uint32_t> find_committed_docid(uint64_t tweet_id, uint64_t gen, uint64_t epoch);
  Status open_disk(bool* created_or_corrupt);
  std::string spelling_dir() const { return dir + "/" + schema::kSpellingDir; }
  // Opens or reopens `h` for generation `gen` of epoch `epoch`; its spelling
  // database too when `with_spelling` (searches; not the docid lookups).
  Status refresh(ReaderHandle& h, uint64_t gen, uint64_t epoch, bool with_spelling) const;
};

}  // namespace chirp::search
