"""HTTP over loopback for the split-mode tests (topology, default secret,
shared port): free ports, one request per connection, waiting for a condition
or for a process's /health. Standard library only."""
import http.client
import json
import socket
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Resp:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        return json.loads(self.body)

    def header_all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]


def request(port, method, path, body=None, token=None, headers=None, timeout=15):
    """One request on its own connection to 127.0.0.1:port; the body (a dict is
    sent as JSON) and the answer's body as text."""
    h = {"Connection": "close"}
    if body is not None and not isinstance(body, (bytes, str)):
        body = json.dumps(body)
        h["Content-Type"] = "application/json"
    if token:
        h["Authorization"] = "Bearer " + token
    h.update(headers or {})
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=h)
        r = conn.getresponse()
        return Resp(r.status, r.getheaders(), r.read().decode("utf-8", "replace"))
    finally:
        conn.close()


def call(port, method, path, body=None, token=None, headers=None, timeout=15):
    """(status, body) with a JSON body decoded, any other body as text."""
    r = request(port, method, path, body, token, headers, timeout)
    is_json = any("application/json" in v for v in r.header_all("Content-Type"))
    return r.status, (r.json() if is_json and r.body else r.body)


def is_api_error(r, status, code=None):
    """The API's error shape: {"error":{"code":..., "message":...}} as JSON."""
    if r.status != status:
        return False
    ctype = ",".join(r.header_all("Content-Type"))
    if "application/json" not in ctype:
        return False
    try:
        e = r.json()["error"]
    except (ValueError, KeyError, TypeError):
        return False
    return isinstance(e.get("message"), str) and (code is None or e.get("code") == code)


def wait_for(fn, what, timeout=20.0, step=0.05):
    """fn() until it returns something true (connection errors count as not yet)."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = fn()
            if last:
                return last
        except (OSError, http.client.HTTPException) as e:
            last = e
        time.sleep(step)
    raise AssertionError("timed out waiting for %s (last: %r)" % (what, last))


def wait_health(port, proc, what, timeout=30.0):
    """Until /health answers 200; fails at once if the process exits."""
    def healthy():
        if proc.poll() is not None:
            raise AssertionError("%s exited early with %d" % (what, proc.returncode))
        return request(port, "GET", "/health", timeout=2).status == 200
    wait_for(healthy, what + " /health", timeout)
