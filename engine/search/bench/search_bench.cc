// The search benchmark: chirp_search beside a plain Xapian loop, SQLite FTS5
// and PostgreSQL full-text, in one run, on one corpus and one fixed query set.
//
// Usage: search_bench CORPUS.jsonl [MAX_RECORDS] [WORK_DIR]
// Env: CHIRP_BENCH_PEERS=0 skips the peers, CHIRP_BENCH_NO_PLAIN=1 the plain
// loop, CHIRP_BENCH_SPELLING=0 turns chirp's spelling data off,
// CHIRP_BENCH_PER_KIND (default 30) sets the queries per kind,
// CHIRP_BENCH_PEER_IDS_ONLY=1 times the peers returning row ids only.
//
// What each timed call returns. chirp: its API page (SearchIndex::search):
// the top 20 tweets (text, author, time), highlighted ranges per hit, an
// estimated total, a did-you-mean suggestion when results are few, a cursor.
// The peers, by default ("equal output"): the top 20 rows in the same order
// with text, username, time and highlighted ranges from the engine's own
// highlighter (FTS5 highlight(), PostgreSQL ts_headline; see peer.h). chirp's
// estimated total and suggestion are extra work the peers do not do in either
// mode. With CHIRP_BENCH_PEER_IDS_ONLY=1 the peers return row ids only (the
// bench before issue 3's equal-output change). The output header says which
// mode ran; in equal-output mode the bench also checks that each peer's rows
// match its ids-only rows, query by query.
//
// Prints, per engine: ingest rate (durable), index size; per query kind
// p50 / p99 for sort=relevance and sort=recent (top 20, one thread, one
// warm-up round then CHIRP_BENCH_ROUNDS measured rounds, 5 unless set: 30
// queries per kind x 5 = 150 samples, so a kind's p99 is its second-slowest
// sample, not, as with the 2 rounds before, its slowest, one scheduler
// hiccup) and peer/chirp ratios; for plain
// AND queries the overlap of the newest 100 matches and the match counts;
// chirp's 2-thread throughput, freshness while ingesting at ~5k/s, and RSS.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <thread>
#include <unordered_map>

#include "bench_corpus.h"
#include "chirp/search/search_index.h"
#include "schema.h"
#ifdef CHIRP_BENCH_PEERS
#include "peer_fts5.h"
#include "peer_pg.h"
#endif

using namespace chirp::search;
using namespace chirp::search::bench;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

bool env_off(const char* name) {
  const char* v = std::getenv(name);
  return v && std::string(v) == "0";
}

uint64_t dir_bytes(const std::string& dir) {
  uint64_t bytes = 0;
  for (auto& f : std::filesystem::recursive_directory_iterator(dir))
    if (f.is_regular_file()) bytes += f.file_size();
  return bytes;
}

// Latencies (ms) of one engine, by sort ("relevance"/"recent") then kind ("all" too).
using Latencies = std::map<std::string, std::map<std::string, std::vector<double>>>;

int measured_rounds() {
  const char* v = std::getenv("CHIRP_BENCH_ROUNDS");
  return v && std::atoi(v) > 0 ? std::atoi(v) : 5;
}

template <typename Run>
void time_queries(const std::vector<BenchQuery>& queries, Latencies& out, Run&& run) {
  for (bool recent : {false, true})
    for (int round = 0; round <= measured_rounds(); ++round)
      for (const auto& q : queries) {
        auto t = Clock::now();
        run(q, recent);
        double ms = ms_since(t);
        if (round == 0) continue;  // warm-up
        out[recent ? "recent" : "relevance"][q.kind].push_back(ms);
        out[recent ? "recent" : "relevance"]["all"].push_back(ms);
      }
}

std::vector<int64_t> chirp_rows(SearchIndex& index, const std::unordered_map<uint64_t, int64_t>& row_of,
                                const BenchQuery& q, bool recent, int limit, uint64_t* total = nullptr) {
  SearchRequest req;
  req.q = q.chirp;
  req.sort = recent ? SortOrder::kRecent : SortOrder::kRelevance;
  req.limit = limit;
  auto r = index.search(req);
  if (!r.ok()) {
    std::fprintf(stderr, "chirp query failed: %s: %s\n", q.chirp.c_str(), r.status().message().c_str());
    return {};
  }
  if (total) *total = r->estimated_total;
  std::vector<int64_t> rows;
  for (const auto& h : r->hits) rows.push_back(row_of.at(h.tweet.id));
  return rows;
}

long rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: search_bench CORPUS.jsonl [MAX_RECORDS] [WORK_DIR]\n";
    return 2;
  }
  size_t max = argc > 2 ? std::stoull(argv[2]) : 200000;
  std::string work = argc > 3 ? argv[3] : "/tmp/chirp-search-bench";
  std::filesystem::remove_all(work);
  std::filesystem::create_directories(work);
  int per_kind = std::getenv("CHIRP_BENCH_PER_KIND") ? std::atoi(std::getenv("CHIRP_BENCH_PER_KIND")) : 30;

  auto docs = load_corpus(argv[1], max);
  std::unordered_map<uint64_t, int64_t> row_of;
  for (size_t i = 0; i < docs.size(); ++i) row_of[docs[i].id] = static_cast<int64_t>(i + 1);
  auto queries = make_queries(docs, per_kind);
  std::map<std::string, int> kinds;
  for (const auto& q : queries) ++kinds[q.kind];
  std::printf("records: %zu, queries: %zu (", docs.size(), queries.size());
  for (auto& [k, n] : kinds) std::printf(" %s %d", k.c_str(), n);
  std::printf(" )\n");
  const char* ids_only_env = std::getenv("CHIRP_BENCH_PEER_IDS_ONLY");
  const bool peer_full = !(ids_only_env && std::string(ids_only_env) != "0");
  std::printf("peer output: %s\n", peer_full ? "equal (text, username, time, highlight ranges; top 20 in rank order)"
                                             : "ids only (CHIRP_BENCH_PEER_IDS_ONLY=1: less work than chirp)");
  std::fflush(stdout);

  std::map<std::string, double> ingest_rate;  // tweets/s, durable
  if (!std::getenv("CHIRP_BENCH_NO_PLAIN")) {  // Plain single-writer loop, as in DESIGN.md.
    auto start = Clock::now();
    Xapian::WritableDatabase db(work + "/plain", Xapian::DB_CREATE_OR_OPEN);
    Xapian::TermGenerator tg = schema::make_term_generator();
    uint32_t docid = 0xBFFFFFFF;
    for (size_t i = 0; i < docs.size(); ++i) {
      db.replace_document(docid, schema::build_document(docs[i], docid, tg));
      --docid;
      if (i % 10000 == 9999) db.commit();
    }
    db.commit();
    ingest_rate["plain Xapian loop"] = docs.size() / (ms_since(start) / 1000);
    std::printf("plain xapian loop: %.0f tweets/s\n", ingest_rate["plain Xapian loop"]);
    std::fflush(stdout);
    std::filesystem::remove_all(work + "/plain");
  }

  SearchIndexOptions opt;
  opt.spelling = !env_off("CHIRP_BENCH_SPELLING");
  std::printf("chirp spelling data: %s\n", opt.spelling ? "on" : "off");
  uint64_t seq = 0;
  {  // The ordinary path (apply, then flush), on a prefix: it is far slower.
    size_t n = std::min(docs.size(), std::getenv("CHIRP_BENCH_APPLY_MAX")
                                         ? static_cast<size_t>(std::stoull(std::getenv("CHIRP_BENCH_APPLY_MAX"))) : size_t{100000});
    auto idx = SearchIndex::Open(work + "/apply", opt);
    if (!idx.ok()) { std::cerr << idx.status().message() << "\n"; return 1; }
    auto start = Clock::now();
    uint64_t s = 0;
    for (size_t i = 0; i < n; i += 1000) {
      std::vector<IndexOp> ops;
      for (size_t j = i; j < std::min(n, i + 1000); ++j) ops.push_back(IndexOp::Upsert(++s, docs[j]));
      if (auto st = (*idx)->apply(std::move(ops)); !st.ok()) { std::cerr << "apply failed: " << st.message() << "\n"; return 1; }
    }
    double searchable_ms = ms_since(start);
    if (!(*idx)->flush().ok()) { std::cerr << "flush failed\n"; return 1; }
    double durable_ms = ms_since(start);
    ingest_rate["chirp apply + flush (first " + std::to_string(n) + ")"] = n / (durable_ms / 1000);
    std::printf("chirp apply path, %zu tweets: searchable %.0f tweets/s, durable %.0f tweets/s; RSS %ld MiB\n", n,
                n / (searchable_ms / 1000), n / (durable_ms / 1000), rss_mib());
    std::fflush(stdout);
  }
  std::filesystem::remove_all(work + "/apply");

  // The bulk path (chirpctl import, reindex): BulkLoad, durable and searchable at finish().
  auto idx = SearchIndex::Open(work + "/search", opt);
  if (!idx.ok()) { std::cerr << idx.status().message() << "\n"; return 1; }
  SearchIndex& index = **idx;
  {
    auto start = Clock::now();
    auto bulk = index.begin_bulk();
    if (!bulk.ok()) { std::cerr << bulk.status().message() << "\n"; return 1; }
    for (size_t i = 0; i < docs.size(); i += 5000) {
      std::vector<IndexOp> ops;
      for (size_t j = i; j < std::min(docs.size(), i + 5000); ++j) ops.push_back(IndexOp::Upsert(++seq, docs[j]));
      if (auto st = (*bulk)->add(std::move(ops), seq); !st.ok()) { std::cerr << "bulk add: " << st.message() << "\n"; return 1; }
    }
    if (auto st = (*bulk)->finish(); !st.ok()) { std::cerr << "bulk finish: " << st.message() << "\n"; return 1; }
    double ms = ms_since(start);
    ingest_rate["chirp BulkLoad (" + std::to_string(std::thread::hardware_concurrency()) + " builders)"] =
        docs.size() / (ms / 1000);
    std::printf("chirp BulkLoad: %.0f tweets/s (durable and searchable); index %.0f B/tweet; RSS %ld MiB\n",
                docs.size() / (ms / 1000), double(dir_bytes(work + "/search")) / docs.size(), rss_mib());
    std::fflush(stdout);
  }

  std::vector<std::unique_ptr<Peer>> peers;
#ifdef CHIRP_BENCH_PEERS
  if (!env_off("CHIRP_BENCH_PEERS")) {
    try {
      peers.push_back(make_fts5_peer(work + "/fts5"));
      peers.push_back(make_pg_peer(work));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "peer set-up failed: %s\n", e.what());
      return 1;
    }
  }
#endif

  std::map<std::string, Latencies> lat;
  try {
    for (auto& p : peers) {
      double ms = p->ingest(docs);
      ingest_rate[p->name()] = docs.size() / (ms / 1000);
      std::printf("%s ingest: %.0f tweets/s, %.0f B/tweet\n", p->name().c_str(), ingest_rate[p->name()],
                  double(p->disk_bytes()) / docs.size());
      std::fflush(stdout);
    }

    time_queries(queries, lat["chirp"], [&](const BenchQuery& q, bool recent) { chirp_rows(index, row_of, q, recent, 20); });
    for (auto& p : peers)
      time_queries(queries, lat[p->name()], [&](const BenchQuery& q, bool recent) { p->search(q, recent, 20, peer_full); });

    // Equal output returns the rows ids-only mode returns, in the same order;
    // and how many hits carry a highlight (chirp's for comparison).
    if (peer_full && !peers.empty()) {
      size_t chirp_hits = 0, chirp_marked = 0;
      // chirp's highlights by (query, sort) and row, to compare the peers' with.
      std::map<std::pair<size_t, bool>, std::map<int64_t, std::vector<std::pair<int, int>>>> chirp_marks;
      for (size_t qi = 0; qi < queries.size(); ++qi)
        for (bool recent : {false, true}) {
          SearchRequest req;
          req.q = queries[qi].chirp;
          req.sort = recent ? SortOrder::kRecent : SortOrder::kRelevance;
          if (auto r = index.search(req); r.ok())
            for (const auto& h : r->hits) {
              chirp_hits++, chirp_marked += !h.highlights.empty();
              chirp_marks[{qi, recent}][row_of.at(h.tweet.id)] = h.highlights;
            }
        }
      std::printf("chirp hits with a highlight: %zu/%zu\n", chirp_marked, chirp_hits);
      for (auto& p : peers) {
        int same = 0, same_set = 0, n = 0;
        size_t hits = 0, marked = 0, shared = 0, agree = 0;
        for (size_t qi = 0; qi < queries.size(); ++qi)
          for (bool recent : {false, true}) {
            auto a = p->search(queries[qi], recent, 20, true), b = p->search(queries[qi], recent, 20, false);
            std::vector<int64_t> ra, rb;
            const auto& cm = chirp_marks[{qi, recent}];
            for (const auto& h : a) {
              ra.push_back(h.row), hits++, marked += !h.highlights.empty();
              if (auto it = cm.find(h.row); it != cm.end()) shared++, agree += it->second == h.highlights;
            }
            for (const auto& h : b) rb.push_back(h.row);
            same += ra == rb;
            std::sort(ra.begin(), ra.end());
            std::sort(rb.begin(), rb.end());
            same_set += ra == rb;
            ++n;
          }
        std::printf("%s equal output vs ids only: identical row lists %d/%d (same sets %d/%d); hits with a highlight "
                    "%zu/%zu; highlights equal to chirp's on %zu of %zu hits both returned\n",
                    p->name().c_str(), same, n, same_set, n, marked, hits, agree, shared);
      }
    }

    // Plain AND queries: the newest 100 matches of each engine (a deterministic
    // order) against chirp's, and the match counts.
    for (auto& p : peers) {
      double jaccard = 0, same = 0;
      int n = 0;
      uint64_t chirp_total = 0, peer_total = 0;
      for (const auto& q : queries) {
        if (q.kind != "and2" && q.kind != "and3") continue;
        uint64_t est = 0;
        auto a = chirp_rows(index, row_of, q, true, 100, &est);
        std::vector<int64_t> b;
        for (const auto& h : p->search(q, true, 100, peer_full)) b.push_back(h.row);
        std::set<int64_t> sa(a.begin(), a.end()), sb(b.begin(), b.end()), both;
        std::set_intersection(sa.begin(), sa.end(), sb.begin(), sb.end(), std::inserter(both, both.begin()));
        size_t uni = sa.size() + sb.size() - both.size();
        jaccard += uni ? double(both.size()) / uni : 1.0;
        same += sa == sb;
        chirp_total += est;
        peer_total += p->count(q);
        ++n;
      }
      std::printf("AND overlap with %s over %d queries: mean Jaccard of newest-100 sets %.3f, identical %.0f/%d; "
                  "matches chirp %llu (estimated) vs %llu\n",
                  p->name().c_str(), n, n ? jaccard / n : 0, same, n, static_cast<unsigned long long>(chirp_total),
                  static_cast<unsigned long long>(peer_total));
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "peer failed: %s\n", e.what());
    return 1;
  }

  for (const char* sort : {"relevance", "recent"}) {
    std::printf("\n### sort=%s, top 20, ms (p50 / p99); peers: %s; %d measured rounds of each query\n\n| kind | chirp |",
                sort, peer_full ? "equal output" : "ids only", measured_rounds());
    for (auto& p : peers) std::printf(" %s | ratio |", p->name().c_str());
    std::printf("\n|---|---|");
    for (size_t i = 0; i < peers.size(); ++i) std::printf("---|---|");
    std::printf("\n");
    std::vector<std::string> order;
    for (auto& [k, n] : kinds) order.push_back(k);
    order.push_back("all");
    for (const auto& kind : order) {
      auto& c = lat["chirp"][sort][kind];
      double c50 = percentile(c, 0.5), c99 = percentile(c, 0.99);
      std::printf("| %s | %.2f / %.2f |", kind.c_str(), c50, c99);
      for (auto& p : peers) {
        auto& v = lat[p->name()][sort][kind];
        double p50 = percentile(v, 0.5), p99 = percentile(v, 0.99);
        std::printf(" %.2f / %.2f | %.1f× / %.1f× |", p50, p99, p50 / c50, p99 / c99);
      }
      std::printf("\n");
    }
  }
  std::printf("\n### ingest (durable), tweets/s\n\n");
  for (auto& [name, rate] : ingest_rate) std::printf("| %s | %.0f |\n", name.c_str(), rate);
  std::fflush(stdout);
  peers.clear();  // stops PostgreSQL

  {  // chirp throughput with 2 threads over the whole query set, sort=relevance.
    auto start = Clock::now();
    std::vector<std::thread> threads;
    for (int t = 0; t < 2; ++t)
      threads.emplace_back([&] { for (const auto& q : queries) chirp_rows(index, row_of, q, false, 20); });
    for (auto& t : threads) t.join();
    std::printf("\nchirp throughput, 2 threads: %.0f queries/s\n", 2 * queries.size() / (ms_since(start) / 1000));
  }

  {  // Freshness while ingesting at ~5k tweets/s: apply one tweet, then find it.
    std::vector<double> fl;
    int64_t base = docs.back().created_at_ms + 1000;
    auto tick = Clock::now();
    for (int i = 0; i < 5000; ++i) {
      TweetDocument t = docs[i % docs.size()];
      t.created_at_ms = base + i;
      t.id = snowflake_id(t.created_at_ms, 7);
      t.text = "freshtoken" + std::to_string(i) + " " + t.text;
      auto t0 = Clock::now();
      if (!index.apply({IndexOp::Upsert(++seq, t)}).ok()) return 1;
      if (i % 50 == 0) {
        SearchRequest req;
        req.q = "freshtoken" + std::to_string(i);
        req.sort = SortOrder::kRecent;
        auto r = index.search(req);
        if (!r.ok() || r->hits.size() != 1) { std::printf("fresh tweet not found\n"); return 1; }
        fl.push_back(ms_since(t0));
      }
      tick += std::chrono::microseconds(200);
      std::this_thread::sleep_until(tick);
    }
    std::printf("freshness at 5k/s: apply->found p50 %.3f ms p99 %.3f ms\n", percentile(fl, 0.5), percentile(fl, 0.99));
  }
  std::printf("peak RSS of the bench process: %ld MiB\n", rss_mib());
  return 0;
}
