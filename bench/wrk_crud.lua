-- Alternates POST /pets (create) and GET /pets/{id} (read) on the stateful petstore.
-- Reads trail the creates by 64 ids, more than the connections in flight, so every id read
-- has been created; bench/state.py creates 100 pets before the load starts.
local body = '{"name": "Rex", "tag": "dog"}'
local headers = { ["Content-Type"] = "application/json" }
local n = 0

request = function()
  n = n + 1
  if n % 2 == 1 then
    return wrk.format("POST", "/pets", headers, body)
  end
  local id = math.max(1, math.floor(n / 2) + 100 - 64)
  return wrk.format("GET", "/pets/" .. id)
end
