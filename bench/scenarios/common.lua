-- bench/scenarios/common.lua: what every scenario script shares: status and X-Cache counts per thread,
-- summed in done() and printed as `key value` lines the runner reads.
local threads = {}
local thread_id = 0

function setup(thread)
  thread_id = thread_id + 1
  thread:set("id", thread_id)
  table.insert(threads, thread)
end

function count_response(status, headers)
  statuses[status] = (statuses[status] or 0) + 1
  local cache = headers["x-cache"] or headers["X-Cache"] or "none"
  caches[cache] = (caches[cache] or 0) + 1
end

function init_counts()
  statuses = {}
  caches = {}
  math.randomseed(id * 104729 + os.time())
end

function report(summary, latency)
  local status_totals, cache_totals = {}, {}
  for _, thread in ipairs(threads) do
    for k, v in pairs(thread:get("statuses")) do status_totals[k] = (status_totals[k] or 0) + v end
    for k, v in pairs(thread:get("caches")) do cache_totals[k] = (cache_totals[k] or 0) + v end
  end
  for k, v in pairs(status_totals) do io.write(string.format("status %s %d\n", k, v)) end
  for k, v in pairs(cache_totals) do io.write(string.format("cache %s %d\n", k, v)) end
  io.write(string.format("requests %d\n", summary.requests))
  io.write(string.format("socket_errors %d\n",
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
  io.write(string.format("latency_ms p50 %.2f p95 %.2f p99 %.2f max %.2f\n", latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
