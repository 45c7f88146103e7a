"""What every command shares: the roster source, the warm snapshot, privacy, output.

- :func:`add_source` / :func:`load_source`: ``PATH`` or ``--sample``, loaded
  through the warm snapshot unless ``--no-cache`` (:func:`load_path`).
- :func:`add_privacy` / :func:`privacy_from_args`: how people appear.
- :func:`write_output`, :func:`render_table`: stdout or an atomically written file.
- :class:`UsageError`: a bad combination of options (exit 2 with the usage line).

Examples
--------
>>> import argparse
>>> p = argparse.ArgumentParser()
>>> add_source(p)
>>> args = p.parse_args(["--sample", "--quiet"])
>>> args.sample, args.no_cache
(True, False)
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import Any

__all__ = ["EXIT_FINDINGS", "EXIT_OK", "EXIT_USAGE", "Parser", "UsageError",
           "add_inflated_limit", "add_privacy", "add_source", "cacheable", "label_table",
           "limits_from_args", "load_path", "load_source", "output_folder", "output_format",
           "privacy_from_args", "render_table", "write_output"]

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2

#: What ``--no-cache`` says in every command's help.
NO_CACHE_HELP = ("read the files again instead of the warm snapshot kept after the first "
                 "load (snapshots hold student records: they live in $ROSTERGRAPH_CACHE_DIR, "
                 "$XDG_CACHE_HOME/rostergraph or ~/.cache/rostergraph, readable by you only; "
                 "'rostergraph cache clear' removes them)")


class UsageError(Exception):
    """A bad combination of options: ``main`` prints the usage line and exits 2."""


def output_folder(value: str) -> str:
    """An argparse ``type`` for an output folder: ``-`` (standard output elsewhere) is
    refused rather than made a folder named ``-``.

    >>> output_folder("out"), output_folder("./-")
    ('out', './-')
    """
    if value == "-":
        raise argparse.ArgumentTypeError(
            "'-' means standard output, and a folder cannot be written there; give a "
            "folder (./- for one named so)")
    return value


class Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors end in one line, with a "did you mean", and
    whose choices may be typed in any case (``--format JSON``, ``--to OneRoster``)."""

    def _get_value(self, action: argparse.Action, arg_string: str) -> Any:
        value = super()._get_value(action, arg_string)  # type: ignore[misc]
        choices = action.choices
        if (isinstance(value, str) and choices is not None and value not in choices
                and not isinstance(action, argparse._SubParsersAction)):
            same = [c for c in choices if isinstance(c, str) and c.lower() == value.lower()]
            if len(same) == 1:
                return same[0]
        return value

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        # (the words this parser is given, for error() to find a near miss in)
        self._words = list(sys.argv[1:] if args is None else args)
        return super().parse_known_args(args, namespace)

    def error(self, message: str) -> Any:  # usage errors: exit 2 with one line
        from .guide import choice_hint, option_hint

        if message.startswith("the following arguments are required"):
            # (argparse tells the missing option before the unknown one it was typed as,
            # `--too` for `--to`)
            options = [o for a in self._actions for o in a.option_strings]
            message += option_hint([w for w in getattr(self, "_words", [])
                                    if w.split("=", 1)[0] not in options], options)
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"rostergraph: error: {choice_hint(message)}\n")


def add_source(p: argparse.ArgumentParser) -> None:
    """``PATH`` or ``--sample``: the roster a command works on."""
    p.add_argument("path", nargs="?", help="roster folder, file or zip (any supported format)")
    p.add_argument("--sample", action="store_true", help="use the embedded sample district")
    p.add_argument("--strict", action="store_true",
                   help="fail on the first data problem instead of reporting it")
    add_inflated_limit(p)
    p.add_argument("--no-cache", action="store_true", help=NO_CACHE_HELP)
    p.add_argument("--quiet", action="store_true",
                   help="no progress bar on stderr (there is none when stderr is not a "
                        "terminal), no note about the warm snapshot")


def load_source(args: argparse.Namespace) -> Any:
    """The Roster named by ``add_source``'s arguments."""
    from .. import sample
    from .guide import steps

    if args.sample == bool(args.path):
        raise UsageError("give a roster PATH or --sample (exactly one)")
    steps(args).step("loading the sample" if args.sample else f"loading {args.path}")
    if args.sample:
        return sample()
    return load_path(args, args.path, strict=args.strict, limits=limits_from_args(args))


#: what ``--max-inflated-mib`` says in every command's help
INFLATED_HELP = ("most MiB a zip or gzip input may inflate to (default: 256 for a zip, 512 for "
                 "gzip); raise it for a very large district you trust")


def add_inflated_limit(p: argparse.ArgumentParser) -> None:
    """``--max-inflated-mib N``: read with :func:`limits_from_args`."""
    p.add_argument("--max-inflated-mib", type=int, metavar="N", default=None,
                   help=INFLATED_HELP)


#: a text output's format by its file's extension (``-o report.json``)
_FORMAT_BY_EXTENSION = {".json": "json", ".md": "markdown", ".markdown": "markdown"}


def output_format(args: argparse.Namespace) -> str:
    """``--format``, else the format ``-o``'s extension names (``.json``, ``.md``), else
    text (``validate`` and ``diff``)."""
    ext = os.path.splitext(args.output or "")[1].lower()
    return args.format or _FORMAT_BY_EXTENSION.get(ext, "text")


def limits_from_args(args: argparse.Namespace) -> Any:
    """The :class:`~rostergraph.io.limits.Limits` of ``--max-inflated-mib`` (``None``: the
    defaults)."""
    mib = getattr(args, "max_inflated_mib", None)
    if mib is None:
        return None
    from ..io.limits import Limits

    if mib < 1:
        raise UsageError("--max-inflated-mib must be at least 1")
    return Limits(max_zip_total_bytes=mib << 20, max_gzip_bytes=mib << 20)


def cacheable(path: str | os.PathLike[str]) -> bool:
    """Whether the CLI keeps a warm snapshot of ``path``: a regular file or a folder.

    Standard input, devices and pipes have no stable fingerprint (they are read
    once, cold); the embedded sample is small and never cached.

    Examples
    --------
    >>> import rostergraph
    >>> cacheable(rostergraph.sample_path()), cacheable("/dev/stdin"), cacheable("-")
    (True, False, False)
    """
    p = Path(path)
    try:
        return str(path) != "-" and (p.is_dir() or (p.is_file() and not p.is_symlink()))
    except OSError:
        return False


def load_path(args: argparse.Namespace, path: str, *, strict: bool = False,
              limits: Any = None) -> Any:
    """``rostergraph.load(path)`` through the warm snapshot, unless ``--no-cache``.

    After a warm load, one line on stderr says so and how to read the files
    again (one per source; not with ``--quiet``). What the snapshot adds to the roster's
    provenance notes is left out of every report, so the output is the same
    bytes warm or cold.
    """
    from .. import load

    use = not getattr(args, "no_cache", False) and cacheable(path)
    roster = load(path, strict=strict, limits=limits, cache=use)
    if use and not getattr(args, "quiet", False) and _from_snapshot(roster):
        from ..safety import terminal_text
        from .guide import steps

        steps(args).note(f"rostergraph: loaded from the warm snapshot of "
                         f"{terminal_text(str(path))} (rostergraph --no-cache to read "
                         f"the files again)")
    return roster


def _from_snapshot(roster: Any) -> bool:
    from ..roster import is_cache_note

    return any(is_cache_note(n) for n in roster.provenance.notes)


def add_privacy(p: argparse.ArgumentParser, *, default: str = "full") -> None:
    """``--privacy``, ``--redact-staff``, ``--include-field``, ``--pseudonym-key-env`` and
    ``--pseudonym-key-file``: how people appear in the output (docs/privacy.md)."""
    from ..privacy import MODES, SENSITIVE_FIELDS

    g = p.add_argument_group("privacy (see docs/privacy.md)")
    g.add_argument("--privacy", choices=MODES, default=default,
                   help="full: values as they are; redacted: student/contact names, emails, "
                        "dob, phones, addresses, sis ids hidden; pseudonymized: every person "
                        f"id and name replaced by a keyed pseudonym (default {default})")
    g.add_argument("--redact-staff", action="store_true",
                   help="in redacted mode, hide teachers' and staff's names and emails too")
    g.add_argument("--include-field", action="append", default=[], metavar="NAME",
                   choices=sorted(SENSITIVE_FIELDS),
                   help="keep this sensitive demographic field (dropped otherwise); repeatable")
    g.add_argument("--pseudonym-key-env", metavar="NAME",
                   help="environment variable holding the pseudonym key (default "
                        "ROSTERGRAPH_PSEUDONYM_KEY; a random per-run key if unset)")
    g.add_argument("--pseudonym-key-file", metavar="PATH",
                   help="file holding the pseudonym key")


def privacy_from_args(args: argparse.Namespace) -> Any:
    """The :class:`~rostergraph.privacy.PrivacyPolicy` named by ``add_privacy``'s arguments."""
    from ..privacy import PrivacyPolicy, load_key

    mode = getattr(args, "privacy", "full") or "full"
    try:
        key = None
        if mode == "pseudonymized":
            key = load_key(args.pseudonym_key_env, args.pseudonym_key_file)
        policy = PrivacyPolicy(mode, redact_staff=getattr(args, "redact_staff", False),
                               include_fields=getattr(args, "include_field", None) or (),
                               key=key)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    args.privacy_policy = policy  # main() shows a load error under it
    if policy.mode == "pseudonymized" and policy.random_key:
        print("rostergraph: note: no pseudonym key set; pseudonyms use a random key for this "
              "run only (set ROSTERGRAPH_PSEUDONYM_KEY to make them stable)", file=sys.stderr)
    return policy


def write_output(text: str, output: str | None) -> None:
    """Print ``text`` or write it atomically to ``output``.

    A lone surrogate that a renderer let through is written as a ``\\udXXX``
    escape (UTF-8 cannot encode it), never a ``UnicodeEncodeError``.
    """
    from ..safety import escape_surrogates

    text = escape_surrogates(text)
    if output:
        from ..safety import atomic_write

        atomic_write(output, text)
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


def label_table(table: Any, g: Any, policy: Any) -> Any:
    """``table`` with name columns for schools, sections, terms, courses and people.

    People's names are personal data: ``policy.apply_table`` (applied after this)
    replaces them with ``[redacted]`` or a keyed pseudonym unless the mode is ``full``.
    """
    from ..labels import with_labels

    return with_labels(table, g, people=True)


def render_table(table: Any, fmt: str) -> str:
    """A Table as text, CSV or JSON (the CLI's output formats)."""
    if fmt == "csv":
        return table.to_csv()
    if fmt == "json":
        return table.to_json()
    n = len(table)
    return table.to_text(width=60) + f"\n({n} row{'s' if n != 1 else ''})"


class StderrHandler(logging.Handler):
    """Log lines to whatever ``sys.stderr`` is at the time (tests swap it)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
        except Exception:  # noqa: BLE001  # pragma: no cover - logging must never break the command
            self.handleError(record)


def log_to_stderr(*names: str) -> None:
    """Show the INFO lines of loggers ``names`` (why a command waits: rate-limit waits,
    retries) on stderr, once however often it is asked."""
    for name in names:
        log = logging.getLogger(name)
        if not any(isinstance(h, StderrHandler) for h in log.handlers):
            handler = StderrHandler()
            handler.setFormatter(logging.Formatter("rostergraph: %(message)s"))
            log.addHandler(handler)
            log.setLevel(logging.INFO)
