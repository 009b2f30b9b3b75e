// chirpctl import FILE.jsonl [--password PW]
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include "chirp/engine/engine.h"
#include "commands.h"
#include "progress.h"

namespace chirp::ctl {

namespace {
// Records per LMDB transaction: a small first one, so that the index
// builders start early, then large ones, because a commit writes out every
// page it touched and the per-author tables (timelines, users) are touched
// all over by any batch (at 1M, 100,000 instead of 10,000: the writer thread
// 8.3 -> 5.7 CPU s, its kernel time 3.2 -> 0.6 s; perf, 199 Hz).
constexpr size_t kFirstBatch = 10000;
constexpr size_t kBatch = 100000;
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
  // The index is built in bulk (parallel segments, one merge), far faster than
  // following the log change by change, and beside the import: a second
  // thread feeds each imported batch's changes to the segment builders while
  // this one parses and writes the next (measured at 1M: the index build
  // alone 2.44x a plain Xapian loop, the import 1.88x when it ran after the
  // LMDB side instead of beside it; docs/benchmarks.md).
  eng.pause_search();
  std::atomic<bool> importing{true};
  Status index_status = Status::Ok();
  std::thread indexer(
      [&] { index_status = eng.catch_up_search(nullptr, [&] { return importing.load(); }); });
  // Ends the import and waits for the index: below, and on every early return.
  auto finish_index = [&] {
    importing = false;
    if (indexer.joinable()) indexer.join();
  };
  struct AtExit {
    std::function<void()> f;
    ~AtExit() { f(); }
  } at_exit{finish_index};
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
  bool flushed_any = false;
  auto flush = [&]() -> bool {
    if (batch.empty()) return true;
    flushed_any = true;
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
    if (batch.size() == (flushed_any ? kBatch : kFirstBatch) && !flush()) return 1;
  }
  if (!flush()) return 1;
  progress.finish(total.tweets);
  // Durable already; now wait until it is searchable too and the index committed.
  const uint64_t target = eng.last_change_seq();
  Progress indexing("indexed (changes)", target);  // its time: the wait after the import
  finish_index();
  if (!index_status.ok()) {
    std::fprintf(stderr, "\nchirpctl import: search index: %s\n", index_status.message().c_str());
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
