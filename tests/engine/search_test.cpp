// The engine with its search index: what is posted is findable at once, what
// is deleted disappears, and the index is rebuilt from the change log.
#include <filesystem>
#include <fstream>

#include "engine_fixture.h"

using namespace chirp;
using chirp::testing::EngineFixture;

namespace {
std::vector<uint64_t> found(engine::Engine& e, const std::string& q,
                            search::SortOrder sort = search::SortOrder::kRecent) {
  search::SearchRequest req;
  req.q = q;
  req.sort = sort;
  req.limit = 100;
  auto r = e.search(req);
  REQUIRE(r.ok());
  std::vector<uint64_t> ids;
  for (const auto& h : r->hits) ids.push_back(h.tweet.id);
  return ids;
}
}  // namespace

TEST_CASE("a posted tweet is searchable as soon as the change is fed", "[search]") {
  EngineFixture f;
  uint64_t alice = f.user("alice");
  uint64_t t = f.post(alice, "the quick brown fox jumps over #lazy dogs");
  REQUIRE(f->wait_until_searchable(f->last_change_seq(), std::chrono::seconds(10)).ok());
  CHECK(found(*f, "fox") == std::vector<uint64_t>{t});
  CHECK(found(*f, "#lazy") == std::vector<uint64_t>{t});
  CHECK(found(*f, "from:alice") == std::vector<uint64_t>{t});
  CHECK(found(*f, "cat").empty());
  search::SearchRequest req;
  req.q = "fox";
  auto r = f->search(req);
  REQUIRE(r.ok());
  REQUIRE(r->hits.size() == 1);
  CHECK(r->hits[0].tweet.username == "alice");
  CHECK_FALSE(r->hits[0].highlights.empty());
}

TEST_CASE("deleted tweets and deleted accounts vanish from search", "[search]") {
  EngineFixture f;
  uint64_t alice = f.user("alice");
  uint64_t bob = f.user("bob");
  uint64_t a1 = f.post(alice, "alpine meadow flowers");
  uint64_t a2 = f.post(alice, "alpine lakes");
  uint64_t b1 = f.post(bob, "alpine huts");
  REQUIRE(f->wait_until_searchable(f->last_change_seq(), std::chrono::seconds(10)).ok());
  CHECK(found(*f, "alpine").size() == 3);
  REQUIRE(f->delete_tweet(alice, a1).ok());
  REQUIRE(f->wait_until_searchable(f->last_change_seq(), std::chrono::seconds(10)).ok());
  CHECK(found(*f, "alpine") == std::vector<uint64_t>{b1, a2});
  REQUIRE(f->delete_account(alice, "password123").ok());
  REQUIRE(f->wait_until_searchable(f->last_change_seq(), std::chrono::seconds(10)).ok());
  CHECK(found(*f, "alpine") == std::vector<uint64_t>{b1});
}

TEST_CASE("malformed queries are InvalidArgument", "[search]") {
  EngineFixture f;
  search::SearchRequest req;
  for (const char* q : {"(unbalanced", "\"open quote", "nope:operator", "since:2026-13-45"}) {
    req.q = q;
    CHECK(f->search(req).status().code() == Code::kInvalidArgument);
  }
}

TEST_CASE("the index is rebuilt from the log when lost, and by reindex", "[search]") {
  chirp::testing::TempDir dir;
  auto options = engine::EngineOptions::for_tests(dir.path());
  std::vector<uint64_t> ids;
  {
    EngineFixture f(options);
    uint64_t alice = f.user("alice");
    for (int i = 0; i < 30; ++i) ids.push_back(f.post(alice, "granite boulder " + std::to_string(i)));
    REQUIRE(f->delete_tweet(alice, ids.back()).ok());
    ids.pop_back();
    REQUIRE(f->wait_until_searchable(f->last_change_seq(), std::chrono::seconds(10)).ok());
  }
  std::filesystem::remove_all(dir.sub("search"));  // the index is gone
  {
    EngineFixture f(options);
    REQUIRE(f->wait_until_searchable(f->last_change_seq(), std::chrono::seconds(30)).ok());
    CHECK(found(*f, "granite").size() == ids.size());
    uint64_t calls = 0;
    REQUIRE(f->reindex([&](uint64_t, uint64_t) { ++calls; }).ok());
    CHECK(calls > 0);
    CHECK(found(*f, "granite").size() == ids.size());
    CHECK(f->index_docs() == ids.size());
  }
  // A corrupt index file: replaced, rebuilt, nothing lost.
  for (auto& entry : std::filesystem::directory_iterator(dir.sub("search")))
    if (entry.path().extension() == ".glass") {
      std::ofstream(entry.path(), std::ios::binary | std::ios::trunc) << "garbage";
    }
  EngineFixture f(options);
  REQUIRE(f->wait_until_searchable(f->last_change_seq(), std::chrono::seconds(30)).ok());
  CHECK(found(*f, "granite").size() == ids.size());
}

TEST_CASE("the index resumes after a restart without replaying everything", "[search]") {
  chirp::testing::TempDir dir;
  auto options = engine::EngineOptions::for_tests(dir.path());
  {
    EngineFixture f(options);
    uint64_t alice = f.user("alice");
    f.post(alice, "first basalt");
    REQUIRE(f->wait_until_searchable(f->last_change_seq(), std::chrono::seconds(10)).ok());
    REQUIRE(f->flush_search().ok());
  }
  EngineFixture f(options);
  uint64_t alice = f->find_user("alice")->id;
  f.post(alice, "second basalt");
  REQUIRE(f->wait_until_searchable(f->last_change_seq(), std::chrono::seconds(10)).ok());
  CHECK(found(*f, "basalt").size() == 2);
}
