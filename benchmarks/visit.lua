-- wrk script of benchmarks/public_load.py: each connection is a phone visiting one block's page.
--
--   wrk -t200 -c200 -d20s -s benchmarks/visit.lua http://127.0.0.1:PORT -- VISITS_FILE
--
-- VISITS_FILE holds one visit a line: the URL paths a phone fetches to show a block page's first
-- screen (the page, its styles and scripts, the study, the block, the street squares around it),
-- separated by spaces. A connection walks its visit's requests one after another (Accept-Encoding:
-- gzip, as a browser sends) and, when the last response arrives, records the visit's wall time on a
-- monotonic clock (clock_gettime through LuaJIT's ffi), then starts the next visit. The last request
-- of a visit asks to close the connection, so each visit connects anew (its connecting counts in it).
-- With a reading time (args[3], seconds) a visitor waits that long on average between visits.
--
-- wrk gives a script no connection of its own, only a Lua state per thread: run it with as many
-- threads as connections (-t equal to -c) so that each state follows exactly one visitor.
-- done() prints one line, "VISITS_JSON {...}": visits, p50/p95/p99 of visit ms, requests, socket
-- errors, responses 404 (street squares the site leaves out, which the page asks for too) and responses
-- with any other status outside 200-399.

local ffi = require("ffi")
ffi.cdef([[
typedef struct { long tv_sec; long tv_nsec; } circle_timespec;
int clock_gettime(int clk_id, circle_timespec *tp);
]])
local CLOCK_MONOTONIC = 1
local now_ts = ffi.new("circle_timespec")

local function now_ms()
   ffi.C.clock_gettime(CLOCK_MONOTONIC, now_ts)
   return tonumber(now_ts.tv_sec) * 1000.0 + tonumber(now_ts.tv_nsec) / 1.0e6
end

-- setup phase (wrk's main Lua state): number the threads, keep them for done()
local threads = {}

function setup(thread)
   table.insert(threads, thread)
   thread:set("id", #threads)
end

-- running phase (one Lua state per thread; with -t equal to -c, one per connection)
local function split(line)
   local paths = {}
   for path in line:gmatch("%S+") do
      table.insert(paths, path)
   end
   return paths
end

function init(args)
   local file = args[1]
   if file == nil then
      error("visit.lua: give the visits file after --")
   end
   visits_ms = {}
   not_found = 0
   bad_status = 0
   sent = 0
   -- keep only this thread's share of the visits: lines id, id + stride, ... (stride = args[2], the thread count)
   local me = (id or 1) - 1
   local stride = tonumber(args[2]) or 1
   local lines = {}
   for line in io.lines(file) do
      if line:match("%S") then
         table.insert(lines, line)
      end
   end
   if #lines == 0 then
      error("visit.lua: " .. file .. " holds no visit")
   end
   plan = {}
   for index = me % stride + 1, #lines, stride do
      table.insert(plan, split(lines[index]))
   end
   if #plan == 0 then
      table.insert(plan, split(lines[me % #lines + 1]))
   end
   -- args[3]: the mean seconds a visitor reads a page before the next visit (0: at once, the hardest load)
   think_ms = (tonumber(args[3]) or 0) * 1000.0
   if think_ms <= 0 then
      delay = nil  -- wrk then sends the next request at once, with no timer per request
   end
   math.randomseed(id or 1)
   visit = 1
   step = 1
   started = nil
   headers = { ["Accept-Encoding"] = "gzip", ["User-Agent"] = "circle-public-load (wrk)" }
   -- a visit's last request closes its connection: every visitor connects anew, as a new phone does
   last_headers = {
      ["Accept-Encoding"] = "gzip",
      ["User-Agent"] = "circle-public-load (wrk)",
      ["Connection"] = "close",
   }
end

function delay()
   if step == 1 and #visits_ms > 0 then
      return think_ms * (0.5 + math.random())  -- reading the page, 0.5 to 1.5 times the mean
   end
   return 0
end

function request()
   if step == 1 and (#visits_ms == 0 or think_ms > 0) then
      started = now_ms()  -- a visit after reading, or a connection's first (wrk also calls this once to check)
   end
   sent = sent + 1
   if step == #plan[visit] then
      return wrk.format("GET", plan[visit][step], last_headers)
   end
   return wrk.format("GET", plan[visit][step], headers)
end

function response(status, headers, body)
   if status == 404 then
      not_found = not_found + 1  -- a street square the site leaves out: the page asks, the server says so
   elseif status < 200 or status > 399 then
      bad_status = bad_status + 1
   end
   if step < #plan[visit] then
      step = step + 1
      return
   end
   local ended = now_ms()
   table.insert(visits_ms, ended - started)
   -- with no reading time the next visitor starts now: the new connection wrk opens for it counts in its time
   started = ended
   step = 1
   visit = visit % #plan + 1
end

-- done phase (wrk's main Lua state again): gather every thread's visits and print them as JSON
local function percentile(sorted, p)
   if #sorted == 0 then
      return "null"
   end
   local rank = math.max(1, math.ceil(p / 100.0 * #sorted))
   return string.format("%.2f", sorted[rank])
end

function done(summary, latency, requests)
   local all = {}
   local bad = 0
   local missing = 0
   local partial = 0
   for _, thread in ipairs(threads) do
      local mine = thread:get("visits_ms") or {}
      for _, ms in ipairs(mine) do
         table.insert(all, ms)
      end
      bad = bad + (thread:get("bad_status") or 0)
      missing = missing + (thread:get("not_found") or 0)
      if (thread:get("step") or 1) > 1 then
         partial = partial + 1
      end
   end
   table.sort(all)
   local mean = 0
   for _, ms in ipairs(all) do
      mean = mean + ms
   end
   if #all > 0 then
      mean = mean / #all
   end
   local errors = summary.errors
   print(string.format(
      'VISITS_JSON {"visits": %d, "visit_ms": {"p50": %s, "p95": %s, "p99": %s, "max": %s, "mean": %.2f}, '
         .. '"requests": %d, "bytes": %d, "duration_s": %.3f, "bad_status": %d, "not_found": %d, '
         .. '"visits_cut_short": %d, '
         .. '"errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d, "status": %d}, '
         .. '"request_ms": {"p50": %.2f, "p95": %.2f, "p99": %.2f, "max": %.2f}, "threads": %d}',
      #all, percentile(all, 50), percentile(all, 95), percentile(all, 99), percentile(all, 100), mean,
      summary.requests, summary.bytes, summary.duration / 1.0e6, bad, missing, partial,
      errors.connect, errors.read, errors.write, errors.timeout, errors.status,
      latency:percentile(50) / 1000.0, latency:percentile(95) / 1000.0, latency:percentile(99) / 1000.0,
      latency.max / 1000.0, #threads
   ))
end
