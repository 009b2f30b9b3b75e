#include "search_feeder.h"

#include <spdlog/spdlog.h>

#include "views.h"

namespace chirp::engine {

namespace {
constexpr size_t kBatch = 5000;
}

std::optional<search::IndexOp> index_op_for(const storage::ChangeRecord& c) {
  using storage::ChangeRecord;
  switch (c.kind) {
    case ChangeRecord::kTweetPosted: {
      search::TweetDocument d;
      d.id = c.tweet.id;
      d.author_id = c.tweet.author_id;
      d.username = c.username;
      d.display_name = c.display_name;
      d.text = c.tweet.text;
      d.created_at_ms = c.tweet.created_at_ms;
      d.in_reply_to_id = c.tweet.in_reply_to_id;
      d.in_reply_to_username = c.in_reply_to_username;
      d.entities = to_entities(c.tweet.entities);
      return search::IndexOp::Upsert(c.seq, std::move(d));
    }
    case ChangeRecord::kTweetDeleted:
      return search::IndexOp::DeleteTweet(c.seq, c.target_id);
    case ChangeRecord::kUserDeleted:
      return search::IndexOp::DeleteUser(c.seq, c.user_id);
    default:
      return std::nullopt;
  }
}

SearchFeeder::SearchFeeder(search::SearchIndex& index, ChangeSource source)
    : index_(index), source_(std::move(source)) {}

SearchFeeder::~SearchFeeder() { stop(); }

void SearchFeeder::start(uint64_t after) {
  stop_ = false;
  fed_seq_ = after;
  thread_ = std::thread([this, after] { loop(after); });
}

void SearchFeeder::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  fed_cv_.notify_all();
}

Status SearchFeeder::wait_fed(uint64_t seq, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mu_);
  if (fed_cv_.wait_for(lock, timeout, [&] { return fed_seq_.load() >= seq || stop_.load(); }) &&
      fed_seq_.load() >= seq)
    return Status::Ok();
  return Status::Unavailable("search index is behind");
}

Status SearchFeeder::health() const {
  std::lock_guard<std::mutex> lock(mu_);
  return health_;
}

void SearchFeeder::loop(uint64_t after) {
  auto backoff = std::chrono::milliseconds(50);
  while (!stop_) {
    auto changes = source_.read(after, kBatch);
    Status s = changes.ok() ? Status::Ok() : changes.status();
    if (s.ok() && changes->empty()) {
      source_.wait(after, std::chrono::milliseconds(200));
      continue;
    }
    if (s.ok()) {
      std::vector<search::IndexOp> ops;
      ops.reserve(changes->size());
      for (const auto& c : *changes)
        if (auto op = index_op_for(c)) ops.push_back(std::move(*op));
      if (!ops.empty()) s = index_.apply(std::move(ops));
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      health_ = s;
    }
    if (!s.ok()) {
      // Keep the position: the same changes are retried, nothing is skipped.
      spdlog::error("search feeder: {} (retrying)", s.message());
      std::this_thread::sleep_for(backoff);
      backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
      continue;
    }
    backoff = std::chrono::milliseconds(50);
    after = changes->back().seq;
    {
      std::lock_guard<std::mutex> lock(mu_);
      fed_seq_ = after;
    }
    fed_cv_.notify_all();
  }
}

}  // namespace chirp::engine
