-- wrk script: POST the Falco alerts of a JSONL file to "/", one after the other, round robin.
-- The file is named by the ALERTS environment variable (run.sh sets it).
local path = os.getenv("ALERTS") or "alerts.jsonl"
local requests = {}
local n = 0

function init(args)
  local f = assert(io.open(path, "r"))
  for line in f:lines() do
    if line:match("%S") then
      n = n + 1
      requests[n] = wrk.format("POST", "/", {["Content-Type"] = "application/json"}, line)
    end
  end
  f:close()
  assert(n > 0, "no alerts in " .. path)
end

local i = 0
function request()
  i = i % n + 1
  return requests[i]
end

-- Anything but 200 is counted by wrk as "Non-2xx or 3xx responses"; print the first few to stderr.
local shown = 0
function response(status, headers, body)
  if status ~= 200 and shown < 3 then
    shown = shown + 1
    io.stderr:write("status " .. status .. ": " .. (body or "") .. "\n")
  end
end
