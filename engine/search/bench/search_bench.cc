// Measures, on a JSONL corpus of {"user","text","ts"} records:
//  - ingest: apply() rate (searchable) and apply + flush() rate (durable),
//    beside a plain loop (one WritableDatabase, replace_document, commit per 10k);
//  - freshness: apply -> found latency while ingesting at ~5k tweets/s;
//  - query latency p50 / p99 (one thread) for a fixed query mix drawn from the corpus.
#include <rapidjson/document.h>

#include <algorithm>
#include <cstdlib>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <sstream>
#include <thread>
#include <unordered_map>

#include "chirp/search/search_index.h"
#include "schema.h"

using namespace chirp::search;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int64_t kEpoch2020Ms = 1577836800000;

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

// ASCII-only entity guess for the bench (the engine uses chirp_text).
chirp::text::Entities entities_of(const std::string& text) {
  chirp::text::Entities e;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if ((c == '#' || c == '@') && (i == 0 || text[i - 1] == ' ')) {
      size_t j = i + 1;
      while (j < text.size() && (std::isalnum(static_cast<unsigned char>(text[j])) || text[j] == '_')) ++j;
      if (j > i + 1) (c == '#' ? e.hashtags : e.mentions).push_back({text.substr(i + 1, j - i - 1), int(i), int(j)});
    }
    if (text.compare(i, 7, "http://") == 0 || text.compare(i, 8, "https://") == 0) {
      size_t j = text.find(' ', i);
      if (j == std::string::npos) j = text.size();
      e.urls.push_back({text.substr(i, j - i), int(i), int(j)});
    }
  }
  return e;
}

std::vector<TweetDocument> load(const std::string& path, size_t max) {
  std::ifstream in(path);
  std::vector<TweetDocument> out;
  std::unordered_map<std::string, uint64_t> users;
  std::string line;
  int64_t last_ms = 0;
  uint64_t seq_in_ms = 0;
  while (out.size() < max && std::getline(in, line)) {
    rapidjson::Document d;
    d.Parse(line.c_str());
    if (d.HasParseError() || !d.IsObject() || !d.HasMember("text") || !d.HasMember("user")) continue;
    TweetDocument t;
    t.username = d["user"].GetString();
    t.text = d["text"].GetString();
    t.created_at_ms = d.HasMember("ts") ? d["ts"].GetInt64() * 1000 : kEpoch2020Ms;
    // Snowflake ids in arrival order, as an importer would assign them.
    int64_t ms = std::max(t.created_at_ms, last_ms);
    seq_in_ms = ms == last_ms ? seq_in_ms + 1 : 0;
    if (seq_in_ms > 0xfff) { ++ms; seq_in_ms = 0; }
    last_ms = ms;
    t.id = (static_cast<uint64_t>(ms - kEpoch2020Ms) << 22) | seq_in_ms;
    auto [it, fresh] = users.emplace(t.username, users.size() + 1);
    t.author_id = it->second;
    t.display_name = t.username;
    t.entities = entities_of(t.text);
    out.push_back(std::move(t));
  }
  return out;
}

std::vector<std::string> words_of(const std::string& text) {
  std::vector<std::string> w;
  std::string cur;
  for (char c : text) {
    if (std::isalpha(static_cast<unsigned char>(c))) cur += static_cast<char>(std::tolower(c));
    else { if (cur.size() >= 3) w.push_back(cur); cur.clear(); }
  }
  if (cur.size() >= 3) w.push_back(cur);
  return w;
}

// A fixed mix of queries drawn from the corpus (seeded).
std::vector<std::pair<std::string, std::string>> make_queries(const std::vector<TweetDocument>& docs, int n) {
  std::mt19937 rng(42);
  std::vector<std::pair<std::string, std::string>> q;
  auto pick = [&]() -> const TweetDocument& { return docs[rng() % docs.size()]; };
  while (static_cast<int>(q.size()) < n) {
    const auto& t = pick();
    auto w = words_of(t.text);
    if (w.size() < 3) continue;
    size_t i = rng() % (w.size() - 1);
    switch (q.size() % 7) {
      case 0: q.push_back({"word", w[i]}); break;
      case 1: q.push_back({"and2", w[i] + " " + w[i + 1]}); break;
      case 2: q.push_back({"phrase", "\"" + w[i] + " " + w[i + 1] + "\""}); break;
      case 3: q.push_back({"or", w[i] + " OR " + w.back()}); break;
      case 4: q.push_back({"from", "from:" + t.username}); break;
      case 5: q.push_back({"date", w[i] + " since:" + schema::utc_day(t.created_at_ms - 86400000LL * 30) +
                                   " until:" + schema::utc_day(t.created_at_ms + 86400000LL * 30)}); break;
      case 6: q.push_back({"prefix", w[i].substr(0, 3) + "*"}); break;
    }
  }
  return q;
}

double pct(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: search_bench CORPUS.jsonl [MAX_RECORDS] [WORK_DIR]\n";
    return 2;
  }
  size_t max = argc > 2 ? std::stoull(argv[2]) : 200000;
  std::string work = argc > 3 ? argv[3] : "/tmp/chirp-search-bench";
  std::filesystem::remove_all(work);
  std::filesystem::create_directories(work);

  auto docs = load(argv[1], max);
  std::printf("records: %zu\n", docs.size());

  if (!std::getenv("CHIRP_BENCH_NO_PLAIN")) {  // Plain single-writer loop, as in DESIGN.md.
    auto start = Clock::now();
    Xapian::WritableDatabase db(work + "/plain", Xapian::DB_CREATE_OR_OPEN);
    Xapian::TermGenerator tg = schema::make_term_generator();
    uint32_t docid = 0xBFFFFFFF;
    for (size_t i = 0; i < docs.size(); ++i) {
      db.replace_document(docid, schema::build_document(docs[i], docid, tg));
      --docid;
      if (i % 10000 == 9999) db.commit();
    }
    db.commit();
    std::printf("plain xapian loop: %.0f tweets/s\n", docs.size() / (ms_since(start) / 1000));
  }

  SearchIndexOptions opt;
  if (const char* sp = std::getenv("CHIRP_BENCH_SPELLING")) opt.spelling = std::string(sp) != "0";
  std::printf("spelling data: %s\n", opt.spelling ? "on" : "off");
  auto idx = SearchIndex::Open(work + "/search", opt);
  if (!idx.ok()) { std::cerr << idx.status().message() << "\n"; return 1; }
  auto& index = *idx;
  uint64_t seq = 0;
  auto start = Clock::now();
  for (size_t i = 0; i < docs.size(); i += 1000) {
    std::vector<IndexOp> ops;
    for (size_t j = i; j < std::min(docs.size(), i + 1000); ++j) ops.push_back(IndexOp::Upsert(++seq, docs[j]));
    if (auto st = index->apply(std::move(ops)); !st.ok()) { std::cerr << "apply failed: " << st.message() << "\n"; return 1; }
  }
  double searchable_ms = ms_since(start);
  if (!index->flush().ok()) { std::cerr << "flush failed\n"; return 1; }
  double durable_ms = ms_since(start);
  std::printf("chirp_search ingest: searchable %.0f tweets/s, durable (flushed) %.0f tweets/s\n",
              docs.size() / (searchable_ms / 1000), docs.size() / (durable_ms / 1000));
  uint64_t bytes = 0;
  for (auto& f : std::filesystem::directory_iterator(work + "/search")) bytes += f.file_size();
  std::printf("index size: %.1f MB, %.0f bytes/tweet\n", bytes / 1e6, double(bytes) / docs.size());

  auto queries = make_queries(docs, 210);
  for (SortOrder sort : {SortOrder::kRelevance, SortOrder::kRecent}) {
    std::map<std::string, std::vector<double>> by_kind;
    std::vector<double> all;
    for (int round = 0; round < 3; ++round)
      for (auto& [kind, q] : queries) {
        SearchRequest req;
        req.q = q;
        req.sort = sort;
        req.limit = 20;
        auto t = Clock::now();
        auto r = index->search(req);
        double ms = ms_since(t);
        if (!r.ok()) { std::printf("query failed: %s: %s\n", q.c_str(), r.status().message().c_str()); continue; }
        if (round == 0) continue;  // warm-up
        by_kind[kind].push_back(ms);
        all.push_back(ms);
      }
    std::printf("sort=%s all: p50 %.3f ms p99 %.3f ms (%zu queries)\n",
                sort == SortOrder::kRecent ? "recent" : "relevance", pct(all, 0.5), pct(all, 0.99), all.size());
    for (auto& [kind, v] : by_kind) std::printf("  %-7s p50 %.3f ms p99 %.3f ms\n", kind.c_str(), pct(v, 0.5), pct(v, 0.99));
  }

  {  // Freshness while ingesting at ~5k tweets/s: apply one tweet, then find it.
    std::vector<double> lat;
    int64_t base = docs.back().created_at_ms + 1000;
    auto tick = Clock::now();
    for (int i = 0; i < 5000; ++i) {
      TweetDocument t = docs[i % docs.size()];
      t.created_at_ms = base + i;
      t.id = (static_cast<uint64_t>(t.created_at_ms - kEpoch2020Ms) << 22) | 7;
      t.text = "freshtoken" + std::to_string(i) + " " + t.text;
      auto t0 = Clock::now();
      if (!index->apply({IndexOp::Upsert(++seq, t)}).ok()) return 1;
      if (i % 50 == 0) {
        SearchRequest req;
        req.q = "freshtoken" + std::to_string(i);
        req.sort = SortOrder::kRecent;
        auto r = index->search(req);
        if (!r.ok() || r->hits.size() != 1) { std::printf("fresh tweet not found\n"); return 1; }
        lat.push_back(ms_since(t0));
      }
      tick += std::chrono::microseconds(200);
      std::this_thread::sleep_until(tick);
    }
    std::printf("freshness at 5k/s: apply->found p50 %.3f ms p99 %.3f ms\n", pct(lat, 0.5), pct(lat, 0.99));
  }
  return 0;
}
