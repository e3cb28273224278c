-- Metered checks that each record a new read: odd article ids are metered;
-- 997 visitors per wrk thread, so (visitor, article) pairs do not repeat,
-- and visitor ids carry the run's start time and a random number, so a
-- second run on the same database records new reads too.
local counter = 0
local n_threads = 0
math.randomseed(os.time())
local run = os.time() .. "-" .. math.random(1, 1000000000)
function setup(thread)
  thread:set("tid", run .. "-" .. n_threads)
  n_threads = n_threads + 1
end
local headers = {
  ["Content-Type"] = "application/json",
  ["Authorization"] = "Bearer " .. os.getenv("KEY"),
}
function request()
  counter = counter + 1
  local article = (counter * 2 + 1) % 100000
  local visitor = "t" .. tid .. "-" .. (counter % 997)
  local body = string.format('{"article_id":"art-%d","visitor_id":"%s"}', article, visitor)
  return wrk.format("POST", "/v1/access/check", headers, body)
end
