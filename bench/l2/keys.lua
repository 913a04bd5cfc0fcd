-- Each request a different key, so every request on a fresh instance is an L1 miss.
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", "/feed/item-" .. counter)
end
