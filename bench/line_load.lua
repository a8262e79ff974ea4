-- wrk script: deliver pre-signed LINE webhook bodies, each exactly once, spread over wrk's threads.
-- The file named by DELIVERIES holds one delivery a line: "<X-Line-Signature>\t<JSON body>".
local deliveries = {}
for line in io.lines(os.getenv("DELIVERIES")) do
  local tab = line:find("\t", 1, true)
  deliveries[#deliveries + 1] = { line:sub(1, tab - 1), line:sub(tab + 1) }
end

local threads = {}
function setup(thread)
  thread:set("id", #threads)
  threads[#threads + 1] = thread
end

function init(args)
  step = tonumber(os.getenv("THREADS"))
  index = id + 1
end

function request()
  local d = deliveries[index]
  if d == nil then
    wrk.thread:stop()
    d = deliveries[1]  -- wrk wants a request even while stopping; the webhook dedups it
  end
  index = index + step
  return wrk.format("POST", "/webhooks/line/webhook",
                    { ["Content-Type"] = "application/json; charset=utf-8", ["X-Line-Signature"] = d[1] }, d[2])
end
