// Helpers shared by the in-process LogFollower tests of tests/split: waiting
// for a follower's background thread, and reading one field of GET /ready.
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <thread>

#include "chirp/api/services.h"

namespace chirp::split_test {

// Polls pred every 10 ms until it holds (true) or `limit` passes (false).
template <typename Pred>
bool eventually(Pred pred, std::chrono::seconds limit = std::chrono::seconds(15)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

// The value of one /ready field; fails the test if the report lacks it.
inline int64_t ready_field(const api::ReadyReport& r, const std::string& name) {
  for (const auto& [k, v] : r.fields)
    if (k == name) return v;
  FAIL("no field " << name);
  return -1;
}

}  // namespace chirp::split_test
