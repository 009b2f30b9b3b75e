#!/usr/bin/python3
"""Requests for profile_chirpd.sh, one at a time over one keep-alive connection.

  profile_client.py PORT INPUT_DIR ENDPOINT COUNT [--setup]

--setup logs in the one user the endpoint needs (the reader, who follows the 200
followees, or the first poster) and stores the token next to the inputs; for search
it posts one tweet first (chirpd finds nothing after a restart until a write) and waits
for hits. Logins are few on purpose: password hashing is slow under valgrind.
"""
import http.client
import json
import os
import sys
import time

port, inputs, ep, n = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
rows = lambda f: [l.strip() for l in open(os.path.join(inputs, f), encoding="utf-8") if l.strip()]
c = http.client.HTTPConnection("127.0.0.1", port, timeout=900)


def call(method, path, body=None, token=None):
    headers = {}
    if token:
        headers["Authorization"] = "Bearer " + token
    if body is not None:
        headers["Content-Type"] = "application/json"
    c.request(method, path, body=body.encode() if body is not None else None, headers=headers)
    r = c.getresponse()
    raw = r.read()
    return r.status, (json.loads(raw) if raw else None)


token_file = os.path.join(inputs, "profile_token.txt")
if "--setup" in sys.argv:
    user = rows("reader.txt")[0] if ep == "timeline" else rows("posters.txt")[0]
    s, j = call("POST", "/api/v1/auth/login", json.dumps({"username": user, "password": "benchpass1"}))
    assert s == 200, (s, j)
    token = j["token"]
    open(token_file, "w").write(token)
    if ep == "timeline":
        for name in rows("followees.txt"):
            assert call("PUT", "/api/v1/users/%s/follow" % name, token=token)[0] == 204
    if ep == "search":
        assert call("POST", "/api/v1/tweets", rows("bodies.txt")[0], token=token)[0] == 201
        for _ in range(600):
            if call("GET", "/api/v1/search?q=" + rows("queries.txt")[0])[1]["items"]:
                break
            time.sleep(0.5)
    sys.exit(0)

token = open(token_file).read().strip() if os.path.exists(token_file) else None
users, queries, bodies = rows("users.txt"), rows("queries.txt"), rows("bodies.txt")
for i in range(n):
    if ep == "post":
        s, _ = call("POST", "/api/v1/tweets", bodies[i % len(bodies)], token=token)
    else:
        path = {"health": "/health", "tweets": "/api/v1/tweets", "timeline": "/api/v1/timeline",
                "user_tweets": "/api/v1/tweets/" + users[i % len(users)],
                "search": "/api/v1/search?q=" + queries[i % len(queries)]}[ep]
        s, _ = call("GET", path, token=token if ep == "timeline" else None)
    assert s in (200, 201), (ep, s)
