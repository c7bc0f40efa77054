"""The Spark engine against the in-process run, on the same dump, in the same run (issue 13).

    python -m benchmarks.spark_speed [--sizes 20000 100000] [--master local[2]] [--memory 4g]

For each size (a generated dump, ``benchmarks/data/dump-N.jsonl.gz``, made
unless there), two fresh processes write the provenance report as JSON Lines:

- in-process: ``dedup provenance DUMP --jobs C`` (C: the cores of ``--master``);
- Spark: the library's ``write_provenance`` on a new ``--master`` session (as
  the command does: records built by the executors, streamed into the file),
  the driver (in local mode the one executor too) limited to ``--memory``,
  work Parquet kept in a temporary folder and measured.

Both reports must be the same bytes (the ``same`` column says). For the
Spark run each step's wall time comes from the engine's progress, and its
Spark figures (tasks, executor time, input, shuffle written, spill, Parquet
written) from Spark's REST API, by the job group the engine gives each step.
A ratio is Spark's seconds over in-process seconds. Peak MiB is the largest
summed RSS of a process tree (the JVM and its Python workers for Spark).

Writes a table to stdout, ``spark_speed.json`` and ``spark_speed.png``
(seconds against size, and Spark's seconds by step) to ``--out``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any, Sequence

from .speed.measure import run_process
from .speed.runs import ensure_dump
from .speed.results import machine_info

STEPS = ("read", "sign", "candidates", "verify", "cluster", "pairs", "align", "provenance", "write")


def _cores(master: str) -> int:
    import os

    inside = master[len("local["):-1] if master.startswith("local[") else "1"
    return (os.cpu_count() or 1) if inside == "*" else int(inside.split(",")[0])


def _rest(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.load(response)


def _spark_figures(spark) -> dict[str, dict[str, float]]:
    """Spark's own figures per step, summed over the stages of the step's jobs."""
    base = f"{spark.sparkContext.uiWebUrl}/api/v1/applications/{spark.sparkContext.applicationId}"
    stages = {(s["stageId"], s["attemptId"]): s for s in _rest(f"{base}/stages?status=complete")}
    figures: dict[str, dict[str, float]] = {}
    for job in _rest(f"{base}/jobs"):
        group = (job.get("jobGroup") or "").removeprefix("dedup ")
        step = figures.setdefault(group or "other", {"jobs": 0, "tasks": 0, "executor_s": 0.0, "input_mb": 0.0,
                                                     "shuffle_write_mb": 0.0, "spill_disk_mb": 0.0,
                                                     "output_mb": 0.0})
        step["jobs"] += 1
        for stage_id in job["stageIds"]:
            for (sid, _), stage in stages.items():
                if sid != stage_id:
                    continue
                step["tasks"] += stage["numTasks"]
                step["executor_s"] += stage["executorRunTime"] / 1000
                step["input_mb"] += stage["inputBytes"] / 1e6
                step["shuffle_write_mb"] += stage["shuffleWriteBytes"] / 1e6
                step["spill_disk_mb"] += stage["diskBytesSpilled"] / 1e6
                step["output_mb"] += stage["outputBytes"] / 1e6
    return {k: {f: round(v, 1) for f, v in d.items()} for k, d in figures.items()}


def _child(dump: Path, out: Path, master: str, memory: str) -> int:
    """One Spark run: provenance of ``dump`` to ``out``; prints its figures as JSON."""
    started = time.perf_counter()
    from dedup import Params
    from dedup.engines.spark import SparkOptions, local_session, write_provenance
    from dedup.output import open_output

    spark = local_session(master, app_name="dedup-benchmark", config={
        "spark.driver.memory": memory, "spark.ui.enabled": "true", "spark.ui.port": "4140"})
    session_s = time.perf_counter() - started
    steps: dict[str, float] = {}
    current = ["session", time.perf_counter()]

    def progress(step: str, done: int, total: int | None) -> None:
        if step != current[0]:
            now = time.perf_counter()
            steps[current[0]] = steps.get(current[0], 0.0) + now - current[1]
            current[:] = [step, now]

    work = Path(tempfile.mkdtemp(prefix="dedup-spark-bench-"))
    try:
        # What `dedup provenance --engine spark --format jsonl -o out` does: the executors build
        # the records, which stream to the driver into the file.
        with open_output(out) as stream:
            result = write_provenance(spark, [dump], stream, "jsonl", Params(), progress=progress,
                                      options=SparkOptions(work_dir=str(work), keep_work=True))
        progress("end", 0, None)
        work_mb = {p.name: round(sum(f.stat().st_size for f in p.rglob("*") if f.is_file()) / 1e6, 1)
                   for run in work.iterdir() for p in run.iterdir() if p.is_dir()}
        print(json.dumps({"session_s": round(session_s, 1), "steps_s": {k: round(v, 1) for k, v in steps.items()},
                          "spark": _spark_figures(spark), "work_mb": work_mb, "stats": result.stats}))
    finally:
        shutil.rmtree(work, ignore_errors=True)
        spark.stop()
    return 0


def _bench(n: int, args: argparse.Namespace) -> dict[str, Any]:
    dump = ensure_dump(n, args.data)
    folder = Path(tempfile.mkdtemp(prefix="dedup-spark-bench-out-"))
    try:
        local_out, spark_out = folder / "in-process.jsonl", folder / "spark.jsonl"
        # This interpreter's dedup, not whichever `dedup` is first on PATH (another checkout's).
        local = run_process([sys.executable, "-m", "dedup.cli", "provenance", str(dump), "--jobs",
                             str(_cores(args.master)), "-q", "--format", "jsonl", "-o", str(local_out)])
        spark = run_process([sys.executable, "-m", "benchmarks.spark_speed", "--child", str(dump), str(spark_out),
                             "--master", args.master, "--memory", args.memory])
        figures = json.loads(spark.stdout.strip().splitlines()[-1])
        same = local_out.read_bytes() == spark_out.read_bytes()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {"articles": n, "mb": round(dump.stat().st_size / 1e6, 1), "in_process_s": round(local.seconds, 1),
            "in_process_peak_mib": round(local.peak_rss_mib), "spark_s": round(spark.seconds, 1),
            "spark_peak_mib": round(spark.peak_rss_mib), "ratio": round(spark.seconds / local.seconds, 2),
            "same": same, "load_1m": round(local.load_1m or 0, 1), **figures}


def _table(rows: list[dict[str, Any]], args: argparse.Namespace) -> str:
    lines = [f"provenance, JSON Lines, Spark {args.master} (driver memory {args.memory}) against in-process "
             f"--jobs {_cores(args.master)}",
             "| articles | in-process s | peak MiB | Spark s | peak MiB | ratio | same bytes | load |",
             "| ---: | ---: | ---: | ---: | ---: | ---: | :---: | ---: |"]
    for r in rows:
        lines.append(f"| {r['articles']:,} | {r['in_process_s']} | {r['in_process_peak_mib']:,} | {r['spark_s']} | "
                     f"{r['spark_peak_mib']:,} | {r['ratio']} | {'yes' if r['same'] else 'NO'} | {r['load_1m']} |")
    lines += ["", "Spark by step: wall s (executor s, tasks, shuffle written MB, spilled MB)",
              "| articles | " + " | ".join(STEPS) + " |", "| ---: |" + " ---: |" * len(STEPS)]
    for r in rows:
        cells = []
        for step in STEPS:
            figures = r["spark"].get(step, {})
            cells.append(f"{r['steps_s'].get(step, 0)} ({figures.get('executor_s', 0)}, {figures.get('tasks', 0)}, "
                         f"{figures.get('shuffle_write_mb', 0)}, {figures.get('spill_disk_mb', 0)})")
        lines.append(f"| {r['articles']:,} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _plot(rows: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    sizes = [r["articles"] for r in rows]
    left.plot(sizes, [r["in_process_s"] for r in rows], "o-", label="in-process")
    left.plot(sizes, [r["spark_s"] for r in rows], "s-", label="Spark local")
    left.set(xscale="log", yscale="log", xlabel="articles", ylabel="seconds", title="dedup provenance")
    left.legend()
    bottom = [0.0] * len(rows)
    labels = [f"{n:,}" for n in sizes]
    for step in STEPS:
        heights = [r["steps_s"].get(step, 0) for r in rows]
        right.bar(labels, heights, bottom=bottom, label=step)
        bottom = [b + h for b, h in zip(bottom, heights)]
    right.set(ylabel="seconds", title="Spark by step")
    right.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.spark_speed", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 100_000])
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--memory", default="4g", help="Spark driver memory (the executor, in local mode)")
    parser.add_argument("--data", type=Path, default=Path("benchmarks/data"))
    parser.add_argument("--out", type=Path, default=Path("benchmarks/out"))
    parser.add_argument("--child", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return _child(args.child[0], args.child[1], args.master, args.memory)
    rows = []
    for n in args.sizes:
        rows.append(_bench(n, args))
        print(_table(rows[-1:], args), file=sys.stderr, flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "spark_speed.json").write_text(json.dumps({"machine": machine_info(), "rows": rows}, indent=1))
    _plot(rows, args.out / "spark_speed.png")
    print(_table(rows, args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
