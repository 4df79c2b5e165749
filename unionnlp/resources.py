"""The only reader of ``unionnlp/data/``: TOML, JSON and word lists, validated on load.

Nothing is read at import. Callers (stages) load what they need on first use
and keep it on their instance. Every problem in a data file raises
:class:`~unionnlp.errors.DataFileError` naming the file (and the line where the
parser knows it).
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources as _importlib_resources
from pathlib import Path
from typing import Any

import regex

from .errors import DataFileError

__all__ = ["Rule", "data_path", "load_json", "load_rules", "load_toml", "load_wordlist"]

_PACKAGE = "unionnlp"


def data_path(name: str) -> Path:
    """Path of a file shipped in ``unionnlp/data/``."""
    root = _importlib_resources.files(_PACKAGE).joinpath("data")
    return Path(str(root.joinpath(name)))


def _resolve(name_or_path: str | Path) -> Path:
    path = Path(name_or_path)
    if path.is_absolute() or path.exists():
        return path
    return data_path(str(name_or_path))


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as err:
        raise DataFileError(path, "the file does not exist") from err
    except UnicodeDecodeError as err:
        raise DataFileError(path, f"not valid UTF-8 ({err.reason} at byte {err.start})") from err
    except OSError as err:
        raise DataFileError(path, f"cannot be read ({err.strerror})") from err


def load_toml(name_or_path: str | Path) -> dict[str, Any]:
    """Parse a TOML data file."""
    path = _resolve(name_or_path)
    text = _read_text(path)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        match = re.search(r"line (\d+)", str(err))
        raise DataFileError(
            path, f"TOML syntax error: {err}", line=int(match.group(1)) if match else None
        ) from err


def load_json(name_or_path: str | Path) -> Any:
    """Parse a JSON data file (never pickle: data files are plain data)."""
    path = _resolve(name_or_path)
    text = _read_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise DataFileError(path, f"JSON syntax error: {err.msg}", line=err.lineno) from err


def load_wordlist(name_or_path: str | Path) -> tuple[str, ...]:
    """One entry per line; ``#`` starts a comment; blank lines are skipped."""
    path = _resolve(name_or_path)
    words: list[str] = []
    for line in _read_text(path).splitlines():
        entry = line.split("#", 1)[0].strip()
        if entry:
            words.append(entry)
    return tuple(words)


@dataclass(frozen=True)
class Rule:
    """A named ``regex`` rule from a data file, with its examples.

    ``pattern`` is ``source`` compiled with the ``regex`` module (``V1``
    semantics off, ``\\p{Han}`` available), on first use when the rule was
    loaded ``lazy`` (:func:`load_rules`). ``options`` keeps the other keys of
    the entry, among them an optional ``requires``: literal strings of which
    every match holds one, a prefilter (see :meth:`may_match`).
    """

    name: str
    #: the entry's pattern with its variables filled in
    source: str
    must_match: tuple[str, ...] = ()
    must_not_match: tuple[str, ...] = ()
    options: Mapping[str, Any] = field(default_factory=dict)
    flags: int = 0
    #: the data file the rule comes from (named by the error of a bad pattern)
    origin: Path | None = field(default=None, compare=False, repr=False)
    #: ``options["requires"]`` as a tuple, read once (``()``: no prefilter)
    requires: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "requires", tuple(self.options.get("requires") or ()))

    @cached_property
    def pattern(self) -> regex.Pattern[str]:
        """``source``, compiled.

        Raises:
            DataFileError: the pattern does not compile.
        """
        try:
            return regex.compile(self.source, self.flags)
        except regex.error as err:
            where = self.origin if self.origin is not None else Path("<rules>")
            raise DataFileError(where, f"rule {self.name!r}: bad pattern ({err})") from err

    def get(self, key: str, default: Any = None) -> Any:
        return self.options.get(key, default)

    def may_match(self, text: str) -> bool:
        """False when ``text`` holds none of the rule's ``requires`` literals: no match.

        (The tests check the lists against the rules' examples and the corpora.)
        Written as a loop: a generator and ``any`` per call cost more than most
        checks of a literal.
        """
        for literal in self.requires:
            if literal in text:
                return True
        return not self.requires


def _strings(value: Any, path: Path, name: str, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise DataFileError(path, f"rule {name!r}: {key!r} must be a list of strings")
    return tuple(value)


def load_rules(
    name_or_path: str | Path,
    table: str = "rule",
    *,
    variables: Mapping[str, str] | None = None,
    flags: int = 0,
    optional: bool = False,
    lazy: bool = False,
) -> list[Rule]:
    """Load ``[[table]]`` entries with ``name`` and ``pattern`` keys from a TOML file.

    ``{NAME}`` in a pattern is replaced by ``variables[NAME]`` (shared
    sub-patterns such as the Chinese numerals), and by the file's own
    ``[vars]`` table. Duplicate names and bad patterns are errors, and so is a
    missing or empty table unless it is ``optional`` (then there are no rules).

    A ``lazy`` load leaves each pattern to be compiled on its first use (``regex``
    parses patterns in pure Python: a long list of rules of which a text needs a
    few costs most of a first parse). A bad pattern then raises on that use, and
    :meth:`unionnlp.pipeline.Pipeline.warm` compiles them all.
    """
    path = _resolve(name_or_path)
    data = load_toml(path)
    if optional and not data.get(table):
        return []
    env: dict[str, str] = dict(variables or {})
    file_vars = data.get("vars", {})
    if not isinstance(file_vars, Mapping):
        raise DataFileError(path, "[vars] must be a table of strings")
    env.update({str(k): str(v) for k, v in file_vars.items()})
    entries = data.get(table)
    if not isinstance(entries, list) or not entries:
        raise DataFileError(path, f"expected a non-empty [[{table}]] array")
    rules: list[Rule] = []
    seen: set[str] = set()
    for entry in entries:
        if not isinstance(entry, Mapping):
            raise DataFileError(path, f"each [[{table}]] entry must be a table")
        name = entry.get("name")
        raw = entry.get("pattern")
        if not isinstance(name, str) or not isinstance(raw, str):
            raise DataFileError(path, f"each [[{table}]] entry needs string 'name' and 'pattern'")
        if name in seen:
            raise DataFileError(path, f"duplicate rule name {name!r}")
        seen.add(name)
        source = _expand(raw, env, path, name)
        options = {
            k: v for k, v in entry.items() if k not in {"name", "pattern", "match", "no_match"}
        }
        required = options.get("requires")
        if required is not None and not (
            isinstance(required, list) and all(isinstance(r, str) and r for r in required)
        ):
            raise DataFileError(path, f"rule {name!r}: 'requires' must be a list of strings")
        rules.append(
            Rule(
                name=name,
                source=source,
                must_match=_strings(entry.get("match"), path, name, "match"),
                must_not_match=_strings(entry.get("no_match"), path, name, "no_match"),
                options=options,
                flags=flags,
                origin=path,
            )
        )
        if not lazy:
            rules[-1].pattern  # noqa: B018 - compiled now: a bad pattern fails the load
    return rules


_VAR = re.compile(r"\{([A-Z_][A-Z0-9_]*)\}")


def _expand(pattern: str, env: Mapping[str, str], path: Path, name: str) -> str:
    def repl(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in env:
            raise DataFileError(path, f"rule {name!r}: unknown variable {{{key}}}")
        return env[key]

    # Variables may refer to variables (a few levels deep).
    for _ in range(5):
        expanded = _VAR.sub(repl, pattern)
        if expanded == pattern:
            return expanded
        pattern = expanded
    return pattern
