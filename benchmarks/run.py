"""Run the benchmarks of retail_canon: ``python benchmarks/run.py NAME [--tier S|M|L] [--json]``.

NAME is a benchmark (a ``benchmarks/bench_<name>.py`` module) or ``all``. Every figure is a
ratio ours ÷ baseline, the baseline measured in the same run. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import _harness  # noqa: E402  (sibling module; benchmarks/ is not a package)


def _parser(names: list[str]) -> argparse.ArgumentParser:
    listing = "\n".join(f"  {b.name:<10} {b.description}" for b in _harness.BENCHES.values())
    parser = argparse.ArgumentParser(
        prog="benchmarks/run.py",
        description="Benchmarks of retail_canon; each figure is a ratio against a baseline.",
        epilog=f"benchmarks:\n{listing}\n  all        every benchmark above",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("name", choices=[*names, "all"], metavar="NAME", help="benchmark or 'all'")
    parser.add_argument(
        "--tier",
        default="S",
        choices=_harness.TIERS + _harness.HIDDEN_TIERS,
        metavar="{" + ",".join(_harness.TIERS) + "}",
        help="size: S smoke (default), M scale point, L bigger",
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.add_argument(
        "--check", action="store_true", help="exit with status 1 if a ratio misses its target"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    benches = _harness.discover(HERE)
    args = _parser(list(benches)).parse_args(argv)
    selected = list(benches.values()) if args.name == "all" else [benches[args.name]]
    records: list[_harness.Record] = []
    for bench in selected:
        if not args.json:
            print(f"running {bench.name} (tier {args.tier}) ...", file=sys.stderr, flush=True)
        for record in bench.fn(args.tier):
            records.append(record)
            if args.json:
                sys.stdout.write(_harness.dump_json([record]))
                sys.stdout.flush()
    if not args.json:
        print(_harness.format_table(records))
    if args.check and not all(r.meets_target for r in records):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
