"""Griffe extension: render bare doctest blocks in docstrings as ``pycon`` code.

retail_canon's docstrings carry doctest examples (``>>>`` lines) in their description,
where they run under ``pytest --doctest-modules``. Griffe's Google parser only treats
doctests as code inside an ``Examples:`` section, so elsewhere Markdown would read the
``>>>`` lines as nested block quotes. This extension wraps each unindented doctest block
(from a ``>>>`` line to the next blank line) in a fenced ``pycon`` block before parsing.
Indented blocks (for instance inside an ``Examples:`` section) are left alone.
"""

from __future__ import annotations

from typing import Any

import griffe


def fence_doctests(text: str) -> str:
    """Return ``text`` with each unindented doctest block wrapped in a pycon fence."""
    out: list[str] = []
    in_fence = False  # inside an existing ``` block
    in_doctest = False
    for line in text.split("\n"):
        if in_doctest:
            if line.strip():
                out.append(line)
                continue
            out.append("```")
            in_doctest = False
        if line.startswith("```"):
            in_fence = not in_fence
        elif not in_fence and line.startswith(">>>"):
            out.append("```pycon")
            in_doctest = True
        out.append(line)
    if in_doctest:
        out.append("```")
    return "\n".join(out)


class DoctestBlocks(griffe.Extension):
    """Fence bare doctest blocks so they render as code."""

    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        docstring = obj.docstring
        if docstring is not None and ">>>" in docstring.value:
            docstring.value = fence_doctests(docstring.value)
