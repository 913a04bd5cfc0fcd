-- Scenario 3, action spam: a few accounts' IPs hammer an action (like a post) over RPC. The shipped
-- data-api rule allows 100 a minute and 20 a second per IP: the rest must be 429.
package.path = "bench/scenarios/?.lua;" .. package.path
require "common"
local spammers = tonumber(os.getenv("SPAMMERS") or "5")

function init(args) init_counts() end

request = function()
  local ip = "198.51.100." .. math.random(1, spammers)
  return wrk.format("POST", "/rpc/like_post",
    { ["X-Forwarded-For"] = ip, ["Content-Type"] = "application/json" }, '{"post_id":' .. math.random(1, 500) .. '}')
end

response = function(status, headers, body) count_response(status, headers) end
done = function(summary, latency, requests) report(summary, latency) end
