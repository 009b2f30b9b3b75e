// The key spaces of a chirp data folder, one small class each, and Store, which
// opens them all on one Env. Layout of every key and value:
// docs/storage_format.md.
//
// Every method takes the transaction to run in (MDB_txn*, from a ReadTxn or a
// WriteTxn) and does no locking of its own; see env.h for the rules.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "chirp/storage/env.h"
#include "chirp/storage/records.h"

namespace chirp::storage {

// A record keyed by a big-endian u64 id (users, tweets, change log).
template <typename Record>
class RecordTable {
 public:
  RecordTable() = default;
  explicit RecordTable(Table t) : t_(t) {}
  Status get(MDB_txn* txn, uint64_t id, Record* out) const;
  // `append` uses MDB_APPEND (ids known to be larger than every existing key).
  Status put(MDB_txn* txn, uint64_t id, const Record& r, bool append = false) const;
  Status insert_new(MDB_txn* txn, uint64_t id, const Record& r) const;  // Conflict if present
  Status del(MDB_txn* txn, uint64_t id, bool* existed = nullptr) const;
  // Whether the id is present; a read error is an error, never "absent".
  Result<bool> contains(MDB_txn* txn, uint64_t id) const;
  uint64_t count(MDB_txn* txn) const { return entry_count(txn, t_); }
  // The largest id, 0 if empty.
  Result<uint64_t> last_id(MDB_txn* txn) const;
  // Ids in descending order strictly below `before` (0 = from the newest).
  Result<std::vector<uint64_t>> ids_desc(MDB_txn* txn, uint64_t before, size_t limit) const;
  // Visits records with id > after in ascending order until `fn` returns false.
  Status scan_asc(MDB_txn* txn, uint64_t after,
                  const std::function<bool(uint64_t, const Record&)>& fn) const;
  const Table& table() const { return t_; }

 private:
  Table t_;
};

// An ordered set of (a, b) pairs of u64 with an optional small value, used for
// every relation: a user's tweets, replies of a tweet, follows, likes, homes.
class PairIndex {
 public:
  PairIndex() = default;
  explicit PairIndex(Table t) : t_(t) {}
  Status add(MDB_txn* txn, uint64_t a, uint64_t b, std::string_view value = {}) const;
  Status remove(MDB_txn* txn, uint64_t a, uint64_t b, bool* existed = nullptr) const;
  // Whether the pair is present; a read error is an error, never "absent".
  Result<bool> contains(MDB_txn* txn, uint64_t a, uint64_t b) const;
  Status get(MDB_txn* txn, uint64_t a, uint64_t b, std::string_view* value) const;
  // b values for `a`, descending, strictly below `before_b` (0 = from the largest).
  // A read error fails the whole list (never a shorter or empty one).
  Result<std::vector<uint64_t>> list_desc(MDB_txn* txn, uint64_t a, uint64_t before_b,
                                          size_t limit) const;
  // b values for `a`, ascending, strictly above `after_b`.
  Result<std::vector<uint64_t>> list_asc(MDB_txn* txn, uint64_t a, uint64_t after_b,
                                         size_t limit) const;
  // Removes every (a, *) pair, calling `fn(b)` for each first (may be null).
  Status remove_all(MDB_txn* txn, uint64_t a, const std::function<Status(uint64_t)>& fn) const;
  uint64_t count(MDB_txn* txn) const { return entry_count(txn, t_); }
  const Table& table() const { return t_; }

 private:
  Table t_;
};

// Lower-cased username -> user id.
class UsernameIndex {
 public:
  UsernameIndex() = default;
  explicit UsernameIndex(Table t) : t_(t) {}
  Status get(MDB_txn* txn, std::string_view lower, uint64_t* id) const;
  Status insert_new(MDB_txn* txn, std::string_view lower, uint64_t id) const;  // Conflict if taken
  Status remove(MDB_txn* txn, std::string_view lower) const;

 private:
  Table t_;
};

// Session token hash (32 bytes) -> SessionRecord, plus (user id, hash) so that
// every session of a user can be revoked.
class SessionTable {
 public:
  SessionTable() = default;
  SessionTable(Table by_hash, Table by_user) : by_hash_(by_hash), by_user_(by_user) {}
  Status get(MDB_txn* txn, std::string_view hash, SessionRecord* out) const;
  Status put(MDB_txn* txn, std::string_view hash, const SessionRecord& r) const;
  Status remove(MDB_txn* txn, std::string_view hash) const;
  // Removes every session of `user_id` except `keep_hash` (may be empty).
  Status remove_all_of_user(MDB_txn* txn, uint64_t user_id, std::string_view keep_hash) const;
  uint64_t count(MDB_txn* txn) const { return entry_count(txn, by_hash_); }

  // The expired-session sweep, one bounded step in two halves, so that a step
  // finding nothing expired writes nothing: scan_expired (any transaction, a
  // read-only one will do) looks at no more than `max_scan` sessions in hash
  // order from `from` (a hash, "" = the first) and lists those with
  // expires_at_ms <= now_ms; remove_expired (a write transaction) removes the
  // listed sessions that are still there and still expired at `now_ms`, with
  // their by-user entries, and returns how many it removed.
  struct SweepStep {
    size_t scanned = 0;
    std::vector<std::string> expired;  // session hashes (remove_expired re-reads each record)
    std::string next;  // where the next step starts; "" = the end was reached
  };
  Result<SweepStep> scan_expired(MDB_txn* txn, std::string_view from, int64_t now_ms, size_t max_scan) const;
  Result<size_t> remove_expired(MDB_txn* txn, const std::vector<std::string>& expired, int64_t now_ms) const;
  uint64_t count_by_user(MDB_txn* txn) const { return entry_count(txn, by_user_); }

 private:
  Table by_hash_;
  Table by_user_;
};

// (user id, client key) -> IdempotencyRecord.
class IdempotencyTable {
 public:
  IdempotencyTable() = default;
  explicit IdempotencyTable(Table t) : t_(t) {}
  Status get(MDB_txn* txn, uint64_t user_id, std::string_view key, IdempotencyRecord* out) const;
  Status put(MDB_txn* txn, uint64_t user_id, std::string_view key, const IdempotencyRecord& r) const;
  Status remove_all_of_user(MDB_txn* txn, uint64_t user_id) const;

 private:
  Table t_;
};

// Small named values: schema version, consumer positions.
class MetaTable {
 public:
  MetaTable() = default;
  explicit MetaTable(Table t) : t_(t) {}
  Status get_u64(MDB_txn* txn, std::string_view name, uint64_t* out) const;  // NotFound if absent
  Status put_u64(MDB_txn* txn, std::string_view name, uint64_t v) const;
  // Short strings (a change log's identity): NotFound if absent.
  Status get_str(MDB_txn* txn, std::string_view name, std::string* out) const;
  Status put_str(MDB_txn* txn, std::string_view name, std::string_view v) const;

 private:
  Table t_;
};

// All key spaces of a data folder's LMDB environment.
struct Store {
  std::unique_ptr<Env> env;
  MetaTable meta;
  RecordTable<UserRecord> users;
  UsernameIndex usernames;
  SessionTable sessions;
  RecordTable<TweetRecord> tweets;
  PairIndex user_tweets;   // (author, tweet)
  PairIndex replies;       // (parent tweet, reply)
  PairIndex following;     // (follower, followee) -> FollowRecord
  PairIndex followers;     // (followee, follower) -> FollowRecord
  PairIndex likes;         // (tweet, user)
  PairIndex user_likes;    // (user, tweet)
  PairIndex home;          // (user, tweet) -> author id: home timeline, fanned out on write
  IdempotencyTable idempotency;
  RecordTable<ChangeRecord> changes;  // seq -> ChangeRecord

  static constexpr uint64_t kSchemaVersion = 1;
  // Opens (creating) the environment at options.path and every table; checks the
  // schema version.
  static Result<std::unique_ptr<Store>> open(const EnvOptions& options);
};

}  // namespace chirp::storage
