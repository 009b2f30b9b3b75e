// engine_bench: the engine's write and read throughput, linked directly.
//
//   engine_bench [--seconds S] [--dir DIR] [--only posts|reads] [--reads N]
//
// Prints one table row per measurement:
// - durable posts/s with 1, 8 and 64 concurrent writers (every post fsynced
//   through group commit before it returns), with the p50/p99 latency of one
//   post_tweet call;
// - user-timeline reads/s (20 newest tweets of one user) and home-timeline
//   reads/s (a user following 200 people), each on one thread (one core).
// --only skips the other half. --reads N does exactly N reads of each kind
// instead of timing them (for `valgrind --tool=callgrind`: instructions per
// read = Ir of the read phase / N).
// bench/run_engine_bench.sh runs it several times and prints the medians.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "chirp/engine/engine.h"

using namespace chirp;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

struct PostResult {
  double rate = 0;
  double p50_ms = 0, p99_ms = 0;
};

PostResult post_rate(engine::Engine& e, const std::vector<uint64_t>& authors, int writers,
                     double seconds) {
  std::atomic<uint64_t> posted{0}, failed{0};
  std::atomic<bool> stop{false};
  std::vector<std::vector<double>> latencies(writers);
  std::vector<std::thread> threads;
  auto start = Clock::now();
  for (int w = 0; w < writers; ++w)
    threads.emplace_back([&, w] {
      uint64_t author = authors[w % authors.size()];
      latencies[w].reserve(4096);
      for (int k = 0; !stop.load(std::memory_order_relaxed); ++k) {
        std::string text =
            "benchmark post number " + std::to_string(k) + " from writer " + std::to_string(w) + " #bench";
        auto t0 = Clock::now();
        auto r = e.post_tweet(author, text);
        latencies[w].push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
        (r.ok() ? posted : failed)++;
      }
    });
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : threads) t.join();
  double elapsed = seconds_since(start);
  if (failed) std::fprintf(stderr, "warning: %llu posts failed\n", (unsigned long long)failed.load());
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  PostResult r;
  r.rate = posted / elapsed;
  if (!all.empty()) {
    r.p50_ms = all[all.size() / 2];
    r.p99_ms = all[std::min(all.size() - 1, all.size() * 99 / 100)];
  }
  return r;
}

// Timed (count == 0) or exactly `count` calls.
template <typename F>
double read_rate(double seconds, uint64_t count, F read_once) {
  uint64_t n = 0;
  auto start = Clock::now();
  if (count) {
    while (n < count) read_once(n++);
    return n / seconds_since(start);
  }
  while (true) {
    for (int i = 0; i < 256; ++i) read_once(n++);
    if (seconds_since(start) >= seconds) break;
  }
  return n / seconds_since(start);
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 3;
  uint64_t reads = 0;
  std::string only;
  std::string dir = std::filesystem::temp_directory_path() / ("chirp-bench-" + std::to_string(getpid()));
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--seconds")) seconds = std::atof(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--dir")) dir = argv[i + 1];
    else if (!std::strcmp(argv[i], "--only")) only = argv[i + 1];
    else if (!std::strcmp(argv[i], "--reads")) reads = std::strtoull(argv[i + 1], nullptr, 10);
    else {
      std::fprintf(stderr, "usage: engine_bench [--seconds S] [--dir DIR] [--only posts|reads] [--reads N]\n");
      return 2;
    }
  }
  std::filesystem::remove_all(dir);
  engine::EngineOptions options;
  options.data_dir = dir;
  // Cheap hashing: registering 200 users is set-up, not what is measured.
  options.pwhash_opslimit = crypto_pwhash_OPSLIMIT_MIN;
  options.pwhash_memlimit = crypto_pwhash_MEMLIMIT_MIN;
  auto opened = engine::Engine::open(options);
  if (!opened.ok()) {
    std::fprintf(stderr, "open: %s\n", opened.status().message().c_str());
    return 1;
  }
  engine::Engine& e = **opened;

  // 201 users: "reader" follows the 200 others, who have 50 tweets each.
  std::vector<uint64_t> authors;
  std::vector<std::string> names;
  auto reader = e.register_user("reader", "password123");
  for (int i = 0; i < 200; ++i) {
    names.push_back("author" + std::to_string(i));
    auto u = e.register_user(names.back(), "password123");
    if (!u.ok() || !e.follow(reader->id, names.back()).ok()) return 1;
    authors.push_back(u->id);
  }
  std::vector<engine::ImportRecord> records;
  const int64_t base = 1700000000;
  for (int k = 0; k < 50; ++k)
    for (int i = 0; i < 200; ++i)
      records.push_back({names[i], "seed tweet " + std::to_string(k) + " by " + names[i] + " #seed",
                         base + k * 200 + i});
  if (!e.import_batch(records, "").ok()) return 1;

  std::printf("| measurement | result |\n|---|---|\n");
  if (only != "reads") {
    for (int writers : {1, 8, 64}) {
      PostResult r = post_rate(e, authors, writers, seconds);
      const char* s = writers > 1 ? "s" : "";
      std::printf("| durable posts/s, %d writer%s | %.0f |\n", writers, s, r.rate);
      std::printf("| post latency p50 ms, %d writer%s | %.2f |\n", writers, s, r.p50_ms);
      std::printf("| post latency p99 ms, %d writer%s | %.2f |\n", writers, s, r.p99_ms);
      std::fflush(stdout);
    }
  }

  if (only != "posts") {
    std::mt19937 rng(42);
    uint64_t sink = 0;
    double user_reads = read_rate(seconds, reads, [&](uint64_t) {
      auto page = e.user_tweets(names[rng() % names.size()], {20, ""});
      sink += page.ok() ? page->items.size() : 0;
    });
    std::printf("| user-timeline reads/s (20 newest), 1 thread | %.0f |\n", user_reads);
    double home_reads = read_rate(seconds, reads, [&](uint64_t) {
      auto page = e.home_timeline(reader->id, {20, ""});
      sink += page.ok() ? page->items.size() : 0;
    });
    std::printf("| home-timeline reads/s (following 200), 1 thread | %.0f |\n", home_reads);
    if (sink == 0) return 1;  // the reads must have returned tweets
  }
  opened.value().reset();
  std::filesystem::remove_all(dir);
  return 0;
}
