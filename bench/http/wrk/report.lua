-- Shared by every wrk script of the HTTP benchmark: one machine-readable result line.
-- Errors: wrk counts a response with status >= 400 in summary.errors.status (all
-- measured routes answer 200 or 201, and 3xx never occurs: the preflight checks
-- each route's status before measuring), plus connect/read/write/timeout errors.
function done(summary, latency, requests)
  local secs = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests":%d,"seconds":%.3f,"rps":%.1f,"p50_ms":%.3f,"p90_ms":%.3f,' ..
    '"p99_ms":%.3f,"max_ms":%.3f,"non2xx":%d,"socket_errors":%d,"timeouts":%d}\n',
    summary.requests, secs, summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    e.status, e.connect + e.read + e.write, e.timeout))
end
