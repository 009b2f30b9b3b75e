// Runs twitter-text's hit_highlighting.yml against chirp::search::highlight.
#include <catch2/catch.hpp>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <iostream>

#include "chirp/search/highlight.h"

TEST_CASE("hit_highlighting conformance (twitter-text)", "[search][highlight][conformance]") {
  if (!std::filesystem::exists(CHIRP_HIT_HIGHLIGHTING_YML)) {
    WARN("conformance file missing: " << CHIRP_HIT_HIGHLIGHTING_YML);
    return;
  }
  YAML::Node root = YAML::LoadFile(CHIRP_HIT_HIGHLIGHTING_YML);
  int passed = 0, total = 0;
  for (const auto& group : root["tests"]) {
    for (const auto& tc : group.second) {
      ++total;
      chirp::search::Ranges ranges;
      for (const auto& h : tc["hits"]) ranges.emplace_back(h[0].as<int>(), h[1].as<int>());
      std::string got = chirp::search::highlight(tc["text"].as<std::string>(), ranges);
      std::string want = tc["expected"].as<std::string>();
      if (got == want) ++passed;
      else std::cout << "hit_highlighting FAIL: " << tc["description"].as<std::string>() << "\n  got:  " << got
                     << "\n  want: " << want << "\n";
    }
  }
  std::cout << "hit_highlighting: " << passed << "/" << total << " passed" << std::endl;
  REQUIRE(total > 0);
  CHECK(passed == total);
}
