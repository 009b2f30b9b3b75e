-- Requests that change every time, read from files prepared by bench/http/prepare_inputs.py.
--   user_tweets USERS       GET /api/v1/tweets/{username}, usernames rotate
--   search QUERIES          GET /api/v1/search?q=..., URL-encoded queries rotate
--   timeline TOKENS         GET /api/v1/timeline as the reader (first token)
--   post BODIES TOKENS      POST /api/v1/tweets, JSON bodies and authors' tokens rotate
dofile("report.lua")

local function lines(path)
  local t = {}
  for l in io.lines(path) do if l ~= "" then t[#t + 1] = l end end
  assert(#t > 0, "empty input file " .. path)
  return t
end

local next_thread = 0
function setup(thread)
  thread:set("thread_no", next_thread)
  next_thread = next_thread + 1
end

local mode, items, tokens, i
function init(args)
  mode = args[1]
  items = lines(args[2])
  if args[3] then tokens = lines(args[3]) end
  -- Threads start at different places in the lists.
  i = thread_no * 7919
end

function request()
  i = i + 1
  if mode == "user_tweets" then
    return wrk.format("GET", "/api/v1/tweets/" .. items[i % #items + 1])
  elseif mode == "search" then
    return wrk.format("GET", "/api/v1/search?q=" .. items[i % #items + 1])
  elseif mode == "timeline" then
    return wrk.format("GET", "/api/v1/timeline", { ["Authorization"] = "Bearer " .. items[1] })
  elseif mode == "post" then
    return wrk.format("POST", "/api/v1/tweets", {
      ["Authorization"] = "Bearer " .. tokens[i % #tokens + 1],
      ["Content-Type"] = "application/json",
    }, items[i % #items + 1])
  end
  error("unknown mode " .. tostring(mode))
end
