"""The archive's speed, size and agreement with the batch run, beside datasketch's
MinHashLSH on Redis storage, in one run on this machine (2 cores):

    python -m benchmarks.archive --dump benchmarks/data/dump-100000.jsonl.gz \\
        --archive 30000 --batches 10 --day 1000 --queries 200 --out benchmarks/out
    python -m benchmarks.archive --dump benchmarks/data/dump-1000000.jsonl.gz \\
        --archive 300000 --build-batch 100000 --day 10000 --no-compare --out benchmarks/out

1. builds an archive of the dump's first ``--archive`` articles in ``--batches``
   date-ordered adds, or in adds of ``--build-batch`` articles (each timed,
   merges of runs included: how an add grows with the archive); or, with
   ``--reuse-archive``, copies one built before (``--save-archive`` keeps one);
2. adds the next ``--day`` articles (the measured day), step by step (its
   time is the whole ``Archive.add``, commit included); then (unless
   ``--no-compact``) compacts the archive, as a user would between days (timed
   apart: ``Archive.compact``, which merges each kind's runs of postings into one);
3. (unless ``--queries 0``) queries ``--queries`` articles of the following day one at a time (the
   library, no process start): p50 and p95 latency of the whole query, and,
   timed as the peer is (the article signed before the clock), of its LSH
   lookup alone (band keys to archived candidates) and of all its lookups
   (band keys and anchors); each article right before the peer queries it
   (step 5), so that both meet the same load;
4. (unless ``--no-compare``) runs ``dedup provenance`` on the same articles
   in-process and compares: the archive's ``report`` must give the same bytes
   (JSON); the day's ``add`` report is compared span by span with the batch
   run's report of the day's articles (where the add's neighbourhood view differs);
5. starts Debian's ``redis-server`` on 127.0.0.1 and indexes the passages of
   the day's first ``--peer-articles`` articles (as dedup cuts them, 5-word
   shingles, 128 permutations; its rate per article does not depend on how
   many) into
   datasketch ``MinHashLSH`` with Redis storage through an insertion
   session (its fast path; signatures computed before the clock starts),
   then queries the passages of the queried articles.

Prints a table (with the load average of the machine while it ran: the
ratios are within the run), writes ``archive.json`` and ``archive.png``.
Insert rates are given three ways, since the peer's is LSH indexing of
signatures made before its clock: dedup's ``store`` step (indexing the signed
day: its postings, signatures and rows, commit included; the like of the
peer's), signing and storing, and the whole add (alignment and provenance
included).
Nothing is extrapolated: each figure is measured at the sizes given.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import resource
import shutil
import socket
import subprocess
import tempfile
import time
from itertools import islice
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

import dedup
from dedup import Archive, Document, Params
from dedup.corpus import index_batch, sign_documents
from dedup.report import write_provenance


def _documents(path: Path, skip: int, count: int) -> list[Document]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        rows = [json.loads(line) for line in islice(handle, skip, skip + count)]
    return [Document(r["id"], r["text"], date=r.get("date"), source=r.get("source"), title=r.get("title"))
            for r in rows]


class _Steps:
    """Seconds spent in each step an add tells its progress by."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.step, self.since = None, time.perf_counter()

    def __call__(self, step: str, done: int, total: int | None) -> None:
        if step != self.step:
            self.stop()
            self.step = step

    def stop(self) -> None:
        now = time.perf_counter()
        if self.step is not None:
            self.seconds[self.step] = self.seconds.get(self.step, 0.0) + now - self.since
        self.since = now


class _LoadWatch:
    """The machine's 1-minute load average, sampled every 10 s while the benchmark runs."""

    def __init__(self) -> None:
        import threading

        self.samples = [os.getloadavg()[0]]
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._done.wait(10):
            self.samples.append(os.getloadavg()[0])

    def stop(self) -> tuple[float, float]:
        self._done.set()
        self.samples.append(os.getloadavg()[0])
        return min(self.samples), max(self.samples)


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              cwd=Path(__file__).parent, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build(path: Path, docs: Sequence[Document], size: int, jobs: int) -> list[dict[str, Any]]:
    rows = []
    with Archive(path, create=True) as archive:
        for lo in range(0, len(docs), size):
            batch = docs[lo : lo + size]
            steps = _Steps()
            started = time.perf_counter()
            archive.add(batch, jobs=jobs, progress=steps)
            steps.stop()
            rows.append({"archive": lo, "articles": len(batch), "seconds": time.perf_counter() - started,
                         "steps": steps.seconds, "runs": _runs(archive), "load": os.getloadavg()[0]})
            print(f"  add {len(batch):,} to {lo:,}: {rows[-1]['seconds']:.1f} s "
                  f"({', '.join(f'{k} {v:.1f}' for k, v in steps.seconds.items())}; runs {rows[-1]['runs']})",
                  flush=True)
    return rows


def _runs(archive: Archive) -> list[int]:
    """Postings per run, band keys then anchors (the LSM layout's state)."""
    return [n for (n,) in archive._db.execute("SELECT postings FROM runs ORDER BY kind, id")]


def compact(path: Path) -> dict[str, Any]:
    """Time ``Archive.compact`` (commit included)."""
    started = time.perf_counter()
    with Archive(path) as archive:
        before, after = archive.compact()
        runs = _runs(archive)
    return {"seconds": time.perf_counter() - started, "runs_before": before, "runs_after": after, "runs": runs}


def add_day(path: Path, day: Sequence[Document], jobs: int) -> tuple[dict[str, Any], dedup.ArchiveResult]:
    steps = _Steps()
    started = time.perf_counter()
    with Archive(path) as archive:
        result = archive.add(day, jobs=jobs, progress=steps)
        steps.stop()
        seconds = time.perf_counter() - started  # the commit is inside add
        runs = _runs(archive)
    return {"seconds": seconds, "steps": steps.seconds, "runs": runs, **result.provenance.stats}, result


class ArchiveQueries:
    """Times queries of an archive one article at a time: the whole ``Archive.query``
    (lookups, alignment, provenance), and, as the peer is timed, its lookups alone
    with the article signed before the clock: the LSH band keys of its passages
    (``lsh``: the archived carriers, i.e. candidates), and band keys and anchors
    (``lookups``). Called between the peer's queries, so that both meet the same
    load on this shared machine. The lookups go through a connection of their own:
    through the query's, they would find the blocks the query just read in its cache."""

    def __init__(self, path: Path, first: Document) -> None:
        self.archive, self.looking = Archive(path), Archive(path)
        self.options = self.archive.params.sign_options(anchors=True)
        self.seconds: dict[str, list[float]] = {"query": [], "lsh": [], "lookups": []}
        for archive in (self.archive, self.looking):
            archive.query([first])  # the first query pays for imports and page cache

    def __call__(self, doc: Document) -> None:
        from dedup.archive.lookup import anchor_carriers, lsh_carriers, new_anchors

        started = time.perf_counter()
        self.archive.query([doc])
        self.seconds["query"].append(time.perf_counter() - started)
        signed = index_batch(sign_documents([doc], self.options))
        hashes = new_anchors([signed])[1]
        db, params = self.looking._db, self.looking.params
        db.execute("BEGIN")
        started = time.perf_counter()
        lsh_carriers(db, [signed], params)
        self.seconds["lsh"].append(time.perf_counter() - started)
        anchor_carriers(db, hashes, params)
        self.seconds["lookups"].append(time.perf_counter() - started)
        db.execute("COMMIT")

    def close(self) -> None:
        self.archive.close()
        self.looking.close()


def compare_with_batch(path: Path, docs: Sequence[Document], day_result: dedup.ArchiveResult,
                       jobs: int) -> dict[str, Any]:
    started = time.perf_counter()
    batch = dedup.find_provenance(docs, jobs=jobs, ingest=dedup.IngestReport(documents=len(docs)))
    batch_seconds = time.perf_counter() - started
    started = time.perf_counter()
    with Archive(path) as archive:
        report = archive.report(jobs=jobs)
    report_seconds = time.perf_counter() - started
    same_bytes = _json(report) == _json(batch)
    final = {d.id: d for d in batch.report.documents}
    same = covered = total = 0
    for doc in day_result.provenance.report.documents:
        found = {(s.start, s.end, s.role, s.origin, s.boilerplate) for s in doc.spans}
        for span in final[doc.id].spans:
            total += 1
            same += (span.start, span.end, span.role, span.origin, span.boilerplate) in found
            covered += any(s.start < span.end and span.start < s.end for s in doc.spans)
    return {"batch_seconds": batch_seconds, "report_seconds": report_seconds, "report_equals_batch": same_bytes,
            "day_spans": total, "day_spans_identical": same, "day_spans_overlapped": covered}


def _json(result) -> str:
    out = io.StringIO()
    write_provenance(result, out, "json")
    return out.getvalue()


# -- the peer


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _passage_bags(docs: Sequence[Document], params: Params) -> list[list[list[bytes]]]:
    """Each article's passages (as dedup cuts them) as bags of 5-word shingles."""
    signed = sign_documents(docs, params.sign_options())
    p = signed.passages
    bags: list[list[list[bytes]]] = [[] for _ in docs]
    for d, s, e in zip(p.doc.tolist(), p.start.tolist(), p.end.tolist()):
        words = docs[d].text[s:e].lower().split()
        bags[d].append(sorted({" ".join(words[i : i + 5]).encode() for i in range(max(1, len(words) - 4))}))
    return bags


def datasketch_redis(day: Sequence[Document], queried: Sequence[Document], params: Params,
                     before_each: Callable[[Document], None] = lambda doc: None) -> dict[str, Any]:
    """The peer indexing the passages of ``day`` and querying those of ``queried``, one article at a time
    (``before_each(article)`` is called before each is queried)."""
    from datasketch import MinHash, MinHashLSH

    server = shutil.which("redis-server")
    if server is None:
        raise SystemExit("redis-server is not installed: apt-get install redis-server")
    port = _free_port()
    folder = tempfile.mkdtemp(prefix="dedup-redis-")
    redis = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                              "--dir", folder], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        import redis as redis_client

        client = redis_client.Redis(host="127.0.0.1", port=port)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis_client.ConnectionError:
                time.sleep(0.05)
        bags = _passage_bags(day, params)
        flat = [bag for article in bags for bag in article]
        hashes = MinHash.bulk(flat, num_perm=params.num_perm, seed=params.seed)
        lsh = MinHashLSH(threshold=params.threshold, num_perm=params.num_perm,
                         storage_config={"type": "redis", "basename": b"bench",
                                         "redis": {"host": "127.0.0.1", "port": port}})
        started = time.perf_counter()
        with lsh.insertion_session(buffer_size=50_000) as session:
            for k, m in enumerate(hashes):
                session.insert(k, m, check_duplication=False)
        insert_seconds = time.perf_counter() - started
        query_bags = _passage_bags(queried, params)
        per_article = []
        for doc, article in zip(queried, query_bags):
            signatures = MinHash.bulk(article, num_perm=params.num_perm, seed=params.seed) if article else []
            before_each(doc)
            started = time.perf_counter()
            for m in signatures:
                lsh.query(m)
            per_article.append(time.perf_counter() - started)
        memory = client.info("memory")["used_memory"]
        return {"passages": len(hashes), "insert_seconds": insert_seconds,
                "articles_per_s": len(day) / insert_seconds, "passages_per_s": len(hashes) / insert_seconds,
                "query_p50": float(np.percentile(per_article, 50)), "query_p95": float(np.percentile(per_article, 95)),
                "redis_bytes": memory}
    finally:
        redis.terminate()
        redis.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)


# -- output


def plot(figures: dict[str, Any], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    rows, day = figures["build"], figures["day"]
    if rows:
        left.plot([r["archive"] / 1000 for r in rows], [1000 * r["seconds"] / r["articles"] for r in rows], "o-",
                  label=f"build: adds of {rows[0]['articles']:,} (merges of runs included)")
        left.plot([figures["archive_articles"] / 1000], [1000 * day["seconds"] / day["documents"]], "s", markersize=9,
                  label=f"the measured day: {day['documents']:,} articles, {day['seconds']:.0f} s")
        left.set_xlabel("archive size before the add (thousand articles)")
        left.set_ylabel("seconds per 1,000 articles added")
        left.set_title("add: cost per article as the archive grows")
        left.set_ylim(bottom=0)
        left.legend()
    else:  # a reused archive was built (and timed) elsewhere: the day's steps
        steps = list(day["steps"].items())
        if figures.get("compact"):
            steps.append(("compact\n(after the day)", figures["compact"]["seconds"]))
        left.barh([k for k, _ in steps][::-1], [v for _, v in steps][::-1])
        left.set_xlabel("seconds")
        left.set_title(f"add {day['documents']:,} articles to {figures['archive_articles']:,}: "
                       f"{day['seconds']:.1f} s by step", fontsize=9)
    peer = figures["datasketch_redis"]
    names = ["dedup\nLSH lookup", "dedup\nall lookups", "dedup query\n(aligned)", "datasketch\n+Redis"]
    p50 = [figures[f"{k}_p50"] * 1000 for k in ("lsh_query", "lookups_query", "query")] + [peer["query_p50"] * 1000]
    p95 = [figures[f"{k}_p95"] * 1000 for k in ("lsh_query", "lookups_query", "query")] + [peer["query_p95"] * 1000]
    at = np.arange(len(names))
    right.bar(at - 0.2, p50, 0.4, label="p50")
    right.bar(at + 0.2, p95, 0.4, label="p95")
    right.set_xticks(at, names)
    right.set_ylabel("milliseconds per article")
    right.set_title(f"query one article: against {figures['archive_articles']:,} articles (dedup), "
                    f"{peer['articles']:,} (peer)", fontsize=9)
    fig.suptitle(f"{figures['date']} · commit {figures['commit']} · load average {figures['load_min']:.1f}-"
                 f"{figures['load_max']:.1f} on 2 cores", fontsize=9)
    right.legend()
    fig.tight_layout()
    fig.savefig(out, dpi=110)


def table(figures: dict[str, Any]) -> str:
    """The figures as a table; ``speed-up`` is how many times faster dedup is than the peer (higher is better)."""
    day = figures["day"]
    n, steps = figures["archive_articles"], day["steps"]
    store = steps.get("store", float("nan"))
    head = [
        f"archive of {n:,} articles, day of {day['documents']:,} (2 cores, --jobs {figures['jobs']})",
        f"{'measure':<68}{'dedup':>12}{'datasketch':>14}{'speed-up':>11}",
        "-" * 105,
        f"{'add the day: seconds (sign, pairs, align, provenance, store)':<68}{day['seconds']:>12.1f}",
        f"{'  of which: ' + ', '.join(f'{k} {v:.1f}' for k, v in steps.items()):<68}",
        f"{'postings runs after the day (band keys + anchors)':<68}{len(day['runs']):>12}",
    ]
    done = figures.get("compact")
    if done:
        head.append(f"{'compact after the day (between days): seconds, runs after':<68}{done['seconds']:>12.1f}"
                    f"{done['runs_after']:>14}")
    tail = [f"{'peak RSS of this process, MiB':<68}{figures['peak_mib']:>12,.0f}",
            f"{'load average (1 min) during the run, min-max':<68}{figures['load_min']:>7.1f}-{figures['load_max']:.1f}"]
    if "datasketch_redis" not in figures:  # no queries: the day's add alone
        return "\n".join(head + [f"{'size, KB per article (the file)':<68}{figures['kb_per_article']:>12.1f}"] + tail)
    peer = figures["datasketch_redis"]

    def rate(label: str, seconds: float) -> str:
        mine = day["documents"] / seconds
        return f"{label:<68}{mine:>12,.0f}{peer['articles_per_s']:>14,.0f}{mine / peer['articles_per_s']:>10.1f}x"

    def latency(label: str, name: str) -> list[str]:
        p50, p95 = figures[f"{name}_p50"], figures[f"{name}_p95"]
        return [f"{label + ', p50':<68}{p50 * 1000:>12.1f}{peer['query_p50'] * 1000:>14.1f}{peer['query_p50'] / p50:>10.1f}x",
                f"{label + ', p95':<68}{p95 * 1000:>12.1f}{peer['query_p95'] * 1000:>14.1f}{peer['query_p95'] / p95:>10.1f}x"]

    lines = head + [
        rate("insert, articles/s: index the signed day (store step, commit)", store),
        rate("insert, articles/s: sign + index (sign and store steps)", steps.get("sign", 0.0) + store),
        rate("insert, articles/s: the whole add (alignment, provenance included)", day["seconds"]),
        *latency("query, ms/article: LSH lookup (band keys -> candidates)", "lsh_query"),
        *latency("query, ms/article: all lookups (band keys and anchors)", "lookups_query"),
        *latency("query, ms/article: whole query (lookups, alignment, provenance)", "query"),
        f"{'size, KB per article (dedup: file; Redis: used_memory)':<68}{figures['kb_per_article']:>12.1f}"
        f"{peer['redis_bytes'] / 1000 / peer['articles']:>14.1f}",
        *tail,
        "datasketch: MinHashLSH on Redis, the passages of the day's first "
        f"{peer['articles']:,} articles ({peer['passages']:,}), signatures made before the clock; "
        "queried with the queried articles' passages",
    ]
    compare = figures.get("compare")
    if compare:
        lines[-3:-3] = [
            f"{'batch run of the same articles, seconds':<68}{compare['batch_seconds']:>12.1f}",
            f"{'archive report, seconds':<68}{compare['report_seconds']:>12.1f}",
            f"{'archive report == batch run (JSON bytes)':<68}{str(compare['report_equals_batch']):>12}",
            f"{'day spans (batch run): identical in add / overlapped':<68}"
            f"{compare['day_spans_identical']:>7,}/{compare['day_spans']:,}{compare['day_spans_overlapped']:>9,}",
        ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.archive", description=__doc__.split("\n\n")[0])
    parser.add_argument("--dump", type=Path, default=Path("benchmarks/data/dump-100000.jsonl.gz"))
    parser.add_argument("--archive", type=int, default=30_000, help="articles in the archive before the day")
    parser.add_argument("--batches", type=int, default=10, help="adds that build the archive")
    parser.add_argument("--build-batch", type=int, default=None,
                        help="articles per add that builds the archive (instead of --batches)")
    parser.add_argument("--no-compare", action="store_true",
                        help="skip the batch run and the archive's report (minutes at 300,000 articles)")
    parser.add_argument("--peer-articles", type=int, default=2_000,
                        help="articles of the day whose passages the peer indexes")
    parser.add_argument("--day", type=int, default=1_000, help="articles of the measured day")
    parser.add_argument("--queries", type=int, default=200,
                        help="articles queried one at a time (0: time the day's add alone, without the peer)")
    parser.add_argument("--no-compact", action="store_true",
                        help="query the runs of postings the day's add left, without compacting them first")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--save-archive", type=Path, default=None,
                        help="keep a copy of the built archive (before the day) for --reuse-archive")
    parser.add_argument("--reuse-archive", type=Path, default=None,
                        help="an archive of the dump's first --archive articles, built before: copied, not rebuilt")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/out"))
    parser.add_argument("--work", type=Path, default=None, help="folder for the archive file [a temporary one]")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    work = Path(args.work or tempfile.mkdtemp(prefix="dedup-archive-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    path = work / "news.db"
    for stale in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        stale.unlink(missing_ok=True)
    # A reused archive needs the base articles only for the comparison with the batch run.
    first = args.archive if args.reuse_archive and args.no_compare else 0
    docs = _documents(args.dump, first, args.archive - first + args.day + args.queries)
    base, day = docs[: args.archive - first], docs[args.archive - first : args.archive - first + args.day]
    queried = docs[args.archive - first + args.day :]
    if len(day) + len(queried) < args.day + args.queries:
        raise SystemExit(f"{args.dump} holds fewer than {args.archive + args.day + args.queries:,} articles")
    size = args.build_batch or -(-args.archive // args.batches)
    if not args.reuse_archive:
        print(f"building an archive of {len(base):,} articles in adds of {size:,}", flush=True)
    figures: dict[str, Any] = {"archive_articles": args.archive, "jobs": args.jobs, "dump": str(args.dump),
                               "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "commit": _commit(),
                               "argv": list(argv) if argv is not None else None}
    loads = _LoadWatch()
    if args.reuse_archive:
        # A copy, so that the day's add (a write) leaves the prebuilt archive as it was.
        shutil.copyfile(args.reuse_archive, path)
        with Archive(path) as archive:
            (held,) = archive._db.execute("SELECT count(*) FROM documents").fetchone()
        if held != args.archive:
            raise SystemExit(f"{args.reuse_archive} holds {held:,} articles, not the dump's first {args.archive:,}")
        print(f"reusing {args.reuse_archive} (not timed here)", flush=True)
        figures["build"], figures["reused"] = [], str(args.reuse_archive)
    else:
        figures["build"] = build(path, base, size, args.jobs)
        if args.save_archive:
            shutil.copyfile(path, args.save_archive)  # closed by build: the log is checkpointed into it
    print(f"adding a day of {len(day):,}", flush=True)
    figures["day"], day_result = add_day(path, day, args.jobs)
    if not args.no_compact:
        print("compacting (as between days)", flush=True)
        figures["compact"] = compact(path)
    figures["kb_per_article"] = os.path.getsize(path) / 1000 / (args.archive + len(day))
    if queried:
        print(f"datasketch MinHashLSH on Redis; then {len(queried):,} articles queried one at a time, "
              "each by dedup and by the peer in turn", flush=True)
        mine = ArchiveQueries(path, queried[0])
        try:
            peer_day = day[: args.peer_articles]
            figures["datasketch_redis"] = {"articles": len(peer_day),
                                           **datasketch_redis(peer_day, queried, Params(), before_each=mine)}
        finally:
            mine.close()
        for name, seconds in mine.seconds.items():
            prefix = "query" if name == "query" else f"{name}_query"
            figures[f"{prefix}_p50"], figures[f"{prefix}_p95"] = (float(np.percentile(seconds, 50)),
                                                                 float(np.percentile(seconds, 95)))
    if not args.no_compare:
        print("comparing with the batch run", flush=True)
        figures["compare"] = compare_with_batch(path, base + day, day_result, args.jobs)
    figures["peak_mib"] = _peak_mib()
    figures["load_min"], figures["load_max"] = loads.stop()
    print(table(figures))
    (args.out / "archive.json").write_text(json.dumps(figures, indent=1, default=str) + "\n", encoding="utf-8")
    if queried:
        plot(figures, args.out / "archive.png")
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
