counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", "/feed/item-" .. (counter % 5000 + 1))
end
