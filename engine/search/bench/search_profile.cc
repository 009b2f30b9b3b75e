// Runs the bench's query set against an index search_bench left behind, for
// profiling the query path alone (no ingest):
//   search_bench CORPUS 200000 /tmp/work     # leaves /tmp/work/search
//   valgrind --tool=callgrind --collect-atstart=no
//     --toggle-collect='chirp::search::SearchIndex::search*'
//     search_profile /tmp/work/search CORPUS 200000 [ROUNDS] [KIND]
// Prints per-kind mean, p50 and p99 latency (ms) per sort; KIND limits it to one kind.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>

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
  auto docs = load_corpus(argv[2], std::stoull(argv[3]));
  auto queries = make_queries(docs, 30);
  docs.clear();
  auto idx = SearchIndex::Open(argv[1], SearchIndexOptions{});
  if (!idx.ok()) {
    std::cerr << idx.status().message() << "\n";
    return 1;
  }
  std::map<std::string, std::map<std::string, std::vector<double>>> took;  // sort -> kind -> ms
  for (int r = 0; r < rounds; ++r)
    for (bool recent : {false, true})
      for (const auto& q : queries) {
        if (!only.empty() && q.kind != only) continue;
        SearchRequest req;
        req.q = q.chirp;
        req.sort = recent ? SortOrder::kRecent : SortOrder::kRelevance;
        req.limit = 20;
        auto t = std::chrono::steady_clock::now();
        auto p = (*idx)->search(req);
        double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
        if (!p.ok()) std::cerr << q.chirp << ": " << p.status().message() << "\n";
        took[recent ? "recent" : "relevance"][q.kind].push_back(ms);
        took[recent ? "recent" : "relevance"]["all"].push_back(ms);
      }
  for (auto& [sort, kinds] : took)
    for (auto& [kind, v] : kinds) {
      double sum = 0;
      for (double ms : v) sum += ms;
      std::printf("%s %s: mean %.3f p50 %.3f p99 %.3f ms over %zu\n", sort.c_str(), kind.c_str(), sum / v.size(),
                  percentile(v, 0.5), percentile(v, 0.99), v.size());
    }
  return 0;
}
