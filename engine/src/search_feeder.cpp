#include "search_feeder.h"

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
    : index_(index),
      follower_("search feeder", std::move(source), kBatch, [this](const std::vector<storage::ChangeRecord>& changes) {
        std::vector<search::IndexOp> ops;
        ops.reserve(changes.size());
        for (const auto& c : changes)
          if (auto op = index_op_for(c)) ops.push_back(std::move(*op));
        return ops.empty() ? Status::Ok() : index_.apply(std::move(ops));
      }) {}

SearchFeeder::~SearchFeeder() { stop(); }

void SearchFeeder::start(uint64_t after) { follower_.start(after); }
void SearchFeeder::stop() { follower_.stop(); }

Status SearchFeeder::wait_fed(uint64_t seq, std::chrono::milliseconds timeout) const {
  if (follower_.wait_position(seq, timeout)) return Status::Ok();
  return Status::Unavailable("search index is behind");
}

}  // namespace chirp::engine
