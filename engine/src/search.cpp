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
    if (!t.ok()) continue;  // deleted since it was indexed
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
  CHIRP_RETURN_IF_ERROR(index_->reset());
  feeder_->start(0);
  const uint64_t target = last_change_seq();
  while (true) {
    Status s = feeder_->wait_fed(target, std::chrono::milliseconds(250));
    if (progress) progress(feeder_->fed_seq(), target);
    if (s.ok()) break;
    CHIRP_RETURN_IF_ERROR(feeder_->health());
  }
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
