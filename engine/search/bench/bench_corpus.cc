#include "bench_corpus.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <glob.h>
#include <random>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "schema.h"

namespace chirp::search::bench {
namespace {

constexpr int64_t kDayMs = 86400000;

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

// English stop words: PostgreSQL's list (its english config drops them, so a
// query made of one would match nothing there), else a short built-in one.
std::unordered_set<std::string> stop_words() {
  std::unordered_set<std::string> s;
  glob_t g{};
  if (glob("/usr/share/postgresql/*/tsearch_data/english.stop", 0, nullptr, &g) == 0 && g.gl_pathc > 0) {
    std::ifstream in(g.gl_pathv[0]);
    for (std::string w; in >> w;) s.insert(w);
  }
  globfree(&g);
  if (s.empty())
    for (const char* w : {"the", "and", "for", "that", "with", "you", "are", "not", "this", "but", "have", "was",
                          "his", "her", "they", "from", "all", "can", "will", "one", "has", "had", "what"})
      s.insert(w);
  return s;
}

// Tokens in text order; "" marks a token no engine treats alike (digits,
// apostrophes, non-ASCII, shorter than 3 letters) so it breaks adjacency.
std::vector<std::string> tokens_of(const std::string& text, const std::unordered_set<std::string>& stop) {
  std::vector<std::string> out;
  std::string cur;
  bool good = true;
  auto end = [&] {
    if (!cur.empty()) out.push_back(good && cur.size() >= 3 && !stop.count(cur) ? cur : std::string());
    cur.clear();
    good = true;
  };
  for (unsigned char c : text) {
    if (std::isalpha(c)) cur += static_cast<char>(std::tolower(c));
    else if (std::isdigit(c) || c == '\'' || c >= 0x80) { cur += static_cast<char>(c); good = false; }
    else end();
  }
  end();
  return out;
}

BenchQuery word_query(const char* kind, const std::string& w) {
  BenchQuery b;
  b.kind = kind;
  b.words = {w};
  return b;
}

bool plain_name(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isalnum(c) || c == '_'; });
}

}  // namespace

std::vector<TweetDocument> load_corpus(const std::string& path, size_t max) {
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
    // Snowflake ids in file order, as an importer would assign them.
    int64_t ms = std::max(t.created_at_ms, last_ms);
    seq_in_ms = ms == last_ms ? seq_in_ms + 1 : 0;
    if (seq_in_ms > 0xfff) { ++ms; seq_in_ms = 0; }
    last_ms = ms;
    t.id = snowflake_id(ms, seq_in_ms);
    auto [it, fresh] = users.emplace(t.username, users.size() + 1);
    t.author_id = it->second;
    t.display_name = t.username;
    t.entities = entities_of(t.text);
    out.push_back(std::move(t));
  }
  return out;
}

std::vector<BenchQuery> make_queries(const std::vector<TweetDocument>& docs, int per_kind) {
  auto stop = stop_words();
  std::vector<std::vector<std::string>> toks(docs.size());
  std::unordered_map<std::string, uint32_t> df;
  for (size_t i = 0; i < docs.size(); ++i) {
    toks[i] = tokens_of(docs[i].text, stop);
    std::set<std::string> seen(toks[i].begin(), toks[i].end());
    for (const auto& w : seen)
      if (!w.empty()) ++df[w];
  }
  std::vector<std::pair<uint32_t, std::string>> by_df;
  for (auto& [w, n] : df) by_df.push_back({n, w});
  std::sort(by_df.rbegin(), by_df.rend());

  std::vector<BenchQuery> q;
  std::mt19937 rng(42);
  auto add = [&](BenchQuery b) {
    if (b.chirp.empty()) {
      const char* join = b.op == BenchQuery::kOr ? " OR " : " ";
      for (size_t i = 0; i < b.words.size(); ++i) b.chirp += (i ? join : "") + b.words[i];
      if (b.op == BenchQuery::kPhrase) b.chirp = "\"" + b.chirp + "\"";
    }
    q.push_back(std::move(b));
  };
  // Single words: the most frequent, and rare ones (in 3..30 tweets).
  for (int i = 0; i < per_kind && i < static_cast<int>(by_df.size()); ++i)
    add(word_query("common", by_df[i].second));
  std::vector<std::string> rare;
  for (auto& [n, w] : by_df)
    if (n >= 3 && n <= 30) rare.push_back(w);
  std::shuffle(rare.begin(), rare.end(), rng);
  for (int i = 0; i < per_kind && i < static_cast<int>(rare.size()); ++i) add(word_query("rare", rare[i]));

  // Kinds drawn from random tweets; bounded tries so a thin corpus cannot loop.
  auto draw = [&](const std::string& kind, auto&& make) {
    int made = 0;
    for (int tries = 0; made < per_kind && tries < per_kind * 1000; ++tries) {
      size_t i = rng() % docs.size();
      std::vector<std::string> good;
      for (const auto& w : toks[i])
        if (!w.empty() && std::find(good.begin(), good.end(), w) == good.end()) good.push_back(w);
      BenchQuery b;
      b.kind = kind;
      if (make(docs[i], toks[i], good, b)) { add(std::move(b)); ++made; }
    }
  };
  for (int n : {2, 3})
    draw("and" + std::to_string(n), [&](const TweetDocument&, auto&, auto& good, BenchQuery& b) {
      if (static_cast<int>(good.size()) < n) return false;
      std::shuffle(good.begin(), good.end(), rng);
      b.words.assign(good.begin(), good.begin() + n);
      return true;
    });
  draw("phrase", [&](const TweetDocument&, auto& t, auto&, BenchQuery& b) {
    for (size_t j = rng() % std::max<size_t>(1, t.size()); j + 1 < t.size(); ++j)
      if (!t[j].empty() && !t[j + 1].empty() && t[j] != t[j + 1]) {
        b.op = BenchQuery::kPhrase;
        b.words = {t[j], t[j + 1]};
        return true;
      }
    return false;
  });
  draw("or", [&](const TweetDocument&, auto&, auto& good, BenchQuery& b) {
    if (good.size() < 2) return false;
    b.op = BenchQuery::kOr;
    b.words = {good.front(), good.back()};
    return true;
  });
  draw("hashtag", [&](const TweetDocument& d, auto&, auto&, BenchQuery& b) {
    for (const auto& h : d.entities.hashtags) {
      std::string tag = schema::lower(h.value);
      if (tag.size() >= 3 && std::all_of(tag.begin(), tag.end(), [](unsigned char c) { return std::islower(c); })) {
        b.hashtag = tag;
        b.chirp = "#" + tag;
        return true;
      }
    }
    return false;
  });
  draw("from", [&](const TweetDocument& d, auto&, auto&, BenchQuery& b) {
    if (!plain_name(d.username)) return false;
    b.from = d.username;
    b.chirp = "from:" + d.username;
    return true;
  });
  draw("date", [&](const TweetDocument& d, auto&, auto& good, BenchQuery& b) {
    if (good.empty()) return false;
    // A 61-day window around the tweet, at UTC day bounds (chirp's until: is inclusive).
    int64_t day0 = (d.created_at_ms / kDayMs - 30) * kDayMs, day1 = (d.created_at_ms / kDayMs + 30) * kDayMs;
    b.words = {good[rng() % good.size()]};
    b.since_ms = day0;
    b.until_ms = day1 + kDayMs;
    b.chirp = b.words[0] + " since:" + schema::utc_day(day0) + " until:" + schema::utc_day(day1);
    return true;
  });
  return q;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
}

}  // namespace chirp::search::bench
