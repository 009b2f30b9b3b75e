// Readers: a search runs the same query on the memory index (under mem_mu,
// small) and on a pooled read-only handle of the disk index (no lock held),
// then merges. Deleted-but-uncommitted ids are excluded from the disk part by
// the query itself, so pages stay full.
#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
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

// Runs one enquire; appends candidates and returns the estimated match count
// (exact when check_at_least covers every match).
Xapian::doccount run(const Xapian::Database& db, const Xapian::Query& query, SortOrder sort, bool by_order_value,
                     Xapian::doccount count, std::vector<Candidate>* out, const Xapian::MatchDecider* decider = nullptr,
                     Xapian::doccount check_at_least = 0) {
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
    enquire.set_weighting_scheme(ImpactWeight());
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

MemorySnapshot search_memory(const SearchIndex::Impl& d, const Xapian::Query& q, SortOrder sort,
                             Xapian::doccount count, std::vector<Candidate>* out) {
  std::lock_guard lk(d.mem_mu);
  MemorySnapshot snap = take_snapshot(d);
  if (d.mem.db.get_doccount() == 0) return snap;
  // Live documents beyond the pending tweets are stale copies of committed ones.
  if (d.mem.db.get_doccount() <= d.mem.upserts.size()) {
    snap.estimate = run(d.mem.db, q, sort, true, count, out);
  } else {
    // Stale copies are left out; looking at every memory match makes the
    // pending count exact instead of a decider-scaled guess. The memory index
    // is small while posting live (a commit interval's tweets plus at most
    // max_stale stale ones); during a long catch-up it can hold far more, and
    // this runs under mem_mu, which apply() needs: past kExactMemoryMatches
    // the count is Xapian's scaled estimate.
    PendingOnly pending(d.mem);
    snap.estimate = run(d.mem.db, q, sort, true, count, out, &pending,
                        std::min<Xapian::doccount>(d.mem.db.get_doccount(), kExactMemoryMatches));
  }
  return snap;
}

// Runs `fn(db)` on a fresh-enough disk handle, retrying when a commit
// overwrote the revision being read.
template <typename Fn>
Status with_disk(const SearchIndex::Impl& d, const MemorySnapshot& snap, Fn fn) {
  HandleLease lease(d);
  ReaderHandle& h = lease.get();
  for (int attempt = 0;; ++attempt) {
    CHIRP_RETURN_IF_ERROR(d.refresh(h, snap.gen, snap.epoch));
    try {
      fn(*h.db);
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

}  // namespace

Result<SearchPage> SearchIndex::search(const SearchRequest& req) const {
  const Impl& d = *impl_;
  if (req.limit < 1 || req.limit > 100) return Status::InvalidArgument("limit must be between 1 and 100");
  auto cursor = parse_cursor(req.cursor, req.sort);
  if (!cursor.ok()) return cursor.status();
  auto parsed = parse_query(req.q, d.options.limits);
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
    auto with_recency = [&](const Xapian::Query& base, bool monotone) {
      auto* recency = new RecencySource(static_cast<double>(c.now_ms), d.options.recency_boost, half_life_ms, monotone);
      return Xapian::Query(Xapian::Query::OP_AND_MAYBE, base, Xapian::Query(recency->release()));
    };
    // Snapshot bound: tweets newer than the first page never shift later pages.
    Xapian::Query bounded(Xapian::Query::OP_FILTER, q,
                          Xapian::Query(Xapian::Query::OP_VALUE_LE, schema::kSlotTweetId, schema::be64(c.max_id)));
    // On disk the bound is a docid boundary in the live region (no id read per match).
    Xapian::Query bounded_disk(Xapian::Query::OP_FILTER, q,
                               Xapian::Query((new IdCeilingSource(c.max_id))->release()));
    mem_q = with_recency(bounded, false);
    disk_bounded_q = with_recency(bounded_disk, true);
    // The first page's bound is the newest id applied, which the disk rarely
    // exceeds (only when a commit lands during this search): run it without
    // the per-match value check and fall back to the bounded query if a hit
    // above it turns up among the candidates.
    disk_q = c.present ? disk_bounded_q : with_recency(q, true);
    disk_unweighted_bounded_q = bounded_disk;
    disk_unweighted_q = c.present ? bounded_disk : q;
    want = c.offset + req.limit + 1;
  }

  SearchPage page;
  std::vector<Candidate> mem_hits, disk_hits;
  std::map<std::string, std::string> fixes;
  bool few = false;
  try {
    MemorySnapshot snap = search_memory(d, mem_q, req.sort, want, &mem_hits);
    Xapian::doccount disk_estimate = 0;
    std::optional<DeletedFilter> deleted;
    if (!snap.deleted.empty()) deleted.emplace(snap.deleted);
    CHIRP_RETURN_IF_ERROR(with_disk(d, snap, [&](const Xapian::Database& db) {
      disk_hits.clear();
      fixes.clear();
      const Xapian::MatchDecider* decider = deleted ? &*deleted : nullptr;
      // Docids above the live region (out-of-order imports) are not in age order.
      bool unweighted = req.sort == SortOrder::kRelevance && !parsed->weighted &&
                        db.get_lastdocid() <= DocidAllocator::kLiveTop;
      SortOrder disk_sort = unweighted ? SortOrder::kRecent : req.sort;
      disk_estimate = run(db, unweighted ? disk_unweighted_q : disk_q, disk_sort, false, want, &disk_hits, decider);
      if (req.sort == SortOrder::kRelevance && !c.present &&
          std::any_of(disk_hits.begin(), disk_hits.end(), [&](const Candidate& h) { return h.id > c.max_id; })) {
        disk_hits.clear();
        disk_estimate = run(db, unweighted ? disk_unweighted_bounded_q : disk_bounded_q, disk_sort, false, want,
                            &disk_hits, decider);
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
          std::string s = db.get_spelling_suggestion(w, 2);
          if (!s.empty() && s != w) fixes[w] = s;
        }
    }));
    page.estimated_total = disk_estimate + snap.estimate;
    if (few && d.options.spelling) suggest_from_memory(d, parsed->spell_words, &fixes);
  } catch (const Xapian::Error& e) {
    return Status::Internal("search failed: " + std::string(e.get_type()) + ": " + e.get_msg());
  }
  if (!fixes.empty()) page.suggestion = rewrite_query(req.q, fixes);

  // Merge: memory copies are newer than disk ones of the same tweet.
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
    hit.highlights = find_highlights(hit.tweet, parsed->highlight);
    hit.score = all[i].score;
    page.hits.push_back(std::move(hit));
  }
  if (all.size() > end && end > begin) {
    if (req.sort == SortOrder::kRecent) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "r.%x", all[end - 1].order);
      page.next_cursor = buf;
    } else if (end < static_cast<size_t>(kMaxRelevanceOffset)) {
      page.next_cursor = "s." + std::to_string(end) + "." + std::to_string(c.max_id) + "." + std::to_string(c.now_ms);
    }
  }
  return page;
}

Result<std::vector<DayCount>> SearchIndex::counts(std::string_view q_text, std::string_view since,
                                                  std::string_view until) const {
  const Impl& d = *impl_;
  auto parsed = parse_query(q_text, d.options.limits);
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
    CHIRP_RETURN_IF_ERROR(with_disk(d, snap, [&](const Xapian::Database& db) {
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
