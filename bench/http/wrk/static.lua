-- A fixed request (GET /health, GET /api/v1/tweets): wrk's prebuilt request buffer,
-- no Lua per request, so the client costs as little as possible.
dofile("report.lua")
