#!/usr/bin/python3
"""Set a server up for the wrk runs through its HTTP API, then check every measured route.

  setup_api.py BASE_URL PASSWORD INPUT_DIR OUT_DIR

Logs the reader in and makes it follow the 200 followees (PUT .../follow, idempotent),
logs the posters in, and writes OUT_DIR/reader_token.txt and OUT_DIR/post_tokens.txt.
Then one request per measured route must answer 2xx with the expected JSON shape,
so a misconfigured server fails here instead of producing fast error pages.
"""
import json
import os
import sys
import time
import urllib.request


def call(base, method, path, body=None, token=None):
    req = urllib.request.Request(base + path, method=method,
                                 data=json.dumps(body).encode() if body is not None else None)
    if body is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(req, timeout=60) as r:
        raw = r.read()
        return r.status, (json.loads(raw) if raw else None)


def lines(path):
    with open(path, encoding="utf-8") as f:
        return [l.rstrip("\n") for l in f if l.strip()]


def main():
    base, password, inputs, out = sys.argv[1:5]
    login = lambda name: call(base, "POST", "/api/v1/auth/login",
                              {"username": name, "password": password})[1]["token"]
    reader = lines(os.path.join(inputs, "reader.txt"))[0]
    token = login(reader)
    for name in lines(os.path.join(inputs, "followees.txt")):
        status, _ = call(base, "PUT", "/api/v1/users/%s/follow" % name, token=token)
        assert status == 204, (name, status)
    post_tokens = [login(name) for name in lines(os.path.join(inputs, "posters.txt"))]
    with open(os.path.join(out, "reader_token.txt"), "w") as f:
        f.write(token + "\n")
    with open(os.path.join(out, "post_tokens.txt"), "w") as f:
        f.write("\n".join(post_tokens) + "\n")

    # Preflight: each measured route, once.
    user = lines(os.path.join(inputs, "users.txt"))[0]
    query = lines(os.path.join(inputs, "queries.txt"))[0]
    body = json.loads(lines(os.path.join(inputs, "bodies.txt"))[0])
    s, j = call(base, "GET", "/health")
    assert s == 200 and j == {"status": "ok"}, j
    for path in ("/api/v1/tweets", "/api/v1/tweets/" + user):
        s, j = call(base, "GET", path)
        assert s == 200 and j["items"] and "entities" in j["items"][0], (path, j)
    s, j = call(base, "GET", "/api/v1/timeline", token=token)
    assert s == 200 and j["items"], j
    # POST before search: chirpd (as of this writing) answers searches with no hits
    # after a restart until its first write reopens the index; see docs/benchmarks.md.
    s, j = call(base, "POST", "/api/v1/tweets", body, token=post_tokens[0])
    assert s == 201 and j["text"] == body["text"], j
    for _ in range(100):  # the index catches up asynchronously
        s, j = call(base, "GET", "/api/v1/search?q=" + query)
        if j["items"]:
            break
        time.sleep(0.1)
    assert s == 200 and j["items"] and "highlights" in j["items"][0], (query, j)
    print("setup: %s follows %d users; %d poster tokens; preflight ok" % (
        reader, len(lines(os.path.join(inputs, "followees.txt"))), len(post_tokens)), file=sys.stderr)


if __name__ == "__main__":
    main()
