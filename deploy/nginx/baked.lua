-- Answers a GET or HEAD from the baked tree (app/baked_tree.py) when it holds the answer:
-- the head names the status, the body and the headers; 304s are answered here, by the weak
-- comparison of If-None-Match (RFC 9110, 8.8.3.2) with the baked ETag. Anything else, or
-- anything the tree does not hold, goes to the app (@app): it answers as it always would.

local class = ngx.var.depstats_accept
local method = ngx.req.get_method()
if class == "" or (method ~= "GET" and method ~= "HEAD") then
    return ngx.exec("@app")
end

local uri = ngx.var.uri
if uri:find("/~", 1, true) or (#uri > 1 and uri:sub(-1) == "/") then
    return ngx.exec("@app")
end

local name = "~" .. class
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
    name = name .. "~" .. ngx.md5(table.concat(parts, "&"))
end

local file = io.open(ngx.var.depstats_root .. "/.heads" .. uri .. "/" .. name, "rb")
if not file then
    return ngx.exec("@app")
end
local head = file:read("*a")
file:close()

local status, body = head:match("^(%d+) (%S+)\n")
status = tonumber(status)
local headers = {}
local etag
for key, value in head:gmatch("\n([^#:\n][^:\n]*): ([^\n]*)") do
    headers[#headers + 1] = { key, value }
    if key:lower() == "etag" then
        etag = value
    end
end

-- What a 304 repeats of the 200 it stands for, as the app's middleware keeps it.
local KEPT_ON_304 = {
    etag = true, ["cache-control"] = true, vary = true, ["content-location"] = true,
    date = true, expires = true, link = true,
}

local inm = ngx.var.http_if_none_match
if inm and status == 200 and etag then
    -- A list the app would not read as one goes to the app, which says what it makes of it.
    if not ngx.re.find(inm, [[^\s*(\*|(W/)?"[!#-~]*"( *, *(W/)?"[!#-~]*")*)\s*$]], "jo") then
        return ngx.exec("@app")
    end
    local opaque = etag:gsub("^W/", "")
    for candidate in inm:gmatch("[^,]+") do
        candidate = candidate:match("^%s*(.-)%s*$"):gsub("^W/", "")
        if candidate == "*" or candidate == opaque then
            for _, pair in ipairs(headers) do
                if KEPT_ON_304[pair[1]:lower()] then
                    ngx.header[pair[1]] = pair[2]
                end
            end
            ngx.status = 304
            ngx.send_headers()
            return ngx.exit(ngx.HTTP_OK)
        end
    end
end

for _, pair in ipairs(headers) do
    local key = pair[1]
    if key:lower() == "last-modified" then
        ngx.var.depstats_last_modified = pair[2]
    else
        ngx.header[key] = pair[2]
    end
end

if body == "-" then
    ngx.status = status
    ngx.header["Content-Type"] = nil -- no body, no type (else nginx gives its default_type)
    ngx.header["Content-Length"] = 0
    ngx.send_headers()
    return ngx.exit(ngx.HTTP_OK)
end
ngx.var.depstats_body = "/.bodies/" .. body
