#!/usr/bin/env python3
"""Split roles serve their peers' /internal/v1/* on the public listener
(API.md: --users-url / --tweets-url name the peers' public ports). A write on
users or tweets answers only once the live consumers have applied it, and the
consumers acknowledge by polling that same port. This test makes sure the two
never block each other: every role runs with ONE I/O thread (--threads 1),
started with only --role/--data-dir/--listen (+ the peer URLs, because the
ports are free ones, and --rate-limit off), and each round of writes is read
back at once from the other service:

  post on tweets        -> users counts it at once (users follows the tweets log)
  follow on users       -> bob's home timeline on tweets has alice's posts at once
  unfollow on users     -> bob's home timeline on tweets is empty at once

Then chirp_consumer_wait_timeouts_total on users and tweets must stay (near)
zero: a write that waited out its 1 s bound means a consumer's poll could not
get through (before public requests moved to workers, with one thread, every
write did). Bounded: 8 rounds.

usage: shared_port_test.py --chirpd PATH
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

from split_http import call as request, free_port, wait_health

ROUNDS = 8


def metric(port, name):
    s, body = request(port, "GET", "/metrics")
    assert s == 200, "/metrics: %d" % s
    m = re.search(r"^%s (\S+)$" % re.escape(name), body, re.M)
    assert m, "%s not in /metrics" % name
    return float(m.group(1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--chirpd", required=True)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="chirp-shared-port-")
    ports = {r: free_port() for r in ("users", "tweets", "search")}
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHIRP_")}
    env["CHIRP_USERS_URL"] = "http://127.0.0.1:%d" % ports["users"]    # the peers' PUBLIC listeners
    env["CHIRP_TWEETS_URL"] = "http://127.0.0.1:%d" % ports["tweets"]
    procs = {}
    ok = False
    checks = 0
    try:
        for role in ("users", "tweets", "search"):
            log = open(os.path.join(tmp, role + ".log"), "a")
            procs[role] = subprocess.Popen(
                [args.chirpd, "--role", role, "--data-dir", os.path.join(tmp, role),
                 "--listen", "127.0.0.1:%d" % ports[role], "--threads", "1", "--rate-limit", "off"],
                env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        for role, p in procs.items():
            wait_health(ports[role], p, role)
        U, T = ports["users"], ports["tweets"]
        tok = {}
        for name in ("alice", "bob"):
            s, b = request(U, "POST", "/api/v1/users", {"username": name, "password": "password123"})
            assert s == 201, "sign-up %s: %d %r" % (name, s, b)
            s, b = request(U, "POST", "/api/v1/auth/login", {"username": name, "password": "password123"})
            assert s == 200, "login %s: %d %r" % (name, s, b)
            tok[name] = b["token"]
        # Consumers are live once they have polled: wait until tweets knows bob.
        deadline = time.time() + 30
        while request(T, "GET", "/api/v1/tweets/bob")[0] != 200:
            assert time.time() < deadline, "tweets never learnt bob"
            time.sleep(0.05)
        posted = []
        for i in range(ROUNDS):
            s, b = request(T, "POST", "/api/v1/tweets", {"text": "round %d of the shared port" % i}, tok["alice"])
            assert s == 201, "post %d: %d %r" % (i, s, b)
            posted.append(b["id"])
            s, b = request(U, "GET", "/api/v1/users/alice")
            assert s == 200 and b["counts"]["tweets"] == i + 1, \
                "round %d: users counts the post as soon as it is answered: %r" % (i, b)
            s, b = request(U, "PUT", "/api/v1/users/alice/follow", token=tok["bob"])
            assert s == 204, "follow %d: %d %r" % (i, s, b)
            s, b = request(T, "GET", "/api/v1/timeline?limit=100", token=tok["bob"])
            assert s == 200 and [t["id"] for t in b["items"]] == posted[::-1], \
                "round %d: the follow shows in bob's home timeline at once: %r" % (i, b)
            s, b = request(U, "DELETE", "/api/v1/users/alice/follow", token=tok["bob"])
            assert s == 204, "unfollow %d: %d %r" % (i, s, b)
            s, b = request(T, "GET", "/api/v1/timeline", token=tok["bob"])
            assert s == 200 and b["items"] == [], "round %d: the unfollow empties bob's home at once: %r" % (i, b)
            checks += 7
        # Under heavy load a poll may rarely miss the 1 s bound; blocked polls miss it on every write.
        for role in ("users", "tweets"):
            n = metric(ports[role], "chirp_consumer_wait_timeouts_total")
            assert n <= 2, "%s: %d of its writes waited out the consumers (polls blocked?)" % (role, n)
            checks += 1
        ok = True
        print("shared_port_test: %d checks passed (%d rounds, one I/O thread per role)" % (checks, ROUNDS))
    finally:
        for p in procs.values():
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        if not ok:
            for r in procs:
                path = os.path.join(tmp, r + ".log")
                if os.path.exists(path):
                    sys.stderr.write("---- %s.log ----\n%s\n" % (r, open(path).read()[-3000:]))
        shutil.rmtree(tmp, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
