// The writer thread: the only user of the WritableDatabase. It replays the
// ingest path's WorkItems into glass and commits in large batches (Xapian
// commits cost far too much to run per tweet), storing the last seq and the
// docid allocator in the same commit. After a commit it evicts the committed
// tweets from the memory index and drops the committed deletes from the
// query-time filters.
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "index_impl.h"
#include "schema.h"

namespace chirp::search {
namespace {

using Clock = std::chrono::steady_clock;

// Did-you-mean data for the words of a tweet just written: a word gets an
// entry once a second tweet uses it (or one tweet twice).
// TermGenerator's FLAG_SPELLING added every word, and a stream of one-off
// words (typos, random strings) then grows the spelling table for ever: glass
// keeps all words sharing a start in one entry, rewritten and recompressed by
// each commit that adds to it, so commits slowed (49 -> 188 ms after 110,000
// new words in a stand-alone run) and the writer's heap grew with it (the
// soak's RssAnon rise, docs/reliability.md). `words`: each plain word's
// occurrences in the tweet; the termfreq counts the tweet itself. When the
// second tweet with a word arrives, the first one's occurrences are taken as
// one (Xapian 1.4 has no cheap way to read an entry's frequency back): a word
// its first tweet held twice or more, counted then, is counted one too high.
// The frequency only orders suggestions at the same edit distance. (BulkLoad
// counts the tweets holding a word instead: bulk_load.cc, speller().)
// `db` is the index (its termfreqs), `spelling` its spelling database.
void add_spelling(const Xapian::WritableDatabase& db, Xapian::WritableDatabase& spelling,
                  const std::vector<std::pair<std::string, Xapian::termcount>>& words) {
  for (const auto& [word, k] : words) {
    const Xapian::doccount documents = db.get_termfreq(word);
    if (documents >= schema::kMinSpellingFreq)
      spelling.add_spelling(word, documents == schema::kMinSpellingFreq ? k + 1 : k);
    else if (k >= schema::kMinSpellingFreq)
      spelling.add_spelling(word, k);
  }
}

// `spelling`: the spelling database, or null when the index keeps none.
void write_item(Xapian::WritableDatabase& db, Xapian::WritableDatabase* spelling,
                Xapian::TermGenerator& tg, const WorkItem& item) {
  const IndexOp& op = item.op;
  switch (op.kind) {
    case IndexOp::kUpsertTweet: {
      std::vector<std::pair<std::string, Xapian::termcount>> words;
      db.replace_document(item.docid, schema::build_document(op.tweet, item.docid, tg,
                                                             spelling ? &words : nullptr));
      if (spelling) add_spelling(db, *spelling, words);
      break;
    }
    case IndexOp::kDeleteTweet:
      db.delete_document(schema::id_term(op.id));
      break;
    case IndexOp::kDeleteUser:
      db.delete_document(schema::author_term(op.id));
      break;
  }
}

// Test-only fault hook (tests/reliability faults_test.py): while the file named
// by CHIRP_FAULT_XAPIAN_COMMIT exists, every commit fails as a disk error
// would. Inert unless the variable is set; read once, checked per commit.
bool commit_fault_injected() {
  static const char* flag = std::getenv("CHIRP_FAULT_XAPIAN_COMMIT");
  std::error_code ec;
  return flag != nullptr && *flag != '\0' && std::filesystem::exists(flag, ec);
}

}  // namespace

void sync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;
  (void)::fsync(fd);
  ::close(fd);
}

void SearchIndex::Impl::writer_loop() {
  Xapian::TermGenerator tg = schema::make_term_generator();
  // add_spelling above (into sdb), not TermGenerator's FLAG_SPELLING.
  auto spelling = [&] { return options.spelling ? sdb.get() : nullptr; };
  std::vector<WorkItem> written;  // in glass, not yet committed (kept whole: see rewrite_needed)
  size_t written_bytes = 0;       // their estimated_bytes: commit by size too
  auto deadline = Clock::time_point::max();
  // Set when a write or a commit failed. Xapian then discards the buffered
  // changes (a failed commit drops them and reopens the last revision), so a
  // retry that only commits again would record last_seq over documents that
  // never reached the disk, and the memory index would evict them: lost from
  // search. The retry reopens the disk index and writes `written` again.
  bool rewrite_needed = false;
  auto retry_at =
      Clock::time_point::min();  // no size-triggered commit before this (after a failure)

  // Drops whatever the spelling database has buffered; its last commit stays.
  auto reopen_spelling = [&] {
    sdb->close();
    *sdb = Xapian::WritableDatabase(spelling_dir(), Xapian::DB_OPEN);
  };
  auto rewrite_written = [&] {
    wdb->close();  // whatever the failure left buffered goes; the last commit stays
    *wdb = Xapian::WritableDatabase(dir, Xapian::DB_OPEN);
    reopen_spelling();
    for (const WorkItem& item : written) write_item(*wdb, spelling(), tg, item);
    rewrite_needed = false;
  };

  auto commit = [&]() -> bool {
    bool rebuild = false;
    try {
      if (rewrite_needed) rewrite_written();
      wdb->set_metadata(schema::kMetaLastSeq, std::to_string(written.back().op.seq));
      wdb->set_metadata(schema::kMetaAllocator, written.back().allocator_state);
      if (commit_fault_injected())
        throw Xapian::DatabaseError("injected fault (CHIRP_FAULT_XAPIAN_COMMIT)");
      wdb->commit();
    } catch (const Xapian::Error& e) {
      spdlog::error("search index commit failed ({}: {}); will retry", e.get_type(), e.get_msg());
      rewrite_needed = true;
      std::lock_guard lk(queue_mu);
      writer_status = Status::Internal("search index commit failed: " + e.get_msg());
      ++commit_attempts;
      return false;
    }
    // The spelling data after the index, and never a reason to hold the index
    // back: a crash between the two commits, or a failure here, loses this
    // batch's spelling counts (they only order suggestions), never counts one
    // twice.
    try {
      sdb->commit();
    } catch (const Xapian::Error& e) {
      spdlog::error("search spelling data commit failed ({}: {}); this batch's counts are dropped",
                    e.get_type(), e.get_msg());
      try {
        reopen_spelling();
      } catch (const Xapian::Error&) {  // the next write fails and rewrites the batch, reopening it
      }
    }
    {  // healthy before committed_seq moves: whoever sees the new seq sees no old error
      std::lock_guard lk(queue_mu);
      writer_status = Status::Ok();
      ++commit_attempts;
    }
    std::vector<Xapian::WritableDatabase> retired;
    {
      std::lock_guard lk(mem_mu);
      ++mem.committed_gen;
      committed_seq = written.back().op.seq;
      committed_docs = wdb->get_doccount();
      rebuild = mem.evict_committed(written, options.max_stale);
      retired.swap(mem.retired);
    }
    drop_retired(std::move(retired));
    {
      std::lock_guard lk(queue_mu);
      uncommitted -= std::min(uncommitted, written.size());
      size_t bytes = 0;
      for (const WorkItem& item : written) bytes += item.bytes;
      uncommitted_bytes -= std::min(uncommitted_bytes, bytes);
    }
    written.clear();
    written_bytes = 0;
    deadline = Clock::time_point::max();
    committed_cv.notify_all();
    if (rebuild) rebuild_memory();
    return true;
  };

  // Reset and bulk swap both drop what is written but uncommitted and close
  // the disk index before replacing its folder...
  auto close_disk = [&] {
    written.clear();
    written_bytes = 0;
    rewrite_needed = false;
    deadline = Clock::time_point::max();
    try {
      wdb->close();
      sdb->close();
    } catch (const Xapian::Error&) {
    }
    wdb.reset();
    sdb.reset();
  };
  // ...then reopen it and publish the new state: readers recreate their
  // handles (epoch), the queue's accounting starts over, waiters wake.
  auto reopen_and_publish = [&](Status st, const char* what) {
    bool fresh = false;
    Status opened = open_disk(&fresh);
    if (st.ok()) st = opened;
    if (!st.ok()) spdlog::error("search index {} failed: {}", what, st.message());
    {
      std::lock_guard lk(mem_mu);
      ++mem.epoch;
      ++mem.committed_gen;
    }
    std::lock_guard lk(queue_mu);
    writer_status = st;
    uncommitted = 0;
    uncommitted_bytes = 0;
    ++resets_done;
  };

  auto do_reset = [&] {
    close_disk();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    allocator = DocidAllocator();  // the ingest path already reset its copy
    reopen_and_publish(Status::Ok(), "reset");
  };

  // Bulk load: the folder `merged` (complete, committed, with its last_seq)
  // replaces the disk index. Readers see it through the epoch bump.
  auto do_swap = [&](const std::string& merged) {
    close_disk();
    namespace fs = std::filesystem;
    std::error_code ec;
    const std::string old = dir + ".old";
    fs::remove_all(old, ec);
    Status st = Status::Ok();
    fs::rename(dir, old, ec);
    if (!ec) {
      fs::rename(merged, dir, ec);
      if (ec) {
        st = Status::Internal("cannot swap in the bulk-loaded search index: " + ec.message());
        std::error_code back;
        fs::rename(old, dir, back);  // keep the previous index
      }
    } else {
      st = Status::Internal("cannot move the search index aside: " + ec.message());
    }
    sync_dir(fs::path(dir).parent_path().string());
    fs::remove_all(old, ec);
    reopen_and_publish(st, "bulk swap");
  };

  std::unique_lock lk(queue_mu);
  while (true) {
    queue_cv.wait_until(lk, deadline, [&] {
      return !queue.empty() || stop || flush_wanted || Clock::now() >= deadline;
    });
    std::deque<WorkItem> batch;
    batch.swap(queue);
    bool want_flush = flush_wanted;
    bool stopping = stop;
    lk.unlock();

    for (WorkItem& item : batch) {
      if (item.reset) {
        do_reset();
        continue;
      }
      if (!item.swap_in.empty()) {
        do_swap(item.swap_in);
        continue;
      }
      if (!wdb) continue;
      if (!rewrite_needed) {  // otherwise the next commit writes it with the rest
        try {
          write_item(*wdb, spelling(), tg, item);
        } catch (const Xapian::Error& e) {
          // The memory index still serves it; the next commit writes the whole batch again.
          spdlog::error("search index write failed for seq {} ({}: {})", item.op.seq, e.get_type(),
                        e.get_msg());
          rewrite_needed = true;
        }
      }
      if (written.empty()) deadline = Clock::now() + options.commit_interval;
      written_bytes += item.bytes;
      written.push_back(std::move(item));
      // Commit at the size limits even in the middle of a batch: a commit
      // then holds at most commit_docs ops, however far behind the writer is.
      // After a failure, retry no sooner than commit_interval (each retry
      // writes the whole batch again).
      if ((written.size() >= options.commit_docs || written_bytes >= options.commit_bytes) &&
          Clock::now() >= retry_at && !commit())
        retry_at = deadline = Clock::now() + options.commit_interval;
    }
    if (!written.empty() && wdb && (Clock::now() >= deadline || want_flush || stopping)) {
      if (!commit() && !stopping) retry_at = deadline = Clock::now() + options.commit_interval;
    }
    committed_cv.notify_all();
    lk.lock();
    if (want_flush && queue.empty() && (written.empty() || !writer_status.ok()))
      flush_wanted = false;
    if (stopping && queue.empty()) break;
  }
  lk.unlock();
  committed_cv.notify_all();
}

Status SearchIndex::Impl::refresh(ReaderHandle& h, uint64_t gen, uint64_t epoch,
                                  bool with_spelling) const {
  try {
    if (!h.db || (with_spelling && !h.spelling) || h.epoch != epoch) {
      h.db = std::make_unique<Xapian::Database>(dir);
      h.spelling.reset();
      if (with_spelling) h.spelling = std::make_unique<Xapian::Database>(spelling_dir());
    } else if (h.gen < gen) {
      h.db->reopen();
      if (h.spelling) h.spelling->reopen();
    }
    h.gen = std::max(h.gen, gen);
    h.epoch = epoch;
  } catch (const Xapian::Error& e) {
    h.db.reset();
    h.spelling.reset();
    return Status::Internal("cannot open search index for reading: " + std::string(e.get_type()) +
                            ": " + e.get_msg());
  }
  return Status::Ok();
}

}  // namespace chirp::search
