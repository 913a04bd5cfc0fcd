-- bench/soak/mix.lua: the soak's mixed load, one request shape per slot of 20:
--   8 cache hits on the immutable app bundle (6 Brotli; 2 identity, sent from its memory file with sendfile),
--   3 feed requests (hits, then stale-while-revalidate),
--   3 misses (a new query each time on an immutable asset: stored, then evicted from a small cache),
--   2 bypasses (/rest, from a random client IP), 2 limited POSTs (/auth, 64 client IPs: many get 429),
--   2 /rpc calls (limited with a burst, random IPs).
-- Statuses are counted per thread and summed in done(); anything but 200, 304 and 429 is an error.
local threads = {}
local thread_id = 0

function setup(thread)
  thread_id = thread_id + 1
  thread:set("id", thread_id)
  table.insert(threads, thread)
end

function init(args)
  counter = 0
  statuses = {}
  math.randomseed(id * 7919)
end

local function ip()
  return string.format("198.%d.%d.%d", math.random(18, 19), math.random(0, 255), math.random(1, 254))
end

request = function()
  counter = counter + 1
  local slot = counter % 20
  if slot < 6 then
    return wrk.format("GET", "/_app/immutable/app.3f2a9c.js", { ["Accept-Encoding"] = "br, gzip" })
  elseif slot < 8 then
    return wrk.format("GET", "/_app/immutable/app.3f2a9c.js")
  elseif slot < 11 then
    return wrk.format("GET", "/supabase/functions/feed-api", { ["Accept-Encoding"] = "gzip" })
  elseif slot < 14 then
    return wrk.format("GET", "/assets/logo.5d1e07.svg?v=" .. id .. "-" .. counter)
  elseif slot < 16 then
    return wrk.format("GET", "/rest/v1/posts", { ["X-Forwarded-For"] = ip() })
  elseif slot < 18 then
    return wrk.format("POST", "/auth/v1/token", { ["X-Forwarded-For"] = "203.0.113." .. math.random(1, 64),
      ["Content-Type"] = "application/json" }, '{"email":"a@b.c","password":"x"}')
  else
    return wrk.format("POST", "/rpc/get_feed", { ["X-Forwarded-For"] = ip(), ["Content-Type"] = "application/json" }, "{}")
  end
end

response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

done = function(summary, latency, requests)
  local totals = {}
  for _, thread in ipairs(threads) do
    local counted = thread:get("statuses")
    for status, count in pairs(counted) do
      totals[status] = (totals[status] or 0) + count
    end
  end
  local line = "statuses"
  for status, count in pairs(totals) do
    line = line .. " " .. status .. "=" .. count
  end
  io.write(line .. "\n")
  io.write(string.format("socket_errors connect=%d read=%d write=%d timeout=%d\n",
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout))
  io.write(string.format("latency_ms p50=%.2f p99=%.2f max=%.2f\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
