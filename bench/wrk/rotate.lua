-- wrk script of bench/load.sh: sends the requests of a file in turn.
--
--   WRK_REQUESTS=file wrk -s bench/wrk/rotate.lua ... http://127.0.0.1:PORT
--
-- The file has one request a line, four tab-separated fields:
--   METHOD  PATH  TOKEN (bearer token, or -)  BODY (JSON, or -)
-- Every request is formatted once, in init; each thread starts at its own place in the
-- list and goes round it. No response() hook (it would cost wrk CPU on every answer):
-- wrk counts answers other than 2xx/3xx itself (summary.errors.status), and bench/load.py
-- reads the exact statuses from the server's /metrics.
--
-- done() prints one line `WRK_JSON {...}`: requests, duration, errors and latency
-- percentiles in microseconds, for bench/load.py.

local threads = 0

function setup(thread)
   thread:set("thread_index", threads)
   threads = threads + 1
end

function init(args)
   local path = os.getenv("WRK_REQUESTS")
   if path == nil then
      error("set WRK_REQUESTS to a request file")
   end
   requests = {}
   for line in io.lines(path) do
      local method, url, token, body = line:match("^([^\t]+)\t([^\t]+)\t([^\t]+)\t(.*)$")
      if method ~= nil then
         local headers = {}
         if token ~= "-" then
            headers["Authorization"] = "Bearer " .. token
         end
         if body == "-" or body == "" then
            body = nil
         else
            headers["Content-Type"] = "application/json"
         end
         requests[#requests + 1] = wrk.format(method, url, headers, body)
      end
   end
   count = #requests
   if count == 0 then
      error("no request in " .. path)
   end
   -- Threads start far apart in the list.
   next_index = math.floor(thread_index * count / 7) % count
end

function request()
   next_index = next_index % count + 1
   return requests[next_index]
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      'WRK_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "connect_errors": %d, '
         .. '"read_errors": %d, "write_errors": %d, "timeouts": %d, "non_2xx_3xx": %d, '
         .. '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f}\n',
      summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
      e.timeout, e.status, latency:percentile(50), latency:percentile(90),
      latency:percentile(99), latency.max, latency.mean))
end
