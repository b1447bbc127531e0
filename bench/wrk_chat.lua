-- POST /v1/chat/completions (no stream); the request is formatted once and reused.
local body = '{"model": "gpt-4o", "messages": [{"role": "user", "content": "Say hello"}], "max_tokens": 24}'
local headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer sk-bench" }
local req

init = function(args)
  req = wrk.format("POST", "/v1/chat/completions", headers, body)
end

request = function()
  return req
end
