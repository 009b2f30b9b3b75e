// Freshness, resume after restart and after a crash, corruption, reset, and
// concurrent searches while indexing.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "index_fixture.h"

using namespace chirp::search;
using namespace chirp::search::testing;
using namespace std::chrono_literals;

namespace {

int64_t t0() { return *parse_day("2026-11-01"); }

std::vector<IndexOp> upserts(uint64_t first_seq, int n, const std::string& word) {
  std::vector<IndexOp> ops;
  for (int i = 0; i < n; ++i)
    ops.push_back(IndexOp::Upsert(first_seq + i, tweet(t0() + (first_seq + i) * 1000, 1, 1, "bulk", word + " " + std::to_string(i))));
  return ops;
}

size_t count_all(IndexFixture& fx, const std::string& q) {
  std::set<uint64_t> ids;
  std::string cursor;
  do {
    auto p = fx.page(q, SortOrder::kRecent, 100, cursor);
    for (auto& h : p.hits) REQUIRE(ids.insert(h.tweet.id).second);
    cursor = p.next_cursor.value_or("");
  } while (!cursor.empty());
  return ids.size();
}

void scribble(const std::string& path) {
  // Garbage over the whole file: glass writes copy-on-write, so a partial
  // scribble may hit only blocks no live revision uses.
  auto size = std::filesystem::file_size(path);
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  REQUIRE(f.good());
  std::string garbage(size, '\x5a');
  f.seekp(0);
  f.write(garbage.data(), garbage.size());
}

}  // namespace

TEST_CASE("freshness: searchable as soon as apply returns, long before a commit", "[search][lifecycle]") {
  IndexFixture fx(SearchIndexOptions{});  // default: commit every second
  std::vector<double> latencies_ms;
  for (int i = 0; i < 50; ++i) {
    auto start = std::chrono::steady_clock::now();
    fx.add(tweet(t0() + i, 1, 1, "alice", "fresh" + std::to_string(i) + " news"));
    REQUIRE(fx.index->wait_until_applied(fx.seq, 100ms).ok());
    REQUIRE(fx.ids("fresh" + std::to_string(i)).size() == 1);
    latencies_ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(latencies_ms.begin(), latencies_ms.end());
  INFO("p99 apply-to-found ms: " << latencies_ms[48]);
  CHECK(latencies_ms[48] < 100.0);
  CHECK(fx.index->wait_until_applied(fx.seq + 1, 10ms).code() == chirp::Code::kUnavailable);
}

TEST_CASE("resume: last applied seq survives a restart and replay is idempotent", "[search][lifecycle]") {
  IndexFixture fx;
  REQUIRE(fx.index->needs_rebuild());  // a brand new index
  REQUIRE(fx.index->apply(upserts(1, 10, "omega")).ok());
  fx.open();  // destruction commits what was applied
  CHECK_FALSE(fx.index->needs_rebuild());
  CHECK(fx.index->last_applied_seq() == 10);
  CHECK(fx.index->doc_count() == 10);
  // The engine replays from an older position: already applied ops are skipped.
  REQUIRE(fx.index->apply(upserts(5, 8, "omega")).ok());
  REQUIRE(fx.index->flush().ok());
  CHECK(fx.index->last_applied_seq() == 12);
  CHECK(fx.index->doc_count() == 12);
  CHECK(count_all(fx, "omega") == 12);
}

TEST_CASE("resume: a reopened index finds what it holds before any new change", "[search][lifecycle]") {
  IndexFixture fx;
  REQUIRE(fx.index->apply(upserts(1, 10, "omega")).ok());
  fx.open();  // a restart: nothing is applied after it
  CHECK(count_all(fx, "omega") == 10);
  CHECK(fx.page("omega", SortOrder::kRelevance).hits.size() == 10);
}

TEST_CASE("resume: a crash mid-batch loses nothing and applies nothing twice", "[search][lifecycle][crash]") {
  TempDir tmp;
  int ready[2];
  REQUIRE(pipe(ready) == 0);
  pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    auto idx = SearchIndex::Open(tmp.sub("search"), slow_commits());
    if (!idx.ok()) _exit(2);
    if (!(*idx)->apply(upserts(1, 50, "kappa")).ok() || !(*idx)->flush().ok()) _exit(3);
    if (!(*idx)->apply(upserts(51, 50, "kappa")).ok()) _exit(4);  // applied, not committed
    char c = 1;
    if (write(ready[1], &c, 1) != 1) _exit(5);
    pause();
    _exit(0);
  }
  char c = 0;
  REQUIRE(read(ready[0], &c, 1) == 1);
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  REQUIRE(WIFSIGNALED(status));
  close(ready[0]);
  close(ready[1]);

  auto r = SearchIndex::Open(tmp.sub("search"), slow_commits());
  REQUIRE(r.ok());
  auto& idx = *r;
  CHECK_FALSE(idx->needs_rebuild());
  REQUIRE(idx->last_applied_seq() == 50);
  REQUIRE(idx->doc_count() == 50);
  REQUIRE(idx->apply(upserts(idx->last_applied_seq() + 1, 50, "kappa")).ok());
  REQUIRE(idx->flush().ok());
  CHECK(idx->doc_count() == 100);
  SearchRequest req;
  req.q = "kappa";
  req.limit = 100;
  auto p = idx->search(req);
  REQUIRE(p.ok());
  std::set<uint64_t> ids;
  for (auto& h : p->hits) ids.insert(h.tweet.id);
  CHECK(ids.size() == 100);
}

TEST_CASE("corruption: a damaged index opens empty and asks for a rebuild", "[search][lifecycle]") {
  std::string file = GENERATE(std::string("iamglass"), std::string("postlist.glass"), std::string("termlist.glass"));
  IndexFixture fx;
  REQUIRE(fx.index->apply(upserts(1, 20, "sigma")).ok());
  REQUIRE(fx.index->flush().ok());
  fx.index.reset();
  INFO("damaged file: " << file);
  scribble(fx.tmp.sub("search/" + file));
  fx.seq = 0;
  fx.open();
  CHECK(fx.index->needs_rebuild());
  CHECK(fx.index->last_applied_seq() == 0);
  CHECK(fx.index->doc_count() == 0);
  CHECK(fx.ids("sigma").empty());
  REQUIRE(fx.index->apply(upserts(1, 20, "sigma")).ok());  // the rebuild
  REQUIRE(fx.index->flush().ok());
  CHECK(count_all(fx, "sigma") == 20);
}

TEST_CASE("reset: drops everything for a full rebuild", "[search][lifecycle]") {
  IndexFixture fx;
  REQUIRE(fx.index->apply(upserts(1, 10, "tau")).ok());
  REQUIRE(fx.index->flush().ok());
  REQUIRE(fx.index->apply(upserts(11, 5, "tau")).ok());  // some still in memory
  REQUIRE(fx.index->reset().ok());
  CHECK(fx.index->last_applied_seq() == 0);
  CHECK(fx.index->searchable_seq() == 0);
  CHECK(fx.index->doc_count() == 0);
  CHECK(fx.ids("tau").empty());
  REQUIRE(fx.index->apply(upserts(1, 7, "tau")).ok());
  CHECK(count_all(fx, "tau") == 7);
  REQUIRE(fx.index->flush().ok());
  CHECK(fx.index->doc_count() == 7);
  CHECK(count_all(fx, "tau") == 7);
}

TEST_CASE("concurrency: searches from several threads while indexing", "[search][lifecycle][concurrency]") {
  SearchIndexOptions o;
  o.commit_docs = 400;  // many commits: reopen and DatabaseModifiedError paths
  o.commit_interval = 50ms;
  o.max_stale = 100;    // and memory-index rebuilds
  IndexFixture fx(o);
  constexpr int kTweets = 3000;
  std::atomic<bool> done{false};
  std::atomic<int> searches{0}, failures{0}, misordered{0};
  std::mutex failure_mu;
  std::string last_failure;
  std::vector<std::thread> readers;
  const char* queries[] = {"rho", "rho -from:u1", "word7 OR word3", "\"rho word1\"", "wor*", "from:u2 is:reply"};
  for (int r = 0; r < 3; ++r)
    readers.emplace_back([&, r] {
      int i = r;
      while (!done) {
        SearchRequest req;
        req.q = queries[i++ % 6];
        req.sort = i % 2 ? SortOrder::kRecent : SortOrder::kRelevance;
        req.limit = 20;
        auto p = fx.index->search(req);
        if (!p.ok()) {
          std::lock_guard lk(failure_mu);
          last_failure = p.status().message();
          ++failures;
          continue;
        }
        if (req.sort == SortOrder::kRecent)
          for (size_t k = 1; k < p->hits.size(); ++k)
            if (p->hits[k - 1].tweet.id <= p->hits[k].tweet.id) ++misordered;
        ++searches;
      }
    });
  auto start = std::chrono::steady_clock::now();
  for (int b = 0; b < kTweets / 50; ++b) {
    std::vector<IndexOp> ops;
    for (int i = 0; i < 50; ++i) {
      int n = b * 50 + i;
      ops.push_back(IndexOp::Upsert(++fx.seq, tweet(t0() + n * 10, 1, 1 + n % 3, "u" + std::to_string(n % 3),
                                                    "rho word" + std::to_string(n % 10), n % 4 == 0 ? 1 : 0, "u0")));
    }
    REQUIRE(fx.index->apply(std::move(ops)).ok());
  }
  REQUIRE(fx.index->flush().ok());
  done = true;
  for (auto& t : readers) t.join();
  auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  INFO("searches: " << searches << " in " << secs << " s; last failure: " << last_failure);
  CHECK(failures == 0);
  CHECK(misordered == 0);
  CHECK(searches > 0);
  CHECK(secs < 60);
  CHECK(fx.index->doc_count() == kTweets);
  CHECK(count_all(fx, "rho") == kTweets);
}

TEST_CASE("ingest: docid lookups survive commits overtaking them", "[search][lifecycle]") {
  SearchIndexOptions o;
  o.commit_docs = 1;  // a commit per op: the ingest path's lookup handle keeps falling behind
  o.commit_interval = 1ms;
  o.spelling = false;
  IndexFixture fx(o);
  for (int round = 0; round < 6; ++round) {
    uint64_t first = fx.seq + 1;
    chirp::Status st = fx.index->apply(upserts(first, 400, "lambda"));
    INFO(st.message());
    REQUIRE(st.ok());
    fx.seq += 400;
    // Re-indexing the same, now mostly committed, tweets needs the lookup (they keep their docids).
    auto again = upserts(first, 400, "lambda");
    for (auto& op : again) op.seq = ++fx.seq;
    st = fx.index->apply(std::move(again));
    INFO(st.message());
    REQUIRE(st.ok());
  }
  REQUIRE(fx.index->flush().ok());
  CHECK(fx.index->doc_count() == 2400);
  CHECK(count_all(fx, "lambda") == 2400);
}
