"""Build hook: compile the optional C fast path of the ATS engine, when a compiler is there.

`retail_canon.ats` works without it (the pure-Python path gives identical results), so a
missing compiler, an unknown platform or ``RETAIL_CANON_NO_EXTENSIONS=1`` only prints a
warning and builds a pure wheel. An editable install compiles next to the source, where
the editable import finds it; a regular wheel gets the module added to the wheel.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sysconfig
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

SOURCE = Path("src", "retail_canon", "ats", "_speedups.c")
"""The C source, relative to the project root."""


class SpeedupsBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    """Compile ``retail_canon/ats/_speedups`` for the interpreter running the build."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        """Compile before the wheel (``standard`` or ``editable``) is assembled."""
        if self.target_name != "wheel" or os.environ.get("RETAIL_CANON_NO_EXTENSIONS"):
            return
        source = Path(self.root) / SOURCE
        suffix = sysconfig.get_config_var("EXT_SUFFIX")
        ldshared = sysconfig.get_config_var("LDSHARED")
        if not suffix or not ldshared or not source.exists():
            self.app.display_warning("retail_canon: no C toolchain known; pure-Python build")
            return
        name = f"_speedups{suffix}"
        if version == "editable":
            target = source.with_name(name)
        else:
            target = Path(tempfile.mkdtemp(prefix="retail-canon-build-")) / name
        command = [
            *shlex.split(ldshared),
            *shlex.split(sysconfig.get_config_var("CCSHARED") or ""),
            "-O2",
            "-DNDEBUG",
            "-fwrapv",
            f"-I{sysconfig.get_paths()['include']}",
            str(source),
            "-o",
            str(target),
        ]
        try:
            subprocess.run(command, check=True, capture_output=True, text=True)
        except (OSError, subprocess.CalledProcessError) as exc:
            detail = getattr(exc, "stderr", "") or str(exc)
            self.app.display_warning(
                f"retail_canon: the ATS fast path did not compile; pure-Python build\n{detail}"
            )
            return
        if version != "editable":
            build_data["force_include"][str(target)] = f"retail_canon/ats/{name}"
        build_data["pure_python"] = False
        build_data["infer_tag"] = True
