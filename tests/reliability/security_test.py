#!/usr/bin/env python3
"""Security: one check per OWASP API Security Top 10 (2023) item that applies
to chirp, against a real chirpd. docs/security.md maps each item to the
function here (api1_... to api9_...).

Two servers: rate limits off for the authorization/property/header checks,
rate limits on (the defaults) for throttling (API2 login, API4, API6).
"""
import os
import re
import socket
import sys
import threading
import time
import urllib.parse
from datetime import datetime, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Chirpd, Client, check, log, raw_exchange, request, signup_login, status_of,  # noqa: E402
                     temp_dir, word)

PW = "correct horse battery"
SECURITY_HEADERS = {"Content-Security-Policy": "default-src 'self'", "X-Content-Type-Options": "nosniff",
                    "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"}
# Keys that must never appear in any response body.
PRIVATE_KEYS = {"password", "password_hash", "hash", "token_hash", "session", "sessions", "account_id", "user_id",
                "author_id", "email", "pwhash", "salt", "secret", "internal"}
done = []


def ok(item, what):
    done.append(item)
    log("  %-6s %s" % (item, what))


def walk_keys(obj):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield k
            yield from walk_keys(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from walk_keys(v)


def no_private(body, where):
    keys = set(walk_keys(body))
    leaked = keys & PRIVATE_KEYS
    check(not leaked, "private fields %s in %s" % (leaked, where))
    check("$argon2" not in repr(body), "a password hash in " + where)


def err(st, b, status, code):
    check(st == status and isinstance(b, dict) and b.get("error", {}).get("code") == code,
          "expected %s %s, got %s %r" % (status, code, st, b))


def api1_object_level_authorization(port):
    ta = signup_login(port, "alice1")
    tb = signup_login(port, "bob1")
    a, b = Client(port, token=ta), Client(port, token=tb)
    st, _, tw = a.call("POST", "/api/v1/tweets", {"text": "alice's own words"})
    check(st == 201, "post")
    tid = tw["id"]
    st, _, body = b.call("DELETE", "/api/v1/tweets/alice1/%s" % tid)
    err(st, body, 403, "forbidden")
    st, _, body = b.call("DELETE", "/api/v1/tweets/bob1/%s" % tid)  # under the wrong username
    err(st, body, 404, "not_found")
    st, _, body = a.call("GET", "/api/v1/tweets/alice1/%s" % tid)
    check(st == 200, "alice's tweet survived bob's delete")
    # Bob's like is bob's: it never shows as alice's, and bob cannot unlike for her.
    st, _, _ = b.call("PUT", "/api/v1/tweets/alice1/%s/like" % tid)
    check(st == 204, "bob likes")
    st, _, seen_by_a = a.call("GET", "/api/v1/tweets/alice1/%s" % tid)
    check(seen_by_a["viewer_liked"] is False and seen_by_a["counts"]["likes"] == 1, "like attributed: %r" % seen_by_a)
    st, _, _ = a.call("DELETE", "/api/v1/tweets/alice1/%s/like" % tid)
    st, _, seen_by_b = b.call("GET", "/api/v1/tweets/alice1/%s" % tid)
    check(seen_by_b["viewer_liked"] is True and seen_by_b["counts"]["likes"] == 1, "alice removed bob's like")
    # A profile edit changes only the caller's own profile.
    st, _, me = b.call("PATCH", "/api/v1/me", {"display_name": "Bob"})
    check(st == 200 and me["username"] == "bob1", "PATCH /me")
    st, _, alice = a.call("GET", "/api/v1/users/alice1")
    check(alice["display_name"] != "Bob", "bob renamed alice")
    # Nobody else's account can be deleted: there is no route taking a username.
    st, h, body = b.call("DELETE", "/api/v1/users/alice1")
    err(st, body, 405, "method_not_allowed")
    st, _, body = b.call("DELETE", "/api/v1/me", {"password": "wrong password!"})
    err(st, body, 401, "unauthorized")
    a.close()
    b.close()
    ok("API1", "bob cannot delete (403) or unlike for alice; his like is his; no route deletes another account")


def api2_authentication(port, data_dir, log_path):
    t1 = signup_login(port, "carol2")
    # One generic message for a wrong password and for an unknown user.
    st1, _, b1 = request(port, "POST", "/api/v1/auth/login", {"username": "carol2", "password": "wrong password"})
    st2, _, b2 = request(port, "POST", "/api/v1/auth/login", {"username": "nobody_here", "password": "wrong password"})
    check(st1 == st2 == 401 and b1 == b2, "login errors differ: %r / %r" % (b1, b2))
    # Expiring tokens: expires_at in the future, at most the 30-day session TTL away.
    st, _, lg = request(port, "POST", "/api/v1/auth/login", {"username": "carol2", "password": PW})
    exp = datetime.strptime(lg["expires_at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    left = (exp - datetime.now(timezone.utc)).total_seconds()
    check(0 < left <= 30 * 86400 + 60, "expires_at %s" % lg["expires_at"])
    t2 = lg["token"]
    check(len(t2) >= 32, "short token %r" % t2)
    # Revoked on logout.
    st, _, _ = request(port, "POST", "/api/v1/auth/logout", token=t2)
    check(st == 204, "logout")
    st, h, b = request(port, "GET", "/api/v1/me", token=t2)
    err(st, b, 401, "unauthorized")
    check("Bearer" in h.get("Www-Authenticate", ""), "WWW-Authenticate missing")
    # A password change revokes the other sessions; DELETE /me/sessions revokes all.
    t3 = request(port, "POST", "/api/v1/auth/login", {"username": "carol2", "password": PW})[2]["token"]
    st, _, _ = request(port, "PUT", "/api/v1/me/password", {"current_password": PW, "new_password": PW + "!"}, token=t1)
    check(st == 204, "password change")
    check(request(port, "GET", "/api/v1/me", token=t3)[0] == 401, "old session survived a password change")
    check(request(port, "GET", "/api/v1/me", token=t1)[0] == 200, "the changing session was revoked")
    st, _, _ = request(port, "DELETE", "/api/v1/me/sessions", token=t1)
    check(st == 204 and request(port, "GET", "/api/v1/me", token=t1)[0] == 401, "DELETE /me/sessions")
    # Garbage and forged tokens.
    for bad in ("x", "Bearer", t1[:-1] + ("A" if t1[-1] != "A" else "B"), "a" * 5000):
        st, _, b = request(port, "GET", "/api/v1/me", token=bad)
        err(st, b, 401, "unauthorized")
    # At rest: argon2id password hashes; no password and no token in the data files or the log.
    t4 = request(port, "POST", "/api/v1/auth/login", {"username": "carol2", "password": PW + "!"})[2]["token"]
    blob = b""
    for root, _, files in os.walk(os.path.join(data_dir, "lmdb")):
        for f in files:
            with open(os.path.join(root, f), "rb") as fh:
                blob += fh.read()
    check(b"$argon2id$" in blob, "no argon2id hash in LMDB")
    check(not re.search(rb"\$argon2(i|d)\$", blob), "a non-argon2id hash in LMDB")
    for secret in (PW.encode(), (PW + "!").encode(), t1.encode(), t3.encode(), t4.encode()):
        check(secret not in blob, "a password or token in plain text in LMDB")
    with open(log_path, "rb") as fh:
        logged = fh.read()
    for secret in (PW.encode(), t4.encode()):
        check(secret not in logged, "a password or token in the server log")
    ok("API2", "one 401 message for bad user/password, expires_at <= 30 d, logout/password change/"
       "DELETE sessions revoke, argon2id at rest, tokens and passwords absent from LMDB and the log "
       "(expiry itself: tests/engine/users_test.cpp 'an expired token is refused')")


def api3_object_property_level(port):
    t = signup_login(port, "dave3")
    c = Client(port, token=t)
    bodies = []
    st, _, lg = c.call("POST", "/api/v1/auth/login", {"username": "dave3", "password": PW})
    bodies.append(("login", {k: v for k, v in lg.items() if k != "token"}))
    st, _, tw = c.call("POST", "/api/v1/tweets", {"text": "properties #p @dave3 http://example.com"})
    for path in ("/api/v1/me", "/api/v1/users/dave3", "/api/v1/tweets", "/api/v1/tweets/dave3",
                 "/api/v1/tweets/dave3/%s" % tw["id"], "/api/v1/timeline", "/api/v1/search?q=properties",
                 "/api/v1/users/dave3/followers", "/api/v1/users/dave3/following", "/api/v1/openapi.json"):
        st, _, b = c.call("GET", path)
        check(st == 200, "%s: %s" % (path, st))
        if path.endswith("openapi.json"):
            check("$argon2" not in repr(b), "hash in openapi")
            continue
        bodies.append((path, b))
    st, _, b = request(port, "GET", "/api/v1/users/dave3")
    bodies.append(("anonymous user", b))
    for where, b in bodies:
        no_private(b, where)
    # Mass assignment: unknown or read-only fields are refused, nothing changes.
    for method, path, body in (("POST", "/api/v1/users", {"username": "eve3", "password": PW, "is_admin": True}),
                               ("POST", "/api/v1/users", {"username": "eve3", "password": PW, "counts": {}}),
                               ("PATCH", "/api/v1/me", {"username": "root"}),
                               ("PATCH", "/api/v1/me", {"created_at": "2000-01-01T00:00:00.000Z"}),
                               ("PATCH", "/api/v1/me", {"counts": {"followers": 1000000}}),
                               ("POST", "/api/v1/tweets", {"text": "x", "id": "1"}),
                               ("POST", "/api/v1/tweets", {"text": "x", "username": "alice1"}),
                               ("POST", "/api/v1/tweets", {"text": "x", "counts": {"likes": 99}})):
        st, _, b = c.call(method, path, body)
        err(st, b, 400, "bad_request")
    st, _, me = c.call("GET", "/api/v1/me")
    check(me["username"] == "dave3" and me["counts"]["followers"] == 0, "mass assignment changed %r" % me)
    check(request(port, "GET", "/api/v1/users/eve3")[0] == 404, "eve3 was created")
    c.close()
    ok("API3", "%d response bodies free of hashes/ids/private keys; 8 mass-assignment bodies -> 400" % len(bodies))


def api4_resource_consumption(port_open, port_limited):
    t = signup_login(port_open, "fay4")
    c = Client(port_open, token=t)
    raw = raw_exchange(port_open, b"POST /api/v1/tweets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                       b"Content-Length: 16385\r\n\r\n")
    check(status_of(raw) == 413, "16 KiB + 1 body: %r" % raw[:60])
    st, _, b = c.call("GET", "/api/v1/tweets?limit=1000")
    check(st == 200, "limit clamp")
    st, _, b = c.call("GET", "/api/v1/search?q=" + "a" * 513)
    err(st, b, 400, "bad_request")
    for bad in ("0", "-1", "abc", "1e3"):
        st, _, b = c.call("GET", "/api/v1/tweets?limit=" + bad)
        err(st, b, 400, "bad_request")
    st, _, b = c.call("GET", "/api/v1/tweets?cursor=" + "A" * 300)
    err(st, b, 400, "bad_request")
    c.close()
    # Rate limit per IP (rate limits on; 50/s, burst 200): a burst from 4 connections at
    # once gets 429 + Retry-After, and no more 200s than the bucket holds; /health never limited.
    got, shapes = {}, []
    lock = threading.Lock()

    def burst():
        cb = Client(port_limited)
        for _ in range(150):
            st, h, b = cb.call("GET", "/api/v1/tweets?limit=1")
            with lock:
                got[st] = got.get(st, 0) + 1
                if st == 429:
                    shapes.append(h.get("Retry-After", "").isdigit() and b["error"]["code"] == "rate_limited")
        cb.close()
    t0 = time.monotonic()
    workers = [threading.Thread(target=burst) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.monotonic() - t0
    check(all(shapes), "a 429 without Retry-After or the rate_limited code")
    check(got.get(200, 0) <= 200 + 50 * elapsed + 1, "more than the IP bucket allows in %.1f s: %r" % (elapsed, got))
    check(got.get(429, 0) > 0, "no 429 after 600 requests in %.1f s: %r" % (elapsed, got))
    cl = Client(port_limited)
    for _ in range(50):
        check(cl.call("GET", "/health")[0] == 200, "/health limited")
    cl.close()
    ok("API4", "body 16 KiB+1 -> 413, limit clamped to 100, bad limit/cursor/q -> 400, 600 GETs on 4 connections "
       "in %.1f s -> %r, /health never limited" % (elapsed, got))


def api5_function_level_authorization(port):
    t = signup_login(port, "gil5")
    paths = ["/internal/v1/changes?after=0", "/internal/v1/auth/check", "/internal/v1/changes",
             "/api/v1/internal/changes", "/api/v1/admin", "/admin", "/api/v1/users/gil5/sessions",
             "/api/v1/debug", "/debug/pprof"]
    seen = {}
    for p in paths:
        for tok in (None, t):
            for method in ("GET", "POST"):
                st, _, b = request(port, method, p, token=tok, body={} if method == "POST" else None)
                check(st in (401, 403, 404, 405, 503), "%s %s reachable: %s %r" % (method, p, st, b))
                check(isinstance(b, dict) and "error" in b, "%s %s body %r" % (method, p, b))
                seen[st] = seen.get(st, 0) + 1
    # Authenticated-only functions without a token.
    for method, p in (("POST", "/api/v1/tweets"), ("PATCH", "/api/v1/me"), ("DELETE", "/api/v1/me/sessions"),
                      ("PUT", "/api/v1/users/gil5/follow"), ("GET", "/api/v1/timeline")):
        st, _, b = request(port, method, p, body={} if method in ("POST", "PATCH") else None)
        err(st, b, 401, "unauthorized")
    ok("API5", "internal/admin/debug paths from outside (with and without a user token): %r; "
       "authenticated functions without a token -> 401" % seen)


def api6_sensitive_flows(port_limited):
    got = {}
    for i in range(8):
        st, h, b = request(port_limited, "POST", "/api/v1/users", {"username": "sig6_%d" % i, "password": PW})
        got[st] = got.get(st, 0) + 1
    check(got.get(429, 0) >= 1 and got.get(201, 0) <= 5, "signup not throttled: %r" % got)
    logins = {}
    for i in range(14):
        st, h, b = request(port_limited, "POST", "/api/v1/auth/login", {"username": "sig6_0", "password": "wrong" * 2})
        logins[st] = logins.get(st, 0) + 1
        if st == 429:
            check(h.get("Retry-After", "").isdigit(), "login 429 without Retry-After")
    check(logins.get(429, 0) >= 1 and logins.get(401, 0) <= 10, "login not throttled: %r" % logins)
    ok("API6", "8 signups from one IP -> %r; 14 bad logins -> %r (also API2: login throttled)" % (got, logins))
    return got, logins


def api6_post_throttle(port_limited, token):
    # The account bucket (api/include/chirp/api/rate_limiter.h: 20 posts/s, burst
    # 100) must refuse a flood: 8 connections x 40 posts at once, so the flood
    # outruns the refill even when each commit is slow (ASan, a loaded machine:
    # 160 posts one after another once took over 3 s and were all allowed).
    rate, burst, threads, each = 20.0, 100, 8, 40
    got = {}
    lock = threading.Lock()

    def flood(t):
        c = Client(port_limited, token=token)
        for i in range(each):
            st, _, b = c.call("POST", "/api/v1/tweets", {"text": "flood %d %d %s" % (t, i, word())})
            with lock:
                got[st] = got.get(st, 0) + 1
        c.close()
    t0 = time.monotonic()
    workers = [threading.Thread(target=flood, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.monotonic() - t0
    allowed = burst + rate * elapsed + 1
    check(set(got) <= {201, 429} and sum(got.values()) == threads * each, "flood statuses: %r" % got)
    check(got.get(201, 0) <= allowed, "more posts than the bucket allows in %.1f s (%d): %r" % (elapsed, allowed, got))
    check(got.get(429, 0) >= 1, "posting not throttled in %.1f s: %r" % (elapsed, got))
    ok("API6", "%d posts by one account on %d connections in %.1f s -> %r (bucket allows <= %d)"
       % (threads * each, threads, elapsed, got, allowed))


def api7_no_server_side_fetch(port):
    trap = socket.socket()
    trap.bind(("127.0.0.1", 0))
    trap.listen(16)
    trap.settimeout(0.2)
    tport = trap.getsockname()[1]
    hits = []
    stop = threading.Event()

    def accept():
        while not stop.is_set():
            try:
                conn, _ = trap.accept()
                hits.append(conn.recv(200))
                conn.close()
            except OSError:
                pass

    th = threading.Thread(target=accept, daemon=True)
    th.start()
    t = signup_login(port, "hal7")
    c = Client(port, token=t)
    url = "http://127.0.0.1:%d/ssrf" % tport
    st, _, tw = c.call("POST", "/api/v1/tweets", {"text": "look " + url})
    check(st == 201, "post with a URL: %s" % st)
    st, _, tw2 = c.call("POST", "/api/v1/tweets", {"text": "and https://example.com/ssrf"})
    check(st == 201 and tw2["entities"]["urls"], "url entity %r" % tw2)
    c.call("PATCH", "/api/v1/me", {"bio": url, "display_name": "x"})
    c.call("GET", "/api/v1/tweets/hal7/%s" % tw["id"])
    c.call("GET", "/api/v1/search?q=" + urllib.parse.quote(url))
    c.call("GET", "/api/v1/users/hal7", headers={"X-Forwarded-Host": "127.0.0.1:%d" % tport,
                                                 "Referer": url})
    time.sleep(1.5)
    stop.set()
    th.join()
    trap.close()
    c.close()
    check(not hits, "chirpd connected to a URL from user input: %r" % hits)
    ok("API7", "URLs in a tweet, a bio, a search and headers: no connection to the trap listener in 1.5 s")


def api8_misconfiguration(port):
    t = signup_login(port, "ivy8")
    cases = [("GET", "/health", None), ("GET", "/api/v1/tweets", None), ("GET", "/nope", None),
             ("GET", "/api/v1/me", None), ("POST", "/api/v1/tweets", b"{"), ("DELETE", "/api/v1/tweets", None)]
    for method, path, raw in cases:
        st, h, b = request(port, method, path, raw=raw, token=t if raw else None,
                           headers={"Origin": "http://evil.example"})
        for k, v in SECURITY_HEADERS.items():
            check(v in h.get(k, ""), "%s %s: header %s is %r" % (method, path, k, h.get(k)))
        check(not any(k.startswith("Access-Control-") for k in h), "CORS header on %s: %r" % (path, h))
        server = h.get("Server", "")
        check(not re.search(r"\d+\.\d+", server), "Server header reveals a version: %r" % server)
    raw = raw_exchange(port, b"OPTIONS /api/v1/tweets HTTP/1.1\r\nHost: x\r\nOrigin: http://evil.example\r\n"
                       b"Access-Control-Request-Method: DELETE\r\nConnection: close\r\n\r\n")
    check(b"access-control-allow" not in raw.lower(), "CORS preflight allowed: %r" % raw[:300])
    raw = raw_exchange(port, b"GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999999\r\n\r\n")
    check(status_of(raw) == 413 and b"X-Content-Type-Options: nosniff" in raw, "gate answer headers %r" % raw[:400])
    # Errors carry no internals: no paths, exception names, or stack frames.
    st, _, b = request(port, "POST", "/api/v1/tweets", raw=b'{"text": [1,2', token=t)
    err(st, b, 400, "bad_request")
    for st, b in ((st, b), request(port, "GET", "/api/v1/tweets/ivy8/99999999999999999999")[::2],
                  request(port, "GET", "/api/v1/search?q=%22unterminated")[::2]):
        text = repr(b)
        check(not re.search(r"(/work|/usr/|\.cpp|\.cc|\.h:|std::|Xapian::|terminate|0x[0-9a-f]{8})", text),
              "internals in an error: %s" % text)
    raw = raw_exchange(port, b"TRACE / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    check(status_of(raw) in (405, 501), "TRACE answered %r" % raw[:100])
    # The web session cookie is HttpOnly and SameSite=Strict.
    st, h, b = request(port, "POST", "/api/v1/auth/login", {"username": "ivy8", "password": PW, "cookie": True})
    check(st == 200 and "Set-Cookie" in h, "cookie login: %s" % st)
    session = [c for c in h["Set-Cookie"].split("\n") if not c.startswith("chirp_csrf=")]
    check(session and all("HttpOnly" in c and "SameSite=Strict" in c for c in session), "cookies %r" % h["Set-Cookie"])
    ok("API8", "security headers on 6 kinds of answer and on gate errors, no CORS (also preflight), "
       "no version in Server, no internals in errors, TRACE refused, session cookie HttpOnly+Strict")


def api9_inventory(port):
    for p in ("/api/v2/tweets", "/api/v0/tweets", "/api/tweets", "/v1/tweets", "/api/v1.1/tweets",
              "/api/V1/tweets", "/api/v1/../v2/tweets"):
        st, _, b = request(port, "GET", p)
        err(st, b, 404, "not_found")
    st, _, doc = request(port, "GET", "/api/v1/openapi.json")
    check(st == 200, "openapi")
    paths = list(doc["paths"])
    system = {"/health", "/ready", "/metrics", "/docs", "/api/v1/openapi.json"}
    stray = [p for p in paths if not p.startswith("/api/v1/") and p not in system]
    check(not stray, "routes outside /api/v1 in the OpenAPI document: %r" % stray)
    check(not [p for p in paths if "internal" in p], "internal routes in the public OpenAPI document")
    ok("API9", "v0/v2/unversioned paths -> 404; the OpenAPI document lists %d paths, all /api/v1 or system"
       % len(paths))


def main():
    base = temp_dir("chirp-security-")
    open_s = Chirpd(os.path.join(base, "data")).start()
    limited = Chirpd(os.path.join(base, "data-limited"), rate_limit="on").start()
    api1_object_level_authorization(open_s.port)
    api2_authentication(open_s.port, open_s.data_dir, open_s.log_path)
    api3_object_property_level(open_s.port)
    tok = signup_login(limited.port, "poster6")  # before the signup bucket is spent
    api4_resource_consumption(open_s.port, limited.port)
    time.sleep(4.5)  # let the per-IP bucket refill a little (50/s) for the next checks
    api6_post_throttle(limited.port, tok)
    api6_sensitive_flows(limited.port)
    api5_function_level_authorization(open_s.port)
    api7_no_server_side_fetch(open_s.port)
    api8_misconfiguration(open_s.port)
    api9_inventory(open_s.port)
    check(open_s.stop() == 0 and limited.stop() == 0, "clean exit")
    log("security: %d OWASP API 2023 checks passed: %s" % (len(done), ", ".join(done)))


if __name__ == "__main__":
    main()
