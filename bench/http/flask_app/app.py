"""chirp's benchmark routes on the seed's stack: Flask + SQLAlchemy + PostgreSQL.

The seed (../shared/seed/README.md) serves /health, /api/v1/tweets and
/api/v1/tweets/{username} from Flask with SQLAlchemy. This app adds the other routes
the HTTP benchmark measures, with chirp's JSON shapes (API.md): login, follow,
timeline, search and posting. Written as its best users would: keyset pagination on
indexes, one query per list (no N+1), counters on rows, entities stored at write
time, PostgreSQL full-text search on a GIN index, hashed bearer tokens.

Configuration: CHIRP_FLASK_DSN (postgresql://...), CHIRP_FLASK_POOL (connections per
worker, default 4). Run: gunicorn -w 2 -k gthread --threads 4 app:app
"""
import base64
import datetime
import hashlib
import json
import os
import re
import secrets

from flask import Flask, g, jsonify, request
from sqlalchemy import text
from werkzeug.security import check_password_hash

import entities
from models import Follow, Session, Tweet, User, db

MAX_LIMIT = 100
TOKEN_DAYS = 30

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ.get(
    "CHIRP_FLASK_DSN", "postgresql+psycopg2://postgres@127.0.0.1:5432/chirp")
_pool = int(os.environ.get("CHIRP_FLASK_POOL", "4"))
app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
    "pool_size": _pool, "max_overflow": 0, "pool_pre_ping": False,
    "connect_args": {"options": "-c timezone=UTC"},
}
app.json.sort_keys = False
app.json.compact = True
db.init_app(app)


# ---- errors and helpers ---------------------------------------------------------

class ApiError(Exception):
    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@app.errorhandler(ApiError)
def _api_error(e):
    return jsonify(error={"code": e.code, "message": e.message}), e.status


@app.errorhandler(404)
def _not_found(_e):
    return jsonify(error={"code": "not_found", "message": "no such route"}), 404


@app.errorhandler(405)
def _method_not_allowed(_e):
    return jsonify(error={"code": "method_not_allowed", "message": "method not allowed"}), 405


@app.errorhandler(500)
def _internal(_e):
    return jsonify(error={"code": "internal", "message": "internal server error"}), 500


def fmt_time(dt):
    # The connection's time zone is UTC, so every timestamptz arrives as +00:00.
    return dt.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def encode_cursor(value):
    return base64.urlsafe_b64encode(str(value).encode()).decode().rstrip("=")


def decode_cursor(raw):
    try:
        return int(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode())
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "bad_request", "cursor is malformed")


def parse_page():
    raw = request.args.get("limit")
    limit = 20
    if raw is not None:
        if not re.fullmatch(r"-?\d{1,9}", raw) or int(raw) < 1:
            raise ApiError(400, "bad_request", "limit must be a positive integer")
        limit = min(int(raw), MAX_LIMIT)
    cursor = request.args.get("cursor")
    return limit, (decode_cursor(cursor) if cursor else None)


def page_response(items, next_value):
    cursor = encode_cursor(next_value) if next_value is not None else None
    resp = jsonify(items=items, next_cursor=cursor)
    if cursor is not None:
        args = request.args.to_dict()
        args["cursor"] = cursor
        query = "&".join("%s=%s" % kv for kv in args.items())
        resp.headers["Link"] = '<%s?%s>; rel="next"' % (request.path, query)
    return resp


# Columns every tweet list selects, in one query with the author joined.
TWEET_COLUMNS = ("t.id, t.text, t.created_at, t.in_reply_to_id, t.in_reply_to_username, "
                 "t.entities, t.like_count, t.reply_count, u.username, u.display_name")


def tweet_json(row, liked=None):
    out = {
        "id": str(row.id), "username": row.username, "display_name": row.display_name,
        "text": row.text, "created_at": fmt_time(row.created_at),
        "in_reply_to": ({"id": str(row.in_reply_to_id), "username": row.in_reply_to_username}
                        if row.in_reply_to_id is not None else None),
        "entities": row.entities,
        "counts": {"likes": row.like_count, "replies": row.reply_count},
    }
    if liked is not None:
        out["viewer_liked"] = row.id in liked
    return out


def liked_set(viewer, ids):
    """Which of ids the viewer liked: one indexed query, only for authenticated requests."""
    if viewer is None or not ids:
        return None
    rows = db.session.execute(
        text("SELECT tweet_id FROM likes WHERE user_id = :u AND tweet_id = ANY(:ids)"),
        {"u": viewer.id, "ids": ids})
    return {r.tweet_id for r in rows}


def tweets_page(rows, limit, viewer):
    more = len(rows) > limit
    rows = rows[:limit]
    liked = liked_set(viewer, [r.id for r in rows])
    return page_response([tweet_json(r, liked) for r in rows], rows[-1].id if more else None)


def current_user(required):
    """The bearer token's user (one indexed query), None when absent and optional."""
    if "viewer" in g:
        return g.viewer
    header = request.headers.get("Authorization", "")
    viewer = None
    if header:
        if not header.startswith("Bearer "):
            raise ApiError(401, "unauthorized", "invalid token")
        digest = hashlib.sha256(header[7:].encode()).digest()
        viewer = db.session.execute(
            text("SELECT u.id, u.username, u.display_name FROM sessions s "
                 "JOIN users u ON u.id = s.user_id WHERE s.token_hash = :h AND s.expires_at > now()"),
            {"h": digest}).first()
        if viewer is None:
            raise ApiError(401, "unauthorized", "invalid token")
    elif required:
        raise ApiError(401, "unauthorized", "authentication required")
    g.viewer = viewer
    return viewer


def json_body(fields, required):
    if request.mimetype != "application/json":
        raise ApiError(415, "unsupported_media_type", "body must be application/json")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request", "malformed JSON body")
    for k, v in body.items():
        if k not in fields:
            raise ApiError(400, "bad_request", "unknown field: %s" % k)
        if not isinstance(v, fields[k]):
            raise ApiError(400, "bad_request", "wrong type: %s" % k)
    for k in required:
        if k not in body:
            raise ApiError(400, "bad_request", "missing field: %s" % k)
    return body


def user_by_name(username):
    row = db.session.execute(
        text("SELECT id, username, display_name FROM users WHERE username_lower = :n"),
        {"n": username.lower()}).first()
    if row is None:
        raise ApiError(404, "not_found", "no such user")
    return row


def user_json(uid):
    u = db.session.get(User, uid)
    return {"username": u.username, "display_name": u.display_name, "bio": u.bio,
            "created_at": fmt_time(u.created_at),
            "counts": {"tweets": u.tweet_count, "followers": u.follower_count,
                       "following": u.following_count}}


# ---- routes ---------------------------------------------------------------------

@app.get("/health")
def health():
    return jsonify(status="ok")


@app.post("/api/v1/auth/login")
def login():
    body = json_body({"username": str, "password": str}, ("username", "password"))
    u = db.session.execute(
        text("SELECT id, password_hash FROM users WHERE username_lower = :n"),
        {"n": body["username"].lower()}).first()
    if u is None or not check_password_hash(u.password_hash, body["password"]):
        raise ApiError(401, "unauthorized", "wrong username or password")
    token = secrets.token_urlsafe(32)
    expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=TOKEN_DAYS)
    db.session.add(Session(token_hash=hashlib.sha256(token.encode()).digest(), user_id=u.id,
                           expires_at=expires))
    db.session.commit()
    return jsonify(token=token, expires_at=fmt_time(expires), user=user_json(u.id))


@app.put("/api/v1/users/<username>/follow")
def follow(username):
    me = current_user(True)
    other = user_by_name(username)
    if other.id == me.id:
        raise ApiError(422, "unprocessable", "you cannot follow yourself")
    inserted = db.session.execute(
        text("INSERT INTO follows (follower_id, followee_id) VALUES (:a, :b) "
             "ON CONFLICT DO NOTHING RETURNING 1"), {"a": me.id, "b": other.id}).first()
    if inserted:
        db.session.execute(text("UPDATE users SET following_count = following_count + 1 WHERE id = :a"),
                           {"a": me.id})
        db.session.execute(text("UPDATE users SET follower_count = follower_count + 1 WHERE id = :b"),
                           {"b": other.id})
    db.session.commit()
    return "", 204


@app.get("/api/v1/tweets")
def all_tweets():
    viewer = current_user(False)
    limit, cursor = parse_page()
    rows = db.session.execute(
        text("SELECT " + TWEET_COLUMNS + " FROM tweets t JOIN users u ON u.id = t.user_id "
             "WHERE (CAST(:c AS bigint) IS NULL OR t.id < :c) ORDER BY t.id DESC LIMIT :n"),
        {"c": cursor, "n": limit + 1}).all()
    return tweets_page(rows, limit, viewer)


@app.get("/api/v1/tweets/<username>")
def user_tweets(username):
    viewer = current_user(False)
    limit, cursor = parse_page()
    author = user_by_name(username)
    rows = db.session.execute(
        text("SELECT " + TWEET_COLUMNS + " FROM tweets t JOIN users u ON u.id = t.user_id "
             "WHERE t.user_id = :a AND (CAST(:c AS bigint) IS NULL OR t.id < :c) "
             "ORDER BY t.id DESC LIMIT :n"),
        {"a": author.id, "c": cursor, "n": limit + 1}).all()
    return tweets_page(rows, limit, viewer)


@app.get("/api/v1/timeline")
def timeline():
    me = current_user(True)
    limit, cursor = parse_page()
    # One bounded index probe per followee (LATERAL ... LIMIT), then a small sort:
    # cost grows with the number followed, not with their total tweets.
    rows = db.session.execute(
        text("SELECT " + TWEET_COLUMNS + " FROM ("
             "  SELECT followee_id AS uid FROM follows WHERE follower_id = :me"
             "  UNION ALL SELECT CAST(:me AS integer)) f "
             "CROSS JOIN LATERAL (SELECT * FROM tweets x WHERE x.user_id = f.uid "
             "  AND (CAST(:c AS bigint) IS NULL OR x.id < :c) ORDER BY x.id DESC LIMIT :n) t "
             "JOIN users u ON u.id = t.user_id ORDER BY t.id DESC LIMIT :n"),
        {"me": me.id, "c": cursor, "n": limit + 1}).all()
    return tweets_page(rows, limit, me)


_WORD = re.compile(r"\w+")


@app.get("/api/v1/search")
def search():
    viewer = current_user(False)
    q = request.args.get("q", "")
    if not q.strip() or len(q.encode()) > 512:
        raise ApiError(400, "bad_request", "q must be 1 to 512 bytes")
    limit, cursor = parse_page()
    offset = cursor or 0
    # Rank only the matches (GIN), keep the top page, then join the page's rows.
    # count(*) OVER () is the exact total from the same scan.
    rows = db.session.execute(
        text("WITH hits AS ("
             "  SELECT x.id, ts_rank(x.tsv, q) AS score, count(*) OVER () AS total"
             "  FROM tweets x, websearch_to_tsquery('simple', :q) q WHERE x.tsv @@ q"
             "  ORDER BY score DESC, x.id DESC LIMIT :n OFFSET :o) "
             "SELECT " + TWEET_COLUMNS + ", hits.score, hits.total FROM hits "
             "JOIN tweets t ON t.id = hits.id JOIN users u ON u.id = t.user_id "
             "ORDER BY hits.score DESC, t.id DESC"),
        {"q": q, "n": limit + 1, "o": offset}).all()
    more = len(rows) > limit
    rows = rows[:limit]
    liked = liked_set(viewer, [r.id for r in rows])
    terms = {w.lower() for w in _WORD.findall(q)}
    pattern = re.compile(r"\b(?:%s)\b" % "|".join(map(re.escape, terms)), re.I) if terms else None
    items = [{"tweet": tweet_json(r, liked),
              "highlights": [[m.start(), m.end()] for m in pattern.finditer(r.text)] if pattern else [],
              "score": r.score} for r in rows]
    next_cursor = encode_cursor(offset + limit) if more else None
    resp = jsonify(items=items, next_cursor=next_cursor,
                   estimated_total=rows[0].total if rows else 0, suggestion=None)
    if next_cursor:
        resp.headers["Link"] = '<%s?q=%s&cursor=%s>; rel="next"' % (
            request.path, request.args.get("q"), next_cursor)
    return resp


@app.post("/api/v1/tweets")
def post_tweet():
    me = current_user(True)
    body = json_body({"text": str, "in_reply_to": str}, ("text",))
    tweet_text = body["text"]
    if not tweet_text.strip() or len(tweet_text) > 280:
        raise ApiError(422, "unprocessable", "a tweet is 1 to 280 characters")
    reply_id = reply_user = None
    if "in_reply_to" in body:
        parent = db.session.execute(
            text("SELECT t.id, u.username FROM tweets t JOIN users u ON u.id = t.user_id "
                 "WHERE t.id = :i"), {"i": int(body["in_reply_to"]) if body["in_reply_to"].isdigit() else -1}).first()
        if parent is None:
            raise ApiError(422, "unprocessable", "no such tweet to reply to")
        reply_id, reply_user = parent.id, parent.username
    ents = entities.extract(tweet_text)
    row = db.session.execute(
        text("INSERT INTO tweets (user_id, text, in_reply_to_id, in_reply_to_username, entities) "
             "VALUES (:u, :t, :r, :ru, CAST(:e AS jsonb)) RETURNING id, created_at"),
        {"u": me.id, "t": tweet_text, "r": reply_id, "ru": reply_user,
         "e": json.dumps(ents, ensure_ascii=False)}).first()
    db.session.execute(text("UPDATE users SET tweet_count = tweet_count + 1 WHERE id = :u"),
                       {"u": me.id})
    if reply_id is not None:
        db.session.execute(text("UPDATE tweets SET reply_count = reply_count + 1 WHERE id = :i"),
                           {"i": reply_id})
    db.session.commit()
    out = {"id": str(row.id), "username": me.username, "display_name": me.display_name,
           "text": tweet_text, "created_at": fmt_time(row.created_at),
           "in_reply_to": {"id": str(reply_id), "username": reply_user} if reply_id else None,
           "entities": ents, "counts": {"likes": 0, "replies": 0}, "viewer_liked": False}
    resp = jsonify(out)
    resp.status_code = 201
    resp.headers["Location"] = "/api/v1/tweets/%s/%s" % (me.username, row.id)
    return resp
