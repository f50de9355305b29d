-- wrk script: send the bearer token, print p50/p95/p99 latency (ms) and requests/s as one JSON line.
local token = os.getenv("BENCH_TOKEN") or ""
wrk.headers["Authorization"] = "Bearer " .. token

done = function(summary, latency, requests)
  io.write(string.format('{"p50_ms": %.3f, "p95_ms": %.3f, "p99_ms": %.3f, "rps": %.1f, "errors": %d}\n',
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.requests / (summary.duration / 1e6),
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
