"""Results of the speed benchmark: one row per measurement, the run's settings, the machine."""

from __future__ import annotations

import hashlib
import os
import platform
import re
import subprocess
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

import dedup

from .measure import Run


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
    peak_process_mib: float | None = None  # the largest single process (end-to-end rows)

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


def dedup_fingerprint() -> str:
    """Hash of dedup's source: another change to it mid-run makes figures incomparable."""
    digest = hashlib.sha256()
    root = Path(dedup.__file__).parent
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


@dataclass
class Settings:
    out: Path
    data: Path
    skip_peers: bool
    provenance_limit: int
    peer_budget_s: float
    sign_limit: int
    reuse_heavy: tuple[int, ...] = ()
    measured: dict[str, tuple[int, Run]] = field(default_factory=dict)  # peer -> largest measured size
