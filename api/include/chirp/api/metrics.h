// Metrics: request counters by route and status, and a latency histogram per
// route, rendered in the Prometheus text format for GET /metrics.
//
// Recording is lock-free (relaxed atomics in arrays sized at start-up), so the
// hot path costs a few atomic adds. Extra gauges (indexer lag, LMDB map use)
// come from providers registered before the server starts.
#pragma once

#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace chirp::api {

class Metrics {
 public:
  // One slot per label set (Prometheus label text, e.g. `method="GET",route="/health"`),
  // plus a last one, route="unmatched" (404, 405, static files).
  explicit Metrics(std::vector<std::string> route_labels);

  static constexpr std::array<double, 12> kBucketsSeconds{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                          0.01,   0.025,   0.05,   0.1,   0.5,    1.0};

  int unmatched_slot() const { return static_cast<int>(labels_.size()) - 1; }
  void record(int route_slot, int status, double seconds);

  // A gauge computed at scrape time: name, help, value.
  struct Gauge {
    std::string name;
    std::string help;
    std::function<double()> value;
  };
  void add_gauge(Gauge g);  // call before serving

  std::string render() const;

 private:
  struct Slot {
    std::array<std::atomic<uint64_t>, 600> by_status{};  // index = status code
    std::array<std::atomic<uint64_t>, kBucketsSeconds.size() + 1> buckets{};
    std::atomic<uint64_t> count{0};
    std::atomic<uint64_t> sum_us{0};
  };
  std::vector<std::string> labels_;
  std::unique_ptr<Slot[]> slots_;
  std::vector<Gauge> gauges_;
};

}  // namespace chirp::api
