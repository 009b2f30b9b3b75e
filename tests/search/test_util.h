// Helpers for search tests: a temporary folder removed afterwards, and
// tweets built like the engine builds them (snowflake ids, entities).
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

#include "chirp/search/types.h"

namespace chirp::search::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "chirp-search-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string path() const { return path_; }
  std::string sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline constexpr int64_t kEpoch2020Ms = 1577836800000;  // 2020-01-01T00:00:00Z

inline uint64_t snowflake(int64_t created_ms, uint64_t sequence) {
  return (static_cast<uint64_t>(created_ms - kEpoch2020Ms) << 22) | (sequence & 0xfff);
}

// Entities of ASCII test texts: #tag @user $CASH and http(s):// links.
inline chirp::text::Entities simple_entities(const std::string& text) {
  chirp::text::Entities e;
  size_t i = 0;
  while (i < text.size()) {
    size_t j = text.find(' ', i);
    if (j == std::string::npos) j = text.size();
    std::string tok = text.substr(i, j - i);
    int s = static_cast<int>(i), end = static_cast<int>(j);
    if (tok.size() > 1 && tok[0] == '#') e.hashtags.push_back({tok.substr(1), s, end});
    else if (tok.size() > 1 && tok[0] == '@') e.mentions.push_back({tok.substr(1), s, end});
    else if (tok.size() > 1 && tok[0] == '$') e.cashtags.push_back({tok.substr(1), s, end});
    else if (tok.rfind("http://", 0) == 0 || tok.rfind("https://", 0) == 0) e.urls.push_back({tok, s, end});
    i = j + 1;
  }
  return e;
}

inline TweetDocument tweet(int64_t created_ms, uint64_t sequence, uint64_t author_id, const std::string& username,
                           const std::string& text, uint64_t reply_to = 0, const std::string& reply_user = "") {
  TweetDocument t;
  t.id = snowflake(created_ms, sequence);
  t.author_id = author_id;
  t.username = username;
  t.display_name = username + " display";
  t.text = text;
  t.created_at_ms = created_ms;
  t.in_reply_to_id = reply_to;
  t.in_reply_to_username = reply_user;
  t.entities = simple_entities(text);
  return t;
}

}  // namespace chirp::search::testing
