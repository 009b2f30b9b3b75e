// The engine's public value types: what callers (api/, chirpctl, benchmarks)
// receive. Plain values, safe to copy and to pass between threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "chirp/text/twitter_text.h"

namespace chirp::engine {

struct UserCounts {
  uint64_t tweets = 0;
  uint64_t followers = 0;
  uint64_t following = 0;
};

struct User {
  uint64_t id = 0;
  std::string username;
  std::string display_name;
  std::string bio;
  int64_t created_at_ms = 0;
  UserCounts counts;
};

struct ReplyRef {
  uint64_t id = 0;
  std::string username;  // author of the tweet replied to ("" if that account is gone)
};

struct Tweet {
  uint64_t id = 0;
  uint64_t author_id = 0;
  std::string username;
  std::string display_name;
  std::string text;
  int64_t created_at_ms = 0;
  std::optional<ReplyRef> in_reply_to;
  text::Entities entities;
  uint64_t like_count = 0;
  uint64_t reply_count = 0;
};

// A logged-in session: the token is shown once, at login; only its hash is stored.
struct Session {
  std::string token;
  int64_t expires_at_ms = 0;
  User user;
};

// Who a valid token belongs to.
struct Principal {
  uint64_t user_id = 0;
  std::string token_hash;  // identifies the session (logout, "other sessions")
};

// One page of a list: `next_cursor` is empty on the last page.
template <typename T>
struct Page {
  std::vector<T> items;
  std::optional<std::string> next_cursor;
};

struct PageRequest {
  int limit = 20;          // 1..100 (callers clamp; the engine clamps too)
  std::string cursor;      // opaque, from a previous Page; "" for the first page
};

// One record of `chirpctl import`.
struct ImportRecord {
  std::string user;
  std::string text;
  int64_t ts_seconds = 0;
};

struct ImportStats {
  uint64_t tweets = 0;
  uint64_t users_created = 0;
  uint64_t rejected = 0;  // records breaking a rule (bad username, empty or over-long text)
};

// Formats milliseconds since the epoch as RFC 3339 UTC with milliseconds.
std::string format_time(int64_t ms);

}  // namespace chirp::engine
