"""Speed and memory of dedup at scale, stage by stage, beside datasketch and rensa (issue 4).

    python -m benchmarks.speed [--sizes 10000 20000] [--skip-peers] [--out benchmarks/out]

Each size is a synthetic dump from ``benchmarks.make_dump`` (seed 0), made in
``benchmarks/data/`` unless already there. Every measurement runs in a fresh process:

- dedup's stages one after another, in one child, from public stage functions in the
  pipeline's order: read, normalise (normalise and tokenise), segment, sign, index (band
  keys and candidate pairs), cluster (verify, group, build), align (rare-shingle anchors,
  document pairs, rapidfuzz alignment) and report (provenance report; clusters and
  provenance written as JSON Lines). A stage's peak RSS is the kernel's high-water mark,
  reset as the stage starts, so it includes what earlier stages keep in memory. At the
  smallest size the child then runs ``dedup.find_provenance`` and checks that both found
  the same passages, candidates, clusters, document pairs and alignments;
- the command line, process start included: ``dedup cluster --jobs 1`` and ``--jobs 2``,
  ``dedup provenance`` (all cores; up to ``--provenance-limit`` articles);
- signatures only, on one core, of the very passages dedup's segmentation cuts (of the
  first ``--sign-limit`` articles): ``dedup.sign_batch``, datasketch ``MinHash.bulk``, rensa
  ``RMinHash.update`` and ``RMinHash.digest_matrix_from_token_sets``; stage ``sign``
  starts from tokens or shingles, ``text+sign`` also makes them from the text;
- the pipeline a user would write by hand, end to end (paragraphs, MinHash, LSH insert
  and query, union-find, clusters written as JSON Lines): one with datasketch, one with
  rensa. Their scripts are written to ``--out`` and run alone. Where one would take
  longer than ``--peer-budget`` seconds, its figures are extrapolated linearly from the
  largest size measured (at least 10,000 articles) and marked so.

A process's peak RSS is the larger of its ``ru_maxrss`` (from ``wait4``) and the peak,
sampled every 50 ms, of the summed RSS of its process tree (``--jobs 2`` workers).
A ratio is seconds over dedup's seconds for the same work: signing peers against
dedup's row of the same stage, command lines and hand-built pipelines against
``dedup cluster --jobs 1``; above 1, dedup is faster. MB are 10^6 bytes of UTF-8 text: of
the whole dump, or of all passages signed for the signing rows. Each row records the
load average as it started, and each size a hash of dedup's source before and after
(a warning says when dedup changed mid-run). To measure a fixed commit while dedup/ is
being edited, run from an export of it: ``git archive HEAD | tar -x -C /tmp/snap``, then
``cd /tmp/snap && PYTHONPATH=$PWD python -m benchmarks.speed --data ... --out ...``
(PYTHONPATH, so that the ``dedup`` command imports the export too).

Writes a table to stdout, ``speed.json`` (rows, machine, corpus figures, stage parts)
and ``speed.png`` (time and peak memory against size, log-log).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from importlib import metadata
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np

import dedup
from dedup import (
    Candidates, ClusterResult, Document, DocumentStore, Params, ProvenanceResult, SignedBatch, align_documents,
    anchor_pairs, build_clusters, build_provenance, document_anchors, find_clusters, find_provenance, gather_signed,
    group_passages, index_batch, lsh_candidates, optimal_bands, passage_rank, read_documents, segment_batch,
    sign_batch, tokenize_batch, verify_pairs,
)
from dedup.normalize import texts_for_tokens, token_document_frequency
from dedup.pipeline import common_words
from dedup.report import write_clusters, write_provenance

# datasketch, rensa and matplotlib are imported where used: children import this
# module, and dedup's stages should not carry their import time or memory.

DEFAULT_SIZES = (10_000, 20_000)
SEED = 0  # of the dumps
CALIBRATION_SIZE = 10_000  # datasketch is measured here before extrapolating to a larger size
PAIRS_PER_BATCH = 512  # document pairs per align_documents call, as the pipeline batches them
RENSA_SEED = 42
RENSA_BANDS = 32  # rensa needs num_perm % bands == 0; 32 x 4 is nearest datasketch's 25 x 5 at 0.5
STAGES = ("read", "normalise", "segment", "sign", "index", "cluster", "align", "report")
SAMPLE_SECONDS = 0.05


# --------------------------------------------------------------------------
# Results


@dataclass
class Row:
    """One measurement: ``mb`` megabytes of text handled in ``seconds``."""

    size: int
    group: str  # "stages", "signatures" or "end to end"
    system: str
    stage: str
    seconds: float
    articles: int
    mb: float
    peak_rss_mib: float | None
    ratio: float | None = None
    extrapolated: bool = False
    command: str | None = None
    note: str | None = None
    load_1m: float | None = None  # the machine's load average as the process started: others' work skews timings

    @property
    def articles_per_s(self) -> float:
        return self.articles / self.seconds if self.seconds else float("nan")

    @property
    def mb_per_s(self) -> float:
        return self.mb / self.seconds if self.seconds else float("nan")


def machine_info() -> dict[str, Any]:
    cpu = "unknown"
    try:
        found = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.MULTILINE)
        cpu = found.group(1).strip() if found else platform.processor() or cpu
    except OSError:
        pass
    return {
        "cpu": cpu, "cores": os.cpu_count(), "usable_cores": len(os.sched_getaffinity(0)),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "platform": platform.platform(), "python": platform.python_version(), "numpy": np.__version__,
        "dedup": dedup.__version__, "dedup_commit": _git_commit(), "dedup_source": dedup_fingerprint(),
        "datasketch": _version("datasketch"), "rensa": _version("rensa"),
    }


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "unknown"


def _git_commit() -> str | None:
    """HEAD of the checkout dedup is imported from, with ``+dirty`` when dedup/ has
    uncommitted changes; None outside a checkout."""
    where = Path(dedup.__file__).parent
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=where, capture_output=True, text=True,
                              check=True).stdout
        dirty = subprocess.run(["git", "status", "--porcelain", "."], cwd=where, capture_output=True, text=True,
                               check=False).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    return head.strip() + ("+dirty" if dirty.strip() else "")


# --------------------------------------------------------------------------
# Measuring a process


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_rss_mib: float
    stdout: str
    load_1m: float | None = None


def _tree_rss_mib(root: int) -> float:
    """Summed RSS of ``root`` and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry.name))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, ()))
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            pass
    return total * os.sysconf("SC_PAGE_SIZE") / 2**20


def _sample_peak(pid: int, stop: threading.Event, peak: list[float]) -> None:
    while not stop.is_set():
        peak[0] = max(peak[0], _tree_rss_mib(pid))
        stop.wait(SAMPLE_SECONDS)


def run_process(cmd: Sequence[str], env: Mapping[str, str] | None = None) -> Run:
    """Run ``cmd`` to the end: wall seconds, peak RSS in MiB, stdout. Raises on failure."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        load = os.getloadavg()[0]
        started = time.perf_counter()
        proc = subprocess.Popen(list(cmd), stdout=out, stderr=err, env=None if env is None else dict(env))
        stop, peak = threading.Event(), [0.0]
        sampler = threading.Thread(target=_sample_peak, args=(proc.pid, stop, peak), daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)  # rusage of this child alone, unlike RUSAGE_CHILDREN
        seconds = time.perf_counter() - started
        stop.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} exited with {proc.returncode}:\n{err.read()[-3000:]}")
        return Run(seconds, max(usage.ru_maxrss / 1024, peak[0]), out.read(), load)


def _child(kind: str, dump: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "benchmarks.speed", "--child", kind, "--dump", str(dump), *extra]


def _last_json(stdout: str) -> dict[str, Any]:
    return json.loads(stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------
# Inside a child: peak memory of one step, dedup's stages


def _reset_peak() -> None:
    """Reset this process's VmHWM (Linux >= 4.0); where it cannot, peaks are cumulative."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def _peak_mib() -> float:
    try:
        found = re.search(r"^VmHWM:\s*(\d+) kB", Path("/proc/self/status").read_text(), re.MULTILINE)
        if found:
            return int(found.group(1)) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Steps:
    """Seconds and peak RSS per named step; a name used twice adds up.

    ``stage/part`` names a part of a stage: rows show the stage, the JSON its parts.
    """

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.peak: dict[str, float] = {}

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        _reset_peak()
        started = time.perf_counter()
        yield
        self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started
        self.peak[name] = max(self.peak.get(name, 0.0), _peak_mib())

    def as_list(self) -> list[dict[str, Any]]:
        return [{"stage": s, "seconds": t, "peak_rss_mib": self.peak[s]} for s, t in self.seconds.items()]


@dataclass(frozen=True, eq=False)
class Index:
    """All passages of the run in one set of arrays, and their LSH candidate pairs."""

    doc_ids: list[str]
    doc: np.ndarray
    start: np.ndarray
    end: np.ndarray
    values: np.ndarray
    sizes: np.ndarray
    rank: np.ndarray
    candidates: Candidates


def _batches(documents: Iterable[Document], size: int) -> Iterator[list[Document]]:
    iterator = iter(documents)
    while batch := list(islice(iterator, size)):
        yield batch


def _segment(batch: Sequence[Document], tokens: Any, params: Params) -> Any:
    return segment_batch(
        [d.text for d in batch], tokens, min_tokens=max(params.min_tokens, params.ngram),
        max_tokens=params.max_tokens, window=params.window, stride=params.stride, bridges=params.bridges,
    )


def _tokens(batch: Sequence[Document]) -> Any:
    """Tokens as the pipeline makes them (clean ASCII text skips full normalisation)."""
    return tokenize_batch(texts_for_tokens([d.text for d in batch]))


def build_index(signed: Iterable[SignedBatch], params: Params) -> Index:
    """Gather the compact batches, rank passages, and find LSH candidates one band at a time."""
    doc_ids, passages, signatures = gather_signed(signed)
    assert signatures is not None
    rank = passage_rank(doc_ids, passages)
    bands, rows = optimal_bands(params.threshold, params.num_perm)
    candidates = lsh_candidates(signatures.values, bands, rows, groups=passages.doc, rank=rank,
                                max_bucket=params.max_bucket)
    return Index(doc_ids, passages.doc, passages.start, passages.end, signatures.values, signatures.sizes, rank,
                 candidates)


def cluster_index(index: Index, params: Params) -> list[Any]:
    limits = {"threshold": params.threshold, "containment_threshold": params.containment_threshold}
    verified = verify_pairs(index.values, index.sizes, index.candidates, **limits)
    labels = group_passages(index.values, index.sizes, verified, rank=index.rank, **limits)
    return build_clusters(labels, doc=index.doc, start=index.start, end=index.end, doc_ids=index.doc_ids,
                          verified=verified)


def document_pairs(index: Index, signed: list[SignedBatch], params: Params) -> list[tuple[str, str]]:
    """Document id pairs worth aligning: an LSH candidate passage pair, or shared rare shingles."""
    n = len(index.doc_ids)
    left = index.doc[index.candidates.left].astype(np.int64)
    right = index.doc[index.candidates.right].astype(np.int64)
    offsets = np.cumsum([0] + [len(b.doc_ids) for b in signed])
    found = anchor_pairs(np.concatenate([b.anchors[0] + o for b, o in zip(signed, offsets)]),
                         np.concatenate([b.anchors[1] for b in signed]),
                         max_df=params.anchor_max_df, min_shared=params.anchor_min_shared)
    codes = np.unique(np.concatenate([np.minimum(left, right) * n + np.maximum(left, right),
                                      found.left * n + found.right]))
    pairs = {(index.doc_ids[c // n], index.doc_ids[c % n]) for c in codes.tolist()}
    return sorted({(a, b) if a < b else (b, a) for a, b in pairs})


def align_all(documents: Mapping[str, Document], pairs: list[tuple[str, str]], common: np.ndarray,
              params: Params) -> list[Any]:
    alignments: list[Any] = []
    for i in range(0, len(pairs), PAIRS_PER_BATCH):
        batch = [(documents[a], documents[b]) for a, b in pairs[i : i + PAIRS_PER_BATCH]]
        alignments.extend(align_documents(batch, params, common))
    return alignments


def write_reports(documents: Mapping[str, Document], clusters: list[Any], report: Any) -> None:
    """Clusters (and provenance, if any) as JSON Lines, to nowhere: the cost of formatting them."""
    with open(os.devnull, "w", encoding="utf-8") as sink:
        write_clusters(ClusterResult(clusters, documents, {}), sink, "jsonl")
        if report is not None:
            write_provenance(ProvenanceResult(report, documents, {}), sink, "jsonl")


def _per_document_stages(dump: Path, step: Steps, provenance: bool, keep: DocumentStore | None,
                         params: Params) -> Iterator[SignedBatch]:
    """Read, normalise, segment and sign batch by batch (their times add up), keeping
    what the pipeline keeps of each batch (:func:`dedup.index_batch`); with
    ``provenance``, take anchors and vocabulary too. ``keep`` gets the documents."""
    documents = iter(read_documents([dump]))
    while True:
        with step("read"):
            batch = list(islice(documents, params.batch_size))
            if keep is not None:
                keep.add(batch)
        if not batch:
            return
        with step("normalise"):
            tokens = _tokens(batch)
        with step("segment"):
            passages = _segment(batch, tokens, params)
        with step("sign"):
            signatures = sign_batch(tokens, passages, params.scheme)
        anchors = vocabulary = None
        if provenance:
            with step("align/anchors"):  # the pipeline takes them while it holds the tokens
                anchors = document_anchors(tokens, params.ngram)
                vocabulary = token_document_frequency(tokens)
        with step("sign"):
            yield index_batch(SignedBatch(doc_ids=tuple(d.id for d in batch), passages=passages,
                                          signatures=signatures, anchors=anchors, vocabulary=vocabulary))


def _timed_stages(dump: Path, step: Steps, provenance: bool, params: Params) -> tuple[DocumentStore, dict[str, Any]]:
    keep = DocumentStore()
    signed = list(_per_document_stages(dump, step, provenance, keep, params))
    with step("index"):
        # Without provenance, batches are dropped as they are gathered, as the pipeline drops them.
        index = build_index(iter(signed) if provenance else _draining(signed), params)
    with step("cluster"):
        clusters = cluster_index(index, params)
    figures = {"articles": len(keep), "text_mb": sum(len(keep[i].text.encode()) for i in keep) / 1e6,
               "passages": len(index.doc), "candidates": len(index.candidates), "clusters": len(clusters)}
    report = None
    if provenance:
        with step("align/pairs"):
            pairs = document_pairs(index, signed, params)
            common = common_words(signed, params)
        del signed
        with step("align/rapidfuzz"):
            alignments = align_all(keep, pairs, common, params)
        with step("report/provenance"):
            report = build_provenance(keep, alignments, boilerplate_documents=params.boilerplate_documents,
                                      near_duplicate_coverage=params.near_duplicate_coverage)
        figures.update(document_pairs=len(pairs), alignments=len(alignments))
    with step("report/write"):
        write_reports(keep, clusters, report)
    return keep, figures


def _draining(items: list[SignedBatch]) -> Iterator[SignedBatch]:
    items.reverse()
    while items:
        yield items.pop()


def stage_chain(dump: Path, provenance: bool, check: bool, params: Params = Params()) -> dict[str, Any]:
    """dedup's stages over ``dump`` in the pipeline's order: reading keeps every document,
    the per-document stages go batch by batch, the global ones see everything at once.
    With ``check``, then (untimed) the pipeline itself, to compare what both found."""
    step = Steps()
    documents, figures = _timed_stages(dump, step, provenance, params)  # frees the run's arrays on return
    found = {**figures, "stage_parts": step.as_list()}
    if check:
        found["pipeline_check"] = pipeline_check(list(documents.values()), figures, provenance, params)
    return found


def pipeline_check(documents: list[Document], figures: Mapping[str, Any], provenance: bool,
                   params: Params = Params()) -> dict[str, Any]:
    """Whether the stage chain still finds what ``dedup.find_*`` finds: it re-states the
    pipeline's order from public stages, and the pipeline keeps changing."""
    run = find_provenance if provenance else find_clusters
    stats = run(documents, params).stats
    shared = [k for k in figures if k in stats]
    return {"matches": all(stats[k] == figures[k] for k in shared), "pipeline": {k: stats[k] for k in shared}}


# --------------------------------------------------------------------------
# Inside a child: signatures only, on one core


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


# --------------------------------------------------------------------------
# Orchestration, one size at a time


@dataclass
class Settings:
    out: Path
    data: Path
    skip_peers: bool
    provenance_limit: int
    peer_budget_s: float
    sign_limit: int
    measured: dict[str, tuple[int, Run]] = field(default_factory=dict)  # peer -> largest measured size


def ensure_dump(n: int, data: Path) -> Path:
    path = data / f"dump-{n}.jsonl.gz"
    if not path.exists():
        _progress(f"making {path}")
        subprocess.run([sys.executable, "-m", "benchmarks.make_dump", "--articles", str(n), "--seed", str(SEED),
                        "--out", str(path)], check=True)
    return path


def _progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def stage_rows(n: int, dump: Path, cfg: Settings, check: bool) -> tuple[list[Row], dict[str, Any]]:
    extra = (["--provenance"] if n <= cfg.provenance_limit else []) + (["--check"] if check else [])
    cmd = _child("stages", dump, *extra)
    _progress(f"{n}: dedup stages")
    run = run_process(cmd)
    found = _last_json(run.stdout)
    stages: dict[str, tuple[float, float]] = {}
    for part in found["stage_parts"]:  # "align/pairs" and "align/rapidfuzz" add up to "align"
        seconds, peak = stages.get(part["stage"].split("/")[0], (0.0, 0.0))
        stages[part["stage"].split("/")[0]] = (seconds + part["seconds"], max(peak, part["peak_rss_mib"]))
    rows = [Row(n, "stages", "dedup", stage, seconds, found["articles"], found["text_mb"], peak,
                command=" ".join(cmd), load_1m=run.load_1m)
            for stage, (seconds, peak) in sorted(stages.items(), key=lambda kv: STAGES.index(kv[0]))]
    if check and not found["pipeline_check"]["matches"]:
        _progress(f"warning: the stage chain no longer does what dedup's pipeline does: {found}")
    return rows, found


def dedup_command() -> str:
    """The ``dedup`` script of this interpreter: a version manager's shim on PATH would add its own start-up."""
    beside = Path(sys.executable).with_name("dedup")
    return str(beside) if beside.exists() else shutil.which("dedup") or "dedup"


def cli_rows(n: int, dump: Path, corpus: dict[str, Any], cfg: Settings) -> list[Row]:
    runs = [("cluster --jobs 1", ["cluster", "--jobs", "1"]), ("cluster --jobs 2", ["cluster", "--jobs", "2"])]
    if n <= cfg.provenance_limit:
        runs.append(("provenance", ["provenance"]))
    rows = []
    for stage, args in runs:
        cmd = [dedup_command(), args[0], str(dump), "--format", "jsonl", "-o", os.devnull, "-q", *args[1:]]
        _progress(f"{n}: {' '.join(cmd)}")
        run = run_process(cmd)
        rows.append(Row(n, "end to end", "dedup CLI", stage, run.seconds, corpus["articles"], corpus["text_mb"],
                        run.peak_rss_mib, command=" ".join(cmd), load_1m=run.load_1m))
    return rows


_SIGN_ROWS = {  # system -> (step that makes tokens or shingles, step that signs)
    "dedup": ("dedup tokens", "dedup sign"),
    "datasketch MinHash.bulk": ("datasketch shingles", "datasketch sign"),
    "rensa RMinHash.update": ("rensa shingles", "rensa update sign"),
    "rensa digest_matrix": ("rensa shingles", "rensa bulk sign"),
}


def signature_rows(n: int, dump: Path, corpus: dict[str, Any], cfg: Settings) -> list[Row]:
    cmd = _child("signatures", dump, "--limit", str(cfg.sign_limit))
    _progress(f"{n}: signatures, one core")
    env = {**os.environ, "RAYON_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    run = run_process(cmd, env)
    found = _last_json(run.stdout)
    steps = {s["stage"]: s for s in found["steps"]}
    rows = []
    for system, (prepare, sign) in _SIGN_ROWS.items():
        for stage, parts in (("sign", [sign]), ("text+sign", [prepare, sign])):
            rows.append(Row(n, "signatures", system, stage, sum(steps[p]["seconds"] for p in parts),
                            found["articles"], found["passage_mb"], max(steps[p]["peak_rss_mib"] for p in parts),
                            command=" ".join(cmd), load_1m=run.load_1m))
    corpus.update(signed_articles=found["articles"], signed_passages=found["passages"],
                  signed_passage_mb=found["passage_mb"])
    return rows


def write_peer_scripts(out: Path) -> dict[str, Path]:
    paths = {}
    for name, text in PEER_SCRIPTS.items():
        paths[name] = out / f"peer_{name}.py"
        paths[name].write_text(text, encoding="utf-8")
    return paths


def _peer_run(name: str, n: int, script: Path, cfg: Settings) -> tuple[Run, bool]:
    """Measure the hand-built pipeline, or extrapolate it where it would overrun the budget."""
    known = cfg.measured.get(name)
    if known is None and n > CALIBRATION_SIZE:
        _progress(f"{n}: {name} by hand, calibrating at {CALIBRATION_SIZE}")
        cfg.measured[name] = (CALIBRATION_SIZE, _run_peer(script, ensure_dump(CALIBRATION_SIZE, cfg.data)))
        known = cfg.measured[name]
    if known is not None and known[1].seconds * n / known[0] > cfg.peer_budget_s:
        size, run = known
        return Run(run.seconds * n / size, run.peak_rss_mib * n / size, ""), True
    _progress(f"{n}: {name} by hand")
    run = _run_peer(script, ensure_dump(n, cfg.data))
    cfg.measured[name] = (n, run)
    return run, False


def _run_peer(script: Path, dump: Path) -> Run:
    return run_process([sys.executable, str(script), str(dump), os.devnull])


def peer_rows(n: int, dump: Path, corpus: dict[str, Any], cfg: Settings) -> list[Row]:
    rows = []
    for name, script in write_peer_scripts(cfg.out).items():
        row = Row(n, "end to end", f"{name} by hand", "cluster", float("nan"), corpus["articles"], corpus["text_mb"],
                  None, command=f"{sys.executable} {script} {dump} {os.devnull}")
        try:
            run, extrapolated = _peer_run(name, n, script, cfg)
        except RuntimeError as exc:  # a hand-built pipeline may run out of memory at scale
            _progress(f"{n}: {name} by hand failed: {exc}")
            rows.append(replace(row, note=f"failed: {str(exc).splitlines()[0]}"))
            continue
        if run.stdout:
            corpus.setdefault("peers", {})[name] = _last_json(run.stdout)
        rows.append(replace(row, seconds=run.seconds, peak_rss_mib=run.peak_rss_mib, extrapolated=extrapolated,
                            load_1m=run.load_1m,
                            note="extrapolated linearly from a smaller size" if extrapolated else None))
    return rows


def with_ratios(rows: list[Row]) -> list[Row]:
    """Seconds over dedup's for the same work and size: signing vs ``sign_batch``, end to end vs ``--jobs 1``."""
    reference = {(r.size, r.stage): r.seconds for r in rows if r.group == "signatures" and r.system == "dedup"}
    reference.update({(r.size, "end to end"): r.seconds for r in rows
                      if r.system == "dedup CLI" and r.stage == "cluster --jobs 1"})
    out = []
    for r in rows:
        key = (r.size, r.stage if r.group == "signatures" else "end to end")
        base = reference.get(key) if r.group != "stages" else None
        out.append(replace(r, ratio=r.seconds / base if base else None))
    return out


def dedup_fingerprint() -> str:
    """Hash of dedup's source: another change to it mid-run makes figures incomparable."""
    digest = hashlib.sha256()
    root = Path(dedup.__file__).parent
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def bench_size(n: int, cfg: Settings, check: bool) -> tuple[list[Row], dict[str, Any]]:
    """Every measurement of one size; ``check`` compares the stage chain with the pipeline."""
    dump = ensure_dump(n, cfg.data)
    source = dedup_fingerprint()
    rows, corpus = stage_rows(n, dump, cfg, check)
    corpus["dump"] = str(dump)
    rows += cli_rows(n, dump, corpus, cfg)
    if not cfg.skip_peers:
        rows += signature_rows(n, dump, corpus, cfg)
        rows += peer_rows(n, dump, corpus, cfg)
    corpus["dedup_source"] = {"before": source, "after": dedup_fingerprint()}
    if source != corpus["dedup_source"]["after"]:
        _progress(f"warning: dedup's source changed while size {n} was measured; its rows mix two versions")
    return rows, corpus


# --------------------------------------------------------------------------
# Output: table, JSON, plot


def _cell(value: float | None, fmt: str) -> str:
    return "" if value is None or math.isnan(value) else format(value, fmt)


def table(rows: Sequence[Row]) -> str:
    head = (f"{'size':>8}  {'system':<24}{'stage':<20}{'seconds':>9}{'articles/s':>12}{'MB/s':>9}"
            f"{'peak RSS MiB':>13}{'ratio vs dedup':>16}")
    lines = [head, "-" * len(head)]
    previous: tuple[int, str] | None = None
    for r in rows:
        if previous is not None and previous != (r.size, r.group):
            lines.append("")
        previous = (r.size, r.group)
        stage = r.stage + (" (extrap.)" if r.extrapolated else " (failed)" if r.note and not r.extrapolated else "")
        seconds = ("~" if r.extrapolated else "") + _cell(r.seconds, ".2f")
        lines.append(f"{r.size:>8}  {r.system:<24}{stage:<20}{seconds:>9}{_cell(r.articles_per_s, ',.0f'):>12}"
                     f"{_cell(r.mb_per_s, '.2f'):>9}{_cell(r.peak_rss_mib, ',.0f'):>13}{_cell(r.ratio, '.2f'):>16}")
    return "\n".join(lines)


LEGEND = (
    "MB: 10^6 bytes of UTF-8 text, of the dump (signature rows: of all passages signed). Ratio vs dedup: seconds\n"
    "over dedup's seconds for the same work (signatures: vs dedup's row of the same stage; end to end: vs\n"
    "dedup cluster --jobs 1); above 1, dedup is faster. Stage peaks include what earlier stages hold."
)


def stage_shares(rows: Sequence[Row]) -> dict[int, dict[str, float]]:
    """Each dedup stage's share of the stages' total seconds, per size."""
    shares: dict[int, dict[str, float]] = {}
    for size in sorted({r.size for r in rows}):
        stages = [r for r in rows if r.size == size and r.group == "stages"]
        total = sum(r.seconds for r in stages)
        shares[size] = {r.stage: round(r.seconds / total, 4) for r in stages} if total else {}
    return shares


def _title(machine: Mapping[str, Any]) -> str:
    version = machine["dedup_commit"][:12] if machine["dedup_commit"] else f"source {machine['dedup_source']}"
    return (f"dedup {machine['dedup']} ({version}) · {machine['cpu']} · "
            f"{machine['usable_cores']} cores · {machine['memory_gib']} GiB · Python {machine['python']} · "
            f"numpy {machine['numpy']}")


@dataclass(frozen=True)
class Panel:
    """Which rows one plot panel draws and how: one line per ``label``."""

    title: str
    groups: tuple[str, ...]
    label: Callable[[Row], str]
    value: Callable[[Row], float | None]
    ylabel: str
    dashed: Callable[[Row], bool] = lambda r: False
    color_key: Callable[[Row], str] | None = None  # default: the label


def _finite(value: float | None) -> bool:
    return value is not None and not math.isnan(value) and value > 0


def _draw(ax: Any, rows: Sequence[Row], panel: Panel, colors: Sequence[Any]) -> None:
    from matplotlib.ticker import FuncFormatter, NullFormatter

    series: dict[str, list[Row]] = {}
    for r in sorted(rows, key=lambda r: r.size):
        if r.group in panel.groups and _finite(panel.value(r)):
            series.setdefault(panel.label(r), []).append(r)
    color_of: dict[tuple[bool, str], Any] = {}  # solid and dashed lines take colours apart
    for name, points in series.items():
        dashed = panel.dashed(points[0])
        key = (dashed, panel.color_key(points[0]) if panel.color_key else name)
        color = color_of.setdefault(key, colors[sum(k[0] == dashed for k in color_of) % len(colors)])
        guessed = any(r.extrapolated for r in points)
        line, = ax.plot([r.size for r in points], [panel.value(r) for r in points], marker="o", color=color,
                        linestyle="--" if dashed else "-", label=name + (" (hollow: extrapolated)" if guessed else ""))
        hollow = [(r.size, panel.value(r)) for r in points if r.extrapolated]
        if hollow:
            ax.plot(*zip(*hollow), linestyle="none", marker="o", markersize=9, markerfacecolor="white",
                    color=line.get_color())
    sizes = sorted({r.size for r in rows})
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(sizes)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_formatter(FuncFormatter(lambda v, _: f"{v:g}" if f"{v:.0e}"[0] in "25" else ""))
    ax.set_xlabel("articles in the dump")
    ax.set_ylabel(panel.ylabel)
    ax.set_title(panel.title, fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, loc="best")


def _seconds(r: Row) -> float | None:
    return r.seconds


def _named(r: Row) -> str:
    return f"{r.system}: {r.stage}"


def _panels() -> list[Panel]:
    return [
        Panel("dedup stages, one process (time per stage)", ("stages",), lambda r: r.stage, _seconds, "seconds"),
        Panel("end to end, process start included", ("end to end",), _named, _seconds, "seconds"),
        Panel("signatures of dedup's passages, one core (dashed: from text)", ("signatures",), _named, _seconds,
              "seconds", lambda r: r.stage != "sign", lambda r: r.system),
        Panel("peak RSS (dashed: dedup stages, each including what earlier stages hold)", ("end to end", "stages"),
              lambda r: f"dedup stage: {r.stage}" if r.group == "stages" else _named(r), lambda r: r.peak_rss_mib,
              "peak RSS (MiB)", lambda r: r.group == "stages"),
    ]


def plot(rows: Sequence[Row], machine: Mapping[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    colors = plt.get_cmap("tab10").colors
    fig, axes = plt.subplots(2, 2, figsize=(15, 11))
    for ax, panel in zip(axes.flat, _panels()):
        _draw(ax, rows, panel, colors)
    fig.suptitle(_title(machine), fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_json(path: Path, rows: Sequence[Row], corpora: Mapping[int, Any], machine: Mapping[str, Any],
               cfg: Settings, argv: Sequence[str]) -> None:
    payload = {
        "command": "python -m benchmarks.speed " + " ".join(argv),
        "machine": machine,
        "params": asdict(Params()),
        "settings": {"dump_seed": SEED, "provenance_limit": cfg.provenance_limit, "peer_budget_s": cfg.peer_budget_s,
                     "sign_limit": cfg.sign_limit, "rensa_seed": RENSA_SEED, "rensa_bands": RENSA_BANDS,
                     "skip_peers": cfg.skip_peers},
        "corpus": {str(k): v for k, v in corpora.items()},
        "stage_shares": {str(k): v for k, v in stage_shares(rows).items()},
        "rows": [{**asdict(r), "articles_per_s": r.articles_per_s, "mb_per_s": r.mb_per_s} for r in rows],
    }
    path.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------
# Command line


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES), help="articles per dump")
    parser.add_argument("--skip-peers", action="store_true", help="dedup only: no datasketch or rensa")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/out"), help="speed.json, speed.png, peer scripts")
    parser.add_argument("--data", type=Path, default=Path("benchmarks/data"), help="where dumps are kept")
    parser.add_argument("--provenance-limit", type=int, default=100_000,
                        help="largest size for which provenance (align, report) runs")
    parser.add_argument("--peer-budget", type=float, default=1200.0,
                        help="seconds; a slower hand-built pipeline is extrapolated from a smaller size instead")
    parser.add_argument("--sign-limit", type=int, default=100_000,
                        help="articles whose passages the signing comparison uses (the first ones)")
    parser.add_argument("--child", choices=("stages", "signatures"), help=argparse.SUPPRESS)
    parser.add_argument("--limit", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--dump", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--provenance", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--check", action="store_true", help=argparse.SUPPRESS)
    return parser


def _run_child(args: argparse.Namespace) -> int:
    if args.child == "signatures":
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
        print(json.dumps(signature_peers(args.dump, args.limit)))
    else:
        print(json.dumps(stage_chain(args.dump, args.provenance, args.check)))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(argv)
    if args.child:
        return _run_child(args)
    args.out.mkdir(parents=True, exist_ok=True)
    cfg = Settings(args.out, args.data, args.skip_peers, args.provenance_limit, args.peer_budget, args.sign_limit)
    machine = machine_info()
    rows: list[Row] = []
    corpora: dict[int, Any] = {}
    for i, n in enumerate(sorted(set(args.sizes))):
        found, corpora[n] = bench_size(n, cfg, check=i == 0)  # the smallest size is check enough
        rows.extend(found)
    rows = with_ratios(rows)
    print(_title(machine))
    print(table(rows))
    print(LEGEND)
    loads = [r.load_1m for r in rows if r.load_1m is not None]
    if loads:
        print(f"load average as measurements started: {min(loads):.2f} to {max(loads):.2f} on "
              f"{machine['usable_cores']} cores (above ~1, other work shared the machine)")
    for size, shares in stage_shares(rows).items():
        top = sorted(shares.items(), key=lambda kv: -kv[1])[:3]
        parts = [p for p in corpora[size]["stage_parts"] if "/" in p["stage"]]
        print(f"{size}: dedup stages, largest shares: " + ", ".join(f"{s} {v:.0%}" for s, v in top)
              + "; parts: " + ", ".join(f"{p['stage']} {p['seconds']:.2f}s" for p in parts))
    write_json(args.out / "speed.json", rows, corpora, machine, cfg, argv)
    plot(rows, machine, args.out / "speed.png")
    print(f"wrote {args.out / 'speed.json'} and {args.out / 'speed.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
