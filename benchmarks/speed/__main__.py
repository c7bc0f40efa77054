"""The command line: ``python -m benchmarks.speed`` (see the package's docstring), and
the children it starts (``--child stages`` and ``--child signatures``)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import __doc__ as PACKAGE_DOC
from .output import LEGEND, _title, plot, stage_shares, table, write_json
from .peers import signature_peers
from .results import Row, Settings, machine_info
from .runs import bench_size, reuse_heavy_rows, with_ratios
from .stages import stage_chain

DEFAULT_SIZES = (10_000, 20_000)


# --------------------------------------------------------------------------
# Command line


def _parser() -> argparse.ArgumentParser:
    # prog: run as a package, argparse would name it "__main__.py"
    parser = argparse.ArgumentParser(prog="python -m benchmarks.speed", description=PACKAGE_DOC.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES), help="articles per dump")
    parser.add_argument("--skip-peers", action="store_true", help="dedup only: no datasketch or rensa")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/out"), help="speed.json, speed.png, peer scripts")
    parser.add_argument("--data", type=Path, default=Path("benchmarks/data"), help="where dumps are kept")
    parser.add_argument("--provenance-limit", type=int, default=100_000,
                        help="largest size for which provenance (align, report) runs")
    parser.add_argument("--peer-budget", type=float, default=1200.0,
                        help="seconds; a slower hand-built pipeline is extrapolated from a smaller size instead")
    parser.add_argument("--reuse-heavy", type=int, nargs="*", default=[20_000],
                        help="sizes of reuse-heavy dumps (real paragraphs recombined) for dedup cluster vs the peers")
    parser.add_argument("--sign-limit", type=int, default=100_000,
                        help="articles whose passages the signing comparison uses (the first ones)")
    parser.add_argument("--child", choices=("stages", "signatures"), help=argparse.SUPPRESS)
    parser.add_argument("--limit", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--dump", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--provenance", action="store_true", help=argparse.SUPPRESS)
    return parser


def _run_child(args: argparse.Namespace) -> int:
    if args.child == "signatures":
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
        print(json.dumps(signature_peers(args.dump, args.limit)))
    else:
        print(json.dumps(stage_chain(args.dump, args.provenance)))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(argv)
    if args.child:
        return _run_child(args)
    args.out.mkdir(parents=True, exist_ok=True)
    cfg = Settings(args.out, args.data, args.skip_peers, args.provenance_limit, args.peer_budget, args.sign_limit,
                   tuple(args.reuse_heavy))
    machine = machine_info()
    rows: list[Row] = []
    corpora: dict[int, Any] = {}
    for n in sorted(set(args.sizes)):
        found, corpora[n] = bench_size(n, cfg)
        rows.extend(found)
    for n in sorted(set(cfg.reuse_heavy)):
        found, corpora[f"reuse-heavy {n}"] = reuse_heavy_rows(n, cfg)
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
        print(f"{size}: dedup steps, largest shares: " + ", ".join(f"{s} {v:.0%}" for s, v in top))
    write_json(args.out / "speed.json", rows, corpora, machine, cfg, argv)
    plot(rows, machine, args.out / "speed.png")
    print(f"wrote {args.out / 'speed.json'} and {args.out / 'speed.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
