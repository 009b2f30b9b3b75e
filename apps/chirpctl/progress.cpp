#include "progress.h"

#include <unistd.h>

#include <cstdio>

namespace chirp::ctl {

Progress::Progress(std::string what, uint64_t total)
    : what_(std::move(what)), total_(total), tty_(isatty(STDERR_FILENO) == 1) {
  start_ = last_draw_ = std::chrono::steady_clock::now();
}

void Progress::update(uint64_t done, uint64_t items) {
  if (!tty_) return;
  auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < std::chrono::milliseconds(200)) return;
  last_draw_ = now;
  double secs = std::chrono::duration<double>(now - start_).count();
  double rate = secs > 0 ? items / secs : 0;
  double frac = total_ ? static_cast<double>(done) / total_ : 0;
  double eta = frac > 0 ? secs * (1 - frac) / frac : 0;
  std::fprintf(stderr, "\r%s: %llu (%.1f%%), %.0f/s, ETA %.0fs   ", what_.c_str(),
               static_cast<unsigned long long>(items), frac * 100, rate, eta);
  std::fflush(stderr);
}

void Progress::finish(uint64_t items) {
  double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::fprintf(stderr, "%s%s: %llu in %.1fs (%.0f/s)\n", tty_ ? "\r" : "", what_.c_str(),
               static_cast<unsigned long long>(items), secs, secs > 0 ? items / secs : 0.0);
}

}  // namespace chirp::ctl
