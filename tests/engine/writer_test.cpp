// GroupCommitWriter: operations of one group that fail after writing roll
// back alone, whichever path the writer takes (whole group in one transaction,
// or one child transaction per operation after a failure), and the change log
// stays gapless.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>
#include <vector>

#include "chirp/storage/keys.h"
#include "chirp/storage/tables.h"
#include "temp_dir.h"
#include "writer.h"

using namespace chirp;

TEST_CASE("writer: failing operations in a group roll back alone", "[writer][group-commit]") {
  testing::TempDir dir{"chirp-writer"};
  storage::EnvOptions options;
  options.path = dir.path();
  options.durable = false;  // the logic, not the disk, is under test
  auto store = storage::Store::open(options);
  REQUIRE(store.ok());
  storage::Store& st = **store;

  constexpr int kThreads = 8, kPerThread = 150;
  std::atomic<int> ok_count{0};
  std::vector<std::vector<std::pair<uint64_t, bool>>> outcomes(kThreads);
  {
    engine::GroupCommitWriter writer(st, 1);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) {
          const uint64_t key = static_cast<uint64_t>(t) * 1000 + i + 1;
          const bool should_fail = (i % 3 == 0);
          Status s = writer.run([&](engine::WriteContext& ctx) -> Status {
            // Writes first (a follow edge and a change record), then maybe fails.
            CHIRP_RETURN_IF_ERROR(st.following.add(ctx.txn, key, key));
            storage::ChangeRecord c;
            c.kind = storage::ChangeRecord::kFollowed;
            c.user_id = key;
            CHIRP_RETURN_IF_ERROR(ctx.append_change(c));
            if (should_fail) return Status::Conflict("planned failure");
            return Status::Ok();
          });
          if (s.ok()) ++ok_count;
          outcomes[t].push_back({key, s.ok()});
          CHECK(s.ok() == !should_fail);
        }
      });
    for (auto& th : threads) th.join();
  }

  storage::ReadTxn txn(*st.env);
  REQUIRE(txn.status().ok());
  for (const auto& list : outcomes)
    for (auto [key, ok] : list) CHECK(st.following.contains(txn.raw(), key, key).value() == ok);
  // The log holds exactly the successful operations, numbered 1..n with no gap.
  uint64_t expected = 1;
  REQUIRE(st.changes
              .scan_asc(txn.raw(), 0,
                        [&](uint64_t seq, const storage::ChangeRecord& c) {
                          CHECK(seq == expected);
                          CHECK(c.seq == expected);
                          CHECK(c.user_id % 1000 % 3 != 1);  // i % 3 == 0 failed
                          ++expected;
                          return true;
                        })
              .ok());
  CHECK(expected - 1 == static_cast<uint64_t>(ok_count.load()));
}
