// twitter_text_conformance: runs twitter-text's conformance suite against
// chirp::text.
//
//   twitter_text_conformance <conformance/twitter-text folder> [--known-failures FILE]
//
// Prints "section: P/N passed" per section and a final
// "twitter-text conformance: P passed, F failed" line. Failures listed in the
// known-failures file ("<file>/<section>: <description>", '#' comments) are
// reported as KNOWN and do not fail the run; any other failure exits 1. A
// missing folder prints SKIPPED and exits 0 (the suite lives outside the repo).
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <string>

#include "conformance_checks.h"

namespace fs = std::filesystem;
using chirp::conformance::Configs;

namespace {

std::set<std::string> load_known(const std::string& path) {
  std::set<std::string> known;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (auto hash = line.find("    #"); hash != std::string::npos) line.resize(hash);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    known.insert(line);
  }
  return known;
}

Configs load_configs(const fs::path& dir) {
  Configs c{chirp::text::config_v2(), chirp::text::config_v2(), chirp::text::config_v3()};
  c.v1.version = 1;
  c.v1.max_weighted_tweet_length = 140;
  c.v1.scale = 1;
  c.v1.default_weight = 1;
  c.v1.ranges.clear();
  c.v1.emoji_parsing_enabled = false;
  if (fs::exists(dir / "config" / "v1.json"))
    c.v1 = chirp::conformance::load_config(dir / "config" / "v1.json");
  if (fs::exists(dir / "config" / "v2.json"))
    c.v2 = chirp::conformance::load_config(dir / "config" / "v2.json");
  if (fs::exists(dir / "config" / "v3.json"))
    c.v3 = chirp::conformance::load_config(dir / "config" / "v3.json");
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: " << argv[0]
              << " <conformance/twitter-text dir> [--known-failures FILE]\n";
    return 2;
  }
  const fs::path dir = argv[1];
  std::set<std::string> known;
  for (int i = 2; i + 1 < argc; ++i) {
    if (std::string(argv[i]) == "--known-failures") known = load_known(argv[i + 1]);
  }
  if (!fs::is_directory(dir)) {
    std::cout << "SKIPPED: conformance folder not found at " << dir.string() << "\n";
    return 0;
  }

  const Configs configs = load_configs(dir);
  // Our built-in configs must be the published ones.
  int passed = 0, failed = 0, known_failed = 0;
  for (auto [name, ours, theirs] :
       {std::tuple{"config/v2.json", chirp::text::config_v2(), configs.v2},
        std::tuple{"config/v3.json", chirp::text::config_v3(), configs.v3}}) {
    bool same = ours.max_weighted_tweet_length == theirs.max_weighted_tweet_length &&
                ours.scale == theirs.scale && ours.default_weight == theirs.default_weight &&
                ours.transformed_url_length == theirs.transformed_url_length &&
                ours.emoji_parsing_enabled == theirs.emoji_parsing_enabled &&
                ours.ranges.size() == theirs.ranges.size();
    for (std::size_t i = 0; same && i < ours.ranges.size(); ++i) {
      same = ours.ranges[i].start == theirs.ranges[i].start &&
             ours.ranges[i].end == theirs.ranges[i].end &&
             ours.ranges[i].weight == theirs.ranges[i].weight;
    }
    std::cout << name << ": built-in config " << (same ? "matches" : "DIFFERS") << "\n";
    same ? ++passed : ++failed;
  }

  for (const char* file : {"extract.yml", "tlds.yml", "validate.yml"}) {
    const fs::path path = dir / file;
    if (!fs::exists(path)) {
      std::cout << file << ": missing, skipped\n";
      continue;
    }
    const YAML::Node root = YAML::LoadFile(path.string());
    for (const auto& section : root["tests"]) {
      const std::string name = section.first.as<std::string>();
      const auto check = chirp::conformance::check_for(file, name, configs);
      const std::string label = std::string(file) + "/" + name;
      if (!check) {
        std::cout << label << ": skipped (" << section.second.size() << " cases, no checker)\n";
        continue;
      }
      int p = 0, n = 0;
      for (const auto& test : section.second) {
        ++n;
        const std::string description = test["description"].as<std::string>();
        std::string diff;
        try {
          diff = (*check)(test);
        } catch (const std::exception& e) {
          diff = std::string("exception: ") + e.what();
        }
        if (diff.empty()) {
          ++p;
          continue;
        }
        if (known.count(label + ": " + description)) {
          ++known_failed;
          std::cout << "  KNOWN FAILURE " << label << ": " << description << " -- " << diff << "\n";
        } else {
          ++failed;
          std::cout << "  FAIL " << label << ": " << description << " -- " << diff << "\n";
        }
      }
      passed += p;
      std::cout << label << ": " << p << "/" << n << " passed\n";
    }
  }
  std::cout << "twitter-text conformance: " << passed << " passed, " << failed + known_failed
            << " failed";
  if (known_failed) std::cout << " (" << known_failed << " known, listed in known_failures.txt)";
  std::cout << "\n";
  return failed == 0 ? 0 : 1;
}
