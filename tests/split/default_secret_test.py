#!/usr/bin/env python3
"""Split roles started with only --role, --data-dir and --listen (API.md):
no --internal-secret-file, so users and tweets, whose data folders are
siblings in one temp parent, must share <parent>/internal.secret, created
mode 0600 by whichever starts first. Checks that a token issued by users is
accepted by tweets (a post succeeds, so the internal token check with the
shared secret works), that search, started the same way, finds the post and
knows its author (it follows both peers' logs), that users counts the post (it
follows the tweets log), that each role answers /internal/v1/changes on its
one public listener with the secret and 403 without it, that the file is
private and 64 hex characters, that a restart reuses it, and that a
group-readable secret file is refused.

The peers' URLs come from CHIRP_USERS_URL / CHIRP_TWEETS_URL only because the
test runs on free ports instead of API.md's defaults: they are the peers'
PUBLIC --listen addresses, exactly what the defaults (http://127.0.0.1:8001,
http://127.0.0.1:8000) name.

usage: default_secret_test.py --chirpd PATH
"""
import argparse
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time

from split_http import call as request, free_port, wait_health


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--chirpd", required=True)
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="chirp-default-secret-")
    procs = []
    ports = {"users": free_port(), "tweets": free_port(), "search": free_port()}
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHIRP_")}
    env["CHIRP_USERS_URL"] = "http://127.0.0.1:%d" % ports["users"]  # public listeners
    env["CHIRP_TWEETS_URL"] = "http://127.0.0.1:%d" % ports["tweets"]
    secret_path = os.path.join(tmp, "internal.secret")

    def start(role):
        log = open(os.path.join(tmp, role + ".log"), "a")
        cmd = [args.chirpd, "--role", role, "--data-dir", os.path.join(tmp, role),
               "--listen", "127.0.0.1:%d" % ports[role]]
        p = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        procs.append(p)
        return p

    def stop_all():
        for p in procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        procs.clear()

    checks = 0
    ok = False
    try:
        # Both at once: whichever creates the file, the other must read the same one.
        users, tweets = start("users"), start("tweets")
        wait_health(ports["users"], users, "users")
        wait_health(ports["tweets"], tweets, "tweets")

        st = os.stat(secret_path)
        assert stat.S_IMODE(st.st_mode) == 0o600, "secret file mode %o" % stat.S_IMODE(st.st_mode)
        with open(secret_path) as f:
            secret = f.read().strip()
        assert re.fullmatch(r"[0-9a-f]{64}", secret), "secret is 32 random bytes, hex"
        assert os.listdir(tmp).count("internal.secret") == 1 and not [
            n for n in os.listdir(tmp) if n.startswith("internal.secret.tmp")], "no temporary file left"
        checks += 3
        logs = "".join(open(os.path.join(tmp, r + ".log")).read() for r in ("users", "tweets"))
        assert secret not in logs, "the secret is never logged"
        assert logs.count("internal secret: created " + secret_path) == 1, "exactly one role created it"
        assert "internal secret: read " + secret_path in logs, "the other role read it"
        checks += 3

        s, b = request(ports["users"], "POST", "/api/v1/users", {"username": "alice", "password": "password123"})
        assert s == 201, "sign-up: %d %r" % (s, b)
        s, b = request(ports["users"], "POST", "/api/v1/auth/login", {"username": "alice", "password": "password123"})
        assert s == 200, "login: %d %r" % (s, b)
        token = b["token"]
        # tweets checks the token with users (its public listener, /internal/v1/auth/check): needs the shared secret.
        deadline = time.time() + 20
        while True:
            s, b = request(ports["tweets"], "POST", "/api/v1/tweets", {"text": "shared secret works"}, token)
            if s == 201 or time.time() > deadline:
                break
            time.sleep(0.1)
        assert s == 201, "post with a users token on tweets: %d %r" % (s, b)
        s, _ = request(ports["tweets"], "POST", "/api/v1/tweets", {"text": "bad token"}, "not-a-token")
        assert s == 401, "a bad token is still refused: %d" % s
        checks += 4

        # search, started the same way, follows both logs over the peers' public URLs.
        search = start("search")
        wait_health(ports["search"], search, "search")
        deadline = time.time() + 30
        while True:
            s, b = request(ports["search"], "GET", "/api/v1/search?q=shared")
            items = b.get("items", []) if s == 200 else []
            if items or time.time() > deadline:
                break
            time.sleep(0.1)
        assert s == 200 and len(items) == 1, "search finds the post: %d %r" % (s, b)
        # A hit waits for its author (right after a cold start the users copy may lag the tweets copy).
        assert items[0]["tweet"]["username"] == "alice", "search knows the author: %r" % items[0]
        # users follows the tweets log: the post counts on alice's profile.
        deadline = time.time() + 30
        while True:
            s, b = request(ports["users"], "GET", "/api/v1/users/alice")
            if (s == 200 and b["counts"]["tweets"] == 1) or time.time() > deadline:
                break
            time.sleep(0.1)
        assert s == 200 and b["counts"]["tweets"] == 1, "users counts the post: %d %r" % (s, b)
        # search's /ready reports both peers' logs as followed and reachable.
        s, b = request(ports["search"], "GET", "/ready")
        ready = b
        assert s == 200 and ready.get("users_log_reachable") == 1 and ready.get("tweets_log_reachable") == 1 \
            and ready.get("tweets_log_seq", 0) >= 1, "search /ready: %d %r" % (s, b)
        checks += 1
        # /internal/v1/* on each role's one listener: the secret opens it, nothing else does.
        with open(secret_path) as f:
            secret = f.read().strip()
        for role in ("users", "tweets", "search"):
            s, b = request(ports[role], "GET", "/internal/v1/changes?after=0")
            assert s == 403 and b["error"]["code"] == "forbidden", "%s without the secret: %d %r" % (role, s, b)
            s, b = request(ports[role], "GET", "/internal/v1/changes?after=0",
                           headers={"X-Internal-Secret": secret[:-1] + ("0" if secret[-1] != "0" else "1")})
            assert s == 403, "%s wrong secret: %d" % (role, s)
            s, b = request(ports[role], "GET", "/internal/v1/changes?after=0", headers={"X-Internal-Secret": secret})
            assert s == 200 and "last_seq" in b, "%s with the secret: %d %r" % (role, s, b)
        s, b = request(ports["tweets"], "GET", "/internal/v1/changes?after=0", headers={"X-Internal-Secret": secret})
        assert [c["kind"] for c in b["changes"]].count("tweet_posted") == 1, "the tweets log: %r" % b
        checks += 13

        # A restart reads the same file, unchanged.
        stop_all()
        users = start("users")
        wait_health(ports["users"], users, "users after restart")
        with open(secret_path) as f:
            assert f.read().strip() == secret, "restart keeps the secret"
        checks += 1
        stop_all()

        # Group-readable: refused with a clear message, exit code 2, secret not printed.
        os.chmod(secret_path, 0o640)
        users = start("users")
        rc = users.wait(timeout=30)
        out = open(os.path.join(tmp, "users.log")).read()
        assert rc == 2, "group-readable secret: exit %d" % rc
        assert "group/others" in out and secret_path in out, "clear message: %r" % out[-400:]
        assert secret not in out
        checks += 3
        # Too short: refused.
        with open(secret_path, "w") as f:
            f.write("short\n")
        os.chmod(secret_path, 0o600)
        tw = start("tweets")
        rc = tw.wait(timeout=30)
        out = open(os.path.join(tmp, "tweets.log")).read()
        assert rc == 2 and "shorter than 16 bytes" in out, "short secret: exit %d" % rc
        checks += 1
        ok = True
        print("default_secret_test: %d checks passed" % checks)
    finally:
        stop_all()
        if not ok:
            for r in ("users", "tweets", "search"):
                p = os.path.join(tmp, r + ".log")
                if os.path.exists(p):
                    sys.stderr.write("---- %s.log ----\n%s\n" % (r, open(p).read()[-3000:]))
        shutil.rmtree(tmp, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
