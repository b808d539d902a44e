-- wrk script for bench/load.py: one outcheck API path per request, with a bearer token, and a
-- summary as one JSON line ("LOAD {...}") at the end.
--   wrk ... -s outcheck.lua URL -- MODE TOKEN_FILE IDS_FILE CLOSE
-- MODE: view (GET /api/requests/ID, the ids taken in turn from IDS_FILE, each thread from its own
-- offset) or list (GET /api/requests?limit=50). CLOSE: 1 sends "Connection: close" on every
-- request, so every request is a new connection; 0 keeps connections alive.
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

local function read_lines(path)
  local out = {}
  for line in io.lines(path) do
    if #line > 0 then out[#out + 1] = line end
  end
  return out
end

function init(args)
  mode = args[1]
  local token = read_lines(args[2])[1]
  close = args[4] == "1"
  wrk.headers["Authorization"] = "Bearer " .. token
  wrk.headers["Accept"] = "application/json"
  if close then wrk.headers["Connection"] = "close" end
  ids = read_lines(args[3])
  -- Each thread walks the ids from its own starting point, so threads do not move in step.
  next_id = (id * 7919) % #ids
  non2xx = 0
  responses = 0
  statuses = {}
  if mode == "list" then
    list_request = wrk.format("GET", "/api/requests?limit=50")
  end
end

function request()
  if mode == "list" then return list_request end
  next_id = next_id % #ids + 1
  return wrk.format("GET", "/api/requests/" .. ids[next_id])
end

function response(status, headers, body)
  responses = responses + 1
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    statuses[status] = (statuses[status] or 0) + 1
  end
end

function done(summary, latency, requests)
  local non2xx_total, seen = 0, 0
  local by_status = {}
  for _, t in ipairs(threads) do
    non2xx_total = non2xx_total + t:get("non2xx")
    seen = seen + t:get("responses")
    local s = t:get("statuses")
    for k, v in pairs(s) do by_status[#by_status + 1] = string.format('"%d": %d', k, v) end
  end
  local e = summary.errors
  io.write(string.format(
    'LOAD {"requests": %d, "duration_us": %d, "bytes": %d, "responses_seen": %d, "non2xx": %d, ' ..
    '"non2xx_by_status": {%s}, "errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"p50": %d, "p90": %d, "p99": %d, "max": %d, "mean": %.1f}}\n',
    summary.requests, summary.duration, summary.bytes, seen, non2xx_total, table.concat(by_status, ", "),
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
