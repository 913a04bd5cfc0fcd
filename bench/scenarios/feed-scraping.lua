-- Scenario 2, feed scraping: many clients (one IP per request out of 50,000, so the per-IP limit of
-- 100/min does not decide) read the feed as fast as they can, half of them revalidating with the ETag
-- they saw. It must come from the cache: p95 under 250 ms, at most one origin request per 30 s window.
package.path = "bench/scenarios/?.lua;" .. package.path
require "common"

function init(args) init_counts(); etag = nil end

request = function()
  local n = math.random(0, 49999)
  local ip = string.format("10.%d.%d.%d", 100 + math.floor(n / 65536), math.floor(n / 256) % 256, n % 256)
  local headers = { ["X-Forwarded-For"] = ip, ["Accept-Encoding"] = "br, gzip" }
  if etag and math.random() < 0.5 then headers["If-None-Match"] = etag end
  return wrk.format("GET", "/supabase/functions/feed-api", headers)
end

response = function(status, headers, body)
  count_response(status, headers)
  etag = headers["etag"] or etag
end
done = function(summary, latency, requests) report(summary, latency) end
