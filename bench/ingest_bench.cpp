// ingest_bench: chirp's bulk search ingest (BulkLoad, the `chirpctl import` /
// `reindex` path) beside the plain single-writer Xapian loop of issue 3 (one
// WritableDatabase, replace_document per tweet, commit every 10,000), on the
// same documents in the same run.
//
// Usage: ingest_bench CORPUS.jsonl [MAX_RECORDS] [ROUNDS]
// Env: CHIRP_INGEST_WORK (default /tmp/chirp-ingest-bench) holds the indexes;
// CHIRP_INGEST_BUILDERS (default 0 = one per core) sets BulkLoad's builders;
// CHIRP_INGEST_ONLY=bulk or =plain runs one side only (for profiling);
// CHIRP_INGEST_SEGMENT_DOCS sets BulkLoad's bulk_segment_docs (default: the
// SearchIndexOptions default, what `chirpctl import` uses).
//
// Each measurement runs in its own forked child (a fresh heap, its own peak
// RSS; the corpus is loaded once, before the fork). Rounds alternate plain,
// bulk, plain, bulk... so drift in the machine's load hits both alike. Both
// are durable at the end (committed); the BulkLoad index is searchable too.
// The plain loop builds the same documents (schema::build_document) with a
// stock TermGenerator (Snowball English, STEM_SOME), no spelling data.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "bench_corpus.h"
#include "chirp/search/search_index.h"
#include "schema.h"

using namespace chirp::search;
using Clock = std::chrono::steady_clock;

namespace {

struct Figures {
  double seconds = 0;
  double cpu_seconds = 0;  // user + system, all threads: the work, whatever the machine's load
  long peak_rss_kib = 0;
  uint64_t disk_bytes = 0;
  bool ok = false;
};

uint64_t dir_bytes(const std::string& dir) {
  uint64_t bytes = 0;
  std::error_code ec;
  for (auto& f : std::filesystem::recursive_directory_iterator(dir, ec))
    if (f.is_regular_file()) bytes += f.file_size();
  return bytes;
}

bool plain_loop(const std::vector<TweetDocument>& docs, const std::string& dir) {
  Xapian::WritableDatabase db(dir, Xapian::DB_CREATE_OR_OVERWRITE);
  Xapian::TermGenerator tg;
  tg.set_stemmer(Xapian::Stem("english"));
  tg.set_stemming_strategy(Xapian::TermGenerator::STEM_SOME);
  uint32_t docid = 0xBFFFFFFF;  // newest first, as chirp's allocator
  for (size_t i = 0; i < docs.size(); ++i, --docid) {
    db.replace_document(docid, schema::build_document(docs[i], docid, tg));
    if (i % 10000 == 9999) db.commit();
  }
  db.commit();
  return true;
}

bool bulk_load(const std::vector<TweetDocument>& docs, const std::string& dir, int builders) {
  SearchIndexOptions options;
  if (const char* seg = std::getenv("CHIRP_INGEST_SEGMENT_DOCS")) options.bulk_segment_docs = std::stoull(seg);
  auto idx = SearchIndex::Open(dir, options);
  if (!idx.ok()) return std::fprintf(stderr, "open: %s\n", idx.status().message().c_str()), false;
  auto bulk = (*idx)->begin_bulk(builders);
  if (!bulk.ok()) return std::fprintf(stderr, "begin_bulk: %s\n", bulk.status().message().c_str()), false;
  uint64_t seq = 0;
  for (size_t i = 0; i < docs.size(); i += 5000) {  // the batch size chirpctl's catch-up reads
    std::vector<IndexOp> ops;
    for (size_t j = i; j < std::min(docs.size(), i + 5000); ++j) ops.push_back(IndexOp::Upsert(++seq, docs[j]));
    if (auto st = (*bulk)->add(std::move(ops), seq); !st.ok())
      return std::fprintf(stderr, "add: %s\n", st.message().c_str()), false;
  }
  if (auto st = (*bulk)->finish(); !st.ok()) return std::fprintf(stderr, "finish: %s\n", st.message().c_str()), false;
  SearchRequest req;
  req.q = docs.empty() ? "x" : docs.back().username.empty() ? "x" : "from:" + docs.back().username;
  auto page = (*idx)->search(req);
  if (!page.ok() || page->hits.empty() || (*idx)->doc_count() != docs.size())
    return std::fprintf(stderr, "bulk index incomplete: %llu docs\n", (unsigned long long)(*idx)->doc_count()), false;
  return true;
}

// Runs `fn` in a child; its figures come back through a pipe.
template <typename Fn>
Figures in_child(const std::string& dir, Fn&& fn) {
  int fds[2];
  if (pipe(fds) != 0) return {};
  std::filesystem::remove_all(dir);
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    Figures f;
    auto t0 = Clock::now();
    f.ok = fn();
    f.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    f.peak_rss_kib = u.ru_maxrss;
    f.cpu_seconds = u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6 + u.ru_stime.tv_sec + u.ru_stime.tv_usec / 1e6;
    f.disk_bytes = dir_bytes(dir);
    (void)!write(fds[1], &f, sizeof f);
    _exit(f.ok ? 0 : 1);
  }
  close(fds[1]);
  Figures f;
  if (read(fds[0], &f, sizeof f) != sizeof f) f.ok = false;
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  std::filesystem::remove_all(dir);
  return f;
}

std::string load_avg() {
  double l[3] = {0, 0, 0};
  if (getloadavg(l, 3) != 3) return "?";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f %.2f %.2f", l[0], l[1], l[2]);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: ingest_bench CORPUS.jsonl [MAX_RECORDS] [ROUNDS]\n");
    return 2;
  }
  const size_t max = argc > 2 ? std::stoull(argv[2]) : 200000;
  const int rounds = argc > 3 ? std::atoi(argv[3]) : 1;
  const char* w = std::getenv("CHIRP_INGEST_WORK");
  const std::string work = w ? w : "/tmp/chirp-ingest-bench";
  const int builders = std::getenv("CHIRP_INGEST_BUILDERS") ? std::atoi(std::getenv("CHIRP_INGEST_BUILDERS")) : 0;
  std::filesystem::create_directories(work);
  auto docs = bench::load_corpus(argv[1], max);
  const double n = static_cast<double>(docs.size());
  std::printf("ingest_bench: %zu tweets, %d round(s), %u cores, BulkLoad builders %s\n", docs.size(), rounds,
              std::thread::hardware_concurrency(), builders > 0 ? std::to_string(builders).c_str() : "one per core");
  std::printf("| round | engine | seconds | tweets/s | × plain | CPU s | peak RSS MiB | B/tweet | load avg (1/5/15 min) before |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|\n");
  std::fflush(stdout);
  const char* only_env = std::getenv("CHIRP_INGEST_ONLY");
  const std::string only = only_env ? only_env : "";
  double plain_sum = 0, bulk_sum = 0;
  for (int r = 1; r <= rounds; ++r) {
    std::string la = load_avg();
    if (only == "bulk") {
      Figures b = in_child(work + "/bulk", [&] { return bulk_load(docs, work + "/bulk", builders); });
      std::printf("| %d | chirp BulkLoad | %.1f | %.0f | – | %.1f | %ld | %.0f | %s |\n", r, b.seconds, n / b.seconds,
                  b.cpu_seconds, b.peak_rss_kib / 1024, b.disk_bytes / n, la.c_str());
      continue;
    }
    if (only == "plain") {
      Figures p = in_child(work + "/plain", [&] { return plain_loop(docs, work + "/plain"); });
      std::printf("| %d | plain Xapian loop | %.1f | %.0f | 1.00× | %.1f | %ld | %.0f | %s |\n", r, p.seconds,
                  n / p.seconds, p.cpu_seconds, p.peak_rss_kib / 1024, p.disk_bytes / n, la.c_str());
      continue;
    }
    Figures p = in_child(work + "/plain", [&] { return plain_loop(docs, work + "/plain"); });
    if (!p.ok) return std::fprintf(stderr, "plain loop failed\n"), 1;
    std::printf("| %d | plain Xapian loop | %.1f | %.0f | 1.00× | %.1f | %ld | %.0f | %s |\n", r, p.seconds,
                n / p.seconds, p.cpu_seconds, p.peak_rss_kib / 1024, p.disk_bytes / n, la.c_str());
    std::fflush(stdout);
    la = load_avg();
    Figures b = in_child(work + "/bulk", [&] { return bulk_load(docs, work + "/bulk", builders); });
    if (!b.ok) return std::fprintf(stderr, "BulkLoad failed\n"), 1;
    std::printf("| %d | chirp BulkLoad | %.1f | %.0f | %.2f× | %.1f | %ld | %.0f | %s |\n", r, b.seconds,
                n / b.seconds, p.seconds / b.seconds, b.cpu_seconds, b.peak_rss_kib / 1024, b.disk_bytes / n, la.c_str());
    std::fflush(stdout);
    plain_sum += p.seconds;
    bulk_sum += b.seconds;
  }
  if (!only.empty()) return 0;
  std::printf("\nBulkLoad / plain loop over %d round(s): %.2f× (plain %.0f tweets/s, BulkLoad %.0f tweets/s)\n",
              rounds, plain_sum / bulk_sum, n * rounds / plain_sum, n * rounds / bulk_sum);
  return 0;
}
