-- The premium check at a set pace: each connection waits PACE_MS (default
-- 10) between requests, so 64 connections offer about 6,000 checks/s, a
-- load the machine carries with room to spare. Latency at a given load,
-- unlike latency at saturation, shows whether other work slows the checks.
dofile("bench/premium.lua")
local pace = tonumber(os.getenv("PACE_MS") or "10")
function delay()
  return pace
end
