-- bench/lib/pace.lua: paces each wrk connection to one request every BENCH_INTERVAL_MS milliseconds, so
-- that C connections make about C * 1000 / interval requests per second: a fixed rate far below
-- saturation, where latency is the server's and not the queue's. (wrk2's constant-throughput mode is not
-- in Debian; wrk's delay() is the way to pace it. Latency is measured from each send, so it is not
-- corrected for coordinated omission — which matters only near saturation, not at the rates used here.)
local interval = tonumber(os.getenv("BENCH_INTERVAL_MS") or "10")

function delay()
  return interval
end
