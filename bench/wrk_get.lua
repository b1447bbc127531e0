-- GET /pets/{id}, id cycling through 1..1000 so the load is not a single URL.
local i = 0

request = function()
  i = (i % 1000) + 1
  return wrk.format("GET", "/pets/" .. i)
end
