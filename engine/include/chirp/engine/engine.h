// Engine: chirp's domain over one data folder — users, sessions, tweets,
// follows, likes, timelines and the change log. No HTTP in here.
//
// Durability: every write goes through one group-commit writer thread, which
// runs concurrent operations in one LMDB transaction (each in a nested child
// transaction, so one failing operation rolls back alone) and returns to each
// caller only after the commit that holds its write is on disk.
// Every write also appends a change record (monotonic sequence number) in the
// same transaction: consumers such as the search indexer follow the log.
//
// Thread-safety: every method may be called from any thread at once. Reads run
// in their own LMDB read transaction and never wait for writers.
// Errors: expected failures come back as Status codes (see chirp/status.h);
// messages are for people and never carry internals for kInternal.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "chirp/engine/data_dir_lock.h"
#include "chirp/engine/options.h"
#include "chirp/engine/types.h"
#include "chirp/search/types.h"
#include "chirp/status.h"
#include "chirp/storage/records.h"

namespace chirp::storage {
struct Store;
}
namespace chirp::search {
class SearchIndex;
}

namespace chirp::engine {

class GroupCommitWriter;
class PasswordHasher;
class SearchFeeder;

// A search hit with the tweet as it is now (counts, names) in LMDB.
struct SearchHitView {
  Tweet tweet;
  std::vector<std::pair<int, int>> highlights;  // code-point ranges in tweet.text
  double score = 0;
};
struct SearchResults {
  std::vector<SearchHitView> hits;
  std::optional<std::string> next_cursor;
  uint64_t estimated_total = 0;
  std::optional<std::string> suggestion;
};

class Engine {
 public:
  // Opens (creating) the data folder. Fails fast with a clear message when
  // another process holds it (EngineOptions::exclusive).
  static Result<std::unique_ptr<Engine>> open(const EngineOptions& options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // ---- users and sessions ----
  Result<User> register_user(std::string_view username, std::string_view password,
                             std::string_view display_name = {});
  Result<Session> login(std::string_view username, std::string_view password);
  Result<Principal> authenticate(std::string_view token) const;
  Status logout(const Principal& who);
  Status revoke_all_sessions(uint64_t user_id);
  // Revokes every other session of the user.
  Status change_password(const Principal& who, std::string_view current_password,
                         std::string_view new_password);
  // Removes the account with its tweets (and replies' links), likes, follows, sessions.
  Status delete_account(uint64_t user_id, std::string_view password);
  Result<User> get_user(uint64_t user_id) const;
  Result<User> find_user(std::string_view username) const;  // case-insensitive
  Result<User> update_profile(uint64_t user_id, const std::optional<std::string>& display_name,
                              const std::optional<std::string>& bio);
  // Removes expired sessions (with their by-user index entries) in at most
  // `max_batches` batches of at most EngineOptions::session_sweep_batch
  // sessions looked at each, resuming where the previous call stopped (in
  // token-hash order; after the last session it starts over). Each batch looks
  // in a read transaction first and takes a write transaction (one group
  // commit) only when it found expired sessions: a sweep with nothing expired
  // writes nothing. The background sweep (EngineOptions::session_sweeper)
  // calls it; one at a time.
  struct SweepStats {
    size_t batches = 0;  // bounded scans (read transactions)
    size_t writes = 0;   // write transactions: batches that found expired sessions
    size_t scanned = 0;  // sessions looked at
    size_t removed = 0;  // expired sessions removed
    bool pass_done = false;  // reached the end of the table (the next call starts over)
  };
  Result<SweepStats> sweep_expired_sessions(size_t max_batches);

  // ---- follows ----
  Status follow(uint64_t follower_id, std::string_view username);
  Status unfollow(uint64_t follower_id, std::string_view username);
  // The writes without waiting (see post_tweet_async): each returns once its
  // write is queued for the next group commit; `done` gets what the
  // synchronous method would have returned, exactly once, on the writer's
  // completion thread after the commit is durable (or on the caller's thread
  // while shutting down). It must not block for long. Same write as the
  // synchronous method (one operation builder each).
  using WriteDone = std::function<void(Status)>;
  void follow_async(uint64_t follower_id, std::string_view username, WriteDone done);
  void unfollow_async(uint64_t follower_id, std::string_view username, WriteDone done);
  // Whether the follow exists; a failed read is an error, never "no".
  Result<bool> is_following(uint64_t follower_id, uint64_t followee_id) const;
  Result<Page<User>> followers(std::string_view username, const PageRequest& page) const;
  Result<Page<User>> following(std::string_view username, const PageRequest& page) const;

  // ---- tweets ----
  // `idempotency_key` (optional): a retry with the same key returns the first tweet.
  Result<Tweet> post_tweet(uint64_t author_id, std::string_view text,
                           std::optional<uint64_t> in_reply_to = std::nullopt,
                           std::string_view idempotency_key = {});
  // The same without waiting: returns once the post is queued for the next
  // group commit. `done` gets the posted tweet (or why not) exactly once: on
  // the caller's thread before this returns for a bad text or key, or while
  // shutting down; otherwise on the writer's completion thread, only after
  // the commit holding the tweet is durable. `done` must not block for long
  // (it delays the completions of the posts committed with it).
  using PostDone = std::function<void(Result<Tweet>)>;
  void post_tweet_async(uint64_t author_id, std::string_view text, std::optional<uint64_t> in_reply_to,
                        std::string_view idempotency_key, PostDone done);
  Result<Tweet> get_tweet(uint64_t tweet_id) const;
  // The tweet, only if `username` is its author (case-insensitive); else NotFound.
  Result<Tweet> get_tweet_of(std::string_view username, uint64_t tweet_id) const;
  Status delete_tweet(uint64_t user_id, uint64_t tweet_id);
  Status like(uint64_t user_id, uint64_t tweet_id);
  Status unlike(uint64_t user_id, uint64_t tweet_id);
  // Late-answered variants (see follow_async).
  void delete_tweet_async(uint64_t user_id, uint64_t tweet_id, WriteDone done);
  void like_async(uint64_t user_id, uint64_t tweet_id, WriteDone done);
  void unlike_async(uint64_t user_id, uint64_t tweet_id, WriteDone done);
  // Whether the user liked the tweet; a failed read is an error, never "no".
  Result<bool> has_liked(uint64_t user_id, uint64_t tweet_id) const;

  // ---- timelines (newest first) and threads (oldest first) ----
  Result<Page<Tweet>> all_tweets(const PageRequest& page) const;
  Result<Page<Tweet>> user_tweets(std::string_view username, const PageRequest& page) const;
  Result<Page<Tweet>> home_timeline(uint64_t user_id, const PageRequest& page) const;
  Result<Page<Tweet>> replies(uint64_t tweet_id, const PageRequest& page) const;

  // ---- change log ----
  // Changes with seq > after, oldest first, at most `limit`.
  Result<std::vector<storage::ChangeRecord>> changes_after(uint64_t after, size_t limit) const;
  // The last committed sequence number (0 when the log is empty).
  uint64_t last_change_seq() const;
  // Blocks until a change with seq > after is committed or the timeout passes;
  // returns the last committed sequence number.
  uint64_t wait_for_change(uint64_t after, std::chrono::milliseconds timeout) const;
  // The identity of this data folder's change log: 32 hex digits from
  // libsodium, created once with the folder (an older folder gets one on its
  // first open). A backup carries it, so a restored folder is the same log,
  // rewound; a wiped folder is a new log. Consumers compare it on every page.
  const std::string& log_id() const { return log_id_; }

  // ---- split mode: replicas of other services' logs (change_source.h) ----
  // Applies `changes` of the foreign log `log` ("users", "tweets") as `scope`
  // says (ReplicaScope flags), skipping those at or below the stored
  // position, and stores the new position in the same durable transaction.
  // `log_id` (the producer's Engine::log_id; "" when unknown) is stored with
  // the position. When it differs from the stored one the producer is another
  // log (its folder was wiped or replaced): the position counts from 0 again,
  // what only that log derives is reset (kReplicaTweetCounts: every tweet
  // count) and `changes` must be that log's from its start; the switch is
  // recorded even when `changes` is empty.
  Status apply_replica(std::string_view log, uint32_t scope,
                       const std::vector<storage::ChangeRecord>& changes, std::string_view log_id = {});
  // The last sequence number of `log` applied here (0: nothing applied yet,
  // start from the beginning). A failed read is an error, never 0.
  Result<uint64_t> replica_position(std::string_view log) const;
  // The identity of the log that position counts in ("" before one was seen).
  // A failed read is an error, never "".
  Result<std::string> replica_log_id(std::string_view log) const;

  // ---- search (EngineOptions::search) ----
  // The query language is docs/search.md; malformed queries are InvalidArgument.
  Result<SearchResults> search(const search::SearchRequest& request) const;
  Result<std::vector<search::DayCount>> search_counts(std::string_view q, std::string_view since,
                                                      std::string_view until) const;
  // Waits until every change up to `seq` is searchable (Unavailable on timeout).
  Status wait_until_searchable(uint64_t seq, std::chrono::milliseconds timeout) const;
  // Rebuilds the index from the change log; `progress(done_seq, last_seq)` is
  // called now and then. Returns once everything is searchable and committed.
  Status reindex(const std::function<void(uint64_t, uint64_t)>& progress);
  // Bulk importers: pause_search() stops feeding the index change by change;
  // catch_up_search() then indexes every change after the index's position
  // with parallel segment builders (search::BulkLoad), restarts the feeder and
  // returns once everything is searchable and committed. While `writing()`
  // returns true (an import running on another thread), it follows the log
  // and waits for more changes, so the index is built beside the import.
  void pause_search();
  Status catch_up_search(const std::function<void(uint64_t, uint64_t)>& progress,
                         const std::function<bool()>& writing = {});
  // Ready: the index is open, healthy and at most `max_lag` changes behind.
  bool search_ready(uint64_t max_lag = 10000) const;
  uint64_t index_docs() const;
  uint64_t searchable_seq() const;  // every change up to it is searchable
  Status search_health() const;     // the feeder's last error, Ok when healthy

  // ---- health (GET /ready) ----
  struct Health {
    // LMDB writes: Ok, or why the last write could not reach the disk (a full
    // disk or map, a failing commit), until a write commits again.
    Status storage;
    // Ok without an index; else the feeder's or the index writer's last error
    // (a failing Xapian commit), until it works again.
    Status search;
    uint64_t change_seq = 0;
    uint64_t searchable_seq = 0;
  };
  // While writes fail and none failed in the last 2 s, tries (at most once
  // per 2 s) one small durable write of its own, so a disk that has room
  // again is seen without a client write.
  Health health() const;
  // Commits the search index (tools call it before exiting).
  Status flush_search();

  // ---- bulk import (chirpctl import) ----
  // Imports records in one durable commit. Missing users are created with
  // `password_hash` ("" = cannot log in). Records breaking a rule are counted, not fatal.
  Result<ImportStats> import_batch(const std::vector<ImportRecord>& records,
                                   const std::string& password_hash);
  // Hashes a password with this engine's cost settings (bounded concurrency).
  Result<std::string> hash_password(std::string_view password) const;

  // ---- maintenance ----
  struct Stats {
    uint64_t users = 0, tweets = 0, sessions = 0, follows = 0, likes = 0, changes = 0;
    uint64_t change_seq = 0;
    uint64_t map_size = 0;
  };
  // A failed read is an error, never zeros.
  Result<Stats> stats() const;
  // The LMDB map size now (no read: for gauges).
  uint64_t map_size() const;
  storage::Store& store() { return *store_; }
  const EngineOptions& options() const { return options_; }

 private:
  Engine() = default;
  Status init_log_id();  // reads or creates log_id_ (replica.cpp)
  EngineOptions options_;
  std::string log_id_;
  std::unique_ptr<DataDirLock> lock_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<PasswordHasher> hasher_;
  std::unique_ptr<GroupCommitWriter> writer_;
  std::unique_ptr<search::SearchIndex> index_;
  std::unique_ptr<SearchFeeder> feeder_;
  mutable std::atomic<int64_t> last_probe_ms_{0};  // health(): the last write probe
  Status start_search();
  // The expired-session sweep: one at a time (sweep_mu_), resuming at sweep_from_.
  std::mutex sweep_mu_;
  std::string sweep_from_;  // guarded by sweep_mu_
  std::mutex sweeper_mu_;
  std::condition_variable sweeper_cv_;
  bool sweeper_stop_ = false;  // guarded by sweeper_mu_
  std::thread sweeper_;
  void sweeper_loop();
};

// Username and text rules, shared by the engine and its callers.
Status validate_username(std::string_view username);  // pattern + reserved names
Status validate_password(std::string_view password);  // 8..128 bytes
std::string lowercase_ascii(std::string_view s);

}  // namespace chirp::engine
