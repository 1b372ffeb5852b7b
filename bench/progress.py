"""Progress bars (tqdm when installed, plain lines otherwise)."""

from __future__ import annotations

import importlib
import sys
import time
from typing import Any

# Imported by name so that type checkers need no tqdm (it is optional).
tqdm: Any
try:
    tqdm = importlib.import_module("tqdm").tqdm
except ImportError:  # pragma: no cover - tqdm is in bench/requirements.txt
    tqdm = None


class Bar:
    def __init__(self, total: float, desc: str, unit: str = "s", enabled: bool = True) -> None:
        self.total = total
        self.desc = desc
        self.unit = unit
        self.enabled = enabled
        self._last_print = 0.0
        self._n = 0.0
        self._bar: Any = None
        if enabled and tqdm is not None:
            fmt = (
                "{desc}: {percentage:3.0f}%|{bar}| {n:.0f}/{total:.0f} {unit} [{elapsed}{postfix}]"
            )
            self._bar = tqdm(
                total=total,
                desc=desc,
                unit=unit,
                bar_format=fmt,
                leave=False,
                dynamic_ncols=True,
                file=sys.stderr,
            )

    def update_to(self, n: float, **postfix: Any) -> None:
        n = min(n, self.total)
        self._n = n
        if not self.enabled:
            return
        if self._bar is not None:
            self._bar.n = n
            if postfix:
                self._bar.set_postfix(postfix, refresh=False)
            self._bar.refresh()
            return
        now = time.monotonic()
        if now - self._last_print >= 2.0:
            self._last_print = now
            extra = " ".join(f"{k}={v}" for k, v in postfix.items())
            print(f"  {self.desc}: {n:.0f}/{self.total:.0f} {self.unit} {extra}", file=sys.stderr)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> Bar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def note(text: str) -> None:
    """A status line that does not break an open bar."""
    if tqdm is not None:
        tqdm.write(text, file=sys.stderr)
    else:
        print(text, file=sys.stderr)
