"""The seed's stack, written the way its best users would: Flask-SQLAlchemy models.

Tables mirror chirp's API objects. Counters (tweets, followers, likes, ...) are kept
on the rows so that a list never needs COUNT queries; entities are extracted once at
write time and stored as JSONB; `tsv` is a stored generated column with a GIN index
for PostgreSQL full-text search. Tweet ids are time-ordered 64-bit snowflakes like
chirp's, so "newest first" is `ORDER BY id DESC` on an index.
"""
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import (BigInteger, Column, Computed, DateTime, ForeignKey, Index, Integer,
                        LargeBinary, Sequence, Text, func)
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR

db = SQLAlchemy()

# Snowflake: milliseconds since 2020-01-01 in the high bits, 22 bits of sequence.
EPOCH_MS = 1577836800000
SEQ_BITS = 22
tweet_seq = Sequence("tweet_seq", metadata=db.metadata)
SNOWFLAKE_DEFAULT = sql_text(
    "((floor(extract(epoch from clock_timestamp()) * 1000)::bigint - %d) << %d)"
    " | (nextval('tweet_seq') & %d)" % (EPOCH_MS, SEQ_BITS, (1 << SEQ_BITS) - 1))


class User(db.Model):
    __tablename__ = "users"
    id = Column(Integer, primary_key=True)
    username = Column(Text, nullable=False)
    # Case-insensitive uniqueness and lookup, as the API requires.
    username_lower = Column(Text, nullable=False, unique=True)
    password_hash = Column(Text, nullable=False)
    display_name = Column(Text, nullable=False)
    bio = Column(Text, nullable=False, server_default="")
    created_at = Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    tweet_count = Column(Integer, nullable=False, server_default="0")
    follower_count = Column(Integer, nullable=False, server_default="0")
    following_count = Column(Integer, nullable=False, server_default="0")


class Tweet(db.Model):
    __tablename__ = "tweets"
    id = Column(BigInteger, primary_key=True, server_default=SNOWFLAKE_DEFAULT)
    user_id = Column(Integer, ForeignKey("users.id"), nullable=False)
    text = Column(Text, nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    in_reply_to_id = Column(BigInteger, nullable=True)
    # Denormalised like chirp's record: a reply renders without joining its parent.
    in_reply_to_username = Column(Text, nullable=True)
    entities = Column(JSONB, nullable=False)
    like_count = Column(Integer, nullable=False, server_default="0")
    reply_count = Column(Integer, nullable=False, server_default="0")
    # 'simple': the corpus is multilingual (en, de, es, it, ru, zh), so no one
    # language's stemmer or stop list fits; chirp's index is not English-only either.
    tsv = Column(TSVECTOR, Computed("to_tsvector('simple', text)", persisted=True))

    __table_args__ = (
        # A user's tweets, newest first (and the timeline's per-followee probes).
        Index("tweets_user_id_id", "user_id", sql_text("id DESC")),
        Index("tweets_tsv_gin", "tsv", postgresql_using="gin"),
    )


class Follow(db.Model):
    __tablename__ = "follows"
    follower_id = Column(Integer, ForeignKey("users.id"), primary_key=True)
    followee_id = Column(Integer, ForeignKey("users.id"), primary_key=True)
    created_at = Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    __table_args__ = (Index("follows_followee", "followee_id", "follower_id"),)


class Like(db.Model):
    __tablename__ = "likes"
    user_id = Column(Integer, ForeignKey("users.id"), primary_key=True)
    tweet_id = Column(BigInteger, ForeignKey("tweets.id"), primary_key=True)


class Session(db.Model):
    __tablename__ = "sessions"
    # SHA-256 of the bearer token: a database leak does not leak usable tokens.
    token_hash = Column(LargeBinary, primary_key=True)
    user_id = Column(Integer, ForeignKey("users.id"), nullable=False)
    expires_at = Column(DateTime(timezone=True), nullable=False)
