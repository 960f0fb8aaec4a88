"""The ``retail-canon`` command.

Sub-commands import what they need when they run, so ``retail-canon --help`` is fast.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from pydantic import ValidationError

    from retail_canon.models import CanonicalModel

__all__ = ["main"]

_RECORD_KEYS = (
    "order_id",
    "product_id",
    "event_id",
    "fulfillment_order_id",
    "rma_id",
    "transfer_id",
    "settlement_id",
    "sku",
)


def _cmd_demo(args: argparse.Namespace) -> int:
    from retail_canon._demo import DemoOptions, run, run_round_trip

    if args.round_trip:
        return run_round_trip(sys.stdout)
    if args.erp == "tryton" and not args.erp_url:
        print("retail-canon demo: --erp tryton needs --erp-url", file=sys.stderr)
        return 2
    options = DemoOptions(
        seed=args.seed,
        orders_per_channel=args.orders,
        erp=args.erp,
        erp_url=args.erp_url,
        erp_database=args.erp_database,
        erp_login=args.erp_login,
        workdir=Path(args.workdir) if args.workdir else None,
        report=Path(args.report) if args.report else None,
        progress=args.progress,
    )
    return run(sys.stdout, options, err=sys.stderr)


def _cmd_schema_export(args: argparse.Namespace) -> int:
    import json
    import tempfile

    from retail_canon.models import compare_schemas, export_schemas

    target = Path(args.directory)
    if not args.check:
        for path in export_schemas(target):
            print(path)
        return 0
    with tempfile.TemporaryDirectory() as scratch:
        fresh = Path(scratch)
        status = 0
        for path in export_schemas(fresh):
            relative = path.relative_to(fresh)
            golden = target / relative
            if not golden.exists():
                print(f"{golden}: missing; run `retail-canon schema export {target}`")
                status = 1
                continue
            if golden.read_text("utf-8") == path.read_text("utf-8"):
                continue
            status = 1
            print(f"{golden}: out of date; run `retail-canon schema export {target}`")
            old = json.loads(golden.read_text("utf-8"))
            new = json.loads(path.read_text("utf-8"))
            for change in compare_schemas(old, new):
                print(f"  {change}")
        return status


def _latest(kind_dir: Path) -> Path | None:
    versions = [p for p in kind_dir.iterdir() if p.is_dir()] if kind_dir.is_dir() else []
    if not versions:
        return None
    return max(versions, key=lambda p: tuple(int(x) for x in p.name.split(".")))


def _cmd_schema_check(args: argparse.Namespace) -> int:
    import json

    from retail_canon.models import compare_schemas

    old_root, new_root = Path(args.old), Path(args.new)
    status = 0
    for kind_dir in sorted(p for p in new_root.iterdir() if p.is_dir()):
        new_version = _latest(kind_dir)
        old_version = _latest(old_root / kind_dir.name)
        if new_version is None or old_version is None:
            print(f"{kind_dir.name}: new kind")
            continue
        changes = []
        for mode in ("validation", "serialization"):
            old = json.loads((old_version / f"{mode}.json").read_text("utf-8"))
            new = json.loads((new_version / f"{mode}.json").read_text("utf-8"))
            changes += [(mode, c) for c in compare_schemas(old, new)]
        same_major = old_version.name.split(".")[0] == new_version.name.split(".")[0]
        header = f"{kind_dir.name} {old_version.name} → {new_version.name}"
        print(f"{header}: {len(changes)} change(s)")
        for mode, change in changes:
            print(f"  [{mode}] {change}")
        if same_major and any(c.breaking for _, c in changes):
            print(f"  ⚠️ breaking change without a major schema_version bump ({header})")
            status = 1
    return status


def _errors(exc: ValidationError) -> Iterator[tuple[str, str]]:
    errors = exc.errors(include_url=False)
    locs = [error["loc"] for error in errors]
    for error in errors:
        loc = error["loc"]
        # pydantic adds "too short" for a sequence whose only items failed: noise.
        if error["type"] == "too_short" and any(
            other[: len(loc)] == loc and other != loc for other in locs
        ):
            continue
        path = ".".join(str(part) for part in error["loc"]) or "(record)"
        yield path, error["msg"]


def _record_label(raw: Any) -> str:
    if isinstance(raw, dict):
        for key in _RECORD_KEYS:
            if isinstance(raw.get(key), str):
                return f" [{key}={raw[key]}]"
    return ""


def _records(path: Path) -> Iterator[tuple[int, Any, str | None]]:
    """(line, parsed record or None, JSON error) for each record of a .json/.jsonl file."""
    import json
    from decimal import Decimal

    text = path.read_text("utf-8")
    decoder = json.JSONDecoder(parse_float=Decimal)
    if path.suffix == ".jsonl":
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    yield number, decoder.decode(line), None
                except json.JSONDecodeError as exc:
                    yield number, None, f"invalid JSON: {exc.msg} (column {exc.colno})"
        return
    index = len(text) - len(text.lstrip())
    try:
        if not text.startswith("[", index):
            yield text.count("\n", 0, index) + 1, decoder.decode(text), None
            return
        index += 1
        while True:
            while index < len(text) and text[index] in " \t\r\n,":
                index += 1
            if index >= len(text) or text[index] == "]":
                return
            record, end = decoder.raw_decode(text, index)
            yield text.count("\n", 0, index) + 1, record, None
            index = end
    except json.JSONDecodeError as exc:
        yield exc.lineno, None, f"invalid JSON: {exc.msg} (column {exc.colno})"


def _validate_file(model: type[CanonicalModel], path: Path, out: TextIO) -> tuple[int, int]:
    from pydantic import ValidationError

    total = bad = 0
    for line, raw, problem in _records(path):
        total += 1
        if problem is not None:
            bad += 1
            out.write(f"{path}:{line}: {problem}\n")
            continue
        try:
            model.model_validate(raw)
        except ValidationError as exc:
            bad += 1
            for field, message in _errors(exc):
                out.write(f"{path}:{line}{_record_label(raw)}: {field}: {message}\n")
    return total, bad


def _cmd_validate(args: argparse.Namespace) -> int:
    from retail_canon.models import model_for

    try:
        model = model_for(args.kind)
    except KeyError as exc:
        print(f"retail-canon validate: {exc.args[0]}", file=sys.stderr)
        return 2
    path = Path(args.file)
    if not path.is_file():
        print(f"retail-canon validate: no such file: {path}", file=sys.stderr)
        return 2
    total, bad = _validate_file(model, path, sys.stdout)
    print(f"{path}: {total} record(s), {bad} bad", file=sys.stderr)
    return 1 if bad else 0


def _cmd_map(args: argparse.Namespace) -> int:
    from retail_canon.mapping._cli import run

    return run(
        args.spec, args.file, output=args.output, rejects=args.rejects, progress=args.progress
    )


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        msg = f"must be 1 or more, not {value}"
        raise argparse.ArgumentTypeError(msg)
    return value


def _cmd_sandbox(args: argparse.Namespace) -> int:
    from retail_canon.connectors.tryton._sandbox import run

    return run(args)


def _parser() -> argparse.ArgumentParser:
    from retail_canon._version import __version__

    parser = argparse.ArgumentParser(
        prog="retail-canon",
        description="Canonical retail objects: demo, schemas, validation, mapping.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser(
        "demo",
        help="the seed's retailer end to end: channels, ATS, orders, ERP, settlements",
        description="Run the seed's retailer on embedded defaults: Amazon, Shopify and "
        "Walmart on their vendor fakes, an in-process ERP (or Tryton), SQLite, 2 warehouses "
        "and 120 stores. Prints a summary and writes an HTML report.",
    )
    demo.add_argument("--seed", type=int, default=7, help="the retailer and its orders (7)")
    demo.add_argument(
        "--orders", type=_positive, default=20, metavar="N", help="orders per channel (20)"
    )
    demo.add_argument(
        "--erp",
        choices=("fake", "tryton"),
        default="fake",
        help="the in-process ERP fake (default) or a Tryton server",
    )
    demo.add_argument("--erp-url", metavar="URL", help="Tryton's URL, e.g. http://127.0.0.1:8000")
    demo.add_argument("--erp-database", default="retail_canon_demo", metavar="DB")
    demo.add_argument(
        "--erp-login",
        default="admin",
        metavar="USER",
        help="Tryton login; the password comes from RC_TRYTON_PASSWORD",
    )
    demo.add_argument(
        "--workdir", metavar="DIR", help="where the SQLite files and report go (a new temp dir)"
    )
    demo.add_argument("--report", metavar="PATH", help="write the HTML report here")
    demo.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress on stderr (default: on a terminal)",
    )
    demo.add_argument(
        "--round-trip",
        action="store_true",
        help="only map one marketplace order to a SalesOrder and round-trip it",
    )
    demo.set_defaults(run=_cmd_demo)

    schema = commands.add_parser("schema", help="JSON Schemas of the canonical objects")
    schema_commands = schema.add_subparsers(dest="schema_command", required=True, metavar="ACTION")
    export = schema_commands.add_parser("export", help="write every schema under DIR")
    export.add_argument("directory", metavar="DIR")
    export.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if DIR is out of date"
    )
    export.set_defaults(run=_cmd_schema_export)
    check = schema_commands.add_parser(
        "check", help="classify the changes between two schema directories"
    )
    check.add_argument("old", metavar="OLD_DIR")
    check.add_argument("new", metavar="NEW_DIR")
    check.set_defaults(run=_cmd_schema_check)

    validate = commands.add_parser(
        "validate", help="validate a .json or .jsonl file of canonical objects"
    )
    validate.add_argument("kind", metavar="KIND", help="e.g. sales-order, product, SalesOrder")
    validate.add_argument("file", metavar="FILE")
    validate.set_defaults(run=_cmd_validate)

    mapping = commands.add_parser(
        "map", help="map a .json, .jsonl or .csv file of vendor records to canonical JSONL"
    )
    mapping.add_argument(
        "spec", metavar="SPEC", help="the mapping declaration: .json, .yaml/.yml or .py"
    )
    mapping.add_argument("file", metavar="FILE", help="the source records: .json, .jsonl or .csv")
    mapping.add_argument(
        "-o", "--output", metavar="OUT", help="write canonical JSONL here (default: stdout)"
    )
    mapping.add_argument(
        "--rejects",
        metavar="PATH",
        help="write rejected records and their problems here as JSONL "
        "(default: NAME.rejects.jsonl beside OUT, or beside FILE)",
    )
    mapping.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bar on stderr (default: for files of 1 MB or more on a terminal)",
    )
    mapping.set_defaults(run=_cmd_map)

    sandbox = commands.add_parser("sandbox", help="a local ERP server for trials and tests")
    systems = sandbox.add_subparsers(dest="system", required=True, metavar="SYSTEM")
    tryton = systems.add_parser(
        "tryton",
        help="Tryton 8.2 on SQLite: start, stop or status",
        description="A local Tryton 8.2 server on SQLite on 127.0.0.1, seeded with a company, "
        "a chart of accounts, a fiscal year, a payment term and a product category.",
    )
    tryton.add_argument("action", choices=["start", "stop", "status"])
    tryton.add_argument("--dir", help="the session's directory (default: in the cache)")
    tryton.add_argument("--port", type=int, help="loopback port (default: a free one)")
    tryton.add_argument(
        "--isolated",
        action="store_true",
        help="use a virtual environment of its own even if this Python has trytond",
    )
    tryton.add_argument(
        "--reset", action="store_true", help="start from a fresh copy of the seeded database"
    )
    tryton.set_defaults(run=_cmd_sandbox)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = _parser().parse_args(argv)
    status: int = args.run(args)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
