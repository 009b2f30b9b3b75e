#!/usr/bin/env python3
"""Line and branch coverage of chirp's own sources from gcov's JSON output.

Usage: coverage_summary.py <repo> <build>   (run from a scratch folder; see
coverage_summary.sh). Runs `gcov --json-format --stdout --branch-probabilities`
on every .gcda file under <build> (gcov writes nothing to disk this way), merges
the results per source line across translation units and template
instantiations, and prints lines and branches per directory.

A line counts as covered if any instantiation ran it. Branches are merged by
their index on the line (taken if taken in any instantiation); exception
edges (gcov's "throw" flag) are not counted.
"""
import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

repo, build = (os.path.realpath(p) for p in sys.argv[1:3])
OWN = ("storage/", "engine/", "api/")
SKIP = ("/tests/", "/bench/", "/tools/")

gcdas = [os.path.join(d, f) for d, _, fs in os.walk(build) for f in fs if f.endswith(".gcda")]


def run_gcov(gcda):
    r = subprocess.run(["gcov", "--json-format", "--stdout", "--branch-probabilities",
                        "--object-directory", os.path.dirname(gcda), gcda],
                       capture_output=True, text=True)
    docs = []
    for chunk in r.stdout.splitlines():  # one JSON document per line
        chunk = chunk.strip()
        if chunk.startswith("{"):
            try:
                docs.append(json.loads(chunk))
            except json.JSONDecodeError:
                pass
    return docs


lines = {}     # (file, line) -> covered?
branches = {}  # (file, line) -> [taken?] by branch index (non-throw only)
bad = 0
with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
    for docs in pool.map(run_gcov, gcdas):
        if not docs:
            bad += 1
        for doc in docs:
            for f in doc.get("files", []):
                path = os.path.realpath(os.path.join(doc.get("current_working_directory", ""), f["file"]))
                if not path.startswith(repo + "/"):
                    continue
                rel = path[len(repo) + 1:]
                if not rel.startswith(OWN) or any(s in "/" + rel for s in SKIP):
                    continue
                for ln in f["lines"]:
                    key = (rel, ln["line_number"])
                    lines[key] = lines.get(key, False) or ln["count"] > 0
                    taken = [b["count"] > 0 for b in ln.get("branches", []) if not b.get("throw")]
                    if taken:
                        old = branches.get(key, [])
                        if len(old) < len(taken):
                            old = old + [False] * (len(taken) - len(old))
                        branches[key] = [a or (i < len(taken) and taken[i]) for i, a in enumerate(old)]

AUTH = {"engine/src/passwords.cpp", "engine/src/users.cpp", "api/src/services.cpp",
        "api/src/users_routes.cpp", "api/src/dispatcher.cpp"}
groups = [
    ("storage/", lambda f: f.startswith("storage/")),
    ("engine/src/ (domain)", lambda f: f.startswith("engine/src/")),
    ("engine/search/", lambda f: f.startswith("engine/search/")),
    ("engine/text/", lambda f: f.startswith("engine/text/")),
    ("engine/ (all)", lambda f: f.startswith("engine/")),
    ("api/", lambda f: f.startswith("api/")),
    ("auth (passwords, users, sessions)", lambda f: f in AUTH),
    ("storage + auth", lambda f: f.startswith("storage/") or f in AUTH),
    ("total", lambda f: True),
]

# Branches on lines without useful code (a lone closing brace, `});`): the
# compiler's cleanup of temporaries, reached only while an exception unwinds,
# yet not marked "throw" by gcov (make_users_table's closing brace alone had
# 140 such branches). Left out as gcovr's --exclude-unreachable-branches does;
# the count is printed.
_src = {}


def useful(rel, n):
    if rel not in _src:
        try:
            with open(os.path.join(repo, rel), encoding="utf-8", errors="replace") as fh:
                _src[rel] = fh.read().splitlines()
        except OSError:
            _src[rel] = []
    text = _src[rel][n - 1] if 0 < n <= len(_src[rel]) else "x"
    return re.sub(r"//.*", "", text).strip(" \t{}();") != ""


dropped = 0
for key in [k for k in branches if not useful(*k)]:
    dropped += len(branches.pop(key))


def pct(a, b):
    return f"{100.0 * a / b:5.1f}%" if b else "   n/a"


print(f"{'':36} {'lines':>21}  {'branches':>21}")
for name, match in groups:
    lh = sum(1 for (f, _), c in lines.items() if match(f) and c)
    lt = sum(1 for (f, _) in lines if match(f))
    bh = sum(sum(v) for (f, _), v in branches.items() if match(f))
    bt = sum(len(v) for (f, _), v in branches.items() if match(f))
    print(f"{name:36} {pct(lh, lt)} {lh:>6}/{lt:<7} {pct(bh, bt)} {bh:>6}/{bt:<7}")
if "--files" in sys.argv:
    per = {}
    for (f, _), v in branches.items():
        s = per.setdefault(f, [0, 0]); s[0] += sum(v); s[1] += len(v)
    for f in sorted(per):
        print(f"  {f:60} {pct(*per[f])} {per[f][0]:>5}/{per[f][1]}")
print(f"({dropped} branches on lines without code left out: compiler cleanup, as gcovr --exclude-unreachable-branches)")
if bad:
    print(f"({bad} of {len(gcdas)} .gcda files gave no gcov data)")
