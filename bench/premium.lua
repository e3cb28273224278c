-- A subscriber's check of a premium article (entitlement from memory).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("KEY")
wrk.body = '{"article_id":"art-2","member_token":"' .. os.getenv("TOKEN") .. '"}'
