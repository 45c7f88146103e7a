"""Helpers that make the command line guide its user: suggestions, colour, progress.

- :func:`did_you_mean` finds the closest of a set of names (``difflib``), used
  for command names, option names and choices such as ``--format`` values.
- :func:`colour_enabled` says whether a stream gets ANSI colour: only a
  terminal, never when ``NO_COLOR`` is set (https://no-color.org/).
- :func:`counts_line` is the closing line of ``validate``:
  ``602 errors, 6,683 warnings, 1,747 info``.
- :func:`progress` is a tqdm bar on stderr for a long step, silent with
  ``--quiet`` or when stderr is not a terminal.

Nothing here changes process-wide state.

Examples
--------
>>> did_you_mean("valdate", ["summary", "validate", "report"])
'validate'
>>> counts_line({"error": 602, "warning": 6683, "info": 1747}, colour=False)
'602 errors, 6,683 warnings, 1,747 info'
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
import sys
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TextIO

__all__ = ["Steps", "choice_hint", "colour_enabled", "counts_line", "did_you_mean",
           "option_hint", "progress", "steps"]

_SEV_COLOUR = {"error": "31", "warning": "33", "info": "36"}  # red, yellow, cyan
_CHOICE = re.compile(r"invalid choice: '(?P<word>[^']*)' \(choose from (?P<choices>.*)\)")


def did_you_mean(word: str, names: Iterable[str]) -> str | None:
    """The name closest to ``word``, in any case (``None`` when nothing is close enough)."""
    by_lower: dict[str, str] = {}
    for name in names:
        by_lower.setdefault(name.lower(), name)
    near = difflib.get_close_matches(word.lower(), list(by_lower), n=1, cutoff=0.6)
    return by_lower[near[0]] if near else None


def choice_hint(message: str) -> str:
    """An argparse "invalid choice" message with ``; did you mean 'x'?`` added."""
    m = _CHOICE.search(message)
    if not m:
        return message
    choices = re.findall(r"'([^']*)'", m.group("choices"))
    near = did_you_mean(m.group("word"), choices)
    return f"{message}; did you mean '{near}'?" if near else message


def option_hint(unknown: Iterable[str], options: Iterable[str]) -> str:
    """``"; did you mean --format?"`` for the first unknown option close to a known one."""
    known = [o for o in options if o.startswith("-")]
    for word in unknown:
        if word.startswith("-"):
            near = did_you_mean(word.split("=", 1)[0], known)
            if near:
                return f"; did you mean {near}?"
    return ""


def colour_enabled(stream: TextIO | None = None) -> bool:
    """Colour only on a terminal, and never when ``NO_COLOR`` is set to anything."""
    stream = stream if stream is not None else sys.stdout
    if os.environ.get("NO_COLOR", "") != "":
        return False
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except (OSError, ValueError):
        return False


def counts_line(counts: Mapping[str, int], *, colour: bool) -> str:
    """``602 errors, 6,683 warnings, 1,747 info``, each part in its severity's colour."""
    parts = []
    for sev in ("error", "warning", "info"):
        n = int(counts.get(sev, 0))
        word = sev if sev == "info" or n == 1 else sev + "s"
        text = f"{n:,} {word}"
        if colour and n:
            text = f"\x1b[1;{_SEV_COLOUR[sev]}m{text}\x1b[0m"
        parts.append(text)
    return ", ".join(parts)


@contextmanager
def progress(description: str, *, quiet: bool = False, total: int | None = None,
             stream: TextIO | None = None) -> Iterator[Any]:
    """A tqdm bar on stderr for one step (``bar.update(n)``; a spinner without ``total``).

    Off (a do-nothing object) with ``quiet`` or when the stream is not a terminal.
    """
    stream = stream if stream is not None else sys.stderr
    isatty = getattr(stream, "isatty", None)
    on = not quiet and bool(isatty and isatty())
    if not on:
        yield _Silent()
        return
    from tqdm import tqdm

    bar = tqdm(total=total, desc=description, file=stream, leave=False, unit="step",
               ncols=shutil.get_terminal_size((80, 24)).columns or 80,
               nrows=max(shutil.get_terminal_size((80, 24)).lines, 24),
               bar_format="{desc}: {elapsed}" if total is None else None)
    try:
        yield bar
    finally:
        bar.close()


class _Silent:
    """Stands in for a tqdm bar when progress is off."""

    def update(self, n: int = 1) -> None:
        """Do nothing."""

    def set_description(self, desc: str) -> None:
        """Do nothing."""


class Steps:
    """The steps of one command as a tqdm bar on stderr: ``report: validating 2/4``.

    ``step(what)`` ends the running step and starts the next; ``close()`` ends
    the last. Silent with ``quiet`` or when ``stream`` is not a terminal.

    Examples
    --------
    >>> import io
    >>> s = Steps("report", 2, stream=io.StringIO())   # not a terminal: silent
    >>> s.step("loading"); s.step("validating"); s.close()
    >>> s.done
    2
    """

    def __init__(self, command: str, total: int | None, *, quiet: bool = False,
                 stream: TextIO | None = None) -> None:
        self.command = command
        self.stream = stream if stream is not None else sys.stderr
        isatty = getattr(self.stream, "isatty", None)
        self.on = not quiet and bool(isatty and isatty())
        self.total = total
        self.done = 0
        self._bar: Any = None
        self._running = False

    def step(self, what: str) -> None:
        """Finish the running step (if any) and show ``what`` as the current one."""
        if self._running:
            self.done += 1
            if self._bar is not None:
                self._bar.update(1)
        self._running = True
        if not self.on:
            return
        if self._bar is None:
            from tqdm import tqdm

            total = max(self.total or 0, self.done + 1)
            # a terminal that reports no size (0 × 0) would get no line at all
            size = shutil.get_terminal_size((80, 24))
            self._bar = tqdm(total=total, file=self.stream, leave=False, unit="step",
                             ncols=size.columns or 80, nrows=max(size.lines, 24),
                             bar_format="{desc} {n_fmt}/{total_fmt} [{elapsed}]")
        elif self._bar.total is not None and self.done >= self._bar.total:
            self._bar.total = self.done + 1
        self._bar.set_description(f"{self.command}: {what}")

    def note(self, text: str) -> None:
        """Print one line on the stream above the bar (which is then drawn again)."""
        if self._bar is not None:
            self._bar.write(text, file=self.stream)
        else:
            self.stream.write(text + "\n")

    def close(self) -> None:
        """Finish the last step and remove the bar."""
        if self._running:
            self.done += 1
            self._running = False
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def steps(args: Any) -> Steps:
    """The :class:`Steps` the CLI attached to ``args`` (a silent one when there is none)."""
    got = getattr(args, "_progress", None)
    return got if isinstance(got, Steps) else Steps("", None, quiet=True)
