"""Onboard Fjordline Market: the notebook session of docs/mapping.md, as a script.

Run from the repository root: python examples/fjordline_market/onboard.py

Fjordline Market is a fictional Norwegian regional marketplace. Its order API sends local
Oslo times, prices with decimal commas ("1 249,50"), its own status words, and units in
Norwegian ("stk", "par"). mapping.json maps those payloads onto SalesOrder; samples/ holds
five payloads (one of them broken on purpose) and goldens/ what the mapping makes of them.
"""

from __future__ import annotations

from pathlib import Path

from retail_canon.mapping import GoldenMismatch, check_goldens, load_mapping, load_samples

HERE = Path(__file__).resolve().parent

mapper = load_mapping(HERE / "mapping.json")
samples = load_samples(HERE / "samples")

# 1. What does the mapping make of the broken sample? Every problem, with where it came from.
result = mapper.apply(samples[3])
print(f"sample 3 mapped: {result.ok}")
for problem in result.problems:
    print(f"  {problem}")

# 2. And of a good one: the canonical object and where each field came from.
result = mapper.apply(samples[0])
order = result.unwrap()
print(f"\n{order.order_id}: {order.status.value}, placed {order.placed_at.isoformat()}")
print(result.provenance["placed_at"])
print(result.provenance["lines[0].unit_price.amount"])

# 3. The side-by-side preview (HTML in Jupyter, this table elsewhere), first rows only.
preview = str(mapper.preview(samples[1])).splitlines()
print("\n" + "\n".join(preview[:8]))

# 4. What the samples send that the mapping never reads.
coverage = mapper.coverage(samples)
print(f"\nsource fields never read: {', '.join(coverage.unread_source_fields)}")

# 5. A batch: good objects and rejects, nothing dropped.
batch = mapper.run(samples)
print(f"\nbatch: {batch}")
for reject in batch.rejects:
    print(f"  reject #{reject.index}: {len(reject.problems)} problem(s)")

# 6. The regression net: the goldens still match.
try:
    report = check_goldens(mapper, HERE / "samples", HERE / "goldens")
except GoldenMismatch as exc:
    print(f"\n{exc}")
    raise SystemExit(1) from None
print(f"\ngoldens: {len(report.checked)} sample(s) match")
