-- POST /pets with a valid JSON body; the request is formatted once and reused.
local body = '{"name": "Rex", "tag": "dog"}'
local headers = { ["Content-Type"] = "application/json", ["X-API-Key"] = "bench" }
local req

init = function(args)
  req = wrk.format("POST", "/pets", headers, body)
end

request = function()
  return req
end
