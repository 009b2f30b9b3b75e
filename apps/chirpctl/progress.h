// A one-line progress display (done/total, rate, ETA) for a terminal; silent
// when stderr is not a terminal, except for the final summary.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace chirp::ctl {

class Progress {
 public:
  Progress(std::string what, uint64_t total);  // total in the same unit as update()
  void update(uint64_t done, uint64_t items);  // done: position (e.g. bytes); items: records
  void finish(uint64_t items);

 private:
  std::string what_;
  uint64_t total_;
  bool tty_;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace chirp::ctl
