// Readers: a search runs the same query on the memory index (under mem_mu,
// small) and on a pooled read-only handle of the disk index (no lock held),
// then merges. Deleted-but-uncommitted ids are excluded from the disk part by
// the query itself, so pages stay full.
#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <queue>
#include <thread>
#include <unordered_set>

#include "chirp/search/highlight.h"
#include "date_range_source.h"
#include "docid_floor_source.h"
#include "id_ceiling_source.h"
#include "impact_weight.h"
#include "index_impl.h"
#include "memory_spelling.h"
#include "recency_source.h"
#include "schema.h"

namespace chirp::search {
namespace {

constexpr int kMaxRelevanceOffset = 1000;  // deeper relevance pages are not offered
constexpr int kRetries = 9;                // DatabaseModifiedError / transient corrupt-read retries
constexpr uint64_t kFewResults = 5;        // below this, offer a spelling suggestion
constexpr Xapian::doccount kExactMemoryMatches = 20000;  // memory matches counted exactly (under mem_mu)
constexpr Xapian::doccount kMaxSpellingScanDocs = 20000;  // larger memory index (a catch-up): no term scan

struct Candidate {
  uint64_t id = 0;
  uint32_t order = 0;
  double score = 0;
  TweetDocument tweet;
  bool corrupt = false;  // a record (kSlotRecord) that does not decode
};

struct Cursor {
  // recent: order key of the last hit shown; relevance: offset, id bound, clock.
  uint32_t after_order = 0;
  int offset = 0;
  uint64_t max_id = 0;
  int64_t now_ms = 0;
  bool present = false;
};

Result<Cursor> parse_cursor(const std::string& s, SortOrder sort) {
  Cursor c;
  if (s.empty()) return c;
  c.present = true;
  unsigned long long a = 0, b = 0;
  long long now = 0;
  int consumed = 0;
  if (sort == SortOrder::kRecent) {
    if (std::sscanf(s.c_str(), "r.%llx%n", &a, &consumed) == 1 && consumed == static_cast<int>(s.size()) &&
        a <= 0xFFFFFFFFull) {
      c.after_order = static_cast<uint32_t>(a);
      return c;
    }
  } else {
    if (std::sscanf(s.c_str(), "s.%llu.%llu.%lld%n", &a, &b, &now, &consumed) == 3 &&
        consumed == static_cast<int>(s.size()) && a <= kMaxRelevanceOffset) {
      c.offset = static_cast<int>(a);
      c.max_id = b;
      c.now_ms = now;
      return c;
    }
  }
  return Status::InvalidArgument("bad cursor (it must come from a previous page of the same query and sort)");
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Deleted-but-uncommitted tweets and users, hidden from disk results. A match
// decider rather than AND_NOT(OR(ids...)): a few thousand excluded terms both
// cost more and, in Xapian 1.4.22, made the matcher throw "Unexpected end of
// posting list" on a sound database (reproduced outside chirp).
struct DeletedIds {
  std::unordered_set<uint64_t> tweets, users;
  bool empty() const { return tweets.empty() && users.empty(); }
};

struct DeletedFilter : Xapian::MatchDecider {
  explicit DeletedFilter(const DeletedIds& ids) : ids(ids) {}
  bool operator()(const Xapian::Document& doc) const override {
    if (!ids.tweets.empty() && ids.tweets.count(schema::from_be64(doc.get_value(schema::kSlotTweetId)))) return false;
    if (!ids.users.empty() && ids.users.count(schema::from_be64(doc.get_value(schema::kSlotAuthor)))) return false;
    return true;
  }
  const DeletedIds& ids;
};

// Where a relevance search's idf comes from: the database searched (Xapian's
// own statistics), or the query, whose terms carry the idf of disk + memory
// (GlobalIdf below) so memory and disk hits score alike.
enum class Idf { kFromIndex, kInQuery };

// Runs one enquire; appends candidates and returns the estimated match count
// (exact when check_at_least covers every match).
Xapian::doccount run(const Xapian::Database& db, const Xapian::Query& query, SortOrder sort, bool by_order_value,
                     Xapian::doccount count, std::vector<Candidate>* out, Idf idf,
                     const Xapian::MatchDecider* decider = nullptr, Xapian::doccount check_at_least = 0) {
  Xapian::Enquire enquire(db);
  enquire.set_query(query);
  if (sort == SortOrder::kRecent) {
    enquire.set_weighting_scheme(Xapian::BoolWeight());
    // On disk, docids count down as tweets get newer: ascending docid order is
    // newest-first and lets the matcher stop after `count` hits. The memory
    // index has its own docids, so it sorts by the order value (it is small).
    if (by_order_value) enquire.set_sort_by_value(schema::kSlotOrder, false);
    else enquire.set_docid_order(Xapian::Enquire::ASCENDING);
  } else {
    // BM25 from the impacts stored as wdf: no document length read per match.
    if (idf == Idf::kInQuery) enquire.set_weighting_scheme(GivenIdfImpactWeight());
    else enquire.set_weighting_scheme(ImpactWeight());
    // Equal scores (identical texts older than the recency cut) go newest
    // first, as ascending docids do on disk; memory docids follow arrival.
    if (by_order_value) enquire.set_sort_by_relevance_then_value(schema::kSlotOrder, false);
  }
  Xapian::MSet mset = enquire.get_mset(0, count, check_at_least, nullptr, decider);
  for (auto it = mset.begin(); it != mset.end(); ++it) {
    Xapian::Document doc = it.get_document();
    Candidate c;
    // The tweet id comes from the record (read anyway for the hit); on disk
    // the order key is the docid. A value read costs a value-stream chunk
    // lookup per slot and hit.
    c.corrupt = !schema::decode_tweet(doc.get_value(schema::kSlotRecord), &c.tweet);
    c.id = c.corrupt ? schema::from_be64(doc.get_value(schema::kSlotTweetId)) : c.tweet.id;
    c.order = by_order_value ? schema::from_be32(doc.get_value(schema::kSlotOrder)) : static_cast<uint32_t>(*it);
    c.score = sort == SortOrder::kRecent ? 0 : it.get_weight();
    out->push_back(std::move(c));
  }
  return mset.get_matches_estimated();
}

// Memory documents whose tweet is still pending (not yet committed). A
// committed tweet's memory copy stays until the memory index is rebuilt
// ("stale"); it is also on disk, so counting it here would count it twice.
// Caller holds mem_mu for the decider's lifetime.
struct PendingOnly : Xapian::MatchDecider {
  explicit PendingOnly(const MemoryState& mem) : mem(mem) {}
  bool operator()(const Xapian::Document& doc) const override {
    return mem.upserts.count(schema::from_be64(doc.get_value(schema::kSlotTweetId))) > 0;
  }
  const MemoryState& mem;
};

// Replaces each misspelt word of `q` (matched case-insensitively as a whole
// token) by its suggestion.
std::string rewrite_query(const std::string& q, const std::map<std::string, std::string>& fixes) {
  std::string out;
  size_t i = 0;
  while (i < q.size()) {
    size_t j = i;
    while (j < q.size() && (std::isalnum(static_cast<unsigned char>(q[j])) || (q[j] & 0x80))) ++j;
    if (j > i) {
      std::string token = q.substr(i, j - i);
      auto fix = fixes.find(schema::lower(token));
      out += fix != fixes.end() ? fix->second : token;
      i = j;
    } else {
      out += q[i++];
    }
  }
  return out;
}

}  // namespace

class HandleLease {  // a pooled reader handle, returned on destruction
 public:
  explicit HandleLease(const SearchIndex::Impl& d) : d_(d) {
    std::lock_guard lk(d_.pool_mu);
    if (!d_.pool.empty()) {
      h_ = std::move(d_.pool.back());
      d_.pool.pop_back();
    } else {
      h_ = std::make_unique<ReaderHandle>();
    }
  }
  ~HandleLease() {
    std::lock_guard lk(d_.pool_mu);
    d_.pool.push_back(std::move(h_));
  }
  ReaderHandle& get() { return *h_; }

 private:
  const SearchIndex::Impl& d_;
  std::unique_ptr<ReaderHandle> h_;
};

namespace {

// The memory part of a search, under mem_mu, plus the state the disk part
// must use: the generation to read at least, and the deletes to exclude.
struct MemorySnapshot {
  uint64_t gen = 0, epoch = 0;
  Xapian::doccount estimate = 0;
  DeletedIds deleted;
};

// Caller holds mem_mu.
MemorySnapshot take_snapshot(const SearchIndex::Impl& d) {
  MemorySnapshot snap;
  snap.gen = d.mem.committed_gen;
  snap.epoch = d.mem.epoch;
  for (const auto& [id, seq] : d.mem.deleted_tweets) snap.deleted.tweets.insert(id);
  for (const auto& [id, seq] : d.mem.deleted_users) snap.deleted.users.insert(id);
  // A tweet re-indexed while an older copy is on disk is in both: the merge
  // keeps the memory copy (same order key), so pending ids need no filter.
  return snap;
}

// With `defer` set, a non-empty memory index is not searched: *defer is set
// and the caller searches again with a GlobalIdf query and Idf::kInQuery.
MemorySnapshot search_memory(const SearchIndex::Impl& d, const Xapian::Query& q, SortOrder sort,
                             Xapian::doccount count, std::vector<Candidate>* out, Idf idf, bool* defer = nullptr) {
  std::lock_guard lk(d.mem_mu);
  MemorySnapshot snap = take_snapshot(d);
  if (d.mem.db.get_doccount() == 0) return snap;
  if (defer) {
    *defer = true;
    return snap;
  }
  // Live documents beyond the pending tweets are stale copies of committed ones.
  if (d.mem.db.get_doccount() <= d.mem.upserts.size()) {
    snap.estimate = run(d.mem.db, q, sort, true, count, out, idf);
  } else {
    // Stale copies are left out; looking at every memory match makes the
    // pending count exact instead of a decider-scaled guess. The memory index
    // is small while posting live (a commit interval's tweets plus at most
    // max_stale stale ones); during a long catch-up it can hold far more, and
    // this runs under mem_mu, which apply() needs: past kExactMemoryMatches
    // the count is Xapian's scaled estimate.
    PendingOnly pending(d.mem);
    snap.estimate = run(d.mem.db, q, sort, true, count, out, idf, &pending,
                        std::min<Xapian::doccount>(d.mem.db.get_doccount(), kExactMemoryMatches));
  }
  return snap;
}

// Runs `fn(db, spelling)` on a fresh-enough disk handle and its spelling
// database, retrying when a commit overwrote the revision being read.
template <typename Fn>
Status with_disk(const SearchIndex::Impl& d, const MemorySnapshot& snap, Fn fn) {
  HandleLease lease(d);
  ReaderHandle& h = lease.get();
  for (int attempt = 0;; ++attempt) {
    CHIRP_RETURN_IF_ERROR(d.refresh(h, snap.gen, snap.epoch, /*with_spelling=*/true));
    try {
      fn(*h.db, *h.spelling);
      return Status::Ok();
    } catch (const Xapian::DatabaseModifiedError&) {
      if (attempt + 1 >= kRetries) return Status::Unavailable("search index busy, retry");
      h.gen = 0;  // forces reopen()
    } catch (const Xapian::DatabaseCorruptError& e) {
      // Glass may report a revision overwritten under a slow reader as
      // corruption: back off (1, 2, 4 ... 128 ms) and retry on a new handle;
      // damage that outlives several commits is reported, never thrown.
      if (attempt + 1 >= kRetries) return Status::Unavailable("search index unreadable, retry: " + e.get_msg());
      h.db.reset();
      h.spelling.reset();
      std::this_thread::sleep_for(std::chrono::milliseconds(1 << attempt));
    }
  }
}

// Tweets applied but not yet committed are only in the memory index, which
// has no spelling table: a word of theirs is no typo, and a misspelling of it
// gets its suggestion here. Competes with the disk's suggestion by edit
// distance.
void suggest_from_memory(const SearchIndex::Impl& d, const std::vector<std::string>& words,
                         std::map<std::string, std::string>* fixes) {
  std::lock_guard lk(d.mem_mu);  // apply() waits meanwhile: the scan is bounded below
  if (d.mem.db.get_doccount() == 0) return;
  for (const auto& w : words) {
    if (d.mem.db.term_exists(w)) {
      fixes->erase(w);
      continue;
    }
    if (d.mem.db.get_doccount() > kMaxSpellingScanDocs) continue;
    SpellingCandidate mem = closest_word(d.mem.db, w, 2);
    if (mem.word.empty()) continue;
    auto disk = fixes->find(w);
    if (disk != fixes->end()) {
      // Ties go to the disk: its spelling data has seen far more text.
      if (mem.distance >= edit_distance(code_points(w), code_points(disk->second), 2)) continue;
    }
    (*fixes)[w] = mem.word;
  }
}

// Documents of the memory index holding `term` whose tweet is pending (not a
// stale copy of a committed one, which the disk statistics count already).
// With stale copies present, a term in at most kExactPendingTermfreq memory
// documents has its postings walked (charged to *budget, the postings one
// search may walk under mem_mu): that is where a wrong count moves the idf
// (a word only fresh tweets use). A more frequent term, or one past the
// budget or past kExactMemoryMatches memory documents (a long catch-up), gets
// its memory termfreq scaled by the pending share of the memory documents:
// the disk's count of such a term dwarfs the error. Caller holds mem_mu.
constexpr Xapian::doccount kExactPendingTermfreq = 256;

Xapian::doccount pending_termfreq(const MemoryState& mem, const std::string& term, Xapian::doccount* budget) {
  Xapian::doccount tf = mem.db.get_termfreq(term);
  Xapian::doccount docs = mem.db.get_doccount();
  if (tf == 0 || docs <= mem.upserts.size()) return tf;
  if (docs > kExactMemoryMatches || tf > kExactPendingTermfreq || tf > *budget)
    return static_cast<Xapian::doccount>(static_cast<double>(tf) * mem.upserts.size() / docs + 0.5);
  *budget -= tf;
  PendingOnly pending(mem);
  Xapian::doccount n = 0;
  for (auto it = mem.db.postlist_begin(term); it != mem.db.postlist_end(term); ++it)
    if (pending(mem.db.get_document(*it, Xapian::DOC_ASSUME_VALID))) ++n;
  return n;
}

// Scores a weighted sort=relevance search (both parts) with the idf a term
// has over disk + memory: N = disk documents + pending tweets, n = disk
// termfreq + pending termfreq, so a tweet still in memory scores as it will
// once committed (issue 3). Used as parse_query's LeafHook twice: the first
// pass records the leaves, the second wraps each in OP_SCALE_WEIGHT(leaf, idf)
// for GivenIdfImpactWeight.
//
// A prefix (OP_WILDCARD, an OP_SYNONYM of its expansion) is weighed by Xapian
// as one term whose termfreq is estimated from its terms', assuming
// independence: here the same estimate over the terms the disk + memory hold
// with the prefix (the max_wildcard most frequent), combining the two smallest
// first with rounding, as Xapian 1.4 builds its OR tree.
class GlobalIdf : public LeafHook {
 public:
  Xapian::Query term(const std::string& t, Xapian::Query leaf) override {
    if (!scaling_) {
      terms_.emplace(t, Stats{});
      return leaf;
    }
    return Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, leaf, terms_.at(t).idf);
  }
  Xapian::Query wildcard(const std::string& prefix, Xapian::Query leaf) override {
    if (!scaling_) {
      prefixes_.emplace(prefix, Prefix{});
      return leaf;
    }
    return Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, leaf, prefixes_.at(prefix).idf);
  }

  // Called again from the start when with_disk retries.
  void read_disk(const Xapian::Database& db) {
    disk_docs_ = db.get_doccount();
    for (auto& [t, st] : terms_) st.disk = db.get_termfreq(t);
    for (auto& [p, pre] : prefixes_) {
      for (auto& [t, st] : pre.terms) st.disk = 0;
      for (auto it = db.allterms_begin(p); it != db.allterms_end(p); ++it) pre.terms[*it].disk = it.get_termfreq();
    }
  }

  // Caller holds mem_mu: a few termfreq lookups (posting walks when stale
  // copies are present) on the small memory index.
  void read_memory(const MemoryState& mem) {
    pending_docs_ = static_cast<Xapian::doccount>(mem.upserts.size());
    Xapian::doccount budget = kExactMemoryMatches;
    for (auto& [t, st] : terms_) st.pending = pending_termfreq(mem, t, &budget);
    for (auto& [p, pre] : prefixes_)
      for (auto it = mem.db.allterms_begin(p); it != mem.db.allterms_end(p); ++it)
        pre.terms[*it].pending = pending_termfreq(mem, *it, &budget);
  }

  // Computes every idf and switches to the wrapping pass.
  void compute(Xapian::termcount max_wildcard) {
    const Xapian::doccount n_docs = disk_docs_ + pending_docs_;
    auto idf = [&](Xapian::doccount tf) { return tf == 0 ? 0.0 : impact_idf(n_docs, std::min(tf, n_docs)); };
    for (auto& [t, st] : terms_) st.idf = idf(st.disk + st.pending);
    for (auto& [p, pre] : prefixes_) {
      std::vector<Xapian::doccount> freqs;
      for (const auto& [t, st] : pre.terms)
        if (st.disk + st.pending > 0) freqs.push_back(st.disk + st.pending);
      if (max_wildcard > 0 && freqs.size() > max_wildcard) {
        std::nth_element(freqs.begin(), freqs.begin() + max_wildcard, freqs.end(), std::greater<>());
        freqs.resize(max_wildcard);
      }
      pre.idf = idf(or_termfreq(freqs, n_docs));
    }
    scaling_ = true;
  }

 private:
  // Xapian 1.4's termfreq estimate of an OR (OrPostList::get_termfreq_est_using_stats):
  // l + r - l·r/N per node, rounded.
  static Xapian::doccount or_termfreq(std::vector<Xapian::doccount> freqs, Xapian::doccount n_docs) {
    if (freqs.empty() || n_docs == 0) return 0;
    std::priority_queue<Xapian::doccount, std::vector<Xapian::doccount>, std::greater<>> heap(freqs.begin(),
                                                                                             freqs.end());
    while (heap.size() > 1) {
      double r = heap.top();
      heap.pop();
      double l = heap.top();
      heap.pop();
      double est = l + r - l * r / n_docs;
      heap.push(static_cast<Xapian::doccount>(est + 0.5));
    }
    return heap.top();
  }

  struct Stats {
    Xapian::doccount disk = 0, pending = 0;
    double idf = 0;
  };
  struct Prefix {
    std::map<std::string, Stats> terms;  // terms with the prefix, on disk or pending
    double idf = 0;
  };
  bool scaling_ = false;
  Xapian::doccount disk_docs_ = 0, pending_docs_ = 0;
  std::map<std::string, Stats> terms_;
  std::map<std::string, Prefix> prefixes_;
};

// The query of `text` with global idfs (see GlobalIdf), for both parts. Disk
// statistics come from a handle as fresh as `snap` (the disk part of the
// search then uses the same or a newer revision: a moment apart at most),
// pending ones from the memory index a moment before it is searched.
Result<Xapian::Query> global_idf_query(const SearchIndex::Impl& d, std::string_view text, const MemorySnapshot& snap) {
  GlobalIdf global;
  auto collect = parse_query(text, d.options.limits, &global);
  if (!collect.ok()) return collect.status();
  CHIRP_RETURN_IF_ERROR(with_disk(d, snap, [&](const Xapian::Database& db, const Xapian::Database&) { global.read_disk(db); }));
  {
    std::lock_guard lk(d.mem_mu);
    global.read_memory(d.mem);
  }
  global.compute(static_cast<Xapian::termcount>(std::max(d.options.limits.max_wildcard, 0)));
  auto scaled = parse_query(text, d.options.limits, &global);
  if (!scaled.ok()) return scaled.status();
  return scaled->query;
}

// The page from both parts' candidates: merged (a memory copy is newer than
// the disk one of the same tweet), sorted, cut to the requested window,
// highlighted, with the cursor of the next page.
Status fill_page(std::vector<Candidate> mem_hits, std::vector<Candidate> disk_hits, const SearchRequest& req,
                 const Cursor& c, const HighlightTerms& highlight, SearchPage* page) {
  std::unordered_set<uint64_t> seen;
  std::vector<Candidate> all;
  for (auto* part : {&mem_hits, &disk_hits})
    for (auto& h : *part)
      if (seen.insert(h.id).second) all.push_back(std::move(h));
  if (req.sort == SortOrder::kRecent)
    std::sort(all.begin(), all.end(), [](const Candidate& a, const Candidate& b) { return a.order < b.order; });
  else
    std::stable_sort(all.begin(), all.end(), [](const Candidate& a, const Candidate& b) {
      return a.score != b.score ? a.score > b.score : a.order < b.order;
    });

  size_t begin = req.sort == SortOrder::kRecent ? 0 : static_cast<size_t>(c.offset);
  size_t end = std::min(all.size(), begin + static_cast<size_t>(req.limit));
  for (size_t i = begin; i < end; ++i) {
    SearchHit hit;
    if (all[i].corrupt) return Status::Internal("corrupt document in search index");
    hit.tweet = std::move(all[i].tweet);
    hit.highlights = find_highlights(hit.tweet, highlight);
    hit.score = all[i].score;
    page->hits.push_back(std::move(hit));
  }
  if (all.size() > end && end > begin) {
    if (req.sort == SortOrder::kRecent) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "r.%x", all[end - 1].order);
      page->next_cursor = buf;
    } else if (end < static_cast<size_t>(kMaxRelevanceOffset)) {
      page->next_cursor = "s." + std::to_string(end) + "." + std::to_string(c.max_id) + "." + std::to_string(c.now_ms);
    }
  }
  return Status::Ok();
}

}  // namespace

Result<SearchPage> SearchIndex::search(const SearchRequest& req) const {
  const Impl& d = *impl_;
  if (req.limit < 1 || req.limit > 100) return Status::InvalidArgument("limit must be between 1 and 100");
  auto cursor = parse_cursor(req.cursor, req.sort);
  if (!cursor.ok()) return cursor.status();
  auto parsed = parse_query(req.q, d.options.limits, nullptr,
                            req.sort == SortOrder::kRecent ? QueryPurpose::kMatching : QueryPurpose::kRanking);
  if (!parsed.ok()) return parsed.status();

  // The memory index (own docids, small) and the disk index get different
  // queries: on disk, docid order is recency order and the bounds use it.
  const Xapian::Query& q = parsed->query;
  Xapian::Query mem_q, disk_q, disk_bounded_q;
  // Operators only (from:, since: ...): every BM25 weight is 0, so relevance
  // is the boost alone, which on disk falls as docids rise (ties: newest
  // first). Such a query then runs on disk like sort=recent (Xapian stops
  // after `want` hits instead of walking every match), scored afterwards.
  Xapian::Query disk_unweighted_q, disk_unweighted_bounded_q;
  double half_life_ms = std::chrono::duration<double, std::milli>(d.options.recency_half_life).count();
  Xapian::doccount want;
  Cursor c = *cursor;
  auto with_recency = [&](const Xapian::Query& base, bool monotone) {
    auto* recency = new RecencySource(static_cast<double>(c.now_ms), d.options.recency_boost, half_life_ms, monotone);
    return Xapian::Query(Xapian::Query::OP_AND_MAYBE, base, Xapian::Query(recency->release()));
  };
  // sort=relevance on disk: sets the disk queries.
  auto disk_relevance_q = [&](const Xapian::Query& base) {
    // On disk the bound is a docid boundary in the live region (no id read per match).
    Xapian::Query bounded_disk(Xapian::Query::OP_FILTER, base,
                               Xapian::Query((new IdCeilingSource(c.max_id))->release()));
    disk_bounded_q = with_recency(bounded_disk, true);
    // The first page's bound is the newest id applied, which the disk rarely
    // exceeds (only when a commit lands during this search): run it without
    // the per-match value check and fall back to the bounded query if a hit
    // above it turns up among the candidates.
    disk_q = c.present ? disk_bounded_q : with_recency(base, true);
    disk_unweighted_bounded_q = bounded_disk;
    disk_unweighted_q = c.present ? bounded_disk : base;
  };
  // sort=relevance on the memory index. Snapshot bound: tweets newer than the
  // first page never shift later pages.
  auto memory_relevance_q = [&](const Xapian::Query& base) {
    Xapian::Query bounded(Xapian::Query::OP_FILTER, base,
                          Xapian::Query(Xapian::Query::OP_VALUE_LE, schema::kSlotTweetId, schema::be64(c.max_id)));
    return with_recency(bounded, false);
  };
  if (req.sort == SortOrder::kRecent) {
    if (c.present && c.after_order == 0xFFFFFFFFu) return SearchPage{};  // nothing sorts after the last docid
    mem_q = disk_q = q;
    if (c.present) {
      mem_q = Xapian::Query(Xapian::Query::OP_FILTER, q,
                            Xapian::Query(Xapian::Query::OP_VALUE_GE, schema::kSlotOrder, schema::be32(c.after_order + 1)));
      // On disk the order key is the docid: skip to it instead of reading the
      // order value of every match before it.
      disk_q = Xapian::Query(Xapian::Query::OP_FILTER, q,
                             Xapian::Query((new DocidFloorSource(c.after_order + 1))->release()));
    }
    want = req.limit + 1;
  } else {
    if (!c.present) {
      c.max_id = d.max_tweet_id;
      c.now_ms = now_ms();
    }
    mem_q = memory_relevance_q(q);
    disk_relevance_q(q);
    want = c.offset + req.limit + 1;
  }

  SearchPage page;
  std::vector<Candidate> mem_hits, disk_hits;
  std::map<std::string, std::string> fixes;
  bool few = false;
  try {
    // A weighted relevance search while the memory index is not empty is
    // scored with the idf of disk + memory on both parts (GlobalIdf), so a
    // tweet ranks among the others as it will once committed: search_memory
    // defers, the query is rebuilt with each term's global idf, and the
    // memory index is searched then. An empty memory index (the common
    // case) costs nothing more.
    bool deferred = false;
    Idf idf = Idf::kFromIndex;
    MemorySnapshot snap = search_memory(d, mem_q, req.sort, want, &mem_hits, idf,
                                        req.sort == SortOrder::kRelevance && parsed->weighted ? &deferred : nullptr);
    if (deferred) {
      auto global_q = global_idf_query(d, req.q, snap);
      if (!global_q.ok()) return global_q.status();
      idf = Idf::kInQuery;
      disk_relevance_q(*global_q);
      snap = search_memory(d, memory_relevance_q(*global_q), req.sort, want, &mem_hits, idf);
    }
    Xapian::doccount disk_estimate = 0;
    std::optional<DeletedFilter> deleted;
    if (!snap.deleted.empty()) deleted.emplace(snap.deleted);
    CHIRP_RETURN_IF_ERROR(with_disk(d, snap, [&](const Xapian::Database& db, const Xapian::Database& spelling) {
      disk_hits.clear();
      fixes.clear();
      const Xapian::MatchDecider* decider = deleted ? &*deleted : nullptr;
      // Docids above the live region (out-of-order imports) are not in age order.
      bool unweighted = req.sort == SortOrder::kRelevance && !parsed->weighted &&
                        db.get_lastdocid() <= DocidAllocator::kLiveTop;
      SortOrder disk_sort = unweighted ? SortOrder::kRecent : req.sort;
      disk_estimate =
          run(db, unweighted ? disk_unweighted_q : disk_q, disk_sort, false, want, &disk_hits, idf, decider);
      if (req.sort == SortOrder::kRelevance && !c.present &&
          std::any_of(disk_hits.begin(), disk_hits.end(), [&](const Candidate& h) { return h.id > c.max_id; })) {
        disk_hits.clear();
        disk_estimate = run(db, unweighted ? disk_unweighted_bounded_q : disk_bounded_q, disk_sort, false, want,
                            &disk_hits, idf, decider);
      }
      if (unweighted)
        for (auto& h : disk_hits)
          h.score = RecencySource::weight_of(h.id, static_cast<double>(c.now_ms), d.options.recency_boost, half_life_ms);
      few = disk_estimate + snap.estimate < kFewResults && !c.present;
      if (few && d.options.spelling)
        for (const auto& w : parsed->spell_words) {
          // A word the index knows is not a typo; and asking Xapian costs a
          // trigram scan of the spelling table (milliseconds on a big index,
          // paid by every AND query with fewer than kFewResults matches).
          if (db.term_exists(w)) continue;
          std::string s = spelling.get_spelling_suggestion(w, 2);
          if (!s.empty() && s != w) fixes[w] = s;
        }
    }));
    page.estimated_total = disk_estimate + snap.estimate;
    if (few && d.options.spelling) suggest_from_memory(d, parsed->spell_words, &fixes);
  } catch (const Xapian::Error& e) {
    return Status::Internal("search failed: " + std::string(e.get_type()) + ": " + e.get_msg());
  }
  if (!fixes.empty()) page.suggestion = rewrite_query(req.q, fixes);

  CHIRP_RETURN_IF_ERROR(fill_page(std::move(mem_hits), std::move(disk_hits), req, c, parsed->highlight, &page));
  return page;
}

Result<std::vector<DayCount>> SearchIndex::counts(std::string_view q_text, std::string_view since,
                                                  std::string_view until) const {
  const Impl& d = *impl_;
  auto parsed = parse_query(q_text, d.options.limits, nullptr, QueryPurpose::kMatching);
  if (!parsed.ok()) return parsed.status();
  Xapian::Query q = parsed->query;
  int64_t from_ms = 0, to_ms = 0;
  if (!since.empty()) {
    auto ms = parse_day(since);
    if (!ms.ok()) return Status::InvalidArgument("since: " + ms.status().message());
    from_ms = *ms;
  }
  if (!until.empty()) {
    auto ms = parse_day(until);
    if (!ms.ok()) return Status::InvalidArgument("until: " + ms.status().message());
    to_ms = *ms + 86'400'000;  // inclusive: the whole `until` day
  }
  if (!since.empty() || !until.empty())
    q = Xapian::Query(Xapian::Query::OP_FILTER, q,
                      date_filter(since.empty() ? DateRangeSource::kUnbounded : from_ms,
                                  until.empty() ? DateRangeSource::kUnbounded : to_ms));
  constexpr int64_t kMaxDays = 3660;
  if (!since.empty() && !until.empty()) {
    if (to_ms <= from_ms) return Status::InvalidArgument("until must not be before since");
    if ((to_ms - from_ms) / 86'400'000 > kMaxDays) return Status::InvalidArgument("range too long (max 10 years)");
  }

  std::map<std::string, uint64_t> per_day;
  auto tally = [&](const Xapian::Database& db, const Xapian::Query& query, const DeletedIds* deleted) {
    Xapian::Enquire enquire(db);
    enquire.set_query(query);
    enquire.set_weighting_scheme(Xapian::BoolWeight());
    Xapian::ValueCountMatchSpy spy(schema::kSlotDay);
    enquire.add_matchspy(&spy);
    // check_at_least = all documents: exact counts.
    std::optional<DeletedFilter> filter;
    if (deleted && !deleted->empty()) filter.emplace(*deleted);
    enquire.get_mset(0, 0, db.get_doccount(), nullptr, filter ? &*filter : nullptr);
    for (auto it = spy.values_begin(); it != spy.values_end(); ++it) per_day[*it] += it.get_termfreq();
  };
  try {
    MemorySnapshot snap;
    {
      std::lock_guard lk(d.mem_mu);
      snap = take_snapshot(d);
      if (d.mem.db.get_doccount() > 0) tally(d.mem.db, q, nullptr);
    }
    const std::map<std::string, uint64_t> mem_part = per_day;
    CHIRP_RETURN_IF_ERROR(with_disk(d, snap, [&](const Xapian::Database& db, const Xapian::Database&) {
      per_day = mem_part;  // a retried attempt starts again from the memory part
      tally(db, q, &snap.deleted);
    }));
  } catch (const Xapian::Error& e) {
    return Status::Internal("counts failed: " + std::string(e.get_type()) + ": " + e.get_msg());
  }

  std::vector<DayCount> out;
  if (!since.empty() && !until.empty()) {
    for (int64_t ms = from_ms; ms < to_ms; ms += 86'400'000) {
      std::string day = schema::utc_day(ms);
      auto it = per_day.find(day);
      out.push_back({day, it == per_day.end() ? 0 : it->second});
    }
  } else {
    for (const auto& [day, n] : per_day) out.push_back({day, n});
  }
  return out;
}

}  // namespace chirp::search
