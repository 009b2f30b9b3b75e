// SearchIndex: opening, reset, and the ingest path (apply -> memory index ->
// writer queue). The writer thread is in writer.cc, readers in searcher.cc.
#include "chirp/search/search_index.h"

#include <filesystem>

#include <spdlog/spdlog.h>

#include "index_impl.h"
#include "schema.h"

namespace chirp::search {
namespace fs = std::filesystem;

namespace {

// Reads enough of an existing index to trust it: version file, metadata
// (stored in the postlist table), a few documents and terms. Throws on damage.
void check_readable(const std::string& dir) {
  Xapian::Database db(dir);
  std::string format = db.get_metadata(schema::kMetaFormat);
  if (db.get_doccount() > 0 && format != std::to_string(schema::kFormatVersion))
    throw Xapian::DatabaseCorruptError("unknown chirp index format '" + format + "'");
  if (!DocidAllocator::parse(db.get_metadata(schema::kMetaAllocator)))
    throw Xapian::DatabaseCorruptError("bad docid allocator metadata");
  int n = 0;
  for (auto it = db.postlist_begin(""); it != db.postlist_end("") && n < 16; ++it, ++n) {
    Xapian::Document doc = db.get_document(*it);
    TweetDocument t;
    if (!schema::decode_tweet(doc.get_value(schema::kSlotRecord), &t)) throw Xapian::DatabaseCorruptError("bad tweet record");
    for (auto term = doc.termlist_begin(); term != doc.termlist_end(); ++term) (void)term.get_wdf();
  }
  n = 0;
  for (auto it = db.allterms_begin(); it != db.allterms_end() && n < 64; ++it, ++n) (void)it.get_termfreq();
}

}  // namespace

Status SearchIndex::Impl::open_disk(bool* created_or_corrupt) {
  std::error_code ec;
  bool exists = fs::exists(fs::path(dir) / "iamglass", ec);
  *created_or_corrupt = !exists;
  if (exists) {
    try {
      check_readable(dir);
    } catch (const Xapian::Error& e) {
      spdlog::warn("search index {} is unreadable ({}: {}); starting an empty one, rebuild needed", dir,
                   e.get_type(), e.get_msg());
      *created_or_corrupt = true;
      fs::remove_all(dir, ec);
      if (ec) return Status::Internal("cannot remove corrupt search index " + dir + ": " + ec.message());
    }
  }
  fs::create_directories(dir, ec);
  if (ec) return Status::Internal("cannot create search index directory " + dir + ": " + ec.message());
  // The spelling data goes with its index; damaged, it is only lost (the
  // suggestions start over), not a reason to rebuild the index.
  if (*created_or_corrupt) {
    fs::remove_all(spelling_dir(), ec);
  } else if (fs::exists(fs::path(spelling_dir()) / "iamglass", ec)) {
    try {
      (void)Xapian::Database(spelling_dir()).spellings_begin();  // the version file and the table's first block
    } catch (const Xapian::Error& e) {
      spdlog::warn("search spelling data {} is unreadable ({}: {}); starting it empty", spelling_dir(), e.get_type(),
                   e.get_msg());
      fs::remove_all(spelling_dir(), ec);
    }
  }
  try {
    wdb = std::make_unique<Xapian::WritableDatabase>(dir, Xapian::DB_CREATE_OR_OPEN);
    sdb = std::make_unique<Xapian::WritableDatabase>(spelling_dir(), Xapian::DB_CREATE_OR_OPEN);
    if (*created_or_corrupt) {
      wdb->set_metadata(schema::kMetaFormat, std::to_string(schema::kFormatVersion));
      wdb->commit();
    }
    auto alloc = DocidAllocator::parse(wdb->get_metadata(schema::kMetaAllocator));
    allocator = alloc ? *alloc : DocidAllocator();
    std::string seq = wdb->get_metadata(schema::kMetaLastSeq);
    committed_seq = seq.empty() ? 0 : std::stoull(seq);
    committed_docs = wdb->get_doccount();
    searchable_seq = committed_seq.load();
    // Relevance pages are bounded by the newest tweet id seen (a snapshot for
    // paging); after a restart that is the newest on disk, or every
    // relevance search would find nothing until the next apply().
    std::string top = wdb->get_value_upper_bound(schema::kSlotTweetId);
    max_tweet_id = top.size() == 8 ? schema::from_be64(top) : 0;
  } catch (const Xapian::Error& e) {
    wdb.reset();  // both or neither: the writer skips its work while wdb is null
    sdb.reset();
    return Status::Internal("cannot open search index " + dir + ": " + std::string(e.get_type()) + ": " + e.get_msg());
  } catch (const std::exception& e) {
    wdb.reset();
    sdb.reset();
    return Status::Internal("cannot open search index " + dir + ": " + e.what());
  }
  return Status::Ok();
}

Result<std::unique_ptr<SearchIndex>> SearchIndex::Open(const std::string& dir, SearchIndexOptions options) {
  // Leftovers of a bulk load cut short: a crash between the swap's two
  // renames leaves the previous index in <dir>.old (consistent, with its own
  // last_seq): put it back. Unfinished segments are just dropped.
  {
    std::error_code ec;
    if (!fs::exists(fs::path(dir) / "iamglass", ec) && fs::exists(fs::path(dir + ".old") / "iamglass", ec)) {
      fs::remove_all(dir, ec);
      fs::rename(dir + ".old", dir, ec);
      if (!ec) spdlog::warn("search index: restored {} from an interrupted bulk swap", dir);
    }
    fs::remove_all(dir + ".old", ec);
    fs::remove_all(dir + ".bulk", ec);
  }
  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  impl->options = options;
  impl->mem_tg = schema::make_term_generator();
  bool fresh = false;
  CHIRP_RETURN_IF_ERROR(impl->open_disk(&fresh));
  impl->needs_rebuild = fresh;
  Impl* raw = impl.get();
  raw->writer = std::thread([raw] { raw->writer_loop(); });
  return std::unique_ptr<SearchIndex>(new SearchIndex(std::move(impl)));
}

SearchIndex::SearchIndex(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

SearchIndex::~SearchIndex() {
  {
    std::lock_guard lk(impl_->queue_mu);
    impl_->stop = true;
  }
  impl_->queue_cv.notify_all();
  if (impl_->writer.joinable()) impl_->writer.join();
}

uint64_t SearchIndex::last_applied_seq() const { return impl_->committed_seq; }
uint64_t SearchIndex::searchable_seq() const { return impl_->searchable_seq; }
bool SearchIndex::needs_rebuild() const { return impl_->needs_rebuild; }
uint64_t SearchIndex::doc_count() const { return impl_->committed_docs; }
Status SearchIndex::writer_health() const {
  std::lock_guard lk(impl_->queue_mu);
  return impl_->writer_status;
}

Status SearchIndex::apply(std::vector<IndexOp> ops) {
  Impl& d = *impl_;
  std::lock_guard ingest(d.ingest_mu);
  {  // Backpressure: the memory index holds everything uncommitted, so bound it.
    std::unique_lock lk(d.queue_mu);
    d.committed_cv.wait(lk, [&] {
      return (d.uncommitted < d.options.max_pending && d.uncommitted_bytes < d.options.max_pending_bytes) || d.stop;
    });
    if (d.stop) return Status::Unavailable("search index is shutting down");
  }
  try {
    // Done in chunks so readers never wait on mem_mu for long.
    constexpr size_t kChunk = 256;
    for (size_t begin = 0; begin < ops.size(); begin += kChunk) {
      size_t end = std::min(ops.size(), begin + kChunk);
      std::vector<WorkItem> items;
      std::vector<Xapian::Document> docs;
      uint64_t seq_floor = d.searchable_seq;
      for (size_t i = begin; i < end; ++i) {
        IndexOp& op = ops[i];
        if (op.seq <= seq_floor) continue;  // already applied (replay after restart)
        seq_floor = op.seq;
        WorkItem item;
        if (op.kind == IndexOp::kUpsertTweet) {
          op.id = op.tweet.id;
          // A tweet keeps its docid: pending (memory) first, then the disk.
          // The handle is refreshed to the generation seen with the pending
          // map, so a tweet evicted after a commit is always found on disk.
          uint64_t gen = 0, epoch = 0;
          {
            std::lock_guard lk(d.mem_mu);
            auto it = d.mem.upserts.find(op.id);
            if (it != d.mem.upserts.end()) item.docid = it->second.docid;
            gen = d.mem.committed_gen;
            epoch = d.mem.epoch;
          }
          if (item.docid == 0) {
            auto found = d.find_committed_docid(op.id, gen, epoch);
            if (!found.ok()) return found.status();
            item.docid = *found;
          }
          // Also look among this chunk's earlier ops (not yet in the map).
          for (const auto& prev : items)
            if (prev.op.kind == IndexOp::kUpsertTweet && prev.op.id == op.id) item.docid = prev.docid;
          if (item.docid == 0) item.docid = d.allocator.allocate(op.id);
          if (item.docid == 0) return Status::Internal("search index docid space exhausted: reset and rebuild");
          docs.push_back(schema::build_document(op.tweet, item.docid, d.mem_tg));
        } else {
          docs.emplace_back();
        }
        item.allocator_state = d.allocator.serialise();
        item.bytes = estimated_bytes(op);
        item.op = std::move(op);
        items.push_back(std::move(item));
      }
      if (items.empty()) continue;
      {
        std::lock_guard lk(d.mem_mu);
        for (size_t i = 0; i < items.size(); ++i) {
          const IndexOp& op = items[i].op;
          switch (op.kind) {
            case IndexOp::kUpsertTweet:
              d.mem.upsert(op.id, PendingDoc{op.seq, items[i].docid, op.tweet}, docs[i]);
              break;
            case IndexOp::kDeleteTweet:
              d.mem.delete_tweet(op.id, op.seq);
              break;
            case IndexOp::kDeleteUser:
              d.mem.delete_user(op.id, op.seq);
              break;
          }
          if (op.kind == IndexOp::kUpsertTweet && op.id > d.max_tweet_id) d.max_tweet_id = op.id;
        }
        d.searchable_seq = items.back().op.seq;
      }
      {
        std::lock_guard lk(d.queue_mu);
        d.uncommitted += items.size();
        for (const auto& item : items) d.uncommitted_bytes += item.bytes;
        for (auto& item : items) d.queue.push_back(std::move(item));
      }
      d.queue_cv.notify_one();
    }
  } catch (const Xapian::Error& e) {
    return Status::Internal("search apply failed: " + std::string(e.get_type()) + ": " + e.get_msg());
  }
  d.applied_cv.notify_all();
  return Status::Ok();
}

Status SearchIndex::wait_until_applied(uint64_t seq, std::chrono::milliseconds timeout) {
  Impl& d = *impl_;
  std::unique_lock lk(d.ingest_mu);  // apply() holds it while it works
  if (d.applied_cv.wait_for(lk, timeout, [&] { return d.searchable_seq >= seq; })) return Status::Ok();
  return Status::Unavailable("seq " + std::to_string(seq) + " not searchable after " +
                             std::to_string(timeout.count()) + " ms");
}

Status SearchIndex::flush() {
  Impl& d = *impl_;
  uint64_t target = d.searchable_seq;
  std::unique_lock lk(d.queue_mu);
  // An error from a commit tried before this call is no answer: the disk may
  // have recovered since. Fail only after an attempt made for this flush.
  const uint64_t attempts_before = d.commit_attempts;
  while (d.committed_seq < target) {
    if (d.stop) return Status::Unavailable("search index is shutting down");
    d.flush_wanted = true;
    d.queue_cv.notify_one();
    d.committed_cv.wait_for(lk, std::chrono::milliseconds(100));
    if (!d.writer_status.ok() && d.committed_seq < target && d.commit_attempts > attempts_before)
      return d.writer_status;
  }
  return Status::Ok();
}

Result<uint32_t> SearchIndex::Impl::find_committed_docid(uint64_t tweet_id, uint64_t gen, uint64_t epoch) {
  const std::string term = schema::id_term(tweet_id);
  for (int attempt = 0;; ++attempt) {
    // Reopening (refresh) or reading can find the revision discarded when two
    // commits overtake this handle; then reopen on the newest and read again.
    // A reopen and one posting-list read take microseconds, but a preempted
    // thread on a loaded machine can be overtaken again and again while the
    // writer commits per op (commit_docs = 1 in the lifecycle test failed
    // after 5 tries at load 14), so try many times, letting the writer run.
    Status st = refresh(lookup, gen, epoch, /*with_spelling=*/false);
    if (st.ok()) {
      try {
        Xapian::PostingIterator p = lookup.db->postlist_begin(term);
        return p != lookup.db->postlist_end(term) ? static_cast<uint32_t>(*p) : 0u;
      } catch (const Xapian::DatabaseModifiedError&) {
        st = Status::Unavailable("search index busy: docid lookup kept being overtaken");
        lookup.gen = 0;
      }
    }
    if (attempt >= 63) return st;
    std::this_thread::yield();
  }
}

void SearchIndex::Impl::rebuild_memory() {
  // Holding ingest_mu freezes `upserts` (only apply adds to it) while the new
  // database is built; searches keep using the old one until the swap. Only
  // try: apply() and reset() may hold it while waiting for this very thread,
  // and the next commit tries again.
  std::unique_lock ingest(ingest_mu, std::try_to_lock);
  if (!ingest.owns_lock()) return;
  std::vector<std::pair<uint64_t, PendingDoc>> pending;
  {
    std::lock_guard lk(mem_mu);
    if (mem.garbage() == 0) return;
    pending.assign(mem.upserts.begin(), mem.upserts.end());
  }
  Xapian::WritableDatabase fresh = build_memory_db(pending);
  std::vector<Xapian::WritableDatabase> retired;
  {
    std::lock_guard lk(mem_mu);
    mem.install_rebuilt(std::move(fresh), pending);  // commits may have evicted some meanwhile
    retired.swap(mem.retired);
  }
  drop_retired(std::move(retired));
}

Status SearchIndex::reset() {
  Impl& d = *impl_;
  std::lock_guard ingest(d.ingest_mu);
  std::vector<Xapian::WritableDatabase> retired;
  {
    std::lock_guard lk(d.mem_mu);
    d.mem.clear();
    retired.swap(d.mem.retired);
  }
  drop_retired(std::move(retired));
  d.allocator = DocidAllocator();
  d.searchable_seq = 0;
  d.max_tweet_id = 0;
  std::unique_lock lk(d.queue_mu);
  uint64_t before = d.resets_done;
  WorkItem item;
  item.reset = true;
  d.queue.push_back(std::move(item));
  d.queue_cv.notify_one();
  d.committed_cv.wait(lk, [&] { return d.resets_done > before || d.stop; });
  return d.writer_status;
}

}  // namespace chirp::search
