"""Orchestration: every measurement of one size, each in a fresh process, as rows."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from .measure import Run, _child, _last_json, run_process
from .peers import write_peer_scripts
from dedup import read_documents

from .results import Row, Settings, dedup_fingerprint
from .stages import STEP_ORDER

SEED = 0  # of the dumps
CALIBRATION_SIZE = 10_000  # datasketch is measured here before extrapolating to a larger size



# --------------------------------------------------------------------------
# Orchestration, one size at a time


def ensure_dump(n: int, data: Path, background: str = "relex") -> Path:
    """The generated dump of ``n`` articles; ``background="real"``: real Reuters paragraphs
    recombined, so that every paragraph recurs in many articles (reuse-heavy)."""
    path = data / (f"dump-{n}.jsonl.gz" if background == "relex" else f"{background}-{n}.jsonl.gz")
    if not path.exists():
        _progress(f"making {path}")
        subprocess.run([sys.executable, "-m", "benchmarks.make_dump", "--articles", str(n), "--seed", str(SEED),
                        "--background", background, "--out", str(path)], check=True)
    return path


def _progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def stage_rows(n: int, dump: Path, cfg: Settings) -> tuple[list[Row], dict[str, Any]]:
    extra = ["--provenance"] if n <= cfg.provenance_limit else []
    cmd = _child("stages", dump, *extra)
    _progress(f"{n}: dedup stages")
    run = run_process(cmd)
    found = _last_json(run.stdout)
    rows = [Row(n, "stages", "dedup", part["stage"], part["seconds"], found["articles"], found["text_mb"],
                part["peak_rss_mib"], command=" ".join(cmd), load_1m=run.load_1m)
            for part in sorted(found["stage_parts"], key=lambda p: STEP_ORDER.index(p["stage"]))]
    return rows, found


def dedup_command() -> str:
    """The ``dedup`` script of this interpreter: a version manager's shim on PATH would add its own start-up."""
    beside = Path(sys.executable).with_name("dedup")
    return str(beside) if beside.exists() else shutil.which("dedup") or "dedup"


def cli_rows(n: int, dump: Path, corpus: dict[str, Any], cfg: Settings, group: str = "end to end",
             provenance: bool = True) -> list[Row]:
    runs = [("cluster --jobs 1", ["cluster", "--jobs", "1"]), ("cluster --jobs 2", ["cluster", "--jobs", "2"])]
    if provenance and n <= cfg.provenance_limit:
        runs.append(("provenance", ["provenance"]))
    rows = []
    for stage, args in runs:
        out = cfg.out / "output.jsonl"  # a real file, as a user writes it
        cmd = [dedup_command(), args[0], str(dump), "--format", "jsonl", "-o", str(out), "-q", *args[1:]]
        _progress(f"{n}: {' '.join(cmd)}")
        run = run_process(cmd)
        out.unlink()
        rows.append(Row(n, group, "dedup CLI", stage, run.seconds, corpus["articles"], corpus["text_mb"],
                        run.peak_rss_mib, command=" ".join(cmd), load_1m=run.load_1m,
                        peak_process_mib=run.peak_process_mib))
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
    out = script.with_suffix(".clusters.jsonl")  # a real file, as dedup's rows write theirs
    try:
        return run_process([sys.executable, str(script), str(dump), str(out)])
    finally:
        out.unlink(missing_ok=True)


def peer_rows(n: int, dump: Path, corpus: dict[str, Any], cfg: Settings, group: str = "end to end") -> list[Row]:
    rows = []
    for name, script in write_peer_scripts(cfg.out).items():
        row = Row(n, group, f"{name} by hand", "cluster", float("nan"), corpus["articles"], corpus["text_mb"],
                  None, command=f"{sys.executable} {script} {dump} <file>")
        try:
            run, extrapolated = _peer_run(name, n, script, cfg) if group == "end to end" else (
                _run_peer(script, dump), False)
        except RuntimeError as exc:  # a hand-built pipeline may run out of memory at scale
            _progress(f"{n}: {name} by hand failed: {exc}")
            rows.append(replace(row, note=f"failed: {str(exc).splitlines()[0]}"))
            continue
        if run.stdout:
            corpus.setdefault("peers", {})[name] = _last_json(run.stdout)
        rows.append(replace(row, seconds=run.seconds, peak_rss_mib=run.peak_rss_mib, extrapolated=extrapolated,
                            load_1m=run.load_1m, peak_process_mib=run.peak_process_mib,
                            note="extrapolated linearly from a smaller size" if extrapolated else None))
    return rows


def reuse_heavy_rows(n: int, cfg: Settings) -> tuple[list[Row], dict[str, Any]]:
    """``dedup cluster`` and the hand-built peers on a dump where every paragraph recurs."""
    dump = ensure_dump(n, cfg.data, background="real")
    _progress(f"{n}: reuse-heavy dump {dump}")
    text_mb = sum(len(d.text.encode()) for d in read_documents([dump])) / 1e6
    corpus: dict[str, Any] = {"articles": n, "text_mb": text_mb, "dump": str(dump)}
    rows = cli_rows(n, dump, corpus, cfg, group="reuse-heavy", provenance=False)
    if not cfg.skip_peers:
        rows += peer_rows(n, dump, corpus, cfg, group="reuse-heavy")
    return rows, corpus


def with_ratios(rows: list[Row]) -> list[Row]:
    """Seconds over dedup's for the same work and size: signing vs ``sign_batch``, end to end vs
    ``dedup cluster`` at its default (all cores, here 2)."""
    reference = {(r.size, r.group, r.stage): r.seconds for r in rows if r.group == "signatures" and r.system == "dedup"}
    reference.update({(r.size, r.group, None): r.seconds for r in rows
                      if r.system == "dedup CLI" and r.stage == "cluster --jobs 2"})
    out = []
    for r in rows:
        key = (r.size, r.group, r.stage if r.group == "signatures" else None)
        base = reference.get(key) if r.group != "stages" else None
        out.append(replace(r, ratio=r.seconds / base if base else None))
    return out


def bench_size(n: int, cfg: Settings) -> tuple[list[Row], dict[str, Any]]:
    """Every measurement of one size."""
    dump = ensure_dump(n, cfg.data)
    source = dedup_fingerprint()
    rows, corpus = stage_rows(n, dump, cfg)
    corpus["dump"] = str(dump)
    rows += cli_rows(n, dump, corpus, cfg)
    if not cfg.skip_peers:
        rows += signature_rows(n, dump, corpus, cfg)
        rows += peer_rows(n, dump, corpus, cfg)
    corpus["dedup_source"] = {"before": source, "after": dedup_fingerprint()}
    if source != corpus["dedup_source"]["after"]:
        _progress(f"warning: dedup's source changed while size {n} was measured; its rows mix two versions")
    return rows, corpus
