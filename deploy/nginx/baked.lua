-- Answers a GET or HEAD from the baked tree (app/baked_tree.py) when it holds the answer:
-- the head names the status, the body and the headers; 304s are answered here, by the weak
-- comparison of If-None-Match (RFC 9110, 8.8.3.2) with the baked ETag. Anything else, or
-- anything the tree does not hold, goes to the app (@app): it answers as it always would. So
-- do requests nginx reads otherwise than the app: a path with "//", "/." or "%" (nginx
-- merges and resolves them, the app does not), and If-Unmodified-Since.
--
-- Heads are kept in memory (parsed, the most recent MAX_HEADS) between bakes. The baker
-- writes DIR/.generation: "baking" while it changes the tree, then a new generation. Every
-- TICK seconds each worker reads it: while a bake runs, heads are read from disk on every
-- request (each head is renamed into place whole, so a reader sees the old or the new); when
-- the generation changes, what was kept is dropped. The baker waits two ticks after each
-- change of .generation, so that every worker has seen it before a head changes, and before
-- the bake is said to be over.

local lrucache = require("resty.lrucache")

local M = {}

local TICK = 0.05
local MAX_HEADS = 200000
local ETAG_LIST = [[^\s*(\*|(W/)?"[!#-~]*"( *, *(W/)?"[!#-~]*")*)\s*$]]
-- What a 304 repeats of the 200 it stands for, as the app's middleware keeps it.
local KEPT_ON_304 = {
    etag = true, ["cache-control"] = true, vary = true, ["content-location"] = true,
    date = true, expires = true, link = true,
}

local root
local kept
local generation
local baking = true -- until .generation is first read: read every head from disk

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

local function read(path)
    local file = io.open(root .. "/.heads" .. path, "rb")
    if not file then
        return nil
    end
    local head = file:read("*a")
    file:close()
    local status, body = head:match("^(%d+) (%S+)\n")
    local entry = { status = tonumber(status), body = body, headers = {}, kept = {} }
    for key, value in head:gmatch("\n([^#:\n][^:\n]*): ([^\n]*)") do
        local lower = key:lower()
        if lower == "etag" then
            entry.etag = value
            entry.opaque = value:gsub("^W/", "")
        end
        if lower == "last-modified" then
            entry.last_modified = value
        else
            entry.headers[#entry.headers + 1] = { key, value }
        end
        if KEPT_ON_304[lower] then
            entry.kept[#entry.kept + 1] = { key, value }
        end
    end
    return entry
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

local function matches(inm, entry)
    for candidate in inm:gmatch("[^,]+") do
        candidate = candidate:match("^%s*(.-)%s*$"):gsub("^W/", "")
        if candidate == "*" or candidate == entry.opaque then
            return true
        end
    end
    return false
end

local function send(status, headers)
    local header = ngx.header
    for _, pair in ipairs(headers) do
        header[pair[1]] = pair[2]
    end
    ngx.status = status
    header["Content-Type"] = nil -- no body, no type (else nginx gives its default_type)
    header["Content-Length"] = 0
    ngx.send_headers()
    return ngx.exit(ngx.HTTP_OK)
end

function M.answer()
    local class = ngx.var.depstats_accept
    local method = ngx.req.get_method()
    if class == "" or (method ~= "GET" and method ~= "HEAD") then
        return ngx.exec("@app")
    end
    local uri = ngx.var.uri
    if uri:find("/~", 1, true) or (#uri > 1 and uri:byte(-1) == 47) then
        return ngx.exec("@app")
    end
    -- nginx has merged "//" and resolved "." and ".." and "%2e" in $uri; the app does not,
    -- and answers such a path itself. If-Unmodified-Since nginx would compare with the
    -- file's time: the app ignores it on a read.
    local raw = ngx.var.request_uri
    if raw:find("//", 1, true) or raw:find("/.", 1, true) or raw:find("%", 1, true)
        or ngx.var.http_if_unmodified_since then
        return ngx.exec("@app")
    end
    local path = uri .. "/~" .. class
    local args = ngx.var.args
    if args ~= nil then
        if args == "" then
            return ngx.exec("@app")
        end
        local parts = {}
        for part in args:gmatch("[^&]+") do
            parts[#parts + 1] = part
        end
        table.sort(parts)
        path = path .. "~" .. ngx.md5(table.concat(parts, "&"))
    end

    local entry = not baking and kept:get(path)
    if not entry then
        entry = read(path)
        -- A head whose body is gone (a bake that failed half way) is the app's to answer.
        if not entry or not present(entry.body) then
            return ngx.exec("@app")
        end
        if not baking then
            kept:set(path, entry)
        end
    end

    local inm = ngx.var.http_if_none_match
    if inm and inm == entry.etag then
        return send(304, entry.kept) -- the usual revalidation: the tag as it was given
    end
    if inm and entry.status == 200 and entry.etag then
        -- A list the app would not read as one goes to the app, which says what it makes of it.
        if not ngx.re.find(inm, ETAG_LIST, "jo") then
            return ngx.exec("@app")
        end
        if matches(inm, entry) then
            return send(304, entry.kept)
        end
    end
    if entry.body == "-" then
        return send(entry.status, entry.headers)
    end
    local header = ngx.header
    for _, pair in ipairs(entry.headers) do
        header[pair[1]] = pair[2]
    end
    if entry.last_modified then
        ngx.var.depstats_last_modified = entry.last_modified
    end
    ngx.var.depstats_body = "/.bodies/" .. entry.body
end

return M
