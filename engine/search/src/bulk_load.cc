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
#include <spdlog/spdlog.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>
#include <unordered_map>

#include "index_impl.h"
#include "schema.h"

namespace chirp::search {
namespace fs = std::filesystem;

// Words seen fewer times than this in one bulk load get no spelling entry.
using schema::kMinSpellingFreq;
// Small segments keep glass's in-memory inverter small (its per-term maps are
// most of a document's indexing cost), but each is a compaction source with
// its files open. So the builders merge runs of this many adjacent segments
// into one part while the load goes on (each merge copies its postings once
// more, so merged parts are merged again only while there are more than
// kMaxSources parts), and after the last segment only while there are more
// than kMaxSources parts (the final compaction's sources: a few files each,
// far below 1024 fds).
constexpr size_t kMergeFanIn = 16;
constexpr size_t kMaxSources = 64;
// The spelling thread commits the spelling database after this many words:
// glass holds a commit's spelling changes in memory (std::sets of words per
// fragment), so this bounds that memory on big loads (two commits at 1M).
constexpr size_t kSpellingCommitWords = 131072;

namespace {

// CPU seconds (user + system) of the whole process, or of the calling thread.
double cpu_seconds(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}
double process_cpu_seconds() {
  return cpu_seconds(CLOCK_PROCESS_CPUTIME_ID);
}
double thread_cpu_seconds() {
  return cpu_seconds(CLOCK_THREAD_CPUTIME_ID);
}

}  // namespace

struct Segment {
  std::string path;
  size_t part = 0;  // its entry in State::parts
  std::vector<std::pair<uint32_t, TweetDocument>> docs;
  uint32_t lo = 0xFFFFFFFFu, hi = 0;
};

// A built (or being built) database: a segment, or a merge of adjacent parts.
struct Part {
  std::string path;
  size_t docs = 0;
  int level = 0;       // 0: a segment; n: a merge of kMergeFanIn parts of level n - 1
  bool ready = false;  // built, not yet merged into another part
};

struct BulkLoad::State {
  SearchIndex::Impl* d = nullptr;
  std::unique_lock<std::mutex> ingest;  // held for the whole load
  std::string work;                     // <dir>.bulk: segments and the merge output
  bool disk_empty = true;
  uint64_t through_seq = 0;
  bool finished = false;

  Segment live, old;                 // filling, one per docid region
  std::vector<IndexOp> after_merge;  // deletes and re-upserts of tweets on disk, in seq order
  std::vector<std::pair<uint32_t, uint32_t>> ranges;  // docid ranges of built segments
  std::vector<std::string> built;                     // the final compaction's sources (parts)
  std::vector<size_t> built_docs;                     // their document counts
  size_t threads = 1;
  int next_segment = 0;
  // Parts, guarded by mu. chain[r]: part ids of docid region r (live, old) in
  // shipping order, i.e. descending docids, so parts adjacent in a chain have
  // adjacent docid ranges with no other part's docids between them: a merge
  // of adjacent parts keeps the ranges disjoint, as DBCOMPACT_NO_RENUMBER needs.
  std::vector<Part> parts;
  std::vector<size_t> chain[2];
  int next_merge = 0;
  size_t merges = 0;
  double merge_cpu = 0;  // CPU s of those merges (thread CPU of merge_parts)
  bool shipping_done = false;

  // Spelling data: finish() starts the spelling thread after the last
  // segment; it counts the load's words in the built parts and writes the
  // spelling database while finish() compacts the documents (see speller()).
  std::thread spell_thread;
  std::string spell_path;  // the new spelling database
  std::unordered_map<std::string, Xapian::termcount>
      spelling;               // the spelling thread's: tweets of the load holding each word
  size_t spelling_words = 0;  // the load's words in the spelling database
  Status spell_error;
  double spell_cpu = 0;        // CPU s of the spelling thread
  double spell_write_cpu = 0;  // of which writing the spelling database (beside the compaction)

  // Builder pool.
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Segment> queue;
  size_t busy = 0;
  bool closing = false;
  Status error;
  std::vector<std::thread> builders;

  // Under mu: picks kMergeFanIn adjacent ready parts of one level of one
  // region, replaced in the chain by a new (not ready) part; false if none.
  bool take_merge(std::vector<std::string>* in, size_t* out) {
    if (!error.ok() || closing) return false;
    const bool too_many = chain[0].size() + chain[1].size() > kMaxSources;
    if (shipping_done && !too_many) return false;
    for (auto& ch : chain) {
      size_t run = 0;
      for (size_t i = 0; i < ch.size(); ++i) {
        const Part& p = parts[ch[i]];
        if (!p.ready || (p.level > 0 && !too_many)) {
          run = 0;
          continue;
        }
        if (run > 0 && parts[ch[i - 1]].level != p.level) run = 0;
        if (++run < kMergeFanIn) continue;
        const size_t first = i + 1 - kMergeFanIn;
        Part merged;
        merged.path = work + "/merge-" + std::to_string(next_merge++);
        merged.level = p.level + 1;
        in->clear();
        for (size_t j = first; j <= i; ++j) {
          in->push_back(parts[ch[j]].path);
          merged.docs += parts[ch[j]].docs;
        }
        parts.push_back(std::move(merged));
        *out = parts.size() - 1;
        ch.erase(ch.begin() + static_cast<std::ptrdiff_t>(first),
                 ch.begin() + static_cast<std::ptrdiff_t>(i) + 1);
        ch.insert(ch.begin() + static_cast<std::ptrdiff_t>(first), *out);
        return true;
      }
    }
    return false;
  }

  // Merges parts (folders `in`) into part `out` by compaction, docids kept.
  Status merge_parts(const std::vector<std::string>& in, size_t out, const std::string& out_path) {
    const double t0 = thread_cpu_seconds();
    try {
      Xapian::Database sources;
      for (const auto& p : in) sources.add_database(Xapian::Database(p));
      sources.compact(out_path, Xapian::DBCOMPACT_NO_RENUMBER);
      sources.close();
    } catch (const Xapian::Error& e) {
      return Status::Internal("search bulk merge " + out_path + ": " + e.get_type() + ": " +
                              e.get_msg());
    }
    std::error_code ec;
    for (const auto& p : in) fs::remove_all(p, ec);
    std::lock_guard lk(mu);
    parts[out].ready = true;
    ++merges;
    merge_cpu += thread_cpu_seconds() - t0;
    return Status::Ok();
  }

  // Under lk (mu): merges while there is a run to merge.
  void merge_ready(std::unique_lock<std::mutex>& lk) {
    std::vector<std::string> in;
    size_t out = 0;
    while (take_merge(&in, &out)) {
      const std::string out_path = parts[out].path;
      lk.unlock();
      Status st = merge_parts(in, out, out_path);
      lk.lock();
      if (!st.ok() && error.ok()) error = st;
    }
  }

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
        // No fsync: a segment is scratch, read once by the compaction, whose
        // output is what becomes durable.
        Xapian::WritableDatabase db(seg.path, Xapian::DB_CREATE_OR_OVERWRITE | Xapian::DB_NO_SYNC);
        // Ascending docids (each region counts down, so the reverse of arrival):
        // glass appends to its B-trees in sequential mode, full blocks, no splits.
        for (auto it = seg.docs.rbegin(); it != seg.docs.rend(); ++it)
          db.replace_document(it->first, schema::build_document(it->second, it->first, tg));
        db.commit();
        db.close();
      } catch (const Xapian::Error& e) {
        st = Status::Internal("search bulk segment " + seg.path + ": " + e.get_type() + ": " +
                              e.get_msg());
      }
      lk.lock();
      if (!st.ok() && error.ok()) error = st;
      if (st.ok()) {
        parts[seg.part].ready = true;
        merge_ready(lk);
      }
      --busy;
      cv.notify_all();
    }
  }

  // The spelling thread. Once the builders are done it counts, for each
  // plain word, the load's tweets holding it (the term frequencies of the
  // built parts: the parts hold exactly the load's new documents), then
  // writes every word held by at least two of them, with that count, into a
  // copy of the disk's spelling database: so each ends with its number of
  // tweets summed with what the disk had, and the load's hapax words (mostly
  // typos, URL and number fragments) have no entry. All of it (~1 s of
  // counting and ~5 s of writing at 1M: the words' trigram fan-out and its
  // compression) runs on one core while finish() compacts the documents on
  // the other, which would idle otherwise. (Counting each document's words in
  // the builders and summing them beside the builds instead, the 1M import
  // took 123-158 CPU s against 112-123 this way: docs/benchmarks.md.)
  void speller() {
    const double t0 = thread_cpu_seconds();
    try {
      count_words();
      const double t1 = thread_cpu_seconds();
      write_spelling();
      spell_write_cpu = thread_cpu_seconds() - t1;
    } catch (const Xapian::Error& e) {
      spell_error = Status::Internal(std::string("search bulk spelling data: ") + e.get_type() +
                                     ": " + e.get_msg());
    } catch (const std::exception& e) {
      spell_error = Status::Internal(std::string("search bulk spelling data: ") + e.what());
    }
    spell_cpu = thread_cpu_seconds() - t0;
  }

  // Sums each plain word's term frequency over the built parts (`built`,
  // set by drain() before the thread starts).
  void count_words() {
    for (const std::string& path : built) {
      Xapian::Database part(path);
      for (auto t = part.allterms_begin(); t != part.allterms_end();) {
        if (schema::is_prefixed(*t)) {
          t.skip_to("[");  // '[' follows 'Z': past every prefixed term at once
          continue;
        }
        spelling[*t] += t.get_termfreq();
        ++t;
      }
    }
  }

  // The disk's spelling database plus the load's words, at spell_path. The
  // disk's is quiet meanwhile: the load holds ingest_mu, and begin_bulk()
  // flushed the writer. (Copied even when the disk holds no tweets: its
  // words' counts outlive deleted tweets, as in the writer's own path.)
  void write_spelling() {
    if (fs::exists(fs::path(d->spelling_dir()) / "iamglass"))
      fs::copy(d->spelling_dir(), spell_path, fs::copy_options::recursive);
    Xapian::WritableDatabase db(spell_path, Xapian::DB_CREATE_OR_OPEN);
    std::vector<std::pair<const std::string*, Xapian::termcount>> words;
    for (const auto& [w, n] : spelling)
      if (n >= kMinSpellingFreq) words.emplace_back(&w, n);
    // In key order: glass keeps a commit's fragment lists as std::sets, so
    // each word lands at the end of its lists.
    std::sort(words.begin(), words.end(),
              [](const auto& a, const auto& b) { return *a.first < *b.first; });
    for (size_t i = 0; i < words.size(); ++i) {
      db.add_spelling(*words[i].first, words[i].second);
      if ((i + 1) % kSpellingCommitWords == 0) db.commit();
    }
    db.commit();  // durable: it becomes part of the index
    db.close();
    spelling_words = words.size();
  }

  // Waits for the spelling thread, if it runs.
  Status join_speller() {
    if (spell_thread.joinable()) spell_thread.join();
    return spell_error;
  }

  // Hands a full (or the last) segment to the builders; waits while they are far behind.
  Status ship(Segment& seg) {
    if (seg.docs.empty()) return Status::Ok();
    seg.path = work + "/seg-" + std::to_string(next_segment++);
    ranges.push_back({seg.lo, seg.hi});
    std::unique_lock lk(mu);
    cv.wait(lk, [&] { return queue.size() < builders.size() || !error.ok(); });
    if (!error.ok()) return error;
    Part part;
    part.path = seg.path;
    part.docs = seg.docs.size();
    parts.push_back(std::move(part));
    seg.part = parts.size() - 1;
    chain[&seg == &old ? 1 : 0].push_back(seg.part);
    queue.push_back(std::move(seg));
    seg = Segment();
    cv.notify_all();
    return Status::Ok();
  }

  // Waits for the builders; then, past kMaxSources parts, merges on this
  // thread too; then the parts left are the final compaction's sources.
  Status drain() {
    std::unique_lock lk(mu);
    shipping_done = true;
    cv.wait(lk, [&] { return (queue.empty() && busy == 0) || !error.ok(); });
    if (!error.ok()) return error;
    merge_ready(lk);
    if (!error.ok()) return error;
    built.clear();
    built_docs.clear();
    for (const auto& ch : chain)
      for (size_t id : ch) {
        built.push_back(parts[id].path);
        built_docs.push_back(parts[id].docs);
      }
    return Status::Ok();
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
    if (!impl_->mem.upserts.empty() || !impl_->mem.deleted_tweets.empty() ||
        !impl_->mem.deleted_users.empty())
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
  s->spell_path = s->work + "/spelling";
  for (int i = 0; i < threads; ++i) s->builders.emplace_back([raw] { raw->builder(); });
  return std::make_unique<BulkLoad>(std::move(s));
}

BulkLoad::BulkLoad(std::unique_ptr<State> state) : s_(std::move(state)) {}

BulkLoad::~BulkLoad() {
  s_->stop_builders();
  (void)s_->join_speller();  // a finished load has joined it already
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
    if (docid == 0)
      return Status::Internal("search index docid space exhausted: reset and rebuild");
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
  // It writes the spelling database beside the compaction below.
  if (d.options.spelling) s.spell_thread = std::thread([&s] { s.speller(); });
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
        sources.compact(
            merged, Xapian::DBCOMPACT_NO_RENUMBER);  // one N-way pass: each posting written once
        if (!s.built.empty() && (s.built.size() > 1 || disk.get_doccount() > 0) &&
            has_universal_term(merged, s)) {
          compactable = false;
          fs::remove_all(merged);
        }
      } else {
        Xapian::WritableDatabase(merged, Xapian::DB_CREATE_OR_OVERWRITE).close();
      }
    }
    if (!compactable) {
      if (disk.get_doccount() > 0) {
        fs::copy(d.dir, merged,
                 fs::copy_options::recursive);  // quiet: the writer is idle, apply() waits
      } else {
        Xapian::WritableDatabase(merged, Xapian::DB_CREATE_OR_OVERWRITE).close();
      }
    }
    disk.close();
    auto t2 = std::chrono::steady_clock::now();
    const double cpu2 = process_cpu_seconds();

    // The spelling database (the disk's plus the load's words) goes inside
    // the merged folder, replacing the disk's copy that the copy path took.
    CHIRP_RETURN_IF_ERROR(s.join_speller());
    const std::string merged_spelling = merged + "/" + schema::kSpellingDir;
    if (d.options.spelling) {
      std::error_code ec;
      fs::remove_all(merged_spelling, ec);
      if (!ec) fs::rename(s.spell_path, merged_spelling, ec);
      if (ec)
        return Status::Internal("cannot move the bulk-loaded spelling data into place: " +
                                ec.message());
      sync_dir(merged);
    }
    auto t3 = std::chrono::steady_clock::now();

    Xapian::WritableDatabase out(merged, Xapian::DB_OPEN);
    Xapian::TermGenerator tg =
        schema::make_term_generator();  // re-upserted tweets are in the spelling data already
    const double cpu3 = process_cpu_seconds();
    if (!compactable) {
      spdlog::info("search bulk load: copying {} segments in document by document", s.built.size());
      for (const auto& p : s.built) {
        Xapian::Database seg(p);
        for (auto it = seg.postlist_begin(""); it != seg.postlist_end(""); ++it) {
          TweetDocument t;
          Xapian::Document doc = seg.get_document(*it);
          if (!schema::decode_tweet(doc.get_value(schema::kSlotRecord), &t))
            throw Xapian::DatabaseCorruptError("bad segment document");
          out.replace_document(*it, schema::build_document(t, *it, tg));
        }
      }
    }
    for (const IndexOp& op : s.after_merge) {
      switch (op.kind) {
        case IndexOp::kUpsertTweet: {
          Xapian::PostingIterator p = out.postlist_begin(schema::id_term(op.id));
          uint32_t docid =
              p != out.postlist_end(schema::id_term(op.id)) ? *p : d.allocator.allocate(op.id);
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
    auto ms = [](auto a, auto b) {
      return std::chrono::duration<double, std::milli>(b - a).count();
    };
    // CPU seconds beside wall time: on a shared machine the wall time of a
    // phase is mostly the other processes' load.
    spdlog::info(
        "search bulk load: {} segments, {} merges of {} beside the builds ({:.1f} s CPU), {} "
        "sources; {} builders ({:.1f} "
        "s CPU up to the last build); waited {:.0f} ms for the last builds; merged in {:.0f} ms "
        "({:.1f} s CPU, {}); "
        "spelling thread {:.1f} s CPU, {:.1f} s of it writing {} of {} words beside the merge, "
        "waited {:.0f} ms "
        "for it; deletes + commit {:.0f} ms ({:.1f} s CPU)",
        s.next_segment, s.merges, kMergeFanIn, s.merge_cpu, s.built.size(), s.threads, cpu1,
        ms(t0, t1), ms(t1, t2), cpu2 - cpu1, compactable ? "compaction" : "copied in", s.spell_cpu,
        s.spell_write_cpu, s.spelling_words, s.spelling.size(), ms(t2, t3),
        ms(t3, std::chrono::steady_clock::now()), process_cpu_seconds() - cpu3);
  } catch (const Xapian::Error& e) {
    return Status::Internal("search bulk merge failed: " + std::string(e.get_type()) + ": " +
                            e.get_msg());
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
