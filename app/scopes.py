"""The keys this app puts in a request's ASGI scope, in one module that imports nothing, so
that the middleware, the answers (responses.py) and the in-process asker (inprocess.py) can
each name them without importing one another (which made an import cycle)."""

# A HEAD answered as the GET it stands for (middleware.py sets it, responses.py reads it).
HEAD_FLAG = "depstats.head"

# An ASGI scope extension: the request was asked by this process of itself (the bake, through
# inprocess.py), not by a client, and gets no access-log line (a bake asks hundreds).
UNLOGGED = "depstats.unlogged"
