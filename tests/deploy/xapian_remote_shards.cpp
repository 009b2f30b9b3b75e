// Checks the assumptions of docs/deploy.md "Sharding search across nodes"
// against real xapian-tcpsrv processes on loopback:
//   1. a query over N remote shards combined with add_database() returns the
//      same matches with the same BM25 weights as one index holding everything
//      (collection statistics are combined across shards);
//   2. combined docids interleave: shard k's local docid d is (d - 1) * N + k + 1,
//      so chirp's recent-first docid order does not survive sharding;
//   3. one unreachable shard fails the whole query (Xapian::NetworkError).
//
//   xapian_remote_shards XAPIAN_TCPSRV WORK_DIR
// Exit 0 when all hold; prints what failed otherwise.
#include <xapian.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr int kShards = 2;
constexpr int kDocs = 400;
int failures = 0;

void expect(bool ok, const std::string& what) {
  if (!ok) {
    std::printf("FAIL: %s\n", what.c_str());
    ++failures;
  }
}

// Deterministic tweet-like text from a small vocabulary (LCG), so term
// frequencies differ between shards and the statistics matter.
std::string text_for(int i) {
  static const char* words[] = {"chirp", "search", "shard", "tweet", "xapian", "remote", "index",
                                "gateway", "nginx", "cluster", "backup", "restore", "kubernetes",
                                "compose", "timeline", "follow", "like", "reply", "hashtag", "users"};
  uint32_t x = 2654435761u * static_cast<uint32_t>(i + 1);
  std::string s;
  const int n = 4 + static_cast<int>(x % 9);
  for (int w = 0; w < n; ++w) {
    x = x * 1664525u + 1013904223u;
    if (!s.empty()) s += ' ';
    s += words[(x >> 16) % 20];
  }
  return s;
}

void index_docs(Xapian::WritableDatabase& db, const std::vector<int>& ids) {
  Xapian::TermGenerator tg;
  tg.set_stemmer(Xapian::Stem("en"));
  for (int id : ids) {
    Xapian::Document doc;
    tg.set_document(doc);
    tg.index_text(text_for(id));
    doc.set_data(std::to_string(id));
    db.add_document(doc);
  }
  db.commit();
}

int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    close(fd);
    return -1;
  }
  close(fd);
  return ntohs(a.sin_port);
}

struct Server {
  pid_t pid = -1;
  int port = -1;
};

Server start_server(const std::string& tcpsrv, const std::string& db) {
  Server s;
  s.port = free_port();
  s.pid = fork();
  if (s.pid == 0) {
    // Its own process group: on SIGTERM xapian-tcpsrv signals its whole group
    // (to end its per-connection children), which must not include us.
    setpgid(0, 0);
    const std::string port = std::to_string(s.port);
    execl(tcpsrv.c_str(), tcpsrv.c_str(), "--quiet", "--interface", "127.0.0.1", "--port", port.c_str(),
          db.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  if (s.pid > 0) setpgid(s.pid, s.pid);  // also from here: no race with kill(-pid)
  return s;
}

void stop_server(Server& s) {
  if (s.pid > 0) {
    kill(-s.pid, SIGTERM);
    waitpid(s.pid, nullptr, 0);
    s.pid = -1;
  }
}

Xapian::Database open_remote(int port) {
  // The server needs a moment to listen: retry for up to 10 s.
  for (int attempt = 0;; ++attempt) {
    try {
      return Xapian::Remote::open("127.0.0.1", port, 10000, 2000);
    } catch (const Xapian::NetworkError&) {
      if (attempt >= 100) throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
}

// id -> weight of every match.
std::map<int, double> run(const Xapian::Database& db, const std::string& q) {
  Xapian::QueryParser qp;
  qp.set_stemmer(Xapian::Stem("en"));
  qp.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
  qp.set_database(db);
  Xapian::Enquire enq(db);
  enq.set_query(qp.parse_query(q));
  Xapian::MSet m = enq.get_mset(0, db.get_doccount());
  std::map<int, double> out;
  for (auto it = m.begin(); it != m.end(); ++it) out[std::stoi(it.get_document().get_data())] = it.get_weight();
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: xapian_remote_shards XAPIAN_TCPSRV WORK_DIR\n");
    return 2;
  }
  const std::string tcpsrv = argv[1];
  const std::filesystem::path work = argv[2];
  std::filesystem::remove_all(work);
  std::filesystem::create_directories(work);
  signal(SIGPIPE, SIG_IGN);

  std::vector<int> all;
  std::vector<std::vector<int>> per_shard(kShards);
  for (int id = 0; id < kDocs; ++id) {
    all.push_back(id);
    per_shard[id % kShards].push_back(id);  // shard = id mod N
  }
  {
    Xapian::WritableDatabase one((work / "one").string(), Xapian::DB_CREATE_OR_OPEN);
    index_docs(one, all);
  }
  for (int k = 0; k < kShards; ++k) {
    Xapian::WritableDatabase shard((work / ("shard" + std::to_string(k))).string(), Xapian::DB_CREATE_OR_OPEN);
    index_docs(shard, per_shard[k]);
  }

  std::vector<Server> servers;
  int rc = 0;
  try {
    for (int k = 0; k < kShards; ++k) servers.push_back(start_server(tcpsrv, (work / ("shard" + std::to_string(k))).string()));
    Xapian::Database combined;
    for (auto& s : servers) combined.add_database(open_remote(s.port));
    Xapian::Database one((work / "one").string());
    expect(combined.get_doccount() == one.get_doccount(), "combined doccount equals the single index's");

    // 1. Same matches, same weights.
    int compared = 0;
    for (const char* q : {"chirp", "search shard", "xapian OR remote", "kubernetes AND backup", "tweets",
                          "gateway -nginx", "\"follow like\""}) {
      const auto a = run(one, q);
      const auto b = run(combined, q);
      expect(!a.empty(), std::string("query '") + q + "' matches something");
      expect(a.size() == b.size(), std::string("query '") + q + "': same number of matches");
      for (const auto& [id, w] : a) {
        auto it = b.find(id);
        if (it == b.end()) {
          expect(false, std::string("query '") + q + "': id " + std::to_string(id) + " missing from the shards");
          continue;
        }
        expect(std::fabs(it->second - w) <= 1e-9 * std::max(1.0, std::fabs(w)),
               std::string("query '") + q + "': weight of id " + std::to_string(id) + " differs");
        ++compared;
      }
    }

    // 2. Docid interleaving: shard k, local docid d -> (d - 1) * N + k + 1.
    for (int k = 0; k < kShards; ++k) {
      for (size_t d = 1; d <= per_shard[k].size(); d += 37) {
        const Xapian::docid global = static_cast<Xapian::docid>((d - 1) * kShards + k + 1);
        expect(combined.get_document(global).get_data() == std::to_string(per_shard[k][d - 1]),
               "docid " + std::to_string(global) + " is shard " + std::to_string(k) + "'s docid " + std::to_string(d));
      }
    }

    // 3. One shard down: the whole query fails.
    stop_server(servers.back());
    bool failed = false;
    try {
      Xapian::Database again;
      again.add_database(open_remote(servers.front().port));
      again.add_database(Xapian::Remote::open("127.0.0.1", servers.back().port, 2000, 1000));
      run(again, "chirp");
    } catch (const Xapian::NetworkError&) {
      failed = true;
    }
    expect(failed, "a query with one shard down fails with NetworkError");
    std::printf("xapian remote shards: %d shards, %d docs, %d (id, weight) pairs equal to one index\n", kShards,
                kDocs, compared);
  } catch (const Xapian::Error& e) {
    std::printf("FAIL: %s\n", e.get_description().c_str());
    rc = 1;
  }
  for (auto& s : servers) stop_server(s);
  std::filesystem::remove_all(work);
  return (rc || failures) ? 1 : 0;
}
