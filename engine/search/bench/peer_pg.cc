// How each query is expressed in PostgreSQL (english configuration):
//   words      to_tsquery('a & b'), 'a | b', phrase 'a <-> b'
//   #tag       'tag'  (the parser drops '#': broader than chirp's exact tag)
//   from:user  username = $1 (B-tree), newest first for both sorts
//   date       the words, plus ts >= $2 AND ts < $3 (B-tree on ts)
//   relevance  ORDER BY ts_rank(tsv, q) DESC; recent: ORDER BY id DESC
// Equal output (search(..., full = true)): the same rows with body, username,
// ts and ts_headline(body, q, 'HighlightAll=true', marks around each match),
// PostgreSQL's documented way to get the matches' places in a text. The
// planner evaluates ts_headline (a costly function) after the sort and LIMIT,
// so for the rows returned only. Ranges come from the marked headline mapped
// onto body (ts_headline may re-space the text). from:user has no words and
// no headline, as chirp highlights nothing for it.
// Ingest: COPY into the table (tsvector generated and stored), then the GIN
// and B-tree indexes are built and the table analysed: the usual bulk load.
// fsync stays on, so what is committed is durable.
#include "peer_pg.h"

#include <arpa/inet.h>
#include <glob.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace chirp::search::bench {
namespace {

namespace fs = std::filesystem;

std::string pg_bin_dir() {
  glob_t g{};
  std::string dir;
  if (glob("/usr/lib/postgresql/*/bin/pg_ctl", 0, nullptr, &g) == 0 && g.gl_pathc > 0)
    dir = fs::path(g.gl_pathv[g.gl_pathc - 1]).parent_path();
  globfree(&g);
  if (dir.empty()) throw std::runtime_error("PostgreSQL server binaries not found (install Debian postgresql)");
  return dir;
}

int free_port() {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    close(s);
    throw std::runtime_error("no free port");
  }
  int port = ntohs(a.sin_port);
  close(s);
  return port;
}

class PgPeer : public Peer {
 public:
  explicit PgPeer(const std::string& dir) : dir_(fs::absolute(dir) / "pg"), port_(free_port()) {
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::string as = geteuid() == 0 ? "runuser -u postgres -- " : "";
    if (!as.empty()) sh("chown -R postgres: '" + dir_.string() + "'");
    fs::permissions(dir_.parent_path(), fs::perms::others_exec, fs::perm_options::add);
    std::string bin = pg_bin_dir();
    sh(as + bin + "/initdb -D '" + (dir_ / "data").string() + "' -U bench -A trust -E UTF8 --locale=C >'" +
       (dir_ / "initdb.log").string() + "' 2>&1");
    pg_ctl_ = as + bin + "/pg_ctl -D '" + (dir_ / "data").string() + "'";
    sh(pg_ctl_ + " -w -l '" + (dir_ / "server.log").string() + "' -o \"-p " + std::to_string(port_) +
       " -c listen_addresses=127.0.0.1 -c unix_socket_directories='" + dir_.string() +
       "' -c shared_buffers=512MB -c work_mem=64MB -c maintenance_work_mem=1GB -c max_wal_size=8GB"
       " -c jit=off\" start >/dev/null");
    started_ = true;
    std::string conninfo = "host=127.0.0.1 port=" + std::to_string(port_) + " user=bench dbname=postgres";
    conn_ = PQconnectdb(conninfo.c_str());
    if (PQstatus(conn_) != CONNECTION_OK) throw std::runtime_error(std::string("libpq: ") + PQerrorMessage(conn_));
    exec("SET client_min_messages = warning");
    exec("CREATE TABLE tweets (id bigint PRIMARY KEY, username text NOT NULL, ts bigint NOT NULL, body text NOT NULL,"
         " tsv tsvector GENERATED ALWAYS AS (to_tsvector('english', body)) STORED)");
  }

  ~PgPeer() override {
    if (conn_) PQfinish(conn_);
    if (started_) sh(pg_ctl_ + " -w -m fast stop >/dev/null 2>&1", false);
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::string name() const override { return "PostgreSQL FTS"; }

  double ingest(const std::vector<TweetDocument>& docs) override {
    auto start = std::chrono::steady_clock::now();
    check(PQexec(conn_, "COPY tweets (id, username, ts, body) FROM STDIN"), PGRES_COPY_IN);
    std::string buf;
    for (size_t i = 0; i < docs.size(); ++i) {
      buf += std::to_string(i + 1) + '\t';
      escape(docs[i].username, buf);
      buf += '\t' + std::to_string(docs[i].created_at_ms) + '\t';
      escape(docs[i].text, buf);
      buf += '\n';
      if (buf.size() > (1 << 20) || i + 1 == docs.size()) {
        if (PQputCopyData(conn_, buf.data(), static_cast<int>(buf.size())) != 1) throw std::runtime_error(PQerrorMessage(conn_));
        buf.clear();
      }
    }
    if (PQputCopyEnd(conn_, nullptr) != 1) throw std::runtime_error(PQerrorMessage(conn_));
    check(PQgetResult(conn_), PGRES_COMMAND_OK);
    exec("CREATE INDEX tweets_tsv ON tweets USING gin (tsv)");
    exec("CREATE INDEX tweets_user ON tweets (username, id)");
    exec("CREATE INDEX tweets_ts ON tweets (ts)");
    exec("VACUUM ANALYZE tweets");
    exec("CHECKPOINT");
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  }

  std::vector<PeerHit> search(const BenchQuery& q, bool recent, int limit, bool full) override {
    std::string sql;
    if (!q.from.empty()) {
      sql = std::string("SELECT id") + (full ? ", username, ts, body" : "") +
            " FROM tweets WHERE username = $1 ORDER BY id DESC LIMIT " + std::to_string(limit);
    } else {
      sql = std::string("SELECT id") +
            (full ? ", username, ts, body, ts_headline('english', body, q, "
                    "'HighlightAll=true, StartSel=\"\x01\", StopSel=\"\x02\"')" : "") +
            " FROM tweets, to_tsquery('english', $1) q WHERE tsv @@ q" + date_filter(q) +
            (recent ? " ORDER BY id DESC" : " ORDER BY ts_rank(tsv, q) DESC") + " LIMIT " + std::to_string(limit);
    }
    PGresult* r = run(sql, q);
    std::vector<PeerHit> hits;
    for (int i = 0; i < PQntuples(r); ++i) {
      PeerHit h;
      h.row = std::atoll(PQgetvalue(r, i, 0));
      if (full) {
        h.username.assign(PQgetvalue(r, i, 1), PQgetlength(r, i, 1));
        h.ts_ms = std::atoll(PQgetvalue(r, i, 2));
        h.text.assign(PQgetvalue(r, i, 3), PQgetlength(r, i, 3));
        if (PQnfields(r) > 4) h.highlights = ranges_of_marks(h.text, std::string_view(PQgetvalue(r, i, 4), PQgetlength(r, i, 4)));
      }
      hits.push_back(std::move(h));
    }
    PQclear(r);
    return hits;
  }

  int64_t count(const BenchQuery& q) override {
    std::string sql = q.from.empty()
        ? "SELECT count(*) FROM tweets WHERE tsv @@ to_tsquery('english', $1)" + date_filter(q)
        : "SELECT count(*) FROM tweets WHERE username = $1";
    PGresult* r = run(sql, q);
    int64_t n = std::atoll(PQgetvalue(r, 0, 0));
    PQclear(r);
    return n;
  }

  uint64_t disk_bytes() const override {
    PGresult* r = PQexec(conn_, "SELECT pg_total_relation_size('tweets')");
    uint64_t n = PQresultStatus(r) == PGRES_TUPLES_OK ? std::strtoull(PQgetvalue(r, 0, 0), nullptr, 10) : 0;
    PQclear(r);
    return n;
  }

 private:
  static std::string date_filter(const BenchQuery& q) { return q.until_ms ? " AND ts >= $2 AND ts < $3" : ""; }

  static std::string tsquery_of(const BenchQuery& q) {
    if (!q.hashtag.empty()) return q.hashtag;
    const char* op = q.op == BenchQuery::kOr ? " | " : q.op == BenchQuery::kPhrase ? " <-> " : " & ";
    std::string s;
    for (const auto& w : q.words) s += (s.empty() ? "" : op) + w;
    return s;
  }

  PGresult* run(const std::string& sql, const BenchQuery& q) {
    std::string p1 = q.from.empty() ? tsquery_of(q) : q.from, p2 = std::to_string(q.since_ms), p3 = std::to_string(q.until_ms);
    const char* params[] = {p1.c_str(), p2.c_str(), p3.c_str()};
    PGresult* r = PQexecParams(conn_, sql.c_str(), q.until_ms ? 3 : 1, nullptr, params, nullptr, nullptr, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
      std::string msg = PQresultErrorMessage(r);
      PQclear(r);
      throw std::runtime_error("postgres query '" + p1 + "': " + msg);
    }
    return r;
  }

  static void escape(const std::string& s, std::string& out) {
    for (char c : s) {
      switch (c) {
        case '\\': out += "\\\\"; break;
        case '\t': out += "\\t"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        default: out += c;
      }
    }
  }

  void check(PGresult* r, ExecStatusType want) {
    ExecStatusType got = PQresultStatus(r);
    std::string msg = PQresultErrorMessage(r);
    PQclear(r);
    if (got != want) throw std::runtime_error("postgres: " + msg);
  }
  void exec(const char* sql) { check(PQexec(conn_, sql), PGRES_COMMAND_OK); }

  static void sh(const std::string& cmd, bool must = true) {
    if (std::system(cmd.c_str()) != 0 && must) throw std::runtime_error("command failed: " + cmd);
  }

  fs::path dir_;
  int port_;
  std::string pg_ctl_;
  bool started_ = false;
  PGconn* conn_ = nullptr;
};

}  // namespace

std::unique_ptr<Peer> make_pg_peer(const std::string& dir) { return std::make_unique<PgPeer>(dir); }

}  // namespace chirp::search::bench
