// The records chirp stores, one struct per value kind, each serialised with
// cereal and versioned (CEREAL_CLASS_VERSION). Field meanings and key spaces
// are documented in docs/storage_format.md; change both together.
//
// Adding a field: append it, bump the version, and read it only when
// `version >= N` in serialize(), so old records still decode.
#pragma once

#include <cereal/cereal.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace chirp::storage {

struct UserRecord {
  uint64_t id = 0;
  std::string username;          // as registered (case kept); lookups go through usernames
  std::string display_name;
  std::string bio;
  std::string password_hash;     // libsodium crypto_pwhash_str (argon2id); "" = cannot log in
  int64_t created_at_ms = 0;
  uint64_t tweet_count = 0;
  uint64_t follower_count = 0;
  uint64_t following_count = 0;

  template <class Ar>
  void serialize(Ar& ar, std::uint32_t /*version*/) {
    ar(id, username, display_name, bio, password_hash, created_at_ms, tweet_count,
       follower_count, following_count);
  }
};

struct SessionRecord {
  uint64_t user_id = 0;
  int64_t created_at_ms = 0;
  int64_t expires_at_ms = 0;

  template <class Ar>
  void serialize(Ar& ar, std::uint32_t /*version*/) {
    ar(user_id, created_at_ms, expires_at_ms);
  }
};

// One entity of a tweet's text (twitter-text), code-point indices.
struct EntityRecord {
  enum Kind : uint8_t { kHashtag = 0, kMention = 1, kUrl = 2, kCashtag = 3 };
  uint8_t kind = kHashtag;
  int32_t start = 0;
  int32_t end = 0;
  std::string value;

  template <class Ar>
  void serialize(Ar& ar) {
    ar(kind, start, end, value);
  }
};

struct TweetRecord {
  uint64_t id = 0;
  uint64_t author_id = 0;
  std::string text;
  int64_t created_at_ms = 0;
  uint64_t in_reply_to_id = 0;         // 0: not a reply
  uint64_t in_reply_to_user_id = 0;
  std::vector<EntityRecord> entities;  // extracted once, at post time
  uint64_t like_count = 0;
  uint64_t reply_count = 0;

  template <class Ar>
  void serialize(Ar& ar, std::uint32_t /*version*/) {
    ar(id, author_id, text, created_at_ms, in_reply_to_id, in_reply_to_user_id, entities,
       like_count, reply_count);
  }
};

struct FollowRecord {
  int64_t since_ms = 0;
  template <class Ar>
  void serialize(Ar& ar, std::uint32_t /*version*/) {
    ar(since_ms);
  }
};

// One entry of the change log: what happened, in commit order. Consumers (the
// search indexer; in split mode other services) derive their state from it.
// It carries what a consumer needs without reading the producer's tables: the
// tweet itself for a post, the public user fields for user changes. Never a
// password hash.
struct ChangeRecord {
  enum Kind : uint8_t {
    kUserCreated = 1,
    kUserUpdated = 2,
    kUserDeleted = 3,
    kTweetPosted = 4,
    kTweetDeleted = 5,
    kFollowed = 6,
    kUnfollowed = 7,
    kLiked = 8,
    kUnliked = 9,
  };
  uint64_t seq = 0;
  uint8_t kind = 0;
  int64_t at_ms = 0;
  uint64_t user_id = 0;      // the acting user (author, follower, liker, the user itself)
  uint64_t target_id = 0;    // tweet id (post/delete/like) or followee id
  uint64_t target_user_id = 0;  // author of the liked tweet / followee
  std::string username;      // the acting user's username and display name
  std::string display_name;
  std::string bio;
  TweetRecord tweet;         // kTweetPosted: the tweet as stored
  std::string in_reply_to_username;  // kTweetPosted replies: the parent's author

  template <class Ar>
  void serialize(Ar& ar, std::uint32_t /*version*/) {
    ar(seq, kind, at_ms, user_id, target_id, target_user_id, username, display_name, bio, tweet,
       in_reply_to_username);
  }
};

// Idempotency-Key of a post: the tweet a retried request must get back.
struct IdempotencyRecord {
  uint64_t tweet_id = 0;
  int64_t created_at_ms = 0;
  template <class Ar>
  void serialize(Ar& ar, std::uint32_t /*version*/) {
    ar(tweet_id, created_at_ms);
  }
};

}  // namespace chirp::storage

CEREAL_CLASS_VERSION(chirp::storage::UserRecord, 1);
CEREAL_CLASS_VERSION(chirp::storage::SessionRecord, 1);
CEREAL_CLASS_VERSION(chirp::storage::TweetRecord, 1);
CEREAL_CLASS_VERSION(chirp::storage::FollowRecord, 1);
CEREAL_CLASS_VERSION(chirp::storage::ChangeRecord, 1);
CEREAL_CLASS_VERSION(chirp::storage::IdempotencyRecord, 1);
