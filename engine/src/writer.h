// GroupCommitWriter: the single thread that writes to LMDB.
//
// Callers hand it an operation and either block until the commit holding it
// is durable (run) or return at once and are called back once it is
// (submit). Operations queued while a commit is in flight are run together in
// the next transaction; one durable commit covers the whole group. They first
// run directly in that transaction; if one fails, the attempt is aborted and
// the group runs again with each operation inside a nested child transaction,
// so the failing one rolls back alone (children cost a page copy per touched
// page, so they are only paid for when needed). After a commit of G
// operations, the next group waits briefly (at most a quarter of the last
// commit's time, 2 ms) for G operations to queue: closed-loop callers come
// back together, and a half-empty commit costs as much as a full one. MDB_MAP_FULL aborts
// the group, grows the map and runs the group again; at the growth limit every
// operation of the group gets StorageFull and nothing is written.
//
// Operations must be pure functions of the transaction: they may run more than
// once (after a map growth) and must not touch anything outside it.
//
// Completions of submit() run on a separate completion thread, in commit
// order, after the commit's fsync: the writer thread starts the next commit
// while they run (they may read the store, build and send replies). Each runs
// exactly once, also for operations still queued at shutdown (the destructor
// commits them first) and for those refused after it began (Unavailable).
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "chirp/status.h"
#include "chirp/storage/tables.h"
#include "ids.h"

namespace chirp::engine {

// What an operation sees: the transaction, the tables and the log.
class WriteContext {
 public:
  WriteContext(storage::Store& store, MDB_txn* txn, IdGenerator& ids, uint64_t& next_seq,
               int64_t now_ms)
      : store(store), txn(txn), now_ms(now_ms), ids_(ids), next_seq_(next_seq) {}
  storage::Store& store;
  MDB_txn* txn;
  const int64_t now_ms;

  uint64_t new_id() { return ids_.next(now_ms); }
  // Appends to the change log; sets and returns its sequence number.
  Status append_change(storage::ChangeRecord& change);

 private:
  IdGenerator& ids_;
  uint64_t& next_seq_;
};

class GroupCommitWriter {
 public:
  using Op = std::function<Status(WriteContext&)>;
  using Done = std::function<void(Status)>;
  GroupCommitWriter(storage::Store& store, unsigned node_id);
  ~GroupCommitWriter();  // finishes queued operations, then stops

  // Runs `op` and returns once its effects are durable (or why they are not).
  Status run(Op op);
  // Queues `op` and returns at once; `done` is called with its result, once,
  // on the completion thread after the commit holding it is durable (or on
  // the caller's thread, before submit returns, if the writer is stopping).
  void submit(Op op, Done done);

  uint64_t last_committed_seq() const;
  // Whether the writer could read where ids and the change log stand on disk
  // when it started; if not, the engine must not open (it would reuse them).
  const Status& start_status() const { return start_status_; }
  uint64_t wait_for_change(uint64_t after, std::chrono::milliseconds timeout) const;

 private:
  struct Pending {
    Op op;
    Status result;
    bool done = false;
    Done on_done;  // set for submit(): owned by the queues, deleted after it ran
  };
  void loop();
  void complete_loop();
  void commit_group(std::vector<Pending*>& group);
  Status try_group(std::vector<Pending*>& group, uint64_t* next_seq, bool isolate,
                   bool* op_failed);

  storage::Store& store_;
  IdGenerator ids_;
  uint64_t next_seq_;  // writer thread only
  Status start_status_;

  mutable std::mutex mu_;
  std::condition_variable queue_cv_;      // work arrived or stopping
  std::condition_variable done_cv_;       // a group finished
  mutable std::condition_variable seq_cv_;  // the committed sequence moved
  std::deque<Pending*> queue_;            // guarded by mu_
  bool stopping_ = false;                 // guarded by mu_
  uint64_t committed_seq_ = 0;            // guarded by mu_
  std::thread thread_;

  // Committed submit() operations waiting for their completion to run.
  std::mutex done_mu_;
  std::condition_variable done_q_cv_;
  std::deque<Pending*> completions_;  // guarded by done_mu_
  bool writer_exited_ = false;        // guarded by done_mu_
  std::thread completer_;
};

}  // namespace chirp::engine
