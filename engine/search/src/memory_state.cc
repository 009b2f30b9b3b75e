// MemoryState: the memory index of applied-but-uncommitted tweets and the
// bookkeeping that keeps it small (see index_impl.h). Callers hold mem_mu.
#include <malloc.h>

#include <algorithm>

#include "index_impl.h"
#include "schema.h"

namespace chirp::search {

// Dropping an old memory index frees its many small blocks, scattered over
// the malloc arenas of the threads that built it; glibc keeps those pages
// resident (it only gives back the top of a heap), so RssAnon crept up with
// each rebuild (measured in the soak, docs/reliability.md). malloc_trim hands
// the free pages back; it runs once per rebuild or emptying of the memory
// index, every few seconds at the soak's write rate, outside mem_mu.
void drop_retired(std::vector<Xapian::WritableDatabase> dbs) {
  if (dbs.empty()) return;
  dbs.clear();
  malloc_trim(0);
}

void MemoryState::upsert(uint64_t tweet_id, PendingDoc p, const Xapian::Document& doc) {
  const std::string term = schema::id_term(tweet_id);
  // replace_document reuses the slot of a document with the term: a pending
  // copy (re-upsert) or a stale one (a committed tweet indexed again).
  if (!db.term_exists(term)) {
    ++mem_added;
  } else if (!upserts.contains(tweet_id) && stale > 0) {
    --stale;
  }
  db.replace_document(term, doc);
  upserts[tweet_id] = std::move(p);
}

void MemoryState::delete_tweet(uint64_t tweet_id, uint64_t seq) {
  const std::string term = schema::id_term(tweet_id);
  if (db.term_exists(term)) {
    if (!upserts.contains(tweet_id) && stale > 0) --stale;  // its stale copy goes
    db.delete_document(term);
  }
  upserts.erase(tweet_id);
  deleted_tweets[tweet_id] = seq;
}

void MemoryState::delete_user(uint64_t user_id, uint64_t seq) {
  const std::string term = schema::author_term(user_id);
  for (auto it = db.postlist_begin(term); it != db.postlist_end(term); ++it) {
    uint64_t id = schema::from_be64(db.get_document(*it).get_value(schema::kSlotTweetId));
    if (!upserts.contains(id) && stale > 0) --stale;
  }
  db.delete_document(term);
  std::erase_if(upserts, [&](const auto& kv) { return kv.second.tweet.author_id == user_id; });
  deleted_users[user_id] = seq;
}

bool MemoryState::evict_committed(const std::vector<WorkItem>& written, size_t max_stale) {
  for (const WorkItem& item : written) {
    const IndexOp& op = item.op;
    if (op.kind == IndexOp::kUpsertTweet) {
      auto it = upserts.find(op.id);
      if (it != upserts.end() && it->second.seq == op.seq) {
        upserts.erase(it);
        ++stale;
      }
    } else {
      auto& filter = op.kind == IndexOp::kDeleteTweet ? deleted_tweets : deleted_users;
      auto it = filter.find(op.id);
      if (it != filter.end() && it->second == op.seq) filter.erase(it);
    }
  }
  if (upserts.empty() && mem_added > 0) empty_db();
  // Each garbage slot holds ~2.5 KB (measured: the soak's RssAnon swung by
  // ~10 MB between rebuilds at 4096, ~2.5 MB at 1024), and a rebuild costs
  // O(pending), which is small just after a commit, so rebuild early however
  // high max_stale is (kMaxGarbageSlots): malloc keeps the high-water, and
  // a big index freed at once leaves the heap spread out.
  const size_t limit = std::min(max_stale, kMaxGarbageSlots);
  return garbage() > limit && garbage() > upserts.size();
}

Xapian::WritableDatabase build_memory_db(const std::vector<std::pair<uint64_t, PendingDoc>>& pending) {
  Xapian::WritableDatabase fresh(std::string(), Xapian::DB_BACKEND_INMEMORY);
  Xapian::TermGenerator tg = schema::make_term_generator();
  for (const auto& [id, p] : pending)
    fresh.replace_document(schema::id_term(id), schema::build_document(p.tweet, p.docid, tg));
  return fresh;
}

void MemoryState::install_rebuilt(Xapian::WritableDatabase fresh,
                                  const std::vector<std::pair<uint64_t, PendingDoc>>& pending) {
  for (const auto& [id, p] : pending) {
    auto it = upserts.find(id);
    if (it == upserts.end() || it->second.seq != p.seq) fresh.delete_document(schema::id_term(id));
  }
  retired.push_back(std::move(db));
  db = std::move(fresh);
  mem_added = static_cast<Xapian::docid>(pending.size());
  stale = 0;
}

void MemoryState::empty_db() {
  retired.push_back(std::move(db));
  db = Xapian::WritableDatabase(std::string(), Xapian::DB_BACKEND_INMEMORY);
  mem_added = 0;
  stale = 0;
}

void MemoryState::clear() {
  empty_db();
  upserts.clear();
  deleted_tweets.clear();
  deleted_users.clear();
}

}  // namespace chirp::search
