// Env: one LMDB environment for one data folder, and RAII transactions over it.
//
// Ownership and lifetime:
// - One Env per data folder per process (LMDB's rule). Env::open() runs
//   mdb_reader_check() to clear slots left by crashed processes.
// - ReadTxn / WriteTxn abort in their destructor unless committed. Values a
//   transaction returns (std::string_view into the map) live only until the
//   transaction ends: decode them before it does.
// Thread-safety:
// - Env is thread-safe. A ReadTxn belongs to the thread that began it, and a
//   thread holds at most one ReadTxn at a time (LMDB's per-thread reader slot).
// - Only one WriteTxn exists at a time (LMDB serialises writers); chirp routes
//   every write through the engine's group-commit writer thread.
// Growth: the map starts at Options::map_size and may double up to
// Options::max_map_size, when the map (not the disk) is full. Growing needs
// every read transaction of this process to have ended, so ReadTxn holds a
// shared "resize gate" and Env::grow() takes it exclusively.
#pragma once

#include <lmdb.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>

#include "chirp/status.h"

namespace chirp::storage {

struct EnvOptions {
  std::string path;                          // folder; created if missing
  uint64_t map_size = 1ull << 30;            // initial map size (1 GiB)
  uint64_t max_map_size = 1ull << 40;        // growth limit (1 TiB of address space)
  unsigned max_dbs = 32;
  unsigned max_readers = 512;
  bool durable = true;                       // fsync on commit (false only for bulk tools)
};

class Env;

// Converts an LMDB return code to a Status (MDB_MAP_FULL / ENOSPC -> StorageFull).
Status lmdb_status(int rc, std::string_view what);

// A named key space (an LMDB sub-database).
struct Table {
  MDB_dbi dbi = 0;
  const char* name = "";
};

class ReadTxn {
 public:
  explicit ReadTxn(Env& env);
  ~ReadTxn();
  ReadTxn(const ReadTxn&) = delete;
  ReadTxn& operator=(const ReadTxn&) = delete;

  MDB_txn* raw() const { return txn_; }
  const Status& status() const { return status_; }

 private:
  std::shared_lock<std::shared_mutex> gate_;
  MDB_txn* txn_ = nullptr;
  Status status_;
};

// A write transaction, or a nested child of one (LMDB nested transactions):
// aborting a child undoes only its own changes, which lets the group-commit
// writer run many independent operations in one durable commit.
class WriteTxn {
 public:
  WriteTxn(Env& env, WriteTxn* parent = nullptr);
  ~WriteTxn();
  WriteTxn(const WriteTxn&) = delete;
  WriteTxn& operator=(const WriteTxn&) = delete;

  MDB_txn* raw() const { return txn_; }
  const Status& status() const { return status_; }
  Status commit();
  void abort();

 private:
  Env& env_;
  bool top_level_;
  MDB_txn* txn_ = nullptr;
  Status status_;
};

class Env {
 public:
  static Result<std::unique_ptr<Env>> open(const EnvOptions& options);
  ~Env();
  Env(const Env&) = delete;
  Env& operator=(const Env&) = delete;

  // Opens (creating if needed) a named key space. Call before concurrent use.
  Result<Table> open_table(const char* name, unsigned flags = 0);

  // Doubles the map size (bounded by max_map_size) if an LMDB call answered
  // MDB_MAP_FULL since the last growth; false otherwise or at the limit. A
  // full disk reads StorageFull too (ENOSPC, EDQUOT, EIO on a nearly full
  // file system) and growing cannot help it: a writer retrying after each
  // growth would double the map's reserved address space up to max_map_size
  // (1 TiB) before giving up, and the next commit records that size in the
  // data file. Waits for readers to finish; must not be called while a write
  // transaction is open.
  bool grow();
  // Doubles the map size now, full or not (tools, tests). False at the limit.
  bool grow_now();
  // Called by the storage layer when LMDB answers MDB_MAP_FULL.
  void note_map_full() { map_full_seen_.store(true); }

  // Whether writes reach the disk: the failure of the last top-level write
  // transaction that failed in the storage layer (begin, a full map or disk,
  // commit), Ok once a top-level commit succeeds again. Failures of an
  // operation's own rules never show here. (GET /ready reads it.)
  // `since`, if given, gets the time of that failure.
  Status write_health(std::chrono::steady_clock::time_point* since = nullptr) const;
  void note_write(const Status& s);
  uint64_t map_size() const { return map_size_; }
  const EnvOptions& options() const { return options_; }
  MDB_env* raw() const { return env_; }
  std::shared_mutex& resize_gate() { return resize_gate_; }

  // A consistent copy of the whole environment into an empty folder (mdb_copy),
  // optionally compacting. Safe while the environment is in use.
  Status copy_to(const std::string& folder, bool compact) const;

 private:
  Env() = default;
  MDB_env* env_ = nullptr;
  EnvOptions options_;
  uint64_t map_size_ = 0;
  std::shared_mutex resize_gate_;
  std::atomic<bool> map_full_seen_{false};
  mutable std::mutex health_mu_;
  Status write_health_;  // guarded by health_mu_
  std::chrono::steady_clock::time_point write_failed_at_;  // guarded by health_mu_
};

// ---- small typed helpers over raw LMDB calls ----------------------------------

inline MDB_val to_val(std::string_view s) {
  return MDB_val{s.size(), const_cast<char*>(s.data())};
}
inline std::string_view from_val(const MDB_val& v) {
  return std::string_view(static_cast<const char*>(v.mv_data), v.mv_size);
}

// Returns NotFound if absent; `out` points into the map (valid until txn ends).
Status get(MDB_txn* txn, const Table& t, std::string_view key, std::string_view* out);
Status put(MDB_txn* txn, const Table& t, std::string_view key, std::string_view value,
           unsigned flags = 0);
// Deleting an absent key is not an error (returns Ok); `existed` tells.
Status del(MDB_txn* txn, const Table& t, std::string_view key, bool* existed = nullptr);
uint64_t entry_count(MDB_txn* txn, const Table& t);

// An RAII cursor.
class Cursor {
 public:
  Cursor(MDB_txn* txn, const Table& t);
  ~Cursor();
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;

  // Positioning; each returns false at the end (or on error, see status()).
  bool first();
  bool last();
  bool next();
  bool prev();
  bool seek(std::string_view key);        // first key >= key
  // Last key <= key (for newest-first scans from an upper bound).
  bool seek_last_at_or_before(std::string_view key);
  // Last key with the given prefix (for newest-first scans of a prefix range).
  bool seek_last_with_prefix(std::string_view prefix);

  std::string_view key() const { return from_val(k_); }
  std::string_view value() const { return from_val(v_); }
  Status del_current();
  const Status& status() const { return status_; }

 private:
  bool op(MDB_cursor_op o, std::string_view seek_key = {});
  MDB_cursor* cur_ = nullptr;
  MDB_val k_{0, nullptr}, v_{0, nullptr};
  Status status_;
};

}  // namespace chirp::storage
