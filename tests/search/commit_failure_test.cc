// A disk commit that really fails (the file size limit, RLIMIT_FSIZE, makes
// every write past it fail with EFBIG, as a full disk fails with ENOSPC) must
// lose nothing: Xapian drops a failed commit's documents from its buffers, so
// the writer has to write them again before the commit that succeeds.
// Regression: the retry committed only the metadata, the committed batch left
// the memory index, and those tweets were never found again (CI, faults_test.py
// disk_full: "search after disk full").
#include <signal.h>
#include <sys/resource.h>

#include <filesystem>

#include "index_fixture.h"

using namespace chirp::search;
using namespace chirp::search::testing;

namespace {

int64_t day0() { return *parse_day("2026-11-01"); }

// Holds RLIMIT_FSIZE at `bytes` (writes past it fail with EFBIG, SIGXFSZ
// ignored) until destroyed.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    REQUIRE(getrlimit(RLIMIT_FSIZE, &saved_) == 0);
    old_handler_ = signal(SIGXFSZ, SIG_IGN);
    rlimit lim = saved_;
    lim.rlim_cur = bytes;
    REQUIRE(setrlimit(RLIMIT_FSIZE, &lim) == 0);
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &saved_);
    signal(SIGXFSZ, old_handler_);
  }

 private:
  rlimit saved_{};
  sighandler_t old_handler_ = SIG_DFL;
};

uintmax_t largest_file(const std::string& dir) {
  uintmax_t top = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.is_regular_file()) top = std::max(top, e.file_size());
  return top;
}

// Every match of `q`, through all pages.
size_t count_all(IndexFixture& fx, const std::string& q) {
  size_t n = 0;
  std::string cursor;
  do {
    auto p = fx.page(q, SortOrder::kRecent, 100, cursor);
    n += p.hits.size();
    cursor = p.next_cursor.value_or("");
  } while (!cursor.empty());
  return n;
}

}  // namespace

TEST_CASE("commit failure: the retried commit writes the failed batch again", "[search][lifecycle][faults]") {
  IndexFixture fx;  // commits only on flush()
  for (int i = 0; i < 20; ++i) fx.add(tweet(day0() + i, 1, 1, "alice", "alpha number " + std::to_string(i)));
  REQUIRE(fx.index->flush().ok());
  const std::string dir = fx.tmp.sub("search");

  // Enough text that writing it must grow the index files.
  std::string filler;
  for (int w = 0; w < 40; ++w) filler += " filler" + std::to_string(w);
  {
    FileSizeLimit limit(largest_file(dir));
    for (int i = 0; i < 300; ++i)
      fx.add(tweet(day0() + 1000 + i, 1, 1, "alice", "beta" + std::to_string(i) + filler));
    fx.del(fx.ids("alpha").front());  // a delete in the failing batch, too
    chirp::Status st = fx.index->flush();
    INFO("flush under the file size limit: " << st.message());
    REQUIRE_FALSE(st.ok());
    CHECK_FALSE(fx.index->writer_health().ok());
  }
  // Still served from memory while the disk refuses.
  CHECK(fx.ids("beta7").size() == 1);

  REQUIRE(fx.index->flush().ok());
  CHECK(fx.index->writer_health().ok());
  CHECK(fx.index->doc_count() == 319);
  CHECK(fx.ids("alpha").size() == 19);
  for (int i = 0; i < 300; i += 37) CHECK(fx.ids("beta" + std::to_string(i)).size() == 1);
  CHECK(count_all(fx, "filler3") == 300);

  fx.open();  // what the disk holds after a restart
  CHECK(fx.index->doc_count() == 319);
  CHECK(count_all(fx, "filler3") == 300);
  CHECK(fx.ids("alpha").size() == 19);
}
