#!/usr/bin/python3
"""Turn one HTTP benchmark run folder into summary.md and bench-http.png (gnuplot).

  report.py RESULTS_DIR

Reads results.jsonl (one wrk result per line: server, endpoint, run, rps, p50_ms,
p99_ms, non2xx, socket_errors, load1), peak_rss_kb.txt, machine.txt, uptime.txt.
Per endpoint and server: mean req/s over the runs with each run's figure (the
spread), p50/p99 (mean over runs), errors (sum), and the ratios chirpd/Flask and
chirpd/nginx computed from the means.
"""
import collections
import json
import os
import statistics
import subprocess
import sys

ENDPOINTS = [("health", "GET /health"), ("tweets", "GET /api/v1/tweets"),
             ("user_tweets", "GET /api/v1/tweets/{username}"), ("timeline", "GET /api/v1/timeline"),
             ("search", "GET /api/v1/search?q="), ("post", "POST /api/v1/tweets")]


def fmt_rps(values):
    mean = statistics.mean(values)
    runs = " / ".join("%s" % format(round(v), ",") for v in values)
    spread = (max(values) - min(values)) / mean * 100 if mean else 0
    return "%s (%s; ±%.0f%%)" % (format(round(mean), ","), runs, spread / 2)


def main():
    out = sys.argv[1]
    rows = [json.loads(l) for l in open(os.path.join(out, "results.jsonl")) if l.strip()]
    runs = [r for r in rows if r["run"].startswith("run")]
    probes = [r for r in rows if r["run"].startswith("probe-")]
    by = collections.defaultdict(list)
    for r in runs:
        by[(r["endpoint"], r["server"])].append(r)

    def mean(ep, server, key):
        rs = by.get((ep, server))
        return statistics.mean(r[key] for r in rs) if rs else None

    lines = ["| endpoint | chirpd req/s (runs; ±half-spread) | Flask req/s (runs) | chirpd ÷ Flask "
             "| chirpd p50 / p99 ms | Flask p50 / p99 ms | errors chirpd / Flask |",
             "|---|---|---|---|---|---|---|"]
    chart = []
    for ep, label in ENDPOINTS:
        c, f = by.get((ep, "chirp")), by.get((ep, "flask"))
        if not c or not f:
            continue
        cr, fr = mean(ep, "chirp", "rps"), mean(ep, "flask", "rps")
        err = lambda rs: sum(r["non2xx"] + r["socket_errors"] + r["timeouts"] for r in rs)
        lines.append("| `%s` | %s | %s | **%.1f×** | %.2f / %.2f | %.2f / %.2f | %d / %d |" % (
            label, fmt_rps([r["rps"] for r in c]), fmt_rps([r["rps"] for r in f]), cr / fr,
            mean(ep, "chirp", "p50_ms"), mean(ep, "chirp", "p99_ms"),
            mean(ep, "flask", "p50_ms"), mean(ep, "flask", "p99_ms"), err(c), err(f)))
        n = mean(ep, "nginx", "rps")
        chart.append((label.replace("_", "\\\\_"), cr, n if n else 0, fr))

    c64 = by.get(("post", "chirp64"))
    if c64 and by.get(("post", "flask")):
        cr, fr = mean("post", "chirp64", "rps"), mean("post", "flask", "rps")
        lines.append("| `POST /api/v1/tweets`, chirpd `--threads 64` | %s | (as above) | **%.1f×** "
                     "| %.2f / %.2f | %.2f / %.2f | %d / – |" % (
                         fmt_rps([r["rps"] for r in c64]), cr / fr, mean("post", "chirp64", "p50_ms"),
                         mean("post", "chirp64", "p99_ms"), mean("post", "flask", "p50_ms"),
                         mean("post", "flask", "p99_ms"),
                         sum(r["non2xx"] + r["socket_errors"] + r["timeouts"] for r in c64)))
        chart.append(("POST (chirpd --threads 64)", cr, 0, fr))

    n = by.get(("health", "nginx"))
    if n:
        nr, cr = mean("health", "nginx", "rps"), mean("health", "chirp", "rps")
        lines += ["", "| `GET /health` | req/s (runs) | p50 / p99 ms | errors |", "|---|---|---|---|"]
        for server, name in (("nginx", "nginx `return 200`"), ("chirp", "chirpd")):
            rs = by[("health", server)]
            lines.append("| %s | %s | %.2f / %.2f | %d |" % (
                name, fmt_rps([r["rps"] for r in rs]), mean("health", server, "p50_ms"),
                mean("health", server, "p99_ms"),
                sum(r["non2xx"] + r["socket_errors"] + r["timeouts"] for r in rs)))
        lines += ["", "chirpd ÷ nginx on `/health`: **%.2f×** (goal ≥ 0.8×)." % (cr / nr)]

    if probes:
        lines += ["", "gunicorn worker classes (%s; req/s):" % ", ".join(sorted({p["endpoint"] for p in probes})), ""]
        for cls in sorted({p["run"][6:] for p in probes}):
            lines.append("- %s: %s" % (cls, ", ".join("%s %s" % (p["endpoint"], format(round(p["rps"]), ","))
                                                       for p in probes if p["run"] == "probe-" + cls)))

    rss = dict(l.split() for l in open(os.path.join(out, "peak_rss_kb.txt")) if l.strip())
    lines += ["", "Peak RSS (VmHWM, summed over each server's processes; shared pages count once per process):", ""]
    lines += ["- %s: %.0f MiB" % (k, int(v) / 1024) for k, v in rss.items()]
    pss_file = os.path.join(out, "pss_kb.txt")
    if os.path.exists(pss_file):
        pss = dict(l.split() for l in open(pss_file) if l.strip())
        lines += ["", "Proportional set size at the end (Pss, shared pages split between processes):", ""]
        lines += ["- %s: %.0f MiB" % (k, int(v) / 1024) for k, v in pss.items()]
    lines += ["", "Load (uptime) during the runs:", ""]
    lines += ["- " + l.strip() for l in open(os.path.join(out, "uptime.txt")) if l.strip()]
    lines += ["", "Machine and versions:", ""]
    lines += ["- " + l.strip() for l in open(os.path.join(out, "machine.txt")) if l.strip()]
    with open(os.path.join(out, "summary.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))

    with open(os.path.join(out, "chart.dat"), "w") as f:
        for label, c, n, fl in chart:
            f.write('"%s" %.1f %.1f %.1f\n' % (label, c, n if n else float("nan"), fl))
    png = os.path.join(out, "bench-http.png")
    corpus = next((l.split()[1] for l in open(os.path.join(out, "machine.txt")) if l.startswith("corpus:")), "")
    script = """
set terminal pngcairo size 1100,560 font 'sans,10'
set output '%s'
set title 'HTTP requests/s, wrk 2 threads x 64 connections, %s (mean of runs; log scale)'
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set logscale y
set yrange [10:*]
set ylabel 'requests/s'
set grid ytics
set key top right
set xtics rotate by -20 noenhanced
plot '%s' using 2:xtic(1) title 'chirpd' lc rgb '#1f77b4', \
     '' using 3 title 'nginx return 200 (ceiling)' lc rgb '#2ca02c', \
     '' using 4 title 'Flask + SQLAlchemy + PostgreSQL (gunicorn, 2 workers)' lc rgb '#d62728'
""" % (png, corpus, os.path.join(out, "chart.dat"))
    subprocess.run(["gnuplot"], input=script.encode(), check=True)


if __name__ == "__main__":
    main()
