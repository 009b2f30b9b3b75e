// BulkLoad: parallel segment builders merged into the disk index by one
// Xapian compaction (see search_index.h for the contract).
//
// Why segments: the writer's path adds one tweet at a time to one growing
// glass database and pays a B-tree merge per flush; a segment is a fresh
// database of options.bulk_segment_docs tweets written in one commit (no merging), and the
// compaction is one sequential pass over sorted posting lists. Builders run
// on their own threads, each with its own WritableDatabase and TermGenerator.
//
// Docids: allocated in seq order by the index's own allocator, exactly as
// apply() would. Compaction keeps docids (DBCOMPACT_NO_RENUMBER), which needs
// disjoint docid ranges, so live-region and out-of-order-region docids go to
// separate segments (each region counts down, so consecutive segments of one
// region never overlap). Upserts of tweets already on disk and all deletes are
// applied after the merge, in seq order, on the merged database.
#include <time.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include <spdlog/spdlog.h>

#include "index_impl.h"
#include "schema.h"

namespace chirp::search {
namespace fs = std::filesystem;

// Words seen fewer times than this in one bulk load get no spelling entry.
constexpr Xapian::termcount kMinSpellingFreq = 2;

struct Segment {
  std::string path;
  std::vector<std::pair<uint32_t, TweetDocument>> docs;
  uint32_t lo = 0xFFFFFFFFu, hi = 0;
};

struct BulkLoad::State {
  SearchIndex::Impl* d = nullptr;
  std::unique_lock<std::mutex> ingest;  // held for the whole load
  std::string work;                     // <dir>.bulk: segments and the merge output
  bool disk_empty = true;
  uint64_t through_seq = 0;
  bool finished = false;

  Segment live, old;  // filling, one per docid region
  std::vector<IndexOp> after_merge;  // deletes and re-upserts of tweets on disk, in seq order
  std::vector<std::pair<uint32_t, uint32_t>> ranges;  // docid ranges of built segments
  std::vector<std::string> built;                     // their folders
  std::vector<size_t> built_docs;                     // their document counts
  size_t threads = 1;
  int next_segment = 0;

  std::mutex spell_mu;
  std::unordered_map<std::string, Xapian::termcount> spelling;  // word -> occurrences in all segments

  // Builder pool.
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Segment> queue;
  size_t busy = 0;
  bool closing = false;
  Status error;
  std::vector<std::thread> builders;

  void builder() {
    Xapian::TermGenerator tg = schema::make_term_generator();
    std::unique_lock lk(mu);
    while (true) {
      cv.wait(lk, [&] { return !queue.empty() || closing; });
      if (queue.empty()) return;
      Segment seg = std::move(queue.front());
      queue.pop_front();
      ++busy;
      lk.unlock();
      Status st = Status::Ok();
      try {
        Xapian::WritableDatabase db(seg.path, Xapian::DB_CREATE_OR_OVERWRITE);
        // Ascending docids (each region counts down, so the reverse of arrival):
        // glass appends to its B-trees in sequential mode, full blocks, no splits.
        for (auto it = seg.docs.rbegin(); it != seg.docs.rend(); ++it)
          db.replace_document(it->first, schema::build_document(it->second, it->first, tg));
        db.commit();
        // Spelling data: a word's spelling frequency is its number of
        // occurrences (what FLAG_SPELLING adds one by one), i.e. the collection
        // frequency of the unprefixed term. Gathered per segment, added once
        // per distinct word at the merge: far cheaper than per occurrence.
        if (d->options.spelling) {
          std::vector<std::pair<std::string, Xapian::termcount>> words;
          for (auto t = db.allterms_begin(); t != db.allterms_end(); ++t) {
            const std::string& term = *t;
            if (!term.empty() && !(term[0] >= 'A' && term[0] <= 'Z')) words.emplace_back(term, db.get_collection_freq(term));
          }
          std::lock_guard slk(spell_mu);
          for (auto& [w, n] : words) spelling[w] += n;
        }
        db.close();
      } catch (const Xapian::Error& e) {
        st = Status::Internal("search bulk segment " + seg.path + ": " + e.get_type() + ": " + e.get_msg());
      }
      lk.lock();
      --busy;
      if (!st.ok() && error.ok()) error = st;
      cv.notify_all();
    }
  }

  // Hands a full (or the last) segment to the builders; waits while they are far behind.
  Status ship(Segment& seg) {
    if (seg.docs.empty()) return Status::Ok();
    seg.path = work + "/seg-" + std::to_string(next_segment++);
    ranges.push_back({seg.lo, seg.hi});
    built.push_back(seg.path);
    built_docs.push_back(seg.docs.size());
    std::unique_lock lk(mu);
    cv.wait(lk, [&] { return queue.size() < builders.size() || !error.ok(); });
    if (!error.ok()) return error;
    queue.push_back(std::move(seg));
    seg = Segment();
    cv.notify_all();
    return Status::Ok();
  }

  Status drain() {
    std::unique_lock lk(mu);
    cv.wait(lk, [&] { return (queue.empty() && busy == 0) || !error.ok(); });
    return error;
  }

  void stop_builders() {
    {
      std::lock_guard lk(mu);
      closing = true;
      queue.clear();
    }
    cv.notify_all();
    for (auto& t : builders)
      if (t.joinable()) t.join();
    builders.clear();
  }
};

namespace {

double process_cpu_seconds() {  // all threads: user + system
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// Whether some term is in every document of the merged database. Such a term
// is in every document of each source, so only the smallest segment's
// universal terms are candidates (not every term of the merge: millions).
bool has_universal_term(const std::string& merged, const BulkLoad::State& s) {
  size_t k = 0;
  for (size_t i = 1; i < s.built_docs.size(); ++i)
    if (s.built_docs[i] < s.built_docs[k]) k = i;
  Xapian::Database small(s.built[k]), check(merged);
  const Xapian::doccount n_small = small.get_doccount(), n = check.get_doccount();
  for (auto t = small.allterms_begin(); t != small.allterms_end(); ++t)
    if (t.get_termfreq() == n_small && check.get_termfreq(*t) == n) return true;
  return false;
}

}  // namespace

Result<std::unique_ptr<BulkLoad>> SearchIndex::begin_bulk(int threads) {
  CHIRP_RETURN_IF_ERROR(flush());
  auto s = std::make_unique<BulkLoad::State>();
  s->d = impl_.get();
  s->ingest = std::unique_lock(impl_->ingest_mu);
  {
    std::lock_guard lk(impl_->mem_mu);
    if (!impl_->mem.upserts.empty() || !impl_->mem.deleted_tweets.empty() || !impl_->mem.deleted_users.empty())
      return Status::Unavailable("search index has uncommitted changes; retry the bulk load");
  }
  s->disk_empty = impl_->committed_docs == 0;
  s->through_seq = impl_->searchable_seq;
  s->work = impl_->dir + ".bulk";
  std::error_code ec;
  fs::remove_all(s->work, ec);
  fs::create_directories(s->work, ec);
  if (ec) return Status::Internal("cannot create " + s->work + ": " + ec.message());
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  s->threads = static_cast<size_t>(threads);
  BulkLoad::State* raw = s.get();
  for (int i = 0; i < threads; ++i) s->builders.emplace_back([raw] { raw->builder(); });
  return std::make_unique<BulkLoad>(std::move(s));
}

BulkLoad::BulkLoad(std::unique_ptr<State> state) : s_(std::move(state)) {}

BulkLoad::~BulkLoad() {
  s_->stop_builders();
  std::error_code ec;
  fs::remove_all(s_->work, ec);
}

Status BulkLoad::add(std::vector<IndexOp> ops, uint64_t through_seq) {
  State& s = *s_;
  SearchIndex::Impl& d = *s.d;
  if (s.finished) return Status::InvalidArgument("bulk load already finished");
  for (IndexOp& op : ops) {
    if (op.seq <= s.through_seq) continue;  // already applied
    s.through_seq = op.seq;
    if (op.kind != IndexOp::kUpsertTweet) {
      s.after_merge.push_back(std::move(op));
      continue;
    }
    op.id = op.tweet.id;
    if (!s.disk_empty) {  // a replayed tweet keeps its docid: re-upsert it after the merge
      uint64_t gen = 0, epoch = 0;
      {
        std::lock_guard lk(d.mem_mu);
        gen = d.mem.committed_gen;
        epoch = d.mem.epoch;
      }
      auto found = d.find_committed_docid(op.id, gen, epoch);
      if (!found.ok()) return found.status();
      if (*found != 0) {
        s.after_merge.push_back(std::move(op));
        continue;
      }
    }
    if (op.id > d.max_tweet_id) d.max_tweet_id = op.id;
    uint32_t docid = d.allocator.allocate(op.id);
    if (docid == 0) return Status::Internal("search index docid space exhausted: reset and rebuild");
    Segment& seg = docid <= DocidAllocator::kLiveTop ? s.live : s.old;
    seg.lo = std::min(seg.lo, docid);
    seg.hi = std::max(seg.hi, docid);
    seg.docs.emplace_back(docid, std::move(op.tweet));
    if (seg.docs.size() >= d.options.bulk_segment_docs) CHIRP_RETURN_IF_ERROR(s.ship(seg));
  }
  s.through_seq = std::max(s.through_seq, through_seq);
  return Status::Ok();
}

Status BulkLoad::finish() {
  State& s = *s_;
  SearchIndex::Impl& d = *s.d;
  if (s.finished) return Status::Ok();
  s.finished = true;
  CHIRP_RETURN_IF_ERROR(s.ship(s.live));
  CHIRP_RETURN_IF_ERROR(s.ship(s.old));
  auto t0 = std::chrono::steady_clock::now();
  CHIRP_RETURN_IF_ERROR(s.drain());
  s.stop_builders();
  auto t1 = std::chrono::steady_clock::now();
  if (s.through_seq <= d.committed_seq) return Status::Ok();  // nothing new
  const double cpu1 = process_cpu_seconds();

  const std::string merged = s.work + "/merged";
  try {
    // Sources: the disk index (unless empty) and every segment. Their docid
    // ranges must be disjoint to keep docids. Xapian
    // 1.4.22 also misreads a term found in every document of such a merge
    // (BoolWeight matches throw "Unexpected end of posting list"), so after
    // the merge no term may be universal. In either case the segments are
    // copied in document by document instead (slow, but only small or odd
    // loads get there).
    Xapian::Database disk(d.dir);
    bool compactable = true;
    if (disk.get_doccount() > 0) {
      uint32_t lo = *disk.postlist_begin(""), hi = disk.get_lastdocid();
      for (auto [a, b] : s.ranges)
        if (!(b < lo || a > hi)) compactable = false;
    }
    if (compactable) {
      Xapian::Database sources;
      if (disk.get_doccount() > 0) sources.add_database(disk);
      for (const auto& p : s.built) sources.add_database(Xapian::Database(p));
      if (sources.size() > 0) {
        sources.compact(merged, Xapian::DBCOMPACT_NO_RENUMBER);  // one N-way pass: each posting written once
        if (!s.built.empty() && (s.built.size() > 1 || disk.get_doccount() > 0) && has_universal_term(merged, s)) {
          compactable = false;
          fs::remove_all(merged);
        }
      } else {
        Xapian::WritableDatabase(merged, Xapian::DB_CREATE_OR_OVERWRITE).close();
      }
    }
    if (!compactable) {
      if (disk.get_doccount() > 0) {
        fs::copy(d.dir, merged, fs::copy_options::recursive);  // quiet: the writer is idle, apply() waits
      } else {
        Xapian::WritableDatabase(merged, Xapian::DB_CREATE_OR_OVERWRITE).close();
      }
    }
    disk.close();
    auto t2 = std::chrono::steady_clock::now();
    const double cpu2 = process_cpu_seconds();

    Xapian::WritableDatabase out(merged, Xapian::DB_OPEN);
    Xapian::TermGenerator tg = schema::make_term_generator();
    if (d.options.spelling) {
      tg.set_database(out);
      tg.set_flags(Xapian::TermGenerator::FLAG_SPELLING);
    }
    // The load's spelling data, added once per word into the merged database
    // (summed with what the disk index had). Words seen once in the whole
    // load (hapax legomena: mostly typos, URL and number fragments, half of a
    // tweet corpus's distinct words) are left out: a suggestion should be a
    // word people use, and each entry costs a trigram fan-out. One thread on
    // purpose: spelling-only databases built in parallel and merged by the
    // compaction (4680aec) cost more CPU, since every trigram key is then in
    // every part and the compaction decompresses, merges and recompresses them
    // (docs/benchmarks.md, ingest).
    size_t spelling_words = 0;
    for (const auto& [word, n] : s.spelling)
      if (n >= kMinSpellingFreq) {
        out.add_spelling(word, n);
        ++spelling_words;
      }
    auto t3 = std::chrono::steady_clock::now();
    const double cpu3 = process_cpu_seconds();
    if (!compactable) {
      // The segments' words are in the spelling data already: a generator without spelling.
      Xapian::TermGenerator copy_tg = schema::make_term_generator();
      spdlog::info("search bulk load: copying {} segments in document by document", s.built.size());
      for (const auto& p : s.built) {
        Xapian::Database seg(p);
        for (auto it = seg.postlist_begin(""); it != seg.postlist_end(""); ++it) {
          TweetDocument t;
          Xapian::Document doc = seg.get_document(*it);
          if (!schema::decode_tweet(doc.get_data(), &t)) throw Xapian::DatabaseCorruptError("bad segment document");
          out.replace_document(*it, schema::build_document(t, *it, copy_tg));
        }
      }
    }
    for (const IndexOp& op : s.after_merge) {
      switch (op.kind) {
        case IndexOp::kUpsertTweet: {
          Xapian::PostingIterator p = out.postlist_begin(schema::id_term(op.id));
          uint32_t docid = p != out.postlist_end(schema::id_term(op.id)) ? *p : d.allocator.allocate(op.id);
          if (docid == 0) throw Xapian::RangeError("docid space exhausted");
          out.replace_document(docid, schema::build_document(op.tweet, docid, tg));
          break;
        }
        case IndexOp::kDeleteTweet:
          out.delete_document(schema::id_term(op.id));
          break;
        case IndexOp::kDeleteUser:
          out.delete_document(schema::author_term(op.id));
          break;
      }
    }
    out.set_metadata(schema::kMetaFormat, std::to_string(schema::kFormatVersion));
    out.set_metadata(schema::kMetaLastSeq, std::to_string(s.through_seq));
    out.set_metadata(schema::kMetaAllocator, d.allocator.serialise());
    out.commit();
    out.close();
    auto ms = [](auto a, auto b) { return std::chrono::duration<double, std::milli>(b - a).count(); };
    // CPU seconds beside wall time: on a shared machine the wall time of a
    // phase is mostly the other processes' load.
    spdlog::info("search bulk load: {} segments, {} builders ({:.1f} s CPU up to the last build); waited {:.0f} ms "
                 "for the last builds, merged in {:.0f} ms ({:.1f} s CPU, {}), spelling data {:.0f} ms ({:.1f} s CPU, "
                 "{} of {} words), deletes + commit {:.0f} ms ({:.1f} s CPU)", s.built.size(), s.threads, cpu1,
                 ms(t0, t1), ms(t1, t2), cpu2 - cpu1, compactable ? "compaction" : "copied in", ms(t2, t3),
                 cpu3 - cpu2, spelling_words, s.spelling.size(), ms(t3, std::chrono::steady_clock::now()),
                 process_cpu_seconds() - cpu3);
  } catch (const Xapian::Error& e) {
    return Status::Internal("search bulk merge failed: " + std::string(e.get_type()) + ": " + e.get_msg());
  }

  // The writer thread owns the WritableDatabase: it swaps the folders and reopens.
  {
    std::unique_lock lk(d.queue_mu);
    uint64_t before = d.resets_done;
    WorkItem item;
    item.swap_in = merged;
    d.queue.push_back(std::move(item));
    d.queue_cv.notify_one();
    d.committed_cv.wait(lk, [&] { return d.resets_done > before || d.stop; });
    if (!d.writer_status.ok()) return d.writer_status;
    if (d.resets_done <= before) return Status::Unavailable("search index is shutting down");
  }
  d.applied_cv.notify_all();
  std::error_code ec;
  fs::remove_all(s.work, ec);
  return Status::Ok();
}

}  // namespace chirp::search
