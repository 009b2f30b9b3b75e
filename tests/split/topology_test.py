#!/usr/bin/env python3
"""Split topology test (issue 7): users, tweets and search as separate chirpd
processes behind real nginx (docker/gateway/nginx.conf.template), all on free
loopback ports with fresh data folders.

Checks through the gateway: sign-up, login, post, follow, home timeline,
search, counts, logout revoked on the other services within the token-check
TTL, the gateway's own 413 / 429 / 502 errors in the API's JSON shape,
/internal/ never routed, the internal secret enforced; then kill -9 of the
search service mid-ingest (it must catch up with nothing lost) and of the
tweets service (502/503 JSON, then recovery with its data intact).

With --run CMD..., the topology (the gateway serving --static, the built web
app) is started and CMD runs against it with CHIRP_BASE_URL set to the
gateway's URL (the browser suites: tests/browser/harness.mjs); its exit code
is this script's.

With --routes-tests, the C++ route integration suite (tests/api, the one the
contract run drives through Prism) then runs through the gateway, each test
case against a fresh topology (CHIRP_TEST_BASE_URL).

usage: topology_test.py --chirpd PATH --template PATH [--routes-tests PATH] [--keep]
       topology_test.py --chirpd PATH --template PATH --static DIR --run CMD [ARG...]
"""
import argparse
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

from split_http import free_port, is_api_error, request, wait_for

CHECKS = 0


def check(cond, what):
    global CHECKS
    CHECKS += 1
    if not cond:
        raise AssertionError(what)


class Topology:
    def __init__(self, args, tmp):
        self.args, self.tmp = args, tmp
        self.procs = {}
        self.ports = {name: free_port() for name in ("users", "tweets", "search", "gw", "strict")}
        self.secret = os.path.join(tmp, "internal_secret")
        with open(self.secret, "w") as f:
            f.write(os.urandom(24).hex() + "\n")
        if getattr(args, "static", None):
            self.static = os.path.abspath(args.static)
            return
        self.static = os.path.join(tmp, "static")
        os.makedirs(self.static)
        with open(os.path.join(self.static, "index.html"), "w") as f:
            f.write("<!doctype html><title>chirp</title><p>split gateway test</p>\n")
        with open(os.path.join(self.static, "app.js"), "w") as f:
            f.write("console.log('chirp');\n")

    def log(self, name):
        return os.path.join(self.tmp, name + ".log")

    def start_service(self, role, data_dir=None):
        p = self.ports
        cmd = [self.args.chirpd, "--role", role, "--data-dir", data_dir or os.path.join(self.tmp, role),
               "--listen", "127.0.0.1:%d" % p[role],
               # The peers' public listeners, as API.md's defaults name them (/internal/v1/* is served there).
               "--users-url", "http://127.0.0.1:%d" % p["users"],
               "--tweets-url", "http://127.0.0.1:%d" % p["tweets"],
               "--internal-secret-file", self.secret, "--trusted-proxy", "127.0.0.0/8",
               "--rate-limit", "off", "--auth-cache-seconds", "1", "--threads", "2"]
        out = open(self.log(role), "a")
        self.procs[role] = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        wait_for(lambda: request(p[role], "GET", "/health").status == 200, role + " /health")

    def stop(self, name):
        proc = self.procs.pop(name, None)
        if proc and proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            proc.wait(15)

    def kill(self, name):
        proc = self.procs.pop(name, None)
        if proc and proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)

    def start_gateway(self, name, rate, burst, real_ip_from="0.0.0.0/32"):
        prefix = os.path.join(self.tmp, "nginx-" + name)
        os.makedirs(prefix)
        values = {
            "CHIRP_GATEWAY_LISTEN": "127.0.0.1:%d" % self.ports[name],
            "CHIRP_USERS_ADDR": "127.0.0.1:%d" % self.ports["users"],
            "CHIRP_TWEETS_ADDR": "127.0.0.1:%d" % self.ports["tweets"],
            "CHIRP_SEARCH_ADDR": "127.0.0.1:%d" % self.ports["search"],
            "CHIRP_STATIC_DIR": self.static,
            "CHIRP_GATEWAY_RUNTIME_DIR": prefix,
            "CHIRP_NGINX_USER": pwd.getpwuid(os.getuid()).pw_name,
            "CHIRP_GATEWAY_RATE": str(rate),
            "CHIRP_GATEWAY_BURST": str(burst),
            "CHIRP_GATEWAY_REAL_IP_FROM": real_ip_from,
        }
        with open(self.args.template) as f:
            text = f.read()
        text = re.sub(r"\$\{(CHIRP_[A-Z_]+)\}", lambda m: values[m.group(1)], text)
        conf = os.path.join(prefix, "nginx.conf")
        with open(conf, "w") as f:
            f.write(text)
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        out = open(self.log("nginx-" + name), "a")
        subprocess.run([nginx, "-t", "-q", "-p", prefix, "-c", conf, "-e", "stderr"], check=True,
                       stdout=out, stderr=subprocess.STDOUT)
        self.procs["nginx-" + name] = subprocess.Popen(
            [nginx, "-p", prefix, "-c", conf, "-e", "stderr", "-g", "daemon off;"],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        wait_for(lambda: request(self.ports[name], "GET", "/health").status == 200, "nginx " + name)

    def stop_all(self):
        for name in list(self.procs):
            proc = self.procs.pop(name)
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM if name.startswith("nginx") else signal.SIGINT)
                try:
                    proc.wait(15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()

    def dump_logs(self):
        for name in sorted(os.listdir(self.tmp)):
            if name.endswith(".log"):
                with open(os.path.join(self.tmp, name), errors="replace") as f:
                    tail = f.readlines()[-25:]
                sys.stderr.write("---- %s (last lines) ----\n%s" % (name, "".join(tail)))


def search_ids(gw, q):
    """Every tweet id search returns for q (newest first, all pages)."""
    ids, cursor = [], None
    for _ in range(100):
        path = "/api/v1/search?sort=recent&limit=100&q=" + q + ("&cursor=" + cursor if cursor else "")
        r = request(gw, "GET", path)
        if r.status != 200:
            return None
        page = r.json()
        ids += [h["tweet"]["id"] for h in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    return ids


def run(t):
    gw = t.ports["gw"]
    for role in ("users", "tweets", "search"):
        t.start_service(role)
    t.start_gateway("gw", rate=1000, burst=2000)
    # As if behind a Kubernetes ingress controller on 127.0.0.1: its X-Forwarded-For names the client.
    t.start_gateway("strict", rate=1, burst=2, real_ip_from="127.0.0.1/32")

    # ---- accounts, tokens, a post straight after sign-up ----
    for name in ("alice", "bob"):
        r = request(gw, "POST", "/api/v1/users", {"username": name, "password": "password123"})
        check(r.status == 201, "sign-up %s: %d %s" % (name, r.status, r.body))
        check(len(r.header_all("X-Request-Id")) == 1, "one X-Request-Id per answer")
    tok = {}
    for name in ("alice", "bob"):
        r = request(gw, "POST", "/api/v1/auth/login", {"username": name, "password": "password123"})
        check(r.status == 200, "login %s: %d %s" % (name, r.status, r.body))
        tok[name] = r.json()["token"]
    r = request(gw, "POST", "/api/v1/tweets", {"text": "zanzibar quokkas at dawn #split"}, tok["alice"])
    check(r.status == 201, "post right after sign-up (replica settled): %d %s" % (r.status, r.body))
    first = r.json()
    check(first["username"] == "alice", "the tweets service knows alice")
    rid = r.header_all("X-Request-Id")[0]
    wait_for(lambda: rid in open(t.log("tweets")).read(), "the gateway's X-Request-Id in the tweets log", 5)

    # ---- follow (users) -> home timeline (tweets) ----
    r = request(gw, "PUT", "/api/v1/users/alice/follow", token=tok["bob"])
    check(r.status == 204, "follow: %d %s" % (r.status, r.body))
    home = wait_for(lambda: (lambda x: x if x.status == 200 and x.json()["items"] else None)(
        request(gw, "GET", "/api/v1/timeline", token=tok["bob"])), "bob's home timeline")
    check(home.json()["items"][0]["id"] == first["id"], "bob's home shows alice's tweet")
    wait_for(lambda: request(gw, "GET", "/api/v1/users/alice").json()["counts"] ==
             {"tweets": 1, "followers": 1, "following": 0}, "alice's counts on users (tweet count from the tweets log)")
    # ---- search (from the tweets log) ----
    hits = wait_for(lambda: search_ids(gw, "quokkas"), "search finds the post")
    check(hits == [first["id"]], "search hit is the post: %r" % hits)
    r = request(gw, "GET", "/api/v1/search?q=quokkas", token=tok["bob"])
    check(r.status == 200 and r.json()["items"][0]["tweet"]["username"] == "alice", "search with a token")
    # ---- likes travel too; openapi documents the whole API ----
    r = request(gw, "PUT", "/api/v1/tweets/alice/%s/like" % first["id"], token=tok["bob"])
    check(r.status in (200, 204), "like: %d %s" % (r.status, r.body))
    wait_for(lambda: request(gw, "GET", "/api/v1/search?q=quokkas").json()["items"][0]["tweet"]["counts"]["likes"] == 1,
             "like count on the search copy")
    spec = request(gw, "GET", "/api/v1/openapi.json").json()
    for p in ("/api/v1/users", "/api/v1/tweets", "/api/v1/timeline", "/api/v1/search"):
        check(p in spec["paths"], "openapi.json through the gateway lists " + p)
    check(not any(p.startswith("/internal") for p in spec["paths"]), "openapi.json hides /internal/")

    # ---- static files and /docs from the gateway ----
    r = request(gw, "GET", "/")
    check(r.status == 200 and "split gateway test" in r.body, "index.html from static/")
    r = request(gw, "GET", "/alice")
    check(r.status == 200 and "split gateway test" in r.body, "app routes fall back to index.html")
    r = request(gw, "GET", "/app.js")
    check(r.status == 200 and "console.log" in r.body, "a static file")
    r = request(gw, "GET", "/docs")
    check(r.status == 200 and "swagger" in r.body.lower(), "/docs")
    check(is_api_error(request(gw, "GET", "/api/v1/nope"), 404, "not_found"), "unknown API path: JSON 404")

    # ---- internal endpoints: never through the gateway, secret required ----
    with open(t.secret) as f:
        secret = f.read().strip()
    r = request(gw, "GET", "/internal/v1/changes?after=0", headers={"X-Internal-Secret": secret})
    check(is_api_error(r, 404), "gateway never routes /internal/: %d %s" % (r.status, r.body))
    r = request(gw, "GET", "/internal/v1/changes?after=0")
    check(is_api_error(r, 404, "not_found"), "gateway 404 without the secret too: %d %s" % (r.status, r.body))
    r = request(gw, "GET", "/internal/v1/auth/check", headers={"X-Internal-Secret": secret, "X-Chirp-Token": tok["alice"]})
    check(is_api_error(r, 404, "not_found"), "gateway never routes the token check: %d %s" % (r.status, r.body))
    for name in ("users", "tweets", "search"):
        port = t.ports[name]  # the role's one (public) listener serves /internal/v1/* behind the secret
        check(is_api_error(request(port, "GET", "/internal/v1/changes?after=0"), 403, "forbidden"),
              "no secret: 403")
        check(is_api_error(request(port, "GET", "/internal/v1/changes?after=0",
                                   headers={"X-Internal-Secret": secret[:-1] + "x"}), 403), "wrong secret: 403")
        r = request(port, "GET", "/internal/v1/changes?after=0&limit=2", headers={"X-Internal-Secret": secret})
        check(r.status == 200 and "changes" in r.json(), "%s: change log answered: %d %s" % (name, r.status, r.body))
        if name != "search":  # users and tweets hold changes by now (search's own log is its consumers' business)
            check(len(r.json()["changes"]) == 2 and r.json()["last_seq"] >= 2, "%s: change log page %s" % (name, r.body))
    check(is_api_error(request(t.ports["users"], "GET", "/internal/v1/auth/check",
                               headers={"X-Chirp-Token": tok["alice"]}), 403, "forbidden"), "token check needs the secret")
    r = request(t.ports["users"], "GET", "/internal/v1/auth/check",
                headers={"X-Internal-Secret": secret, "X-Chirp-Token": tok["alice"]})
    check(r.status == 200 and r.json()["user_id"] > 0, "token check with the secret: %d %s" % (r.status, r.body))
    check(is_api_error(request(t.ports["users"], "GET", "/internal/v1/changes?after=x",
                               headers={"X-Internal-Secret": secret}), 400, "bad_request"), "bad after: 400")

    # ---- the gateway's own errors ----
    r = request(gw, "POST", "/api/v1/tweets", "x" * 20000, tok["alice"], {"Content-Type": "application/json"})
    check(is_api_error(r, 413, "payload_too_large"), "413 from the gateway: %d %s" % (r.status, r.body))
    limited = None
    for _ in range(20):
        r = request(t.ports["strict"], "GET", "/api/v1/users/alice")
        if r.status == 429:
            limited = r
            break
    check(limited is not None and is_api_error(limited, 429, "rate_limited"), "429 JSON from limit_req")
    check(limited.header_all("Retry-After"), "429 has Retry-After")

    # ---- client addresses: realip behind a proxy, never from a client ----
    def client_seen_by_users(r):
        """The client address users logged for the gateway's request id (chirpd --trusted-proxy 127.0.0.0/8)."""
        rid = r.header_all("X-Request-Id")[0]
        line = wait_for(lambda: next((l for l in open(t.log("users")).read().splitlines() if rid in l), None),
                        "users logs request " + rid, 5)
        return line.split("] ", 1)[1].split(" ", 1)[0]
    # The strict gateway trusts its proxy (127.0.0.1): limit_req counts per forwarded client,
    # so another client behind the same proxy still gets through, and the services see it.
    r = request(t.ports["strict"], "GET", "/api/v1/users/alice", headers={"X-Forwarded-For": "203.0.113.9"})
    check(r.status == 200, "another client behind the trusted proxy has its own budget: %d" % r.status)
    check(client_seen_by_users(r) == "203.0.113.9", "users sees the forwarded client: %s" % client_seen_by_users(r))
    r = request(t.ports["strict"], "GET", "/api/v1/users/alice",
                headers={"X-Forwarded-For": "198.51.100.1, 203.0.113.10"})
    check(r.status == 200 and client_seen_by_users(r) == "203.0.113.10",
          "the proxy's own entry (last), not the client's claim, is believed")
    # The edge gateway (trust nobody): a client's X-Forwarded-For is replaced.
    r = request(gw, "GET", "/api/v1/users/alice", headers={"X-Forwarded-For": "198.51.100.7"})
    check(r.status == 200 and client_seen_by_users(r) == "127.0.0.1",
          "a client cannot choose its address at the edge: %s" % client_seen_by_users(r))

    # ---- logout on users is honoured by tweets and search within the TTL ----
    r = request(gw, "POST", "/api/v1/tweets", {"text": "still signed in"}, tok["bob"])
    check(r.status == 201, "bob posts: %d %s" % (r.status, r.body))
    r = request(gw, "POST", "/api/v1/auth/logout", token=tok["bob"])
    check(r.status in (200, 204), "logout: %d %s" % (r.status, r.body))
    wait_for(lambda: request(gw, "POST", "/api/v1/tweets", {"text": "after logout"}, tok["bob"]).status == 401,
             "tweets refuses the revoked token", timeout=10)
    check(is_api_error(request(gw, "GET", "/api/v1/timeline", token=tok["bob"]), 401, "unauthorized"),
          "revoked token: JSON 401")

    # ---- a profile change and an account deletion reach tweets and search ----
    r = request(gw, "POST", "/api/v1/users", {"username": "carol", "password": "password123"})
    check(r.status == 201, "sign-up carol")
    tc = request(gw, "POST", "/api/v1/auth/login", {"username": "carol", "password": "password123"}).json()["token"]
    r = request(gw, "POST", "/api/v1/tweets", {"text": "ocelots are nocturnal"}, tc)
    check(r.status == 201, "carol posts")
    carol_tweet = r.json()["id"]
    r = request(gw, "PATCH", "/api/v1/me", {"display_name": "Carol C."}, tc)
    check(r.status == 200, "carol renames: %d %s" % (r.status, r.body))
    r = request(gw, "GET", "/api/v1/tweets/carol/" + carol_tweet)
    check(r.json()["display_name"] == "Carol C.", "the tweets service shows the new display name at once")
    wait_for(lambda: search_ids(gw, "ocelots") == [carol_tweet], "search finds carol's post")
    r = request(gw, "DELETE", "/api/v1/me", {"password": "password123"}, tc)
    check(r.status in (200, 204), "carol deletes her account: %d %s" % (r.status, r.body))
    check(is_api_error(request(gw, "GET", "/api/v1/tweets/carol/" + carol_tweet), 404, "not_found"),
          "her tweet is gone from tweets when the delete answers")
    wait_for(lambda: search_ids(gw, "ocelots") == [], "her tweet leaves the search index")

    # ---- kill -9 search mid-ingest: it catches up with nothing lost ----
    posted, errors = [], []

    def writer():
        for i in range(150):
            rr = request(gw, "POST", "/api/v1/tweets", {"text": "wombat number %d marches on" % i}, tok["alice"])
            if rr.status != 201:
                errors.append((rr.status, rr.body))
                return
            posted.append(rr.json()["id"])

    th = threading.Thread(target=writer)
    th.start()
    wait_for(lambda: len(posted) >= 40, "40 posts before the kill", 30, 0.01)
    t.kill("search")
    killed_at = len(posted)
    th.join(120)
    check(not errors, "posts while search is down: %r" % errors[:1])
    check(len(posted) == 150 and killed_at < 150, "all posts acknowledged (killed after %d)" % killed_at)
    t.start_service("search")
    wait_for(lambda: sorted(search_ids(gw, "wombat") or []) == sorted(posted), "search caught up after kill -9", 60, 0.2)
    check(len(set(search_ids(gw, "wombat"))) == 150, "no duplicates")

    # ---- kill the tweets service: JSON 502/503 from the gateway, then recovery ----
    t.kill("tweets")
    r = request(gw, "GET", "/api/v1/tweets/alice/" + first["id"])
    check(is_api_error(r, 502) or is_api_error(r, 503), "tweets down: %d %s" % (r.status, r.body))
    r = request(gw, "POST", "/api/v1/tweets", {"text": "while tweets is down"}, tok["alice"])
    check(is_api_error(r, 502) or is_api_error(r, 503), "post while down: %d %s" % (r.status, r.body))
    check(request(gw, "GET", "/api/v1/users/alice").status == 200, "users still answers")
    t.start_service("tweets")
    r = wait_for(lambda: (lambda x: x if x.status == 200 else None)(
        request(gw, "GET", "/api/v1/tweets/alice/" + first["id"])), "gateway recovers")
    check(r.json()["text"] == first["text"], "tweets kept its data")
    r = request(gw, "POST", "/api/v1/tweets", {"text": "numbat after the restart"}, tok["alice"])
    check(r.status == 201, "post after restart: %d %s" % (r.status, r.body))
    later = r.json()["id"]
    wait_for(lambda: search_ids(gw, "numbat") == [later], "search follows the restarted tweets log", 30, 0.1)


def log_identity(t):
    """A producer replaced under a consumer (docs/deploy.md "Consistency across
    services"): tweets follows the users log. A wiped users folder (a new log,
    shorter than tweets' position) is replayed; a users folder restored from an
    older backup (the same log, rewound) is refused and /ready says so."""
    users, tweets = t.ports["users"], t.ports["tweets"]
    ctl = t.args.chirpctl

    def sign_up(name):
        r = request(users, "POST", "/api/v1/users", {"username": name, "password": "password123"})
        check(r.status == 201, "sign-up %s: %d %s" % (name, r.status, r.body))

    def ready(port):
        return request(port, "GET", "/ready").json()

    def caught_up():
        return ready(tweets)["users_log_seq"] == ready(users)["change_seq"]

    def post_as(name, text):
        r = request(users, "POST", "/api/v1/auth/login", {"username": name, "password": "password123"})
        check(r.status == 200, "login %s: %d %s" % (name, r.status, r.body))
        return request(tweets, "POST", "/api/v1/tweets", {"text": text}, r.json()["token"])

    first = os.path.join(t.tmp, "users-first")
    t.start_service("users", first)
    t.start_service("tweets")
    for name in ("alice", "bob", "carol", "dave"):
        sign_up(name)
    wait_for(caught_up, "tweets applied the users log")
    seq_before = ready(tweets)["users_log_seq"]

    # ---- wiped: users starts on an empty folder; its log restarts at seq 1 ----
    t.stop("users")
    second = os.path.join(t.tmp, "users-second")
    t.start_service("users", second)
    sign_up("erin")
    check(ready(users)["change_seq"] < seq_before, "the new users log is shorter than tweets' position")
    wait_for(caught_up, "tweets replayed the new users log from its start")
    r = post_as("erin", "a post by a user of the new users log")
    check(r.status == 201 and r.json()["username"] == "erin", "tweets knows erin: %d %s" % (r.status, r.body))
    check(ready(tweets)["users_log_reachable"] == 1, "the new log is followed")
    check("replaying it from the start" in open(t.log("tweets")).read(), "tweets logged the replay")

    # ---- restored: a backup of users at seq 1, then more sign-ups, then the restore ----
    backup = os.path.join(t.tmp, "users-backup")
    subprocess.run([ctl, "--data-dir", second, "backup", backup], check=True, stdout=subprocess.DEVNULL)
    for name in ("frank", "gina"):
        sign_up(name)
    wait_for(caught_up, "tweets applied frank and gina")
    applied = ready(tweets)["users_log_seq"]
    t.stop("users")
    third = os.path.join(t.tmp, "users-restored")
    subprocess.run([ctl, "--data-dir", third, "restore", backup], check=True, stdout=subprocess.DEVNULL)
    t.start_service("users", third)
    wait_for(lambda: ready(tweets)["users_log_reachable"] == 0, "tweets refuses the rewound users log")
    wait_for(lambda: "restored to an older point" in open(t.log("tweets")).read(), "tweets logged the rewind")
    for name in ("hank", "ivy", "jack"):  # the restored log grows past tweets' position
        sign_up(name)
    check(ready(users)["change_seq"] > applied, "the restored log grew past tweets' position")
    time.sleep(2.5)  # tweets polls again meanwhile (its back-off is at most 2 s): the refusal must hold
    rt = ready(tweets)
    check(rt["users_log_reachable"] == 0 and rt["users_log_seq"] == applied,
          "still refused, nothing applied: %r" % rt)
    r = post_as("jack", "jack is not known on tweets")
    check(r.status != 201, "a user of the rewound log was not applied on tweets: %d %s" % (r.status, r.body))


def with_topology(args, fn):
    tmp = tempfile.mkdtemp(prefix="chirp-split-")
    t = Topology(args, tmp)
    try:
        fn(t)
        return True
    except Exception as e:  # noqa: BLE001 - report, then clean up
        print("FAILED after %d checks: %s" % (CHECKS, e), file=sys.stderr)
        t.dump_logs()
        return False
    finally:
        t.stop_all()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


def routes_suite(args):
    # Catch2 v2 exits with the number of listed tests here: not an error.
    names = subprocess.run([args.routes_tests, "--list-test-names-only"], capture_output=True,
                           text=True).stdout.split("\n")
    names = [n.strip() for n in names if n.strip()]
    check(len(names) > 0, "the route suite lists its test cases")
    failed = []
    for name in names:
        def one(t, name=name):
            for role in ("users", "tweets", "search"):
                t.start_service(role)
            t.start_gateway("gw", rate=1000, burst=2000)
            env = dict(os.environ, CHIRP_TEST_BASE_URL="http://127.0.0.1:%d" % t.ports["gw"])
            escaped = re.sub(r"([,\[\]])", r"\\\1", name)
            r = subprocess.run([args.routes_tests, escaped], env=env, capture_output=True, text=True, timeout=300)
            if r.returncode != 0:
                print(r.stdout[-4000:], file=sys.stderr)
                raise AssertionError("route suite case failed through the gateway: " + name)
            check(True, name)
            print("routes suite through the gateway: passed \"%s\"" % name)
        if not with_topology(args, one):
            failed.append(name)
    return failed


def run_command(args):
    """Starts the topology, runs args.run against the gateway; its exit code."""
    rc = [1]

    def one(t):
        for role in ("users", "tweets", "search"):
            t.start_service(role)
        t.start_gateway("gw", rate=1000, burst=2000)
        env = dict(os.environ, CHIRP_BASE_URL="http://127.0.0.1:%d" % t.ports["gw"])
        print("split topology up, gateway at %s: running %s" % (env["CHIRP_BASE_URL"], " ".join(args.run)), flush=True)
        rc[0] = subprocess.run(args.run, env=env, timeout=args.run_timeout).returncode
        if rc[0] != 0:
            t.dump_logs()

    if not with_topology(args, one):
        return 1
    return rc[0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--chirpd", required=True)
    ap.add_argument("--template", required=True)
    ap.add_argument("--routes-tests", help="api_routes_tests: run it through the gateway")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folders")
    ap.add_argument("--static", help="with --run: the web app the gateway serves (default: a stub)")
    ap.add_argument("--run-timeout", type=int, default=600, help="with --run: seconds the command may take")
    ap.add_argument("--run", nargs=argparse.REMAINDER, help="run this command against the gateway (CHIRP_BASE_URL)")
    ap.add_argument("--log-identity", action="store_true",
                    help="only the replaced-producer checks (users wiped, then restored): needs --chirpctl")
    ap.add_argument("--chirpctl", help="chirpctl (backup, restore) for --log-identity")
    args = ap.parse_args()
    if args.log_identity:
        ok = with_topology(args, log_identity)
        if ok:
            print("split log identity: %d checks passed" % CHECKS)
        return 0 if ok else 1
    if args.run:
        return run_command(args)
    if not args.routes_tests:
        ok = with_topology(args, run)
        if ok:
            print("split topology: %d checks passed" % CHECKS)
        return 0 if ok else 1
    ok = True
    if args.routes_tests:
        failed = routes_suite(args)
        if failed:
            print("routes suite through the gateway: %d case(s) failed: %s" % (len(failed), failed), file=sys.stderr)
            ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
