// Turning stored records into the engine's public values.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "chirp/engine/types.h"
#include "chirp/storage/tables.h"

namespace chirp::engine {

User to_user(const storage::UserRecord& r);
std::vector<storage::EntityRecord> to_entity_records(const text::Entities& e);
text::Entities to_entities(const std::vector<storage::EntityRecord>& records);

text::Entities to_entities(std::vector<storage::EntityRecord>&& records);

// Builds Tweet values inside one read (or write) transaction, looking up each
// author once per hydrator. A page has few distinct authors (often one), so
// they sit in a small vector searched linearly; only the two fields a Tweet
// shows are kept, and user records are decoded into one scratch record whose
// string buffers are reused.
//
// Lookups go through one LMDB cursor per table instead of mdb_get: a cursor
// that is already on the leaf page holding the next key skips the descent
// from the root (LMDB's mdb_cursor_set checks the current page first), and a
// page's tweets are usually neighbours (a home timeline is the newest tweets
// of everyone followed). A hydrator must not outlive its transaction.
class TweetHydrator {
 public:
  TweetHydrator(const storage::Store& store, MDB_txn* txn) : store_(store), txn_(txn) {}
  Tweet hydrate(const storage::TweetRecord& r);
  Tweet hydrate(storage::TweetRecord&& r);  // moves the text and entities out of r
  // Loads and hydrates; NotFound if the tweet is gone. A failed read of the
  // tweet or of an author it shows (not an absent author: a replica may not
  // have it yet) is returned as the error.
  Result<Tweet> load(uint64_t tweet_id);
  // The first failed author read of hydrate() (Ok if none).
  const Status& status() const { return error_; }

 private:
  struct Author {
    uint64_t id;
    bool found;
    std::string username;
    std::string display_name;
  };
  const Author& author(uint64_t user_id);
  void fill(Tweet& t, const storage::TweetRecord& r);
  // The value under `id` in `table` through `cursor` (opened on first use).
  Status lookup(std::optional<storage::Cursor>& cursor, const storage::Table& table, uint64_t id,
                std::string_view* value);
  const storage::Store& store_;
  MDB_txn* txn_;
  std::optional<storage::Cursor> tweet_cursor_;
  std::optional<storage::Cursor> user_cursor_;
  std::vector<Author> authors_;
  storage::UserRecord scratch_;
  Status error_;
};

// Hydrates tweet ids into a page; ids beyond `limit` mean there is a next page.
// A tweet gone meanwhile is skipped; a read error fails the page.
Result<Page<Tweet>> tweet_page(const storage::Store& store, MDB_txn* txn, const std::vector<uint64_t>& ids,
                               size_t limit);

}  // namespace chirp::engine
