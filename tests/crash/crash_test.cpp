// Crash test: a child process writes under load (posts, likes, follows from
// several threads) and reports each write that returned success through a
// pipe; the parent kills it with SIGKILL at a random moment, reopens the data
// folder and checks that every acknowledged write is there, the counters
// agree with the rows, and the change log has no gap.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <random>
#include <set>
#include <thread>

#include "chirp/engine/engine.h"
#include "chirp/storage/tables.h"
#include "temp_dir.h"

using namespace chirp;

namespace {

// Child: never returns. Each line on `fd`: "T <id>" posted, "L <id>" liked.
[[noreturn]] void child_writer(const std::string& dir, int fd, unsigned seed) {
  auto opened = engine::Engine::open(engine::EngineOptions::for_tests(dir));
  if (!opened.ok()) _exit(3);
  engine::Engine& e = **opened;
  std::vector<uint64_t> users;
  for (int i = 0; i < 4; ++i) {
    std::string name = "u" + std::to_string(seed % 1000) + "_" + std::to_string(i);
    auto u = e.register_user(name, "password123");
    if (u.ok()) users.push_back(u->id);
    else if (auto f = e.find_user(name); f.ok()) users.push_back(f->id);
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(seed * 31 + t);
      uint64_t last = 0;
      for (int k = 0;; ++k) {
        uint64_t who = users[rng() % users.size()];
        char line[64];
        if (last != 0 && rng() % 4 == 0) {
          if (e.like(who, last).ok()) {
            int n = std::snprintf(line, sizeof line, "L %llu %llu\n", (unsigned long long)who,
                                  (unsigned long long)last);
            (void)!write(fd, line, n);  // < PIPE_BUF: atomic
          }
          continue;
        }
        auto r = e.post_tweet(who, "crash test tweet " + std::to_string(k) + " #round");
        if (r.ok()) {
          last = r->id;
          int n = std::snprintf(line, sizeof line, "T %llu\n", (unsigned long long)r->id);
          (void)!write(fd, line, n);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  _exit(0);
}

}  // namespace

TEST_CASE("every acknowledged write survives kill -9", "[crash]") {
  const char* env = std::getenv("CHIRP_CRASH_ROUNDS");
  const int rounds = env ? std::atoi(env) : 5;
  testing::TempDir dir{"chirp-crash"};
  std::mt19937 rng(std::random_device{}());
  std::set<uint64_t> acked_tweets;
  std::set<std::pair<uint64_t, uint64_t>> acked_likes;
  uint64_t checked_writes = 0;

  for (int round = 0; round < rounds; ++round) {
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      close(fds[0]);
      child_writer(dir.path(), fds[1], static_cast<unsigned>(round));
    }
    close(fds[1]);
    std::this_thread::sleep_for(std::chrono::milliseconds(80 + rng() % 400));
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    REQUIRE(WIFSIGNALED(status));

    // Collect what the child saw succeed before it died.
    std::string data;
    char buf[4096];
    for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) data.append(buf, n);
    close(fds[0]);
    size_t pos = 0;
    while (true) {
      size_t nl = data.find('\n', pos);
      if (nl == std::string::npos) break;
      std::string line = data.substr(pos, nl - pos);
      pos = nl + 1;
      unsigned long long a = 0, b = 0;
      if (std::sscanf(line.c_str(), "T %llu", &a) == 1) acked_tweets.insert(a);
      else if (std::sscanf(line.c_str(), "L %llu %llu", &a, &b) == 2) acked_likes.insert({a, b});
    }

    // Reopen as a new process would and check everything acknowledged so far.
    auto opened = engine::Engine::open(engine::EngineOptions::for_tests(dir.path()));
    REQUIRE(opened.ok());
    engine::Engine& e = **opened;
    storage::Store& s = e.store();
    storage::ReadTxn txn(*s.env);
    for (uint64_t id : acked_tweets) {
      INFO("round " << round << " tweet " << id);
      REQUIRE(s.tweets.contains(txn.raw(), id).value());
    }
    for (auto [user, tweet] : acked_likes) {
      INFO("round " << round << " like " << user << " " << tweet);
      REQUIRE(s.likes.contains(txn.raw(), tweet, user).value());
    }
    checked_writes = acked_tweets.size() + acked_likes.size();
    // The log is gapless: 1..N, with N entries.
    const uint64_t last = s.changes.last_id(txn.raw()).value();
    REQUIRE(s.changes.count(txn.raw()) == last);
    uint64_t expect = 1;
    REQUIRE(s.changes.scan_asc(txn.raw(), 0, [&](uint64_t seq, const storage::ChangeRecord& c) {
      CHECK(seq == expect);
      CHECK(c.seq == seq);
      ++expect;
      return true;
    }).ok());
    // Counters agree with the rows they count.
    uint64_t counted = 0;
    REQUIRE(s.users.scan_asc(txn.raw(), 0, [&](uint64_t id, const storage::UserRecord& u) {
      CHECK(u.tweet_count == s.user_tweets.list_asc(txn.raw(), id, 0, SIZE_MAX).value().size());
      counted += u.tweet_count;
      return true;
    }).ok());
    CHECK(counted == s.tweets.count(txn.raw()));
  }
  std::printf("crash test: %d rounds, %llu acknowledged writes checked\n", rounds,
              (unsigned long long)checked_writes);
  CHECK(checked_writes > 0);
}
