#include "writer.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

namespace chirp::engine {

namespace {
constexpr size_t kMaxGroup = 4096;
// Gathering: after a commit of G operations, wait for up to G queued ones (the
// callers just released usually come straight back) but no longer than a
// quarter of the last commit's duration, capped here. See loop().
constexpr auto kMaxGather = std::chrono::microseconds(2000);

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}
}  // namespace

Status WriteContext::append_change(storage::ChangeRecord& change) {
  change.seq = next_seq_;
  change.at_ms = now_ms;
  // Sequence numbers only grow, so MDB_APPEND keeps the log's pages dense.
  CHIRP_RETURN_IF_ERROR(store.changes.put(txn, change.seq, change, /*append=*/true));
  ++next_seq_;
  return Status::Ok();
}

GroupCommitWriter::GroupCommitWriter(storage::Store& store, unsigned node_id)
    : store_(store), ids_(node_id, 0), next_seq_(1) {
  // Resume ids and sequence numbers after what is on disk.
  // A failed read must not restart them at 1 (new ids and sequence numbers
  // would collide with stored ones): it is kept in start_status().
  start_status_ = [&]() -> Status {
    storage::ReadTxn txn(*store_.env);
    CHIRP_RETURN_IF_ERROR(txn.status());
    CHIRP_ASSIGN_OR_RETURN(const uint64_t last_user, store_.users.last_id(txn.raw()));
    CHIRP_ASSIGN_OR_RETURN(const uint64_t last_tweet, store_.tweets.last_id(txn.raw()));
    CHIRP_ASSIGN_OR_RETURN(const uint64_t last_seq, store_.changes.last_id(txn.raw()));
    ids_ = IdGenerator(node_id, std::max(last_user, last_tweet));
    committed_seq_ = last_seq;
    next_seq_ = committed_seq_ + 1;
    return Status::Ok();
  }();
  completer_ = std::thread([this] { complete_loop(); });
  thread_ = std::thread([this] { loop(); });
}

GroupCommitWriter::~GroupCommitWriter() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  thread_.join();  // commits what is queued; its completions are then queued
  {
    std::lock_guard<std::mutex> lock(done_mu_);
    writer_exited_ = true;
  }
  done_q_cv_.notify_all();
  completer_.join();  // runs every completion left
}

Status GroupCommitWriter::run(Op op) {
  Pending p{std::move(op), Status::Ok(), false, {}};
  std::unique_lock<std::mutex> lock(mu_);
  if (stopping_) return Status::Unavailable("shutting down");
  queue_.push_back(&p);
  queue_cv_.notify_one();
  done_cv_.wait(lock, [&] { return p.done; });
  return p.result;
}

void GroupCommitWriter::submit(Op op, Done done) {
  auto* p = new Pending{std::move(op), Status::Ok(), false, std::move(done)};
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_) {
      queue_.push_back(p);
      queue_cv_.notify_one();
      return;
    }
  }
  Done d = std::move(p->on_done);
  delete p;
  d(Status::Unavailable("shutting down"));
}

void GroupCommitWriter::complete_loop() {
  for (;;) {
    std::deque<Pending*> batch;
    {
      std::unique_lock<std::mutex> lock(done_mu_);
      done_q_cv_.wait(lock, [&] { return writer_exited_ || !completions_.empty(); });
      if (completions_.empty()) return;  // the writer is gone and all ran
      batch.swap(completions_);
    }
    for (Pending* p : batch) {
      // A completion must not stop the others: an exception is logged and dropped.
      try {
        p->on_done(p->result);
      } catch (const std::exception& e) {
        spdlog::error("write completion threw: {}", e.what());
      } catch (...) {
        spdlog::error("write completion threw");
      }
      delete p;
    }
  }
}

uint64_t GroupCommitWriter::last_committed_seq() const {
  std::lock_guard<std::mutex> lock(mu_);
  return committed_seq_;
}

uint64_t GroupCommitWriter::wait_for_change(uint64_t after,
                                            std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mu_);
  seq_cv_.wait_for(lock, timeout, [&] { return committed_seq_ > after || stopping_; });
  return committed_seq_;
}

void GroupCommitWriter::loop() {
  std::vector<Pending*> group;
  size_t last_group = 0;
  std::chrono::steady_clock::duration last_commit{};
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      queue_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      // A commit costs an fsync or two whatever its size, so a group that is
      // about to be much smaller than the last one waits briefly for the rest:
      // with N callers in a loop, the N just released re-queue within a fraction
      // of a commit, and without the wait every other commit carries only the
      // early few. One caller (last_group == 1) never waits.
      const size_t want = std::min(last_group, kMaxGroup);
      if (queue_.size() < want) {
        const auto budget = std::min<std::chrono::steady_clock::duration>(kMaxGather, last_commit / 4);
        queue_cv_.wait_for(lock, budget, [&] { return stopping_ || queue_.size() >= want; });
      }
      while (!queue_.empty() && group.size() < kMaxGroup) {
        group.push_back(queue_.front());
        queue_.pop_front();
      }
    }
    const auto started = std::chrono::steady_clock::now();
    commit_group(group);
    last_commit = std::chrono::steady_clock::now() - started;
    last_group = group.size();
    // Asynchronous operations go to the completion thread once the committed
    // sequence has moved; collected first, because after the lock below the
    // blocking ones' Pending (on their callers' stacks) may be gone.
    std::deque<Pending*> async_done;
    for (Pending* p : group)
      if (p->on_done) async_done.push_back(p);
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (Pending* p : group)
        if (!p->on_done) p->done = true;
      committed_seq_ = next_seq_ - 1;
    }
    group.clear();
    done_cv_.notify_all();
    seq_cv_.notify_all();
    if (!async_done.empty()) {
      {
        std::lock_guard<std::mutex> lock(done_mu_);
        for (Pending* p : async_done) completions_.push_back(p);
      }
      done_q_cv_.notify_one();
    }
  }
}

void GroupCommitWriter::commit_group(std::vector<Pending*>& group) {
  // First attempt: every operation straight in the group's transaction. Nested
  // child transactions cost each operation a private copy of every page it
  // touches (LMDB copies a parent's dirty page into the child), about half of
  // a post's CPU time on the writer thread, and are only needed to undo a
  // failing operation. So if one fails, the whole attempt is aborted and the
  // group runs again with a child transaction per operation (operations are
  // pure functions of the transaction, so running them again is allowed).
  bool isolate = false;
  for (;;) {
    // Sequence numbers must stay gapless, so a failed group gives its back.
    // Ids it drew are simply skipped: ids only need to be unique and ordered.
    uint64_t next_seq = next_seq_;
    bool op_failed = false;
    Status s = try_group(group, &next_seq, isolate, &op_failed);
    if (op_failed) {
      isolate = true;
      continue;
    }
    if (s.ok()) {
      next_seq_ = next_seq;
      return;
    }
    if (s.code() == Code::kStorageFull && store_.env->grow()) {
      spdlog::warn("LMDB map full: grew the map to {} bytes, retrying {} writes",
                   store_.env->map_size(), group.size());
      continue;
    }
    if (s.code() == Code::kStorageFull)
      s = Status::StorageFull("storage is full: the write was not stored");
    else
      spdlog::error("write group of {} failed: {}", group.size(), s.message());
    for (Pending* p : group) p->result = s;
    return;
  }
}

namespace {
Status run_op(const GroupCommitWriter::Op& op, WriteContext& ctx) {
  try {
    return op(ctx);
  } catch (const std::exception& e) {
    return Status::Internal(std::string("write operation threw: ") + e.what());
  }
}
}  // namespace

// isolate: each operation in its own child transaction, so a failing one rolls
// back alone. Otherwise all run in the group's transaction; a failing one sets
// *op_failed and nothing is committed (except a group of one, which simply
// aborts: its failure is its result).
Status GroupCommitWriter::try_group(std::vector<Pending*>& group, uint64_t* next_seq, bool isolate,
                                    bool* op_failed) {
  storage::WriteTxn txn(*store_.env);
  CHIRP_RETURN_IF_ERROR(txn.status());
  const int64_t now = now_ms();
  if (!isolate || group.size() == 1) {
    const bool single = group.size() == 1;
    const uint64_t seq_before = *next_seq;
    for (Pending* p : group) {
      WriteContext ctx(store_, txn.raw(), ids_, *next_seq, now);
      Status s = run_op(p->op, ctx);
      // A full map poisons the whole transaction: give up on the group and retry it.
      if (s.code() == Code::kStorageFull) return s;
      if (!s.ok()) {
        txn.abort();
        if (!single) {
          *op_failed = true;
          return s;
        }
        p->result = s;
        *next_seq = seq_before;
        return Status::Ok();  // nothing to commit; the op's own error is its result
      }
      p->result = s;
    }
    return txn.commit();
  }
  for (Pending* p : group) {
    storage::WriteTxn child(*store_.env, &txn);
    CHIRP_RETURN_IF_ERROR(child.status());
    uint64_t seq_before = *next_seq;
    WriteContext ctx(store_, child.raw(), ids_, *next_seq, now);
    Status s = run_op(p->op, ctx);
    // A full map poisons the whole transaction: give up on the group and retry it.
    if (s.code() == Code::kStorageFull) return s;
    if (s.ok()) s = child.commit();
    if (s.code() == Code::kStorageFull) return s;
    if (!s.ok()) {
      child.abort();
      *next_seq = seq_before;
    }
    p->result = s;
  }
  return txn.commit();
}

}  // namespace chirp::engine
