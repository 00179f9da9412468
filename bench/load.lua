-- wrk script for bench/load.py: each request is one member's vote, rotating over
-- (session cookie, CSRF token, proposal) lines, and the answers are counted by status.
-- Usage: wrk -s bench/load.lua URL -- LINES_FILE
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  reqs = {}
  for line in io.lines(args[1]) do
    local sid, token, path = line:match("^(%S+) (%S+) (%S+)$")
    table.insert(reqs, {sid = sid, token = token, path = path})
  end
  n = id
  accepted, conflict, unavailable, server_error, other, other_status = 0, 0, 0, 0, 0, 0
end

function request()
  n = n + counter_stride()
  local r = reqs[(n % #reqs) + 1]
  local position = (math.floor(n / #reqs) % 2 == 0) and "agree" or "abstain"
  local body = "position=" .. position .. "&reason=load+" .. n .. "&csrf_token=" .. r.token
  return wrk.format("POST", r.path, {
    ["Cookie"] = "copro_session=" .. r.sid,
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, body)
end

function counter_stride()
  return 7919 -- a prime: threads walk the lines in different orders, so members and proposals mix
end

function response(status, headers, body)
  if status == 303 then accepted = accepted + 1
  elseif status == 409 then conflict = conflict + 1
  elseif status == 503 then unavailable = unavailable + 1
  elseif status >= 500 then server_error = server_error + 1
  else other = other + 1; other_status = status end
end

function done(summary, latency, requests)
  local a, c, u, s, o, os = 0, 0, 0, 0, 0, 0
  for _, t in ipairs(threads) do
    a = a + t:get("accepted"); c = c + t:get("conflict"); u = u + t:get("unavailable")
    s = s + t:get("server_error"); o = o + t:get("other")
    if t:get("other_status") ~= 0 then os = t:get("other_status") end
  end
  io.write(string.format(
    'COPRO_LOAD {"accepted": %d, "conflict": %d, "unavailable": %d, "server_error": %d, "other": %d, "other_status": %d, ' ..
    '"requests": %d, "seconds": %.3f, "socket_errors": %d, "p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f}\n',
    a, c, u, s, o, os, summary.requests, summary.duration / 1e6,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
