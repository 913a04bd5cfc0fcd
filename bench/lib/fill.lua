-- bench/lib/fill.lua: wrk script for bench/run's rss-fill case.
--   wrk ... -s fill.lua URL -- START COUNT
-- Requests BASE_PATH?i=START, ?i=START+1, ... up to COUNT distinct URLs, then repeats the last one
-- (a hit) until wrk's duration ends. done() prints "issued N": distinct URLs requested.
local base = "/feed"
counter = 0
local start, limit = 0, 0
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  start = tonumber(args[1]) or 0
  limit = tonumber(args[2]) or 1000
  local p = wrk.path
  if p and p ~= "" and p ~= "/" then base = p end
end

function request()
  local i
  if counter < limit then
    i = start + counter
    counter = counter + 1
  else
    i = start + limit - 1
  end
  return wrk.format("GET", base .. "?i=" .. i)
end

function done(summary, latency, requests)
  local n = 0
  for _, t in ipairs(threads) do n = n + (t:get("counter") or 0) end
  io.write(string.format("issued %d\n", n))
end
