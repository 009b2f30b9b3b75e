// Turning stored records into the engine's public values.
#pragma once

#include <unordered_map>

#include "chirp/engine/types.h"
#include "chirp/storage/tables.h"

namespace chirp::engine {

User to_user(const storage::UserRecord& r);
std::vector<storage::EntityRecord> to_entity_records(const text::Entities& e);
text::Entities to_entities(const std::vector<storage::EntityRecord>& records);

// Builds Tweet values inside one read (or write) transaction, looking up each
// author once per hydrator.
class TweetHydrator {
 public:
  TweetHydrator(const storage::Store& store, MDB_txn* txn) : store_(store), txn_(txn) {}
  Tweet hydrate(const storage::TweetRecord& r);
  // Loads and hydrates; NotFound if the tweet is gone.
  Result<Tweet> load(uint64_t tweet_id);

 private:
  const storage::UserRecord* author(uint64_t user_id);
  const storage::Store& store_;
  MDB_txn* txn_;
  std::unordered_map<uint64_t, storage::UserRecord> users_;
};

// Hydrates tweet ids into a page; ids beyond `limit` mean there is a next page.
Page<Tweet> tweet_page(const storage::Store& store, MDB_txn* txn, const std::vector<uint64_t>& ids,
                       size_t limit);

}  // namespace chirp::engine
