-- Scenario 1, auth brute force: a few attacking IPs POST sign-in attempts as fast as they can.
-- The shipped rule allows 20 a minute per IP: everything else must be 429.
package.path = "bench/scenarios/?.lua;" .. package.path
require "common"
local attackers = tonumber(os.getenv("ATTACKERS") or "10")

function init(args) init_counts() end

request = function()
  local ip = "203.0.113." .. math.random(1, attackers)
  return wrk.format("POST", "/auth/v1/token",
    { ["X-Forwarded-For"] = ip, ["Content-Type"] = "application/json" },
    '{"email":"victim@example.com","password":"guess' .. math.random(1, 1000000) .. '"}')
end

response = function(status, headers, body) count_response(status, headers) end
done = function(summary, latency, requests) report(summary, latency) end
