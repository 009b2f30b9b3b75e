// Runs the bench's query set against an index search_bench left behind, for
// profiling the query path alone (no ingest):
//   search_bench CORPUS 200000 /tmp/work     # leaves /tmp/work/search
//   valgrind --tool=callgrind --collect-atstart=no
//     --toggle-collect='chirp::search::SearchIndex::search*'
//     search_profile /tmp/work/search CORPUS 200000 [ROUNDS] [KIND]
// Prints per-kind mean, p50 and p99 latency (ms) per sort; KIND limits it to one kind.
// CHIRP_PROFILE_QUERIES=FILE keeps the query set in FILE (kind TAB query per
// line): written on the first run, read instead of the corpus afterwards, so
// a run under valgrind does not parse the corpus. CHIRP_PROFILE_DUMP=FILE
// writes each query's hit ids (first round), to diff two binaries' answers.
// CHIRP_PROFILE_PAGES=N times N pages per query (following next_cursor).
// CHIRP_PROFILE_PER_QUERY=N prints the N slowest queries per sort and kind
// (each query's best time over the rounds, with its estimated total, hit
// count and whether a suggestion came back), to find a kind's tail.
// CHIRP_PROFILE_PENDING=N first applies the corpus's first N tweets again as
// new tweets (new ids, created now) and keeps them uncommitted (commit
// interval of an hour), so every search also runs on a memory index of N
// pending tweets. The index commits them when it closes: use a copy.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>

#include "bench_corpus.h"
#include "chirp/search/search_index.h"

using namespace chirp::search;
using namespace chirp::search::bench;

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: search_profile INDEX_DIR CORPUS MAX_RECORDS [ROUNDS] [KIND]\n";
    return 2;
  }
  int rounds = argc > 4 ? std::atoi(argv[4]) : 1;
  std::string only = argc > 5 ? argv[5] : "";
  std::vector<BenchQuery> queries;
  const char* cache = std::getenv("CHIRP_PROFILE_QUERIES");
  if (std::ifstream in(cache ? cache : ""); cache && in) {
    for (std::string line; std::getline(in, line);)
      if (auto tab = line.find('\t'); tab != std::string::npos) {
        BenchQuery b;
        b.kind = line.substr(0, tab);
        b.chirp = line.substr(tab + 1);
        queries.push_back(std::move(b));
      }
  } else {
    auto docs = load_corpus(argv[2], std::stoull(argv[3]));
    queries = make_queries(docs, 30);
    if (cache) {
      std::ofstream out(cache);
      for (const auto& q : queries) out << q.kind << '\t' << q.chirp << '\n';
    }
  }
  const int pending = std::getenv("CHIRP_PROFILE_PENDING") ? std::atoi(std::getenv("CHIRP_PROFILE_PENDING")) : 0;
  SearchIndexOptions options;
  if (pending > 0) {
    options.commit_interval = std::chrono::hours(1);
    options.commit_docs = 10'000'000;
  }
  auto idx = SearchIndex::Open(argv[1], options);
  if (!idx.ok()) {
    std::cerr << idx.status().message() << "\n";
    return 1;
  }
  if (pending > 0) {
    const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch()).count();
    uint64_t seq = (*idx)->searchable_seq();
    std::vector<IndexOp> ops;
    int i = 0;
    for (TweetDocument t : load_corpus(argv[2], pending)) {
      t.created_at_ms = now_ms - pending + i++;
      t.id = snowflake_id(t.created_at_ms, 7);
      ops.push_back(IndexOp::Upsert(++seq, t));
    }
    if (auto st = (*idx)->apply(std::move(ops)); !st.ok()) {
      std::cerr << "apply: " << st.message() << "\n";
      return 1;
    }
  }
  // CHIRP_PROFILE_DUMP=FILE: the first round's hit ids per query and sort.
  std::unique_ptr<std::ofstream> dump;
  if (const char* f = std::getenv("CHIRP_PROFILE_DUMP")) dump = std::make_unique<std::ofstream>(f);
  const char* only_sort = std::getenv("CHIRP_PROFILE_SORT");  // recent or relevance: only that sort
  const int pages = std::getenv("CHIRP_PROFILE_PAGES") ? std::atoi(std::getenv("CHIRP_PROFILE_PAGES")) : 1;
  std::map<std::string, std::map<std::string, std::vector<double>>> took;  // sort -> kind -> ms
  // CHIRP_PROFILE_PER_QUERY: per sort and query index, the best time and what came back.
  const int per_query = std::getenv("CHIRP_PROFILE_PER_QUERY") ? std::atoi(std::getenv("CHIRP_PROFILE_PER_QUERY")) : 0;
  struct One {
    double best_ms = 1e18;
    uint64_t estimate = 0;
    size_t hits = 0;
    bool suggestion = false;
  };
  std::map<std::string, std::map<size_t, One>> each;
  for (int r = 0; r < rounds; ++r)
    for (bool recent : {false, true})
      for (size_t qi = 0; qi < queries.size(); ++qi) {
        const auto& q = queries[qi];
        if (only_sort && std::string(only_sort) != (recent ? "recent" : "relevance")) continue;
        if (!only.empty() && q.kind != only) continue;
        SearchRequest req;
        req.q = q.chirp;
        req.sort = recent ? SortOrder::kRecent : SortOrder::kRelevance;
        req.limit = 20;
        auto t = std::chrono::steady_clock::now();
        auto p = (*idx)->search(req);
        // CHIRP_PROFILE_PAGES=N: follow the cursor to page N (the time is all N pages).
        for (int page = 1; page < pages && p.ok() && p->next_cursor; ++page) {
          req.cursor = *p->next_cursor;
          p = (*idx)->search(req);
        }
        double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
        if (!p.ok()) std::cerr << q.chirp << ": " << p.status().message() << "\n";
        if (dump && r == 0 && p.ok()) {  // the hits, to compare two binaries' answers
          *dump << (recent ? "recent" : "relevance") << '\t' << q.chirp << '\t' << p->estimated_total;
          for (const auto& h : p->hits) *dump << ' ' << h.tweet.id;
          *dump << '\n';
        }
        took[recent ? "recent" : "relevance"][q.kind].push_back(ms);
        if (per_query && p.ok()) {
          One& o = each[recent ? "recent" : "relevance"][qi];
          o.best_ms = std::min(o.best_ms, ms);
          o.estimate = p->estimated_total;
          o.hits = p->hits.size();
          o.suggestion = p->suggestion.has_value();
        }
        took[recent ? "recent" : "relevance"]["all"].push_back(ms);
      }
  for (auto& [sort, kinds] : took)
    for (auto& [kind, v] : kinds) {
      double sum = 0;
      for (double ms : v) sum += ms;
      std::printf("%s %s: mean %.3f p50 %.3f p99 %.3f ms over %zu\n", sort.c_str(), kind.c_str(), sum / v.size(),
                  percentile(v, 0.5), percentile(v, 0.99), v.size());
    }
  for (auto& [sort, by_query] : each) {
    std::map<std::string, std::vector<std::pair<double, size_t>>> by_kind;
    for (auto& [qi, o] : by_query) by_kind[queries[qi].kind].push_back({o.best_ms, qi});
    for (auto& [kind, v] : by_kind) {
      std::sort(v.rbegin(), v.rend());
      for (size_t i = 0; i < v.size() && i < static_cast<size_t>(per_query); ++i) {
        const One& o = by_query[v[i].second];
        std::printf("slow %s %s %.3f ms estimate %llu hits %zu suggestion %s: %s\n", sort.c_str(), kind.c_str(),
                    o.best_ms, static_cast<unsigned long long>(o.estimate), o.hits, o.suggestion ? "yes" : "no",
                    queries[v[i].second].chirp.c_str());
      }
    }
  }
  return 0;
}
