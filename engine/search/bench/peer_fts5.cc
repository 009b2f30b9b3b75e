// How each query is expressed in FTS5:
//   words      "a" "b" (implicit AND), "a" OR "b", phrase "a b"
//   #tag       "tag"  (unicode61 drops '#': broader than chirp's exact tag)
//   from:user  username : "user"  (a column filter)
//   date       the words, plus ts >= ? AND ts < ? on an UNINDEXED column
//   relevance  ORDER BY bm25(fts); recent: ORDER BY rowid DESC (rowid = time order)
// Equal output (search(..., full = true)): the same rows with the text through
// highlight(fts, 0, ...) (FTS5's own highlighter, marks around each match),
// username and ts; relevance then orders by `rank` (bm25 by default), which
// FTS5 sorts itself before the outer LIMIT, so highlight() runs for the 20
// rows returned only (ORDER BY bm25(fts) would run it for every match before
// SQLite's sort). The text is the highlighted text without its marks.
// Ingest: prepared INSERTs, 10k rows per transaction, WAL + synchronous=FULL (durable).
#include "peer_fts5.h"

#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>

namespace chirp::search::bench {
namespace {

class Fts5Peer : public Peer {
 public:
  explicit Fts5Peer(const std::string& dir) : path_(dir + "/fts5.db") {
    std::filesystem::create_directories(dir);
    std::filesystem::remove(path_);
    if (sqlite3_open(path_.c_str(), &db_) != SQLITE_OK) throw std::runtime_error("sqlite3_open failed");
    exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA cache_size=-262144;");
    exec("CREATE VIRTUAL TABLE fts USING fts5(text, username, ts UNINDEXED, tokenize='porter unicode61')");
  }
  ~Fts5Peer() override { sqlite3_close(db_); }

  std::string name() const override { return "SQLite FTS5"; }

  double ingest(const std::vector<TweetDocument>& docs) override {
    auto start = std::chrono::steady_clock::now();
    sqlite3_stmt* st = prepare("INSERT INTO fts(rowid, text, username, ts) VALUES (?, ?, ?, ?)");
    exec("BEGIN");
    for (size_t i = 0; i < docs.size(); ++i) {
      sqlite3_bind_int64(st, 1, static_cast<int64_t>(i + 1));
      sqlite3_bind_text(st, 2, docs[i].text.data(), static_cast<int>(docs[i].text.size()), SQLITE_STATIC);
      sqlite3_bind_text(st, 3, docs[i].username.data(), static_cast<int>(docs[i].username.size()), SQLITE_STATIC);
      sqlite3_bind_int64(st, 4, docs[i].created_at_ms);
      if (sqlite3_step(st) != SQLITE_DONE) throw std::runtime_error(sqlite3_errmsg(db_));
      sqlite3_reset(st);
      if (i % 10000 == 9999) exec("COMMIT; BEGIN");
    }
    exec("COMMIT");
    sqlite3_finalize(st);
    exec("PRAGMA wal_checkpoint(TRUNCATE)");
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  }

  std::vector<PeerHit> search(const BenchQuery& q, bool recent, int limit, bool full) override {
    std::string cols = full ? "rowid, highlight(fts, 0, char(1), char(2)), username, ts" : "rowid";
    std::string order = recent ? " ORDER BY rowid DESC" : full ? " ORDER BY rank" : " ORDER BY bm25(fts)";
    std::string sql = "SELECT " + cols + " FROM fts WHERE fts MATCH ?1" + date_filter(q) + order + " LIMIT " +
                      std::to_string(limit);
    std::vector<PeerHit> hits;
    run(sql, q, [&](sqlite3_stmt* st) {
      PeerHit h;
      h.row = sqlite3_column_int64(st, 0);
      if (full) {
        std::string_view marked(reinterpret_cast<const char*>(sqlite3_column_text(st, 1)), sqlite3_column_bytes(st, 1));
        h.text.reserve(marked.size());
        for (char c : marked)
          if (c != kMarkOpen && c != kMarkClose) h.text += c;
        h.highlights = ranges_of_marks(h.text, marked);
        h.username.assign(reinterpret_cast<const char*>(sqlite3_column_text(st, 2)), sqlite3_column_bytes(st, 2));
        h.ts_ms = sqlite3_column_int64(st, 3);
      }
      hits.push_back(std::move(h));
    });
    return hits;
  }

  int64_t count(const BenchQuery& q) override {
    int64_t n = 0;
    run("SELECT count(*) FROM fts WHERE fts MATCH ?1" + date_filter(q), q,
        [&](sqlite3_stmt* st) { n = sqlite3_column_int64(st, 0); });
    return n;
  }

  uint64_t disk_bytes() const override { return std::filesystem::file_size(path_); }

 private:
  static std::string date_filter(const BenchQuery& q) { return q.until_ms ? " AND ts >= ?2 AND ts < ?3" : ""; }

  static std::string match_of(const BenchQuery& q) {
    if (!q.from.empty()) return "username : \"" + q.from + "\"";
    if (!q.hashtag.empty()) return "\"" + q.hashtag + "\"";
    std::string m;
    if (q.op == BenchQuery::kPhrase) {
      for (const auto& w : q.words) m += (m.empty() ? "" : " ") + w;
      return "\"" + m + "\"";
    }
    for (const auto& w : q.words) m += (m.empty() ? "" : (q.op == BenchQuery::kOr ? " OR " : " ")) + ("\"" + w + "\"");
    return m;
  }

  template <typename Row>
  void run(const std::string& sql, const BenchQuery& q, Row&& row) {
    sqlite3_stmt* st = prepare(sql.c_str());
    std::string m = match_of(q);
    sqlite3_bind_text(st, 1, m.c_str(), -1, SQLITE_TRANSIENT);
    if (q.until_ms) {
      sqlite3_bind_int64(st, 2, q.since_ms);
      sqlite3_bind_int64(st, 3, q.until_ms);
    }
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) row(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) throw std::runtime_error("fts5 query '" + m + "': " + sqlite3_errmsg(db_));
  }

  sqlite3_stmt* prepare(const char* sql) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, sql, -1, &st, nullptr) != SQLITE_OK) throw std::runtime_error(sqlite3_errmsg(db_));
    return st;
  }

  void exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "?";
      sqlite3_free(err);
      throw std::runtime_error(std::string(sql) + ": " + msg);
    }
  }

  std::string path_;
  sqlite3* db_ = nullptr;
};

}  // namespace

std::unique_ptr<Peer> make_fts5_peer(const std::string& dir) { return std::make_unique<Fts5Peer>(dir); }

}  // namespace chirp::search::bench
