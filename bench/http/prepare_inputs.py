#!/usr/bin/python3
"""Inputs for the wrk scripts, drawn from the corpus with a fixed seed (same corpus, same files).

  prepare_inputs.py CORPUS OUT_DIR

Writes into OUT_DIR:
  users.txt       1,000 authors for GET /api/v1/tweets/{username} (authors of >= 5 tweets)
  reader.txt      the user whose timeline is read
  followees.txt   200 users the reader follows (authors of >= 20 tweets)
  posters.txt     16 users who POST (each logs in once; wrk rotates their tokens)
  queries.txt     250 URL-encoded search queries: words of random corpus tweets
                  (every fourth query two adjacent words, which both servers AND)
  bodies.txt      250 POST bodies {"text": ...}: random corpus texts, one JSON per line
"""
import collections
import json
import os
import random
import re
import sys
import urllib.parse

SEED = "chirp-http-bench"
WORD = re.compile(r"[^\W\d_]{4,}")  # letters only, at least 4: real words, any script


def main():
    corpus, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    rng = random.Random(SEED)
    counts = collections.Counter()
    names = {}
    texts = []
    with open(corpus, encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            key = rec["user"].lower()
            counts[key] += 1
            names.setdefault(key, rec["user"])
            texts.append(rec["text"])

    def pick(min_tweets, n, exclude=()):
        pool = sorted(k for k, c in counts.items() if c >= min_tweets and k not in exclude)
        return [names[k] for k in rng.sample(pool, min(n, len(pool)))]  # small test corpora

    users = pick(5, 1000)
    reader = pick(1, 1)[0]
    followees = pick(20, 200, exclude={reader.lower()})
    posters = pick(1, 16, exclude={reader.lower()})

    queries = []
    while len(queries) < 250:
        words = WORD.findall(rng.choice(texts))
        if len(words) < 2:
            continue
        j = rng.randrange(len(words) - 1)
        q = " ".join(words[j:j + 2]) if len(queries) % 4 == 3 else words[j]
        queries.append(urllib.parse.quote(q.lower(), safe=""))

    bodies = [json.dumps({"text": rng.choice(texts)}, ensure_ascii=False) for _ in range(250)]

    def write(name, rows):
        with open(os.path.join(out, name), "w", encoding="utf-8") as f:
            f.write("\n".join(rows) + "\n")

    write("users.txt", users)
    write("reader.txt", [reader])
    write("followees.txt", followees)
    write("posters.txt", posters)
    write("queries.txt", queries)
    write("bodies.txt", bodies)
    print("inputs: %d users, reader %s, %d followees, %d posters, %d queries, %d bodies"
          % (len(users), reader, len(followees), len(posters), len(queries), len(bodies)),
          file=sys.stderr)


if __name__ == "__main__":
    main()
