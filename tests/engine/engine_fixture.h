// A fresh engine on a temporary data folder, with cheap password hashing.
#pragma once

#include <catch2/catch.hpp>

#include "chirp/engine/engine.h"
#include "chirp/storage/tables.h"
#include "temp_dir.h"

namespace chirp::testing {

struct EngineFixture {
  TempDir dir{"chirp-engine"};
  std::unique_ptr<engine::Engine> engine;

  explicit EngineFixture(engine::EngineOptions options = {}) {
    if (options.data_dir == "./data") options = engine::EngineOptions::for_tests(dir.path());
    auto e = engine::Engine::open(options);
    REQUIRE(e.ok());
    engine = std::move(e).value();
  }
  engine::Engine& operator*() { return *engine; }
  engine::Engine* operator->() { return engine.get(); }

  uint64_t user(const std::string& name) {
    auto u = engine->register_user(name, "password123");
    REQUIRE(u.ok());
    return u->id;
  }
  uint64_t post(uint64_t author, const std::string& text) {
    auto t = engine->post_tweet(author, text);
    REQUIRE(t.ok());
    return t->id;
  }
};

// Test options without the search index: for tests that arm storage faults
// (its feeder would read the store from another thread while they are armed).
inline engine::EngineOptions options_without_search(const std::string& dir) {
  auto o = engine::EngineOptions::for_tests(dir);
  o.search = false;
  return o;
}

inline std::vector<uint64_t> ids_of(const std::vector<engine::Tweet>& tweets) {
  std::vector<uint64_t> out;
  for (const auto& t : tweets) out.push_back(t.id);
  return out;
}

}  // namespace chirp::testing
