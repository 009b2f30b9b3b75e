"""Shared pieces of the reliability suite: a chirpd child process, a small
keep-alive HTTP client, process figures (/proc) and the offline checkers
(chirpctl stats, mdb_stat, xapian-check).

Standard library only. Every test binds 127.0.0.1 on a port the OS chose and
uses a fresh temporary data folder; every process started here is stopped at
exit, also when a test fails.
"""
import atexit
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import time

CHIRPD = os.environ.get("CHIRPD", "chirpd")
CHIRPCTL = os.environ.get("CHIRPCTL", "chirpctl")

_children = []


def _reap_all():
    for p in list(_children):
        if p.poll() is None:
            p.kill()
            p.wait()


atexit.register(_reap_all)


def _on_signal(signum, _frame):
    _reap_all()
    sys.exit(128 + signum)


signal.signal(signal.SIGTERM, _on_signal)


def log(*args):
    print(*args, flush=True)


def fail(msg):
    raise AssertionError(msg)


def check(cond, msg):
    if not cond:
        fail(msg)


def temp_dir(prefix):
    base = os.environ.get("CHIRP_TEST_TMP") or None
    d = tempfile.mkdtemp(prefix=prefix, dir=base)
    atexit.register(shutil.rmtree, d, True)
    return d


def word(n=10):
    """A lower-case word no stemmer or stop list will touch: unique per tweet."""
    return "zq" + "".join(random.choice(string.ascii_lowercase) for _ in range(n))


class Chirpd:
    """chirpd as a child process on 127.0.0.1 and an OS-chosen port."""

    def __init__(self, data_dir, args=(), env=None, wrap=(), rate_limit="off"):
        self.data_dir = data_dir
        self.args = list(args)
        self.env = dict(os.environ, **(env or {}))
        self.wrap = list(wrap)
        self.rate_limit = rate_limit
        self.proc = None
        self.port = None
        self.log_path = os.path.join(os.path.dirname(data_dir.rstrip("/")) or ".",
                                     os.path.basename(data_dir.rstrip("/")) + ".log")
        self.starts = 0

    def start(self, timeout=30.0):
        self.starts += 1
        out = open(self.log_path, "ab")
        cmd = self.wrap + [CHIRPD, "--listen", "127.0.0.1:0", "--data-dir", self.data_dir,
                           "--static-dir", self.data_dir, "--rate-limit", self.rate_limit,
                           "--access-log", "off"] + self.args
        start_offset = os.path.getsize(self.log_path)
        self.proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=self.env,
                                     stdin=subprocess.DEVNULL)
        out.close()
        _children.append(self.proc)
        deadline = time.time() + timeout
        while time.time() < deadline:
            with open(self.log_path, "rb") as f:
                f.seek(start_offset)
                text = f.read().decode("utf-8", "replace")
            m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", text)
            if m:
                self.port = int(m.group(1))
                break
            if self.proc.poll() is not None:
                fail("chirpd exited with %s at start:\n%s" % (self.proc.returncode, text[-2000:]))
            time.sleep(0.02)
        else:
            fail("chirpd did not start in %ss" % timeout)
        self.wait_health(timeout)
        return self

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def wait_health(self, timeout=30.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                st, _, _ = request(self.port, "GET", "/health", timeout=2)
                if st == 200:
                    return
            except OSError:
                pass
            time.sleep(0.02)
        fail("chirpd /health did not answer in %ss" % timeout)

    def wait_searchable(self, timeout=60.0):
        """Until /ready says the index has applied every committed change."""
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            st, _, body = request(self.port, "GET", "/ready", timeout=5)
            last = (st, body)
            if st == 200 and body.get("index_lag") == 0:
                return body
            time.sleep(0.05)
        fail("search index did not catch up in %ss: %r" % (timeout, last))

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self, timeout=30.0):
        if not self.alive():
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            fail("chirpd did not stop on SIGTERM in %ss" % timeout)

    def log_text(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def status(self, key):
        """A field of /proc/PID/status in kB (VmRSS, RssAnon, VmHWM...)."""
        with open("/proc/%d/status" % self.pid) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
        return 0

    def fds(self):
        return len(os.listdir("/proc/%d/fd" % self.pid))


def _decode(data, headers):
    ctype = headers.get("Content-Type", "")
    if "json" in ctype and data:
        try:
            return json.loads(data)
        except ValueError:
            return data
    return data


class Client:
    """One keep-alive connection; reconnects after an error."""

    def __init__(self, port, token=None, timeout=30.0):
        self.port = port
        self.token = token
        self.timeout = timeout
        self.conn = None

    def close(self):
        if self.conn:
            self.conn.close()
            self.conn = None

    def call(self, method, path, body=None, headers=None, token=None, raw=None):
        """(status, headers dict, decoded body). Raises OSError / HTTPException on I/O failure."""
        h = {}
        tok = token if token is not None else self.token
        if tok:
            h["Authorization"] = "Bearer " + tok
        payload = raw
        if body is not None:
            payload = json.dumps(body).encode()
        if payload is not None:
            h.setdefault("Content-Type", "application/json")
        h.update(headers or {})
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            self.conn.request(method, path, body=payload, headers=h)
            r = self.conn.getresponse()
            data = r.read()
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        hdrs = {}
        for k, v in r.getheaders():  # a repeated header (two Set-Cookie): values joined by newlines
            k = k.title()
            hdrs[k] = hdrs[k] + "\n" + v if k in hdrs else v
        if hdrs.get("Connection", "").lower() == "close":
            self.close()
        return r.status, hdrs, _decode(data, hdrs)


def request(port, method, path, body=None, headers=None, token=None, timeout=30.0, raw=None):
    c = Client(port, timeout=timeout)
    try:
        return c.call(method, path, body=body, headers=headers, token=token, raw=raw)
    finally:
        c.close()


def signup_login(port, username, password="correct horse battery"):
    st, _, b = request(port, "POST", "/api/v1/users", {"username": username, "password": password})
    check(st == 201, "signup %s: %s %r" % (username, st, b))
    return login(port, username, password)


def login(port, username, password="correct horse battery"):
    st, _, b = request(port, "POST", "/api/v1/auth/login", {"username": username, "password": password})
    check(st == 200, "login %s: %s %r" % (username, st, b))
    return b["token"]


def all_pages(client, path, limit=100):
    items, cursor = [], None
    for _ in range(100000):
        sep = "&" if "?" in path else "?"
        url = "%s%slimit=%d" % (path, sep, limit)
        if cursor:
            url += "&cursor=" + cursor
        st, _, b = client.call("GET", url)
        check(st == 200, "GET %s: %s %r" % (url, st, b))
        items += b["items"]
        cursor = b["next_cursor"]
        if not cursor:
            return items
    fail("paging did not end: " + path)


def chirpctl_stats(data_dir):
    out = subprocess.run([CHIRPCTL, "--data-dir", data_dir, "stats"], check=True, capture_output=True,
                         text=True, timeout=120).stdout
    return {k.strip(): int(v) for k, v in (line.split(":", 1) for line in out.splitlines() if ":" in line)
            if v.strip().isdigit()}


def offline_checks(data_dir):
    """mdb_stat and xapian-check on a stopped server's folder; returns chirpctl stats."""
    r = subprocess.run(["mdb_stat", "-a", os.path.join(data_dir, "lmdb")], capture_output=True, text=True,
                       timeout=120)
    check(r.returncode == 0, "mdb_stat failed: %s %s" % (r.stdout[-1000:], r.stderr[-1000:]))
    search = os.path.join(data_dir, "search")
    if os.path.isdir(search):
        # Table by table: chirp's docids count down from near 2^32 (newest-first
        # early stop), and xapian-check's whole-database cross-check sizes its
        # arrays by the highest docid (over 1 GB, then std::bad_alloc).
        # The termlist table's content check sizes an array by the highest
        # docid too, so for it only the B-tree structure check can pass; the
        # search-agrees-with-LMDB checks cover its content. A 1.5 GB address
        # space limit makes that allocation fail at once instead of paging.
        tables = sorted(t for t in os.listdir(search) if t.endswith(".glass"))
        check("postlist.glass" in tables, "no postlist table in " + search)
        for t in tables:
            r = subprocess.run(["prlimit", "--as=1500000000", "xapian-check", os.path.join(search, t)],
                               capture_output=True, text=True, timeout=300)
            ok = r.returncode == 0 and "No errors found" in r.stdout
            if t == "termlist.glass" and not ok:
                ok = "B-tree checked okay" in r.stdout and "Unknown exception" in r.stderr
            check(ok, "xapian-check %s failed: %s %s" % (t, r.stdout[-1500:], r.stderr[-1000:]))
    stats = chirpctl_stats(data_dir)
    check(stats["changes"] == stats["change_seq"],
          "change log has gaps: %d records, last seq %d" % (stats["changes"], stats["change_seq"]))
    return stats


def sanitized_build():
    """True when chirpd is built with AddressSanitizer (its RSS includes shadow memory and quarantine)."""
    try:
        with open(subprocess.run(["which", CHIRPD], capture_output=True, text=True).stdout.strip() or CHIRPD,
                  "rb") as f:
            return b"AddressSanitizer" in f.read()
    except OSError:
        return False


def rounds(default_short, default_long):
    n = os.environ.get("CHIRP_RELIABILITY_ROUNDS")
    if n:
        return int(n)
    return default_long if os.environ.get("CHIRP_LONG") == "1" else default_short


def raw_exchange(port, data, read_timeout=5.0, chunks=None):
    """Sends raw bytes, returns everything the server answered until it closed or went quiet."""
    s = socket.create_connection(("127.0.0.1", port), timeout=read_timeout)
    try:
        try:
            if chunks:
                for c in chunks:
                    s.sendall(c)
            else:
                s.sendall(data)
        except OSError:
            pass  # the server may answer and close before reading everything
        out = b""
        while True:
            try:
                b = s.recv(65536)
            except socket.timeout:
                break
            except OSError:
                break
            if not b:
                break
            out += b
        return out
    finally:
        s.close()


def status_of(raw):
    m = re.match(rb"HTTP/1\.[01] (\d{3})", raw)
    return int(m.group(1)) if m else None
