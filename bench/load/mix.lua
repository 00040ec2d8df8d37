-- The Monday-morning mix in one wrk script: each request drawn by weight among the request types
-- of bench/load/run.py (teachers, agents, vendor). Accounts, cookies, CSRF tokens and bearer tokens
-- come from the data file run.py writes (LOAD_DATA), logged in beforehand through the login page.
--
-- A response counts as an error unless 2xx/3xx; a 3xx to the login page (session lost) and a 200
-- carrying a form error (`errorlist`: a POST refused) count as errors too. done() prints one JSON
-- line: requests, per-type counts, errors, latency percentiles (µs) and 1,000 quantiles for merging
-- the processes' distributions.

local data = dofile(os.getenv("LOAD_DATA"))
local threads = {}
local nthread = 0

function setup(thread)
  nthread = nthread + 1
  thread:set("tid", nthread)
  table.insert(threads, thread)
end

-- globals: done() reads them from each thread (thread:get copies tables)
counts, statuses = {}, {}
bad, bad_login, bad_form = 0, 0, 0
local cumulative, total_weight = {}, 0
local serial = 0

function init(args)
  math.randomseed(tid * 7919 + (tonumber(os.getenv("LOAD_SEED") or "1")))
  for _, t in ipairs(data.types) do
    total_weight = total_weight + t.weight
    table.insert(cumulative, {total_weight, t})
    counts[t.name] = 0
  end
end

local function pick(list) return list[math.random(#list)] end

local function form(fields)
  local parts = {}
  for k, v in pairs(fields) do
    table.insert(parts, k .. "=" .. tostring(v):gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
  end
  return table.concat(parts, "&")
end

local builders = {}

builders.teacher_my_tickets = function()
  local u = pick(data.teachers)
  return wrk.format("GET", "/mes-demandes/", {Cookie = u.cookie})
end
builders.teacher_ticket = function()
  local u = pick(data.teachers)
  return wrk.format("GET", "/demandes/" .. pick(u.refs) .. "/", {Cookie = u.cookie})
end
builders.teacher_report_form = function()
  local u = pick(data.teachers)
  return wrk.format("GET", "/signaler/", {Cookie = u.cookie})
end
builders.teacher_report_post = function()
  local u = pick(data.teachers)
  serial = serial + 1
  local body = form({csrfmiddlewaretoken = u.csrf, school = data.school, category = "usage", service = "",
                     title = "Je n'arrive pas à publier dans le cahier de textes (" .. tid .. "-" .. serial .. ")",
                     description = "Le bouton Publier reste grisé depuis ce matin.", impact = 3, urgency = 2, contact = ""})
  return wrk.format("POST", "/signaler/", {Cookie = u.cookie, ["Content-Type"] = "application/x-www-form-urlencoded",
                                           ["X-CSRFToken"] = u.csrf, Referer = data.base .. "/signaler/"}, body)
end
builders.agent_board = function()
  local u = pick(data.agents)
  return wrk.format("GET", "/guichets/" .. data.desk .. "/", {Cookie = u.cookie})
end
builders.agent_ticket = function()
  local u = pick(data.agents)
  return wrk.format("GET", "/demandes/" .. pick(data.backlog) .. "/", {Cookie = u.cookie})
end
builders.agent_comment_post = function()
  local u = pick(data.agents)
  local ref = pick(data.backlog)
  local body = form({csrfmiddlewaretoken = u.csrf, body = "Vu, je regarde."})
  return wrk.format("POST", "/demandes/" .. ref .. "/message/", {Cookie = u.cookie, ["Content-Type"] = "application/x-www-form-urlencoded",
                                                                ["X-CSRFToken"] = u.csrf, Referer = data.base .. "/demandes/" .. ref .. "/"}, body)
end
builders.vendor_api_list = function()
  local v = pick(data.vendors)
  return wrk.format("GET", "/api/v1/tickets/?page_size=50", {Authorization = "Bearer " .. v, Accept = "application/json"})
end

function request()
  local r = math.random() * total_weight
  for _, c in ipairs(cumulative) do
    if r <= c[1] then
      counts[c[2].name] = counts[c[2].name] + 1
      return builders[c[2].name]()
    end
  end
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status < 200 or status >= 400 then
    bad = bad + 1
  elseif status >= 300 then
    local loc = headers["Location"] or headers["location"] or ""
    if loc:find("/connexion/", 1, true) then bad = bad + 1; bad_login = bad_login + 1 end
  elseif body and body:find("errorlist", 1, true) then
    bad = bad + 1; bad_form = bad_form + 1
  end
end

function done(summary, latency, requests)
  local agg_counts, agg_status = {}, {}
  local agg_bad, agg_login, agg_form = 0, 0, 0
  for _, thread in ipairs(threads) do
    for k, v in pairs(thread:get("counts") or {}) do agg_counts[k] = (agg_counts[k] or 0) + v end
    for k, v in pairs(thread:get("statuses") or {}) do local key = tostring(k); agg_status[key] = (agg_status[key] or 0) + v end
    agg_bad = agg_bad + (thread:get("bad") or 0)
    agg_login = agg_login + (thread:get("bad_login") or 0)
    agg_form = agg_form + (thread:get("bad_form") or 0)
  end
  local q = {}
  for i = 1, 1000 do q[i] = latency:percentile(i / 10) end
  local function obj(t)
    local parts = {}
    for k, v in pairs(t) do table.insert(parts, string.format("%q:%d", tostring(k), v)) end
    return "{" .. table.concat(parts, ",") .. "}"
  end
  local e = summary.errors
  io.write(string.format('LOADRESULT {"duration_us":%d,"requests":%d,"bytes":%d,"socket_errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d},'
    .. '"status_errors_wrk":%d,"bad":%d,"bad_login":%d,"bad_form":%d,"counts":%s,"statuses":%s,'
    .. '"latency_us":{"mean":%.1f,"max":%d,"p50":%d,"p90":%d,"p95":%d,"p99":%d},"quantiles_us":[%s]}\n',
    summary.duration, summary.requests, summary.bytes, e.connect, e.read, e.write, e.timeout, e.status, agg_bad, agg_login, agg_form,
    obj(agg_counts), obj(agg_status), latency.mean, latency.max, latency:percentile(50), latency:percentile(90),
    latency:percentile(95), latency:percentile(99), table.concat(q, ",")))
end
