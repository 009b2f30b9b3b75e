#!/usr/bin/python3
"""Bulk-load a chirp import corpus ({"user","text","ts"} JSON lines) into PostgreSQL.

The way PostgreSQL's manual says to bulk-load: create the tables, drop the secondary
indexes, COPY the rows, build the indexes afterwards (GIN included), then ANALYZE.
All users share one password hash (like `chirpctl import --password`): hashing once.

  load.py --dsn postgresql+psycopg2://postgres@127.0.0.1:PORT/chirp --password PW CORPUS
"""
import argparse
import io
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from sqlalchemy import create_engine  # noqa: E402
from sqlalchemy.schema import CreateIndex  # noqa: E402
from werkzeug.security import generate_password_hash  # noqa: E402

import entities  # noqa: E402
from models import EPOCH_MS, SEQ_BITS, db  # noqa: E402

CHUNK = 100_000


def copy_escape(s):
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dsn", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("corpus")
    args = ap.parse_args()

    engine = create_engine(args.dsn)
    started = time.time()
    with engine.begin() as conn:
        db.metadata.drop_all(conn)
        db.metadata.create_all(conn)
        indexes = [ix for t in db.metadata.sorted_tables for ix in t.indexes]
        for ix in indexes:
            ix.drop(conn)

    # Pass 1: users in first-seen order, with their tweet counts.
    users = {}        # lower name -> [id, name, tweets]
    with open(args.corpus, encoding="utf-8") as f:
        for line in f:
            name = json.loads(line)["user"]
            u = users.get(name.lower())
            if u is None:
                u = users[name.lower()] = [len(users) + 1, name, 0]
            u[2] += 1

    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        # Foreign keys are checked once, at the end (the rows are known to be
        # consistent); COPY then runs without a per-row trigger.
        cur.execute("SET session_replication_role = replica")
        cur.execute("SET maintenance_work_mem = '1GB'")
        pw_hash = generate_password_hash(args.password)
        buf = io.StringIO()
        for uid, name, count in users.values():
            buf.write("%d\t%s\t%s\t%s\t%s\t%d\n" % (uid, name, name.lower(), pw_hash, name, count))
        buf.seek(0)
        cur.copy_expert("COPY users (id, username, username_lower, password_hash, display_name, "
                        "tweet_count) FROM STDIN", buf)
        cur.execute("SELECT setval(pg_get_serial_sequence('users', 'id'), %d)" % len(users))

        # Pass 2: tweets, streamed in chunks; ids are snowflakes of the record's time.
        buf = io.StringIO()
        n, last_ms, seq = 0, -1, 0

        def flush():
            buf.seek(0)
            cur.copy_expert("COPY tweets (id, user_id, text, created_at, entities) FROM STDIN", buf)
            buf.seek(0)
            buf.truncate()

        with open(args.corpus, encoding="utf-8") as f:
            for line in f:
                rec = json.loads(line)
                ms = rec["ts"] * 1000
                seq = seq + 1 if ms == last_ms else 0
                last_ms = ms
                text = rec["text"]
                buf.write("%d\t%d\t%s\t%s\t%s\n" % (
                    ((ms - EPOCH_MS) << SEQ_BITS) | seq, users[rec["user"].lower()][0],
                    copy_escape(text), time.strftime("%Y-%m-%d %H:%M:%S+00", time.gmtime(rec["ts"])),
                    copy_escape(json.dumps(entities.extract(text), ensure_ascii=False))))
                n += 1
                if n % CHUNK == 0:
                    flush()
                    print("load: %d tweets copied (%.0f s)" % (n, time.time() - started), file=sys.stderr)
        flush()
        # Start the live sequence's low bits past anything imported in one millisecond.
        cur.execute("SELECT setval('tweet_seq', %d)" % (seq + 1))
        copied = time.time()
        for ix in indexes:
            cur.execute(str(CreateIndex(ix).compile(engine)))
        cur.execute("SET session_replication_role = DEFAULT")
        raw.commit()
        indexed = time.time()
        raw.set_isolation_level(0)  # VACUUM cannot run in a transaction
        cur.execute("VACUUM (ANALYZE) tweets")
        cur.execute("VACUUM (ANALYZE) users")
        print("load: %d users, %d tweets; COPY %.1f s, indexes %.1f s, vacuum/analyze %.1f s"
              % (len(users), n, copied - started, indexed - copied, time.time() - indexed),
              file=sys.stderr)
    finally:
        raw.close()


if __name__ == "__main__":
    main()
