-- wrk script: POST the bench questions to the REST webhook, each connection as a few rotating senders.
-- The bodies file (one JSON body a line) is named by the BODIES environment variable.
local bodies = {}
local counter = 0

function init(args)
  for line in io.lines(os.getenv("BODIES")) do
    bodies[#bodies + 1] = line
  end
end

function request()
  counter = counter + 1
  return wrk.format("POST", "/webhooks/rest/webhook", { ["Content-Type"] = "application/json" },
                    bodies[(counter % #bodies) + 1])
end
