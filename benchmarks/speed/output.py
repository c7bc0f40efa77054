"""Output: the table on stdout, speed.json and speed.png."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from dedup import Params

from .peers import RENSA_BANDS, RENSA_SEED
from .results import Row, Settings
from .runs import SEED

# matplotlib is imported where used: children should not carry its import time or memory.


# --------------------------------------------------------------------------
# Output: table, JSON, plot


def _cell(value: float | None, fmt: str) -> str:
    return "" if value is None or math.isnan(value) else format(value, fmt)


def table(rows: Sequence[Row]) -> str:
    head = (f"{'size':>8}  {'group':<12}{'system':<24}{'stage':<20}{'seconds':>9}{'articles/s':>12}{'MB/s':>9}"
            f"{'peak RSS MiB':>13}{'largest proc':>13}{'ratio vs dedup':>16}")
    lines = [head, "-" * len(head)]
    previous: tuple[int, str] | None = None
    for r in rows:
        if previous is not None and previous != (r.size, r.group):
            lines.append("")
        previous = (r.size, r.group)
        stage = r.stage + (" (extrap.)" if r.extrapolated else " (failed)" if r.note and not r.extrapolated else "")
        seconds = ("~" if r.extrapolated else "") + _cell(r.seconds, ".2f")
        lines.append(f"{r.size:>8}  {r.group[:11]:<12}{r.system:<24}{stage:<20}{seconds:>9}"
                     f"{_cell(r.articles_per_s, ',.0f'):>12}{_cell(r.mb_per_s, '.2f'):>9}"
                     f"{_cell(r.peak_rss_mib, ',.0f'):>13}{_cell(r.peak_process_mib, ',.0f'):>13}"
                     f"{_cell(r.ratio, '.2f'):>16}")
    return "\n".join(lines)


LEGEND = (
    "MB: 10^6 bytes of UTF-8 text, of the dump (signature rows: of all passages signed). Ratio vs dedup: seconds\n"
    "over dedup's seconds for the same work (signatures: vs dedup's row of the same stage; end to end and\n"
    "reuse-heavy: vs dedup cluster --jobs 2, its default here); above 1, dedup is faster. Peak RSS: the whole\n"
    "process tree; largest proc: its largest single process. Stage peaks include what earlier stages hold.\n"
    "Every end-to-end job writes its clusters (or report) to a file."
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
                     "reuse_heavy": list(cfg.reuse_heavy),
                     "sign_limit": cfg.sign_limit, "rensa_seed": RENSA_SEED, "rensa_bands": RENSA_BANDS,
                     "skip_peers": cfg.skip_peers},
        "corpus": {str(k): v for k, v in corpora.items()},
        "stage_shares": {str(k): v for k, v in stage_shares(rows).items()},
        "rows": [{**asdict(r), "articles_per_s": r.articles_per_s, "mb_per_s": r.mb_per_s} for r in rows],
    }
    path.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
