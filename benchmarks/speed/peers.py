"""datasketch and rensa: signing dedup's passages in a child, and the pipeline a user
would write by hand with each, as standalone scripts."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from pathlib import Path
from typing import Any

from dedup import Document, Params, read_documents, segment_batch, sign_batch, tokenize_batch
from dedup.normalize import texts_for_tokens

from .measure import Steps

# datasketch and rensa are imported where used: children import this module, and
# dedup's stages should not carry their import time or memory.

RENSA_SEED = 42
RENSA_BANDS = 32  # rensa needs num_perm % bands == 0; 32 x 4 is nearest datasketch's 25 x 5 at 0.5


# --------------------------------------------------------------------------
# Inside a child: signatures only, on one core


def _tokens(batch: Sequence[Document]) -> Any:
    """Tokens as :func:`dedup.sign_documents` makes them (clean ASCII skips full normalisation)."""
    return tokenize_batch(texts_for_tokens([d.text for d in batch]))


def _segment(batch: Sequence[Document], tokens: Any, params: Params) -> Any:
    """The passages :func:`dedup.sign_documents` cuts, which every signer is given."""
    seg = params.segment
    return segment_batch([d.text for d in batch], tokens, min_tokens=max(seg.min_tokens, params.ngram),
                         max_tokens=seg.max_tokens, window=seg.window, stride=seg.stride, bridges=seg.bridges)


_WORD = re.compile(r"\w+")


def user_shingles(text: str, n: int = 5) -> set[str]:
    """Word 5-grams as a user would make them: lowercase, ``\\w+`` words."""
    words = _WORD.findall(text.lower())
    return {" ".join(words[i : i + n]) for i in range(len(words) - n + 1)}


def _rensa_update(bags: list[list[str]]) -> list[Any]:
    from rensa import RMinHash

    out = []
    for bag in bags:
        m = RMinHash(num_perm=128, seed=RENSA_SEED)
        m.update(bag)
        out.append(m)
    return out


def _sign_peers_batch(step: Steps, batch: list[Document], params: Params) -> list[str]:
    """Time every system on one batch's passages; returns the passage texts."""
    from datasketch import MinHash
    from rensa import RMinHash

    tokens = _tokens(batch)
    passages = _segment(batch, tokens, params)
    texts = [batch[d].text[s:e] for d, s, e in zip(passages.doc.tolist(), passages.start.tolist(),
                                                   passages.end.tolist())]
    with step("dedup tokens"):
        _tokens(batch)
    with step("dedup sign"):
        sign_batch(tokens, passages, params.scheme)
    with step("rensa shingles"):
        strings = [list(user_shingles(t)) for t in texts]
    with step("rensa update sign"):
        _rensa_update(strings)
    with step("rensa bulk sign"):
        RMinHash.digest_matrix_from_token_sets(strings, 128, RENSA_SEED)
    with step("datasketch shingles"):
        data = [[s.encode() for s in user_shingles(t)] for t in texts]
    with step("datasketch sign"):
        MinHash.bulk(data, num_perm=128)
    return texts


def _batches(documents: Iterable[Document], size: int) -> Iterator[list[Document]]:
    iterator = iter(documents)
    while batch := list(islice(iterator, size)):
        yield batch


def signature_peers(dump: Path, limit: int, params: Params = Params()) -> dict[str, Any]:
    """Sign dedup's passages of the first ``limit`` documents with dedup, datasketch
    and rensa, batch by batch (memory stays bounded); making shingles is timed apart."""
    step = Steps()
    articles = passages = 0
    mb = 0.0
    for batch in _batches(islice(read_documents([dump]), limit), params.batch_size):
        texts = _sign_peers_batch(step, batch, params)
        articles += len(batch)
        passages += len(texts)
        mb += sum(len(t.encode()) for t in texts) / 1e6
    return {"articles": articles, "passages": passages, "passage_mb": mb, "steps": step.as_list()}


# --------------------------------------------------------------------------
# What a user would write by hand: standalone scripts


_PEER_COMMON = r'''
import gzip
import json
import re
import sys

BREAK = re.compile(r"\n\s*\n|\n(?=[ \t]+\S)")  # a blank line, or an indented line start
WORD = re.compile(r"\w+")


def paragraphs(text):
    bounds = [0] + [x for m in BREAK.finditer(text) for x in m.span()] + [len(text)]
    for a, b in zip(bounds[::2], bounds[1::2]):
        chunk = text[a:b]
        if chunk.strip():
            yield a + len(chunk) - len(chunk.lstrip()), a + len(chunk.rstrip())


def shingles(text, n=5):
    words = WORD.findall(text.lower())
    return {" ".join(words[i:i + n]) for i in range(len(words) - n + 1)}


def paragraph_shingles(path, records, keys):
    """Shingles of every paragraph that has any; fills records, and keys (record, start, end)."""
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            text = record["text"]
            for a, b in paragraphs(text):
                bag = shingles(text[a:b])
                if bag:
                    keys.append((len(records), a, b))
                    yield bag
            records.append(record)


def chunks(items, size=10000):
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def find(parent, x):
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


def write_clusters(records, keys, pairs, out_path):
    """Union-find over matching paragraphs of different records; clusters as JSON Lines."""
    parent = list(range(len(keys)))
    for i, j in pairs:
        if keys[i][0] != keys[j][0]:
            a, b = find(parent, i), find(parent, j)
            if a != b:
                parent[max(a, b)] = min(a, b)
    groups = {}
    for k in range(len(keys)):
        groups.setdefault(find(parent, k), []).append(k)
    clusters = [g for g in groups.values() if len(g) > 1]
    with open(out_path, "w", encoding="utf-8") as out:
        for g in clusters:
            members = [{"doc": records[d]["id"], "start": a, "end": b, "text": records[d]["text"][a:b]}
                       for d, a, b in (keys[k] for k in g)]
            out.write(json.dumps({"size": len(members), "members": members}, ensure_ascii=False) + "\n")
    return len(clusters)


def main(path, out_path):
    records, keys, signatures = [], [], []
    for chunk in chunks(paragraph_shingles(path, records, keys)):
        signatures.extend(sign(chunk))
    clusters = write_clusters(records, keys, matching_pairs(signatures), out_path)
    print(json.dumps({"records": len(records), "paragraphs": len(keys), "clusters": clusters}))
'''

_PEER_RUN = '''

if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
'''

_PEER_DATASKETCH = r'''
from datasketch import MinHash, MinHashLSH


def sign(bags):
    return MinHash.bulk([[s.encode() for s in bag] for bag in bags], num_perm=128)


def matching_pairs(signatures):
    lsh = MinHashLSH(threshold=0.5, num_perm=128)
    with lsh.insertion_session() as session:
        for k, m in enumerate(signatures):
            session.insert(k, m, check_duplication=False)
    return ((k, other) for k, m in enumerate(signatures) for other in lsh.query(m) if other != k)
'''

_PEER_RENSA = rf'''
from rensa import RMinHash, RMinHashLSH


def sign(bags):
    return RMinHash.from_token_sets([list(bag) for bag in bags], num_perm=128, seed={RENSA_SEED})


def matching_pairs(signatures):
    lsh = RMinHashLSH(threshold=0.5, num_perm=128, num_bands={RENSA_BANDS})
    for k, m in enumerate(signatures):
        lsh.insert(k, m)
    return ((k, other) for k, m in enumerate(signatures) for other in lsh.query(m) if other != k)
'''


def _peer_script(name: str, summary: str, body: str) -> str:
    usage = f'"""{summary}\n\n    python peer_{name}.py DUMP.jsonl.gz OUT.jsonl\n"""\n'
    return usage + _PEER_COMMON + body + _PEER_RUN


PEER_SCRIPTS = {
    "datasketch": _peer_script(
        "datasketch", "Hand-built reuse finder: paragraphs, datasketch MinHash.bulk, MinHashLSH, union-find.",
        _PEER_DATASKETCH),
    "rensa": _peer_script(
        "rensa", "Hand-built reuse finder: paragraphs, rensa RMinHash.from_token_sets, RMinHashLSH, union-find.",
        _PEER_RENSA),
}


def write_peer_scripts(out: Path) -> dict[str, Path]:
    paths = {}
    for name, text in PEER_SCRIPTS.items():
        paths[name] = out / f"peer_{name}.py"
        paths[name].write_text(text, encoding="utf-8")
    return paths
