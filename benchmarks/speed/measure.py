"""Measuring a process from outside (wall seconds, peak RSS of its process tree) and,
inside a child, the seconds and peak RSS of each step."""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SAMPLE_SECONDS = 0.05


# --------------------------------------------------------------------------
# Measuring a process


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_rss_mib: float
    stdout: str
    load_1m: float | None = None
    peak_process_mib: float | None = None  # the largest single process of the tree


def _tree_rss_mib(root: int) -> tuple[float, float]:
    """RSS of ``root`` and all its descendants, from /proc: (summed, largest single process)."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry.name))
    total, largest, todo = 0, 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, ()))
        try:
            pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            continue
        total, largest = total + pages, max(largest, pages)
    page = os.sysconf("SC_PAGE_SIZE") / 2**20
    return total * page, largest * page


def _sample_peak(pid: int, stop: threading.Event, peak: list[float]) -> None:
    while not stop.is_set():
        total, largest = _tree_rss_mib(pid)
        peak[0], peak[1] = max(peak[0], total), max(peak[1], largest)
        stop.wait(SAMPLE_SECONDS)


def run_process(cmd: Sequence[str], env: Mapping[str, str] | None = None) -> Run:
    """Run ``cmd`` to the end: wall seconds, peak RSS in MiB, stdout. Raises on failure."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        load = os.getloadavg()[0]
        started = time.perf_counter()
        proc = subprocess.Popen(list(cmd), stdout=out, stderr=err, env=None if env is None else dict(env))
        stop, peak = threading.Event(), [0.0, 0.0]
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
        return Run(seconds, max(usage.ru_maxrss / 1024, peak[0]), out.read(), load,
                   max(usage.ru_maxrss / 1024, peak[1]))


def _child(kind: str, dump: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "benchmarks.speed", "--child", kind, "--dump", str(dump), *extra]


def _last_json(stdout: str) -> dict[str, Any]:
    return json.loads(stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------
# Inside a child: peak memory of one step


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
