#!/usr/bin/env python3
"""Kill -9 under load, end to end over HTTP.

Each round: start chirpd on the same data folder, verify everything the
previous rounds were told was kept (2xx) is there and every acknowledged
delete is gone, settle the writes that were in flight at the kill, retry
posts with their Idempotency-Key (never a second copy), check that the search
index caught up and agrees with LMDB (a search for each tweet's unique word
finds exactly that tweet; deleted ones are not found), then drive concurrent
posts, deletes, follows, unfollows, likes and unlikes from one thread per
user and SIGKILL chirpd at a random moment. After the kill, offline:
mdb_stat, xapian-check, and a gapless change log (chirpctl stats).

Rounds: CHIRP_RELIABILITY_ROUNDS, else 20 (200 with CHIRP_LONG=1).
"""
import http.client
import os
import random
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Chirpd, Client, all_pages, check, fail, log, offline_checks, rounds, signup_login,  # noqa: E402
                     temp_dir, word, chirpctl_stats)

USERS = 4
IO_ERRORS = (OSError, http.client.HTTPException)


class Model:
    """What the clients were told. Guarded by `mu`."""

    def __init__(self, names):
        self.mu = threading.Lock()
        self.names = names
        self.live = {}          # tweet id -> (author, word, key or None)
        self.deleted = {}       # tweet id -> (author, word)   (204 received)
        self.by_word = {}       # word -> tweet id for acknowledged posts
        self.pending_posts = []  # (author, word, key or None) in flight at the kill
        self.pending_deletes = set()  # tweet ids
        self.follows = {}       # (a, b) -> bool, last acknowledged
        self.pending_follows = set()
        self.likes = {}         # (liker, tweet id) -> bool
        self.pending_likes = set()
        self.round_words = []   # words posted or deleted this round (search check)
        self.checked = 0        # acknowledged writes verified after a restart


def worker(idx, port, token, model, stop, errors, counts):
    me = model.names[idx]
    c = Client(port, token=token, timeout=10)
    rnd = random.Random()
    while not stop.is_set():
        op = rnd.random()
        try:
            if op < 0.45:
                w = word()
                key = ("k-" + w) if rnd.random() < 0.5 else None
                pend = (me, w, key)
                with model.mu:
                    model.pending_posts.append(pend)
                hdr = {"Idempotency-Key": key} if key else None
                st, _, b = c.call("POST", "/api/v1/tweets", {"text": "kill test %s #round" % w}, headers=hdr)
                if st != 201:
                    errors.append("post %s: %r" % (st, b))
                    return
                with model.mu:
                    model.pending_posts.remove(pend)
                    tid = b["id"]
                    model.live[tid] = (me, w, key)
                    model.by_word[w] = tid
                    model.round_words.append(w)
                counts["post"] += 1
            elif op < 0.60:
                with model.mu:
                    mine = [t for t, v in model.live.items() if v[0] == me and v[2] is None
                            and t not in model.pending_deletes]
                    if not mine:
                        continue
                    tid = rnd.choice(mine)
                    model.pending_deletes.add(tid)
                st, _, b = c.call("DELETE", "/api/v1/tweets/%s/%s" % (me, tid))
                if st != 204:
                    errors.append("delete %s: %r" % (st, b))
                    return
                with model.mu:
                    model.pending_deletes.discard(tid)
                    a, w, _ = model.live.pop(tid)
                    model.deleted[tid] = (a, w)
                    model.round_words.append(w)
                counts["delete"] += 1
            elif op < 0.80:
                other = rnd.choice([n for n in model.names if n != me])
                on = rnd.random() < 0.6
                pair = (me, other)
                with model.mu:
                    model.pending_follows.add(pair)
                st, _, b = c.call("PUT" if on else "DELETE", "/api/v1/users/%s/follow" % other)
                if st != 204:
                    errors.append("follow %s: %r" % (st, b))
                    return
                with model.mu:
                    model.pending_follows.discard(pair)
                    model.follows[pair] = on
                counts["follow"] += 1
            else:
                with model.mu:
                    if not model.live:
                        continue
                    tid = rnd.choice(list(model.live))
                    author = model.live[tid][0]
                    pair = (me, tid)
                    model.pending_likes.add(pair)
                on = rnd.random() < 0.6
                st, _, b = c.call("PUT" if on else "DELETE", "/api/v1/tweets/%s/%s/like" % (author, tid))
                with model.mu:
                    if st == 204:
                        model.pending_likes.discard(pair)
                        model.likes[pair] = on
                    elif st == 404:
                        pass  # deleted meanwhile by its author: stays pending, settled on restart
                    else:
                        errors.append("like %s: %r" % (st, b))
                        return
                counts["like"] += 1
        except IO_ERRORS:
            return  # the kill: whatever was in flight stays pending


def verify(port, tokens, model, full_search):
    """After a restart: acknowledged state present, pending state settled."""
    names = model.names
    c = Client(port, token=tokens[0])
    with model.mu:
        # Tweets, per author.
        present = {}
        for n in names:
            for t in all_pages(c, "/api/v1/tweets/%s" % n):
                present[t["id"]] = (n, t["text"].split()[2])
        for tid, (a, w, _) in model.live.items():
            if tid in model.pending_deletes:
                continue
            check(tid in present, "acknowledged tweet %s by %s (%s) lost after kill -9" % (tid, a, w))
            model.checked += 1
        for tid in model.deleted:
            check(tid not in present, "acknowledged delete of %s undone after kill -9" % tid)
            model.checked += 1
        for tid in list(model.pending_deletes):
            if tid not in present:
                a, w, _ = model.live.pop(tid)
                model.deleted[tid] = (a, w)
                model.round_words.append(w)
        model.pending_deletes.clear()
        known = set(model.live) | set(model.deleted)
        words_seen = {}
        for tid, (a, w) in present.items():
            words_seen.setdefault(w, []).append(tid)
        for w, ids in words_seen.items():
            check(len(ids) == 1, "word %s posted once is in %d tweets %s" % (w, len(ids), ids))
        pending_by_word = {w: (a, w, k) for a, w, k in model.pending_posts}
        for tid, (a, w) in present.items():
            if tid in known:
                continue
            check(w in pending_by_word, "tweet %s (%s) was never posted by the test" % (tid, w))
            model.live[tid] = pending_by_word[w]
            model.by_word[w] = tid
            model.round_words.append(w)
        # Idempotency: retry every in-flight keyed post, and every keyed post
        # acknowledged last round; the answer must be the one tweet.
        retries = [p for p in model.pending_posts if p[2]]
        retries += [v for t, v in model.live.items() if v[2] and v[1] in set(model.round_words)]
        model.pending_posts = []
    client_for = {n: Client(port, token=tokens[i]) for i, n in enumerate(names)}
    for a, w, key in retries:
        st, _, b = client_for[a].call("POST", "/api/v1/tweets", {"text": "kill test %s #round" % w},
                                      headers={"Idempotency-Key": key})
        check(st == 201, "idempotent retry: %s %r" % (st, b))
        with model.mu:
            prev = model.by_word.get(w)
            if prev is not None:
                check(b["id"] == prev, "retry with Idempotency-Key %s made a second tweet %s (first %s)"
                      % (key, b["id"], prev))
                model.checked += 1
            else:
                model.live[b["id"]] = (a, w, key)
                model.by_word[w] = b["id"]
                model.round_words.append(w)
    for a in names:
        ids = [t["id"] for t in all_pages(client_for[a], "/api/v1/tweets/%s" % a)]
        check(len(ids) == len(set(ids)), "duplicate ids in %s's tweets" % a)
        with model.mu:
            expect = sorted(t for t, v in model.live.items() if v[0] == a)
        check(sorted(ids) == expect, "%s's tweets differ from the model: %d vs %d" % (a, len(ids), len(expect)))

    # Follows.
    for i, a in enumerate(names):
        following = {u["username"] for u in all_pages(c, "/api/v1/users/%s/following" % a)}
        with model.mu:
            for b in names:
                pair = (a, b)
                if pair in model.pending_follows:
                    model.follows[pair] = b in following
                elif pair in model.follows:
                    check((b in following) == model.follows[pair],
                          "follow %s->%s: acknowledged %s, found %s" % (a, b, model.follows[pair], b in following))
                    model.checked += 1
            model.pending_follows = {p for p in model.pending_follows if p[0] != a}

    # Likes on live tweets: every pair in flight at the kill (settled from what
    # the server kept) and a sample of 300 acknowledged ones.
    with model.mu:
        pending = [p for p in model.pending_likes if p[1] in model.live]
        acked = [p for p in model.likes if p[1] in model.live and p not in model.pending_likes]
        random.shuffle(acked)
        pairs = pending + acked[:300]
    for liker, tid in pairs:
        with model.mu:
            author = model.live[tid][0]
        st, _, b = client_for[liker].call("GET", "/api/v1/tweets/%s/%s" % (author, tid))
        check(st == 200, "GET tweet %s: %s" % (tid, st))
        with model.mu:
            if (liker, tid) in model.pending_likes:
                model.likes[(liker, tid)] = b["viewer_liked"]
            else:
                check(b["viewer_liked"] == model.likes[(liker, tid)],
                      "like %s on %s: acknowledged %s, found %s" % (liker, tid, model.likes[(liker, tid)],
                                                                    b["viewer_liked"]))
                model.checked += 1
    with model.mu:
        model.pending_likes.clear()
        # Likes of tweets deleted since are gone with them.
        model.likes = {p: v for p, v in model.likes.items() if p[1] in model.live}

    # Search agrees with LMDB.
    st, _, _ = c.call("GET", "/health")
    Chirpd.wait_searchable_port(port)
    with model.mu:
        words = list(model.by_word) if full_search else list(dict.fromkeys(model.round_words))
        expect = {w: model.by_word.get(w) for w in words}
        live = set(model.live)
    searched = 0
    for w, tid in expect.items():
        st, _, b = c.call("GET", "/api/v1/search?q=%s" % w)
        check(st == 200, "search %s: %s %r" % (w, st, b))
        got = [h["tweet"]["id"] for h in b["items"]]
        if tid in live:
            check(got == [tid], "search for %s: expected [%s], got %s" % (w, tid, got))
        else:
            check(got == [], "search for deleted word %s found %s" % (w, got))
        searched += 1
    with model.mu:
        model.round_words = []
    c.close()
    for cl in client_for.values():
        cl.close()
    return searched


def _wait_searchable_port(port, timeout=60.0):
    from harness import request
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        st, _, body = request(port, "GET", "/ready", timeout=5)
        last = (st, body)
        if st == 200 and body.get("index_lag") == 0:
            return
        time.sleep(0.05)
    fail("search index did not catch up in %ss: %r" % (timeout, last))


Chirpd.wait_searchable_port = staticmethod(_wait_searchable_port)


def main():
    n_rounds = rounds(20, 200)
    seed = int(os.environ.get("CHIRP_RELIABILITY_SEED", str(int(time.time()))))
    random.seed(seed)
    log("kill -9 test: %d rounds, seed %d" % (n_rounds, seed))
    data = os.path.join(temp_dir("chirp-kill9-"), "data")
    server = Chirpd(data).start()
    names = ["k9u%d_%s" % (i, word(4)[2:]) for i in range(USERS)]
    tokens = [signup_login(server.port, n) for n in names]
    model = Model(names)
    counts = {"post": 0, "delete": 0, "follow": 0, "like": 0}
    searched = 0
    t0 = time.time()
    for r in range(n_rounds):
        if r > 0:
            server.start()
            searched += verify(server.port, tokens, model, full_search=False)
        stop = threading.Event()
        errors = []
        threads = [threading.Thread(target=worker, args=(i, server.port, tokens[i], model, stop, errors, counts))
                   for i in range(USERS)]
        for t in threads:
            t.start()
        time.sleep(random.uniform(0.3, 1.5))
        server.kill9()
        stop.set()
        for t in threads:
            t.join(30)
        check(not errors, "unexpected answers under load: %s" % errors[:5])
        offline_checks(data)
    # Final: restart, settle, full search agreement, clean stop, counts.
    server.start()
    searched += verify(server.port, tokens, model, full_search=True)
    check(server.stop() == 0, "chirpd did not exit 0 on SIGTERM")
    stats = offline_checks(data)
    check(stats["tweets"] == len(model.live), "stats tweets %d, model %d" % (stats["tweets"], len(model.live)))
    check(stats["index_docs"] == stats["tweets"], "index_docs %d != tweets %d" % (stats["index_docs"],
                                                                                 stats["tweets"]))
    log("kill -9: %d rounds in %.0f s; acknowledged writes: %s; verified after restarts: %d; "
        "search checks: %d; final tweets %d, deleted %d, change_seq %d"
        % (n_rounds, time.time() - t0, counts, model.checked, searched, len(model.live), len(model.deleted),
           stats["change_seq"]))


if __name__ == "__main__":
    main()
