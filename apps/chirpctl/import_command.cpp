// chirpctl import FILE.jsonl [--password PW]
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "chirp/engine/engine.h"
#include "commands.h"
#include "progress.h"

namespace chirp::ctl {

namespace {
constexpr size_t kBatch = 10000;
constexpr int kMaxReportedErrors = 10;

// Parses one line; false (with a reason) if it is not a valid record.
bool parse_record(const std::string& line, engine::ImportRecord* out, std::string* why) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag>(line.c_str(), line.size());
  if (doc.HasParseError()) {
    *why = rapidjson::GetParseError_En(doc.GetParseError());
    return false;
  }
  if (!doc.IsObject()) {
    *why = "not a JSON object";
    return false;
  }
  auto user = doc.FindMember("user"), text = doc.FindMember("text"), ts = doc.FindMember("ts");
  if (user == doc.MemberEnd() || !user->value.IsString() || text == doc.MemberEnd() ||
      !text->value.IsString() || ts == doc.MemberEnd() || !ts->value.IsInt64()) {
    *why = "expected {\"user\": string, \"text\": string, \"ts\": integer}";
    return false;
  }
  out->user.assign(user->value.GetString(), user->value.GetStringLength());
  out->text.assign(text->value.GetString(), text->value.GetStringLength());
  out->ts_seconds = ts->value.GetInt64();
  return true;
}
}  // namespace

int run_import(const Args& args) {
  const std::string& path = args.positional[0];
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "chirpctl import: cannot read %s\n", path.c_str());
    return 1;
  }
  std::error_code ec;
  const uint64_t total_bytes = std::filesystem::file_size(path, ec);

  engine::EngineOptions options;
  options.data_dir = args.data_dir;
  auto opened = engine::Engine::open(options);
  if (!opened.ok()) {
    std::fprintf(stderr, "chirpctl import: %s\n", opened.status().message().c_str());
    return 1;
  }
  engine::Engine& eng = **opened;
  std::string password_hash;  // "" = imported users cannot log in
  if (args.has_password) {
    auto h = eng.hash_password(args.password);
    if (!h.ok()) {
      std::fprintf(stderr, "chirpctl import: --password: %s\n", h.status().message().c_str());
      return 2;
    }
    password_hash = *h;
  }

  Progress progress("imported", total_bytes);
  engine::ImportStats total;
  uint64_t bad_lines = 0, line_no = 0, bytes = 0;
  std::vector<engine::ImportRecord> batch;
  batch.reserve(kBatch);
  auto flush = [&]() -> bool {
    if (batch.empty()) return true;
    auto r = eng.import_batch(batch, password_hash);
    batch.clear();
    if (!r.ok()) {
      std::fprintf(stderr, "\nchirpctl import: %s\n", r.status().message().c_str());
      return false;
    }
    total.tweets += r->tweets;
    total.users_created += r->users_created;
    total.rejected += r->rejected;
    progress.update(bytes, total.tweets);
    return true;
  };
  std::string line;
  while (std::getline(in, line)) {
    ++line_no;
    bytes += line.size() + 1;
    if (line.empty()) continue;
    engine::ImportRecord rec;
    std::string why;
    if (!parse_record(line, &rec, &why)) {
      if (++bad_lines <= kMaxReportedErrors)
        std::fprintf(stderr, "chirpctl import: %s:%llu: %s\n", path.c_str(),
                     static_cast<unsigned long long>(line_no), why.c_str());
      continue;
    }
    batch.push_back(std::move(rec));
    if (batch.size() == kBatch && !flush()) return 1;
  }
  if (!flush()) return 1;
  progress.finish(total.tweets);
  // Durable already; now wait until it is searchable too, and commit the index.
  Progress indexing("indexed (changes)", eng.last_change_seq());
  const uint64_t target = eng.last_change_seq();
  auto unhealthy_since = std::chrono::steady_clock::time_point::max();
  for (;;) {
    Status s = eng.wait_until_searchable(target, std::chrono::milliseconds(250));
    if (s.ok()) break;
    // The feeder retries failures itself; give up only when they persist.
    if (Status h = eng.search_health(); !h.ok()) {
      auto now = std::chrono::steady_clock::now();
      unhealthy_since = std::min(unhealthy_since, now);
      if (now - unhealthy_since > std::chrono::seconds(60)) {
        std::fprintf(stderr, "\nchirpctl import: search index: %s\n", h.message().c_str());
        return 1;
      }
    } else {
      unhealthy_since = std::chrono::steady_clock::time_point::max();
    }
    indexing.update(eng.searchable_seq(), eng.searchable_seq());
  }
  if (Status s = eng.flush_search(); !s.ok()) {
    std::fprintf(stderr, "chirpctl import: search index commit: %s\n", s.message().c_str());
    return 1;
  }
  indexing.finish(target);
  std::printf("tweets: %llu\nusers_created: %llu\nrejected: %llu\nbad_lines: %llu\n",
              static_cast<unsigned long long>(total.tweets),
              static_cast<unsigned long long>(total.users_created),
              static_cast<unsigned long long>(total.rejected),
              static_cast<unsigned long long>(bad_lines));
  return 0;
}

}  // namespace chirp::ctl
