// Engine: the search index over the change log (all-in-one mode).
#include <spdlog/spdlog.h>

#include "chirp/engine/engine.h"
#include "chirp/search/search_index.h"
#include "chirp/storage/tables.h"
#include "search_feeder.h"
#include "views.h"

namespace chirp::engine {

namespace {
Status no_search() { return Status::Unavailable("search is not enabled on this server"); }

constexpr size_t kBulkRead = 5000;  // changes read from the log per step

// Feeds every change after the index's position through one bulk load. While
// `writing()` says more changes are coming (an import on another thread), it
// waits for them instead of finishing.
Status bulk_feed(const Engine& eng, search::SearchIndex& index,
                 const std::function<void(uint64_t, uint64_t)>& progress, const std::function<bool()>& writing) {
  auto bulk = index.begin_bulk();
  if (!bulk.ok()) return bulk.status();
  uint64_t after = index.searchable_seq();
  while (true) {
    // Asked before reading the last seq: once no writer is left, that seq is final.
    const bool more_coming = writing && writing();
    const uint64_t target = eng.last_change_seq();
    while (after < target) {
      auto changes = eng.changes_after(after, kBulkRead);
      if (!changes.ok()) return changes.status();
      if (changes->empty()) break;
      std::vector<search::IndexOp> ops;
      ops.reserve(changes->size());
      for (const auto& c : *changes)
        if (auto op = index_op_for(c)) ops.push_back(std::move(*op));
      after = changes->back().seq;
      CHIRP_RETURN_IF_ERROR((*bulk)->add(std::move(ops), after));
      if (progress) progress(after, target);
    }
    if (!more_coming) break;
    (void)eng.wait_for_change(after, std::chrono::milliseconds(100));
  }
  return (*bulk)->finish();
}
}  // namespace

Status Engine::start_search() {
  search::SearchIndexOptions opt;
  opt.commit_interval = std::chrono::milliseconds(options_.search_commit_interval_ms);
  auto index = search::SearchIndex::Open(options_.data_dir + "/search", opt);
  if (!index.ok()) return index.status();
  index_ = std::move(index).value();
  ChangeSource local{
      [this](uint64_t after, size_t limit) { return changes_after(after, limit); },
      [this](uint64_t after, std::chrono::milliseconds timeout) {
        (void)wait_for_change(after, timeout);
      }};
  feeder_ = std::make_unique<SearchFeeder>(*index_, std::move(local));
  // A lost or corrupt index is rebuilt by replaying the whole log: LMDB is the truth.
  uint64_t from = index_->needs_rebuild() ? 0 : index_->last_applied_seq();
  if (index_->needs_rebuild() && last_change_seq() > 0) spdlog::warn("search index missing or unusable: rebuilding from the change log");
  if (from > last_change_seq()) {
    // The index is ahead of the log (a restored backup): start over.
    spdlog::warn("search index is ahead of the change log: rebuilding");
    CHIRP_RETURN_IF_ERROR(index_->reset());
    from = 0;
  }
  feeder_->start(from);
  return Status::Ok();
}

Result<SearchResults> Engine::search(const search::SearchRequest& request) const {
  if (!index_) return no_search();
  auto page = index_->search(request);
  if (!page.ok()) return page.status();
  SearchResults out;
  out.next_cursor = std::move(page->next_cursor);
  out.estimated_total = page->estimated_total;
  out.suggestion = std::move(page->suggestion);
  storage::ReadTxn txn(*store_->env);
  CHIRP_RETURN_IF_ERROR(txn.status());
  TweetHydrator hydrator(*store_, txn.raw());
  for (search::SearchHit& hit : page->hits) {
    auto t = hydrator.load(hit.tweet.id);
    if (t.status().code() == Code::kNotFound) continue;  // deleted since it was indexed
    if (!t.ok()) return t.status();                       // a read error is not an empty result
    // Split mode: the search service's copy of the users log can lag its copy
    // of the tweets log (right after a cold start); a hit without its author
    // would show no name, so it waits until the author arrives.
    if (t->username.empty()) continue;
    out.hits.push_back({std::move(t).value(), std::move(hit.highlights), hit.score});
  }
  return out;
}

Result<std::vector<search::DayCount>> Engine::search_counts(std::string_view q, std::string_view since,
                                                            std::string_view until) const {
  if (!index_) return no_search();
  return index_->counts(q, since, until);
}

Status Engine::wait_until_searchable(uint64_t seq, std::chrono::milliseconds timeout) const {
  if (!feeder_) return no_search();
  return feeder_->wait_fed(seq, timeout);
}

Status Engine::reindex(const std::function<void(uint64_t, uint64_t)>& progress) {
  if (!index_) return no_search();
  feeder_->stop();
  Status s = index_->reset();
  if (s.ok()) s = bulk_feed(*this, *index_, progress, {});
  feeder_->start(index_->searchable_seq());  // from wherever the index is, even after a failure
  CHIRP_RETURN_IF_ERROR(s);
  return index_->flush();
}

void Engine::pause_search() {
  if (feeder_) feeder_->stop();
}

Status Engine::catch_up_search(const std::function<void(uint64_t, uint64_t)>& progress,
                               const std::function<bool()>& writing) {
  if (!index_) return no_search();
  feeder_->stop();
  Status s = bulk_feed(*this, *index_, progress, writing);
  feeder_->start(index_->searchable_seq());
  CHIRP_RETURN_IF_ERROR(s);
  return index_->flush();
}

bool Engine::search_ready(uint64_t max_lag) const {
  if (!index_) return true;  // nothing to wait for
  const uint64_t last = last_change_seq(), fed = feeder_->fed_seq();
  return feeder_->health().ok() && (fed >= last || last - fed <= max_lag);
}

uint64_t Engine::searchable_seq() const { return feeder_ ? feeder_->fed_seq() : 0; }

Status Engine::search_health() const { return feeder_ ? feeder_->health() : no_search(); }

uint64_t Engine::index_docs() const { return index_ ? index_->doc_count() : 0; }

Status Engine::flush_search() { return index_ ? index_->flush() : Status::Ok(); }

}  // namespace chirp::engine
