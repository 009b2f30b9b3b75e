"""Tweet entities (hashtags, mentions, URLs, cashtags) in chirp's JSON shape.

A compact regex take on twitter-text's extraction, run once when a tweet is
written (import or POST) and stored as JSONB. Indices are code-point offsets,
which Python string offsets already are.
"""
import re

_HASHTAG = re.compile(r"(?:^|(?<=[^\w&]))[#\uff03](\w*[^\W\d]\w*)")
_MENTION = re.compile(r"(?:^|(?<=[^\w!@#$%&*]))[@\uff20](\w{1,20})")
_URL = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)\]'}]")
_CASHTAG = re.compile(r"(?:^|(?<=\s))\$([A-Za-z]{1,6}(?:[._][A-Za-z]{1,2})?)(?=$|\s|[^\w])")


def extract(text):
    return {
        "hashtags": [{"tag": m.group(1), "indices": [m.start(), m.end()]}
                     for m in _HASHTAG.finditer(text)],
        "mentions": [{"username": m.group(1), "indices": [m.start(), m.end()]}
                     for m in _MENTION.finditer(text)],
        "urls": [{"url": m.group(0), "indices": [m.start(), m.end()]} for m in _URL.finditer(text)],
        "cashtags": [{"tag": m.group(1), "indices": [m.start(), m.end()]}
                     for m in _CASHTAG.finditer(text)],
    }


EMPTY_JSON = '{"hashtags":[],"mentions":[],"urls":[],"cashtags":[]}'
