// Prometheus counters and histograms with relaxed atomics.
#include "chirp/api/metrics.h"

#include <cstdio>

namespace chirp::api {

Metrics::Metrics(std::vector<std::string> route_labels) : labels_(std::move(route_labels)) {
  labels_.push_back("route=\"unmatched\"");
  slots_ = std::make_unique<Slot[]>(labels_.size());
}

void Metrics::record(int slot, int status, double seconds) {
  if (slot < 0 || slot >= static_cast<int>(labels_.size())) slot = unmatched_slot();
  Slot& s = slots_[slot];
  if (status >= 0 && status < 600) s.by_status[status].fetch_add(1, std::memory_order_relaxed);
  size_t b = 0;
  while (b < kBucketsSeconds.size() && seconds > kBucketsSeconds[b]) ++b;
  s.buckets[b].fetch_add(1, std::memory_order_relaxed);
  s.count.fetch_add(1, std::memory_order_relaxed);
  s.sum_us.fetch_add(static_cast<uint64_t>(seconds * 1e6), std::memory_order_relaxed);
}

void Metrics::add_gauge(Gauge g) { gauges_.push_back(std::move(g)); }

std::string Metrics::render() const {
  // Prometheus text exposition format 0.0.4. Labels are route patterns we
  // wrote ourselves (no quotes or backslashes), so no escaping is needed.
  std::string out;
  char buf[64];
  out += "# HELP chirp_http_requests_total HTTP requests by route pattern and status.\n";
  out += "# TYPE chirp_http_requests_total counter\n";
  for (size_t i = 0; i < labels_.size(); ++i)
    for (int st = 0; st < 600; ++st) {
      uint64_t v = slots_[i].by_status[st].load(std::memory_order_relaxed);
      if (v == 0) continue;
      out += "chirp_http_requests_total{" + labels_[i] + ",status=\"" + std::to_string(st) + "\"} " +
             std::to_string(v) + "\n";
    }
  out += "# HELP chirp_http_request_duration_seconds Time from request parsed to response built.\n";
  out += "# TYPE chirp_http_request_duration_seconds histogram\n";
  for (size_t i = 0; i < labels_.size(); ++i) {
    const Slot& s = slots_[i];
    uint64_t count = s.count.load(std::memory_order_relaxed);
    if (count == 0) continue;
    uint64_t cum = 0;
    const std::string& lbl = labels_[i];
    for (size_t b = 0; b <= kBucketsSeconds.size(); ++b) {
      cum += s.buckets[b].load(std::memory_order_relaxed);
      if (b < kBucketsSeconds.size())
        std::snprintf(buf, sizeof buf, "%g", kBucketsSeconds[b]);
      else
        std::snprintf(buf, sizeof buf, "+Inf");
      out += "chirp_http_request_duration_seconds_bucket{" + lbl + ",le=\"" + buf + "\"} " + std::to_string(cum) + "\n";
    }
    std::snprintf(buf, sizeof buf, "%.6f", static_cast<double>(s.sum_us.load(std::memory_order_relaxed)) / 1e6);
    out += "chirp_http_request_duration_seconds_sum{" + lbl + "} " + buf + "\n";
    out += "chirp_http_request_duration_seconds_count{" + lbl + "} " + std::to_string(count) + "\n";
  }
  for (const auto& g : gauges_) {
    out += "# HELP " + g.name + " " + g.help + "\n# TYPE " + g.name + " gauge\n";
    std::snprintf(buf, sizeof buf, "%.17g", g.value ? g.value() : 0.0);
    out += g.name + " " + buf + "\n";
  }
  return out;
}

}  // namespace chirp::api
