-- Answers a GET or HEAD from the baked tree (app/baked_tree.py) when it holds the answer:
-- the head names the status, the body and the headers; 304s are answered from it too, by the
-- weak comparison of If-None-Match (RFC 9110, 8.8.3.2) with the baked ETag. Anything else, or
-- anything the tree does not hold, goes to the app (@app): it answers as it always would. So
-- do requests nginx reads otherwise than the app: a path with "//", "/." or "%" (nginx
-- merges and resolves them, the app does not), and If-Unmodified-Since, If-Match and Range
-- (depstats.conf's $depstats_read).
--
-- depstats.conf calls answer() from set_by_lua, nginx's cheapest way into Lua (no coroutine),
-- and acts on what it returns: a body's path, to send with the head's headers (which answer()
-- puts in the variables the config's add_header lines read); "304" (not_modified() sends
-- it); "-", a head without a body (bodyless() sends it); or TO_APP, the app's to answer. It reads $depstats_key: "+" (a GET
-- or HEAD the tree may answer, else "-"), the Accept class (depstats.conf's map), " ",
-- $request_uri; and $depstats_inm, If-None-Match or "". The code on the way of a request is
-- written for LuaJIT's compiler: no loops (a trace that enters one from outside is dropped),
-- no arguments from nginx (ngx.arg cannot be compiled), no variable that may be missing (a
-- nil from ngx.var leaves the compiled code); with them, the same work ran interpreted and
-- cost a 304 about a third more.

-- Heads are kept in memory (parsed, the most recent MAX_HEADS, by key) between bakes. The
-- baker writes DIR/.generation: "baking <ns> v<n>" while it changes the tree, then a new
-- generation and the dataset's version baked ("<ns> v<n>"; see current()).
-- Every TICK seconds each worker reads it: while a bake runs, heads are read from disk on
-- every request (each head is renamed into place whole, so a reader sees the old or the new),
-- and so is .generation; when the generation changes, what was kept is dropped. The baker
-- waits two ticks after it writes "baking" before a head changes, so that every worker has
-- seen it by then; the generation that ends the bake is seen by the next request.

local lrucache = require("resty.lrucache")

local M = {}

local TICK = 0.05
-- A path no file of the tree has: try_files finds nothing there (open_file_cache keeps that)
-- and hands the request to @app.
local TO_APP = "/.to-the-app"
local MAX_HEADS = 200000
local ETAG_LIST = [[^\s*(\*|(W/)?"[!#-~]*"( *, *(W/)?"[!#-~]*")*)\s*$]]
-- The headers a baked head may carry, each with the variable depstats.conf adds it from. A
-- head with any other is the app's to answer (tests/test_front.py asks that none is).
local VARIABLE = {
    etag = "depstats_etag",
    ["content-type"] = "depstats_type",
    ["cache-control"] = "depstats_cache_control",
    vary = "depstats_vary",
    link = "depstats_link",
    ["content-disposition"] = "depstats_disposition",
    ["content-security-policy"] = "depstats_csp",
    ["x-content-type-options"] = "depstats_type_options",
    ["x-robots-tag"] = "depstats_robots",
    ["last-modified"] = "depstats_last_modified",
    ["accept-ranges"] = "depstats_accept_ranges",
    location = "depstats_location",
}
-- What a 304 repeats of the 200 it stands for, as the app's middleware keeps it.
local KEPT_ON_304 = { etag = true, ["cache-control"] = true, vary = true, link = true }

local root
local kept
local generation
local baking = true -- until .generation is first read: read every head from disk
local version = 0 -- the dataset's version .generation names

local function look()
    local file = io.open(root .. "/.generation", "rb")
    local now = file and file:read("*a") or "baking"
    if file then
        file:close()
    end
    if now ~= generation then
        kept:flush_all()
        generation = now
    end
    baking = now:sub(1, 6) == "baking"
    local baked = now:match(" v(%d+)$")
    if baked then
        version = tonumber(baked)
    end
end

-- A whole list's download is tagged with the dataset's version and a hash of the query
-- (app/figure_lists.py), whatever its body: a correction leaves that body as it was, and the
-- bake that follows leaves its head as it was too. It is served with the version .generation
-- names (the last bake's; while a bake runs, the lower of the last bake's and its own),
-- unless its head names a newer one (written by the bake now running). app/baked_tree.py's
-- served() does the same, for the tests.
local function current(etag)
    local baked, rest = etag:match('^W/"v(%d+)(%.[0-9a-f]+")$')
    if baked and #rest == 18 and tonumber(baked) < version then
        return 'W/"v' .. version .. rest
    end
    return etag
end

function M.init(tree)
    root = tree
    kept = lrucache.new(MAX_HEADS)
    look()
    ngx.timer.every(TICK, function(premature)
        if not premature then
            look()
        end
    end)
end

local function present(body)
    if body == "-" then
        return true
    end
    local file = io.open(root .. "/.bodies/" .. body, "rb")
    if file then
        file:close()
    end
    return file ~= nil
end

-- The head a key names, parsed, or false when the app is to answer.
local function read(key)
    local class, raw = key:match("^%+(%w+) (.*)$")
    -- nginx has merged "//" and resolved "." and ".." and "%2e" in $uri; the app does not,
    -- and answers such a path itself.
    if not class or raw:byte(1) ~= 47 or raw:find("//", 1, true) or raw:find("/.", 1, true)
        or raw:find("%", 1, true) then
        return false
    end
    local uri, args = raw:match("^([^?]*)%??(.*)$")
    if uri:find("/~", 1, true) or (#uri > 1 and uri:byte(-1) == 47) then
        return false
    end
    local path = uri .. "/~" .. class
    if raw:find("?", 1, true) then
        if args == "" then
            return false
        end
        local parts = {}
        for part in args:gmatch("[^&]+") do
            parts[#parts + 1] = part
        end
        table.sort(parts)
        path = path .. "~" .. ngx.md5(table.concat(parts, "&"))
    end
    local file = io.open(root .. "/.heads" .. path, "rb")
    if not file then
        return false
    end
    local head = file:read("*a")
    file:close()
    local status, body = head:match("^(%d+) (%S+)\n")
    local entry = { status = tonumber(status), body = body, headers = {}, kept = {}, named = {} }
    for key, value in head:gmatch("\n([^#:\n][^:\n]*): ([^\n]*)") do
        local lower = key:lower()
        local variable = VARIABLE[lower]
        if not variable then
            return false
        end
        if lower == "etag" then
            value = current(value)
            entry.etag = value
            entry.opaque = value:gsub("^W/", "")
        end
        entry.headers[variable] = value
        entry.named[#entry.named + 1] = { key, value }
        if KEPT_ON_304[lower] then
            entry.kept[variable] = value
        end
    end
    -- A head whose body is gone (a bake that failed half way) is the app's to answer.
    return present(entry.body) and entry
end

local function lookup(key)
    if baking then
        look() -- the bake may be over: its version is served from the next request on
    end
    local entry = not baking and kept:get(key)
    if not entry then
        entry = read(key)
        if entry and not baking then
            kept:set(key, entry)
        end
    end
    return entry
end

local function matches(inm, entry)
    for candidate in inm:gmatch("[^,]+") do
        candidate = candidate:match("^%s*(.-)%s*$"):gsub("^W/", "")
        if candidate == "*" or candidate == entry.opaque then
            return true
        end
    end
    return false
end

-- Sets the variables of a head's headers (VARIABLE) that it has; spelled out, not a loop.
local function put(h)
    local var = ngx.var
    if h.depstats_etag then
        var.depstats_etag = h.depstats_etag
    end
    if h.depstats_type then
        var.depstats_type = h.depstats_type
    end
    if h.depstats_cache_control then
        var.depstats_cache_control = h.depstats_cache_control
    end
    if h.depstats_vary then
        var.depstats_vary = h.depstats_vary
    end
    if h.depstats_link then
        var.depstats_link = h.depstats_link
    end
    if h.depstats_disposition then
        var.depstats_disposition = h.depstats_disposition
    end
    if h.depstats_csp then
        var.depstats_csp = h.depstats_csp
    end
    if h.depstats_type_options then
        var.depstats_type_options = h.depstats_type_options
    end
    if h.depstats_robots then
        var.depstats_robots = h.depstats_robots
    end
    if h.depstats_last_modified then
        var.depstats_last_modified = h.depstats_last_modified
    end
    if h.depstats_accept_ranges then
        var.depstats_accept_ranges = h.depstats_accept_ranges
    end
    if h.depstats_location then
        var.depstats_location = h.depstats_location
    end
end

function M.answer()
    local var = ngx.var
    local key, inm = var.depstats_key, var.depstats_inm
    local entry = lookup(key)
    if not entry then
        return TO_APP
    end
    if inm ~= "" and entry.status == 200 and entry.etag then
        -- The usual revalidation, the tag as it was given, is answered without parsing a list;
        -- a list the app would not read as one goes to the app, which says what it makes of it.
        if inm == entry.etag then
            put(entry.kept)
            return "304"
        end
        if not ngx.re.find(inm, ETAG_LIST, "jo") then
            return TO_APP
        end
        if matches(inm, entry) then
            put(entry.kept)
            return "304"
        end
    end
    if entry.body == "-" then
        return "-"
    end
    put(entry.headers)
    return "/.bodies/" .. entry.body
end

-- A 304, with the headers answer() put in variables. (nginx's own `return 304` adds
-- "Content-Length: 0", which a 304 must not carry unless it is the 200's length: RFC 9110,
-- 8.6; the app sends none.)
function M.not_modified()
    ngx.status = 304
    ngx.send_headers()
    return ngx.exit(ngx.HTTP_OK)
end

-- A head without a body (a 303 to a page): its status and headers, and nothing else.
function M.bodyless(key)
    local entry = lookup(key)
    if not entry or entry.body ~= "-" then -- a bake came between
        return ngx.exec("@app")
    end
    local header = ngx.header
    for _, pair in ipairs(entry.named) do
        header[pair[1]] = pair[2]
    end
    ngx.status = entry.status
    header["Content-Type"] = nil -- no body, no type (else nginx gives its default_type)
    header["Content-Length"] = 0
    ngx.send_headers()
    return ngx.exit(ngx.HTTP_OK)
end

return M
