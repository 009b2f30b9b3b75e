#include <catch2/catch.hpp>

#include "chirp/storage/keys.h"
#include "chirp/storage/tables.h"
#include "temp_dir.h"

using namespace chirp;
using namespace chirp::storage;

namespace {
struct Fixture {
  testing::TempDir dir;
  std::unique_ptr<Store> store;
  Fixture() {
    auto s = Store::open({dir.path()});
    REQUIRE(s.ok());
    store = std::move(s).value();
  }
};
}  // namespace

TEST_CASE("PairIndex lists pairs in both directions with bounds", "[tables]") {
  Fixture f;
  const PairIndex& idx = f.store->user_tweets;
  WriteTxn txn(*f.store->env);
  for (uint64_t b : {10, 20, 30, 40}) REQUIRE(idx.add(txn.raw(), 7, b).ok());
  REQUIRE(idx.add(txn.raw(), 6, 99).ok());
  REQUIRE(idx.add(txn.raw(), 8, 1).ok());
  MDB_txn* t = txn.raw();

  CHECK(idx.list_desc(t, 7, 0, 10).value() == std::vector<uint64_t>{40, 30, 20, 10});
  CHECK(idx.list_desc(t, 7, 30, 10).value() == std::vector<uint64_t>{20, 10});
  CHECK(idx.list_desc(t, 7, 0, 2).value() == std::vector<uint64_t>{40, 30});
  CHECK(idx.list_desc(t, 7, 10, 10).value().empty());  // cursor past the end
  CHECK(idx.list_asc(t, 7, 0, 10).value() == std::vector<uint64_t>{10, 20, 30, 40});
  CHECK(idx.list_asc(t, 7, 20, 10).value() == std::vector<uint64_t>{30, 40});
  CHECK(idx.list_asc(t, 7, 40, 10).value().empty());
  CHECK(idx.list_desc(t, 5, 0, 10).value().empty());
  CHECK(idx.list_desc(t, 9, 0, 10).value().empty());  // nothing after the last prefix
  CHECK(idx.contains(t, 7, 20).value());
  CHECK_FALSE(idx.contains(t, 7, 21).value());

  bool existed = false;
  REQUIRE(idx.remove(t, 7, 20, &existed).ok());
  CHECK(existed);
  REQUIRE(idx.remove(t, 7, 20, &existed).ok());
  CHECK_FALSE(existed);

  std::vector<uint64_t> seen;
  REQUIRE(idx.remove_all(t, 7, [&](uint64_t b) {
    seen.push_back(b);
    return Status::Ok();
  }).ok());
  CHECK(seen == std::vector<uint64_t>{10, 30, 40});
  CHECK(idx.list_asc(t, 7, 0, 10).value().empty());
  CHECK(idx.contains(t, 6, 99).value());
  CHECK(idx.contains(t, 8, 1).value());
}

TEST_CASE("RecordTable keeps records by id and lists newest first", "[tables]") {
  Fixture f;
  WriteTxn txn(*f.store->env);
  MDB_txn* t = txn.raw();
  for (uint64_t id : {5, 1, 9, 3}) {
    TweetRecord r;
    r.id = id;
    r.text = "tweet " + std::to_string(id);
    REQUIRE(f.store->tweets.insert_new(t, id, r).ok());
  }
  TweetRecord dup;
  CHECK(f.store->tweets.insert_new(t, 5, dup).code() == Code::kConflict);
  CHECK(f.store->tweets.ids_desc(t, 0, 10).value() == std::vector<uint64_t>{9, 5, 3, 1});
  CHECK(f.store->tweets.ids_desc(t, 5, 10).value() == std::vector<uint64_t>{3, 1});
  CHECK(f.store->tweets.ids_desc(t, 100, 2).value() == std::vector<uint64_t>{9, 5});
  CHECK(f.store->tweets.last_id(t).value() == 9);
  TweetRecord r;
  REQUIRE(f.store->tweets.get(t, 3, &r).ok());
  CHECK(r.text == "tweet 3");
  CHECK(f.store->tweets.get(t, 4, &r).code() == Code::kNotFound);
  std::vector<uint64_t> asc;
  REQUIRE(f.store->tweets.scan_asc(t, 3, [&](uint64_t id, const TweetRecord&) {
    asc.push_back(id);
    return true;
  }).ok());
  CHECK(asc == std::vector<uint64_t>{5, 9});
}

TEST_CASE("UsernameIndex refuses a taken name", "[tables]") {
  Fixture f;
  WriteTxn txn(*f.store->env);
  REQUIRE(f.store->usernames.insert_new(txn.raw(), "alice", 1).ok());
  CHECK(f.store->usernames.insert_new(txn.raw(), "alice", 2).code() == Code::kConflict);
  uint64_t id = 0;
  REQUIRE(f.store->usernames.get(txn.raw(), "alice", &id).ok());
  CHECK(id == 1);
  REQUIRE(f.store->usernames.remove(txn.raw(), "alice").ok());
  CHECK(f.store->usernames.get(txn.raw(), "alice", &id).code() == Code::kNotFound);
}

TEST_CASE("SessionTable revokes all of a user's sessions but one", "[tables]") {
  Fixture f;
  WriteTxn txn(*f.store->env);
  MDB_txn* t = txn.raw();
  const std::string a(32, 'a'), b(32, 'b'), c(32, 'c'), other(32, 'o');
  for (const auto* h : {&a, &b, &c}) REQUIRE(f.store->sessions.put(t, *h, {1, 0, 100}).ok());
  REQUIRE(f.store->sessions.put(t, other, {2, 0, 100}).ok());
  REQUIRE(f.store->sessions.remove_all_of_user(t, 1, b).ok());
  SessionRecord r;
  CHECK(f.store->sessions.get(t, a, &r).code() == Code::kNotFound);
  CHECK(f.store->sessions.get(t, b, &r).ok());
  CHECK(f.store->sessions.get(t, c, &r).code() == Code::kNotFound);
  CHECK(f.store->sessions.get(t, other, &r).ok());
  REQUIRE(f.store->sessions.remove(t, b).ok());
  CHECK(f.store->sessions.count(t) == 1);
}

TEST_CASE("the schema version is recorded and checked", "[tables]") {
  testing::TempDir dir;
  {
    auto s = Store::open({dir.path()});
    REQUIRE(s.ok());
    WriteTxn txn(*(*s)->env);
    REQUIRE((*s)->meta.put_u64(txn.raw(), "schema_version", Store::kSchemaVersion + 1).ok());
    REQUIRE(txn.commit().ok());
  }
  auto again = Store::open({dir.path()});
  CHECK(again.status().code() == Code::kInternal);
  CHECK_THAT(again.status().message(), Catch::Contains("newer"));
}

TEST_CASE("SessionTable::scan_expired + remove_expired remove expired sessions in bounded steps", "[tables]") {
  Fixture f;
  const SessionTable& sessions = f.store->sessions;
  WriteTxn txn(*f.store->env);
  MDB_txn* t = txn.raw();
  // 50 sessions of 5 users; every third one expired at time 1000.
  std::vector<std::string> live, expired;
  for (int i = 0; i < 50; ++i) {
    std::string hash(32, '\0');
    hash[0] = static_cast<char>(i * 5);  // spread over the key space
    hash[31] = static_cast<char>(i);
    const bool gone = i % 3 == 0;
    SessionRecord r{static_cast<uint64_t>(1 + i % 5), 0, gone ? 1000 : 5000};
    REQUIRE(sessions.put(t, hash, r).ok());
    (gone ? expired : live).push_back(hash);
  }
  REQUIRE(sessions.count(t) == 50);
  REQUIRE(sessions.count_by_user(t) == 50);

  // Scanning alone changes nothing.
  auto all = sessions.scan_expired(t, "", 1000, 1000);
  REQUIRE(all.ok());
  CHECK(all->scanned == 50);
  CHECK(all->expired.size() == expired.size());
  CHECK(all->next.empty());
  CHECK(sessions.count(t) == 50);
  // remove_expired looks again: a listed session not expired at its time, or
  // gone already, stays as it is.
  auto early = sessions.remove_expired(t, all->expired, /*now_ms=*/999);
  REQUIRE(early.ok());
  CHECK(*early == 0);
  CHECK(sessions.count(t) == 50);

  std::string from;
  size_t steps = 0, removed = 0, scanned = 0;
  do {
    auto step = sessions.scan_expired(t, from, /*now_ms=*/1000, /*max_scan=*/8);
    REQUIRE(step.ok());
    CHECK(step->scanned <= 8);
    scanned += step->scanned;
    auto n = sessions.remove_expired(t, step->expired, 1000);
    REQUIRE(n.ok());
    CHECK(*n == step->expired.size());
    removed += *n;
    from = step->next;
    ++steps;
    REQUIRE(steps < 100);
  } while (!from.empty());
  CHECK(steps == 7);  // 50 sessions, 8 per step
  CHECK(scanned == 50);
  CHECK(removed == expired.size());
  CHECK(sessions.count(t) == live.size());
  CHECK(sessions.count_by_user(t) == live.size());  // the by-user index agrees
  SessionRecord r;
  for (const std::string& h : expired) CHECK(sessions.get(t, h, &r).code() == Code::kNotFound);
  for (const std::string& h : live) CHECK(sessions.get(t, h, &r).ok());
  // Removed already: listed again, nothing happens.
  auto twice = sessions.remove_expired(t, all->expired, 1000);
  REQUIRE(twice.ok());
  CHECK(*twice == 0);
  // Nothing left to remove at that time; everything later.
  auto again = sessions.scan_expired(t, "", 1000, 1000);
  REQUIRE(again.ok());
  CHECK(again->expired.empty());
  CHECK(again->next.empty());
  auto later = sessions.scan_expired(t, "", 5000, 1000);
  REQUIRE(later.ok());
  CHECK(later->expired.size() == live.size());
  auto gone = sessions.remove_expired(t, later->expired, 5000);
  REQUIRE(gone.ok());
  CHECK(*gone == live.size());
  CHECK(sessions.count(t) == 0);
  CHECK(sessions.count_by_user(t) == 0);
}
