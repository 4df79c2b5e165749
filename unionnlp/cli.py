"""The ``unionnlp`` command: thin commands over the library.

Exit codes: 0 success; 1 some inputs failed (or scores below a floor);
2 usage errors and writes that failed (a full disk: one line on stderr, and
no partial output: files are written under a temporary name and renamed);
130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import functools
import io
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import __version__
from .errors import InputError, UnionNLPError
from .model import Plan, Source

__all__ = ["main"]


STDIN_NAME = "<stdin>"


def _read(name: str) -> Source:
    """A file, or standard input for ``-`` (text in any supported encoding)."""
    from .readers import read

    if name != "-":
        return read(name)
    from .readers.text import from_bytes

    return from_bytes(sys.stdin.buffer.read(), path=STDIN_NAME)


def _check_model(path: str | None) -> None:
    """Load a user's theme model now: a missing or broken file is a usage error (exit 2)."""
    if path:
        from .themes import ThemeModel

        ThemeModel.load(path)


def _cmd_parse(args: argparse.Namespace) -> int:
    from .export import dump_jsonl, failure_record, outline, plan_record
    from .pipeline import Pipeline

    _check_model(args.model)
    parse = Pipeline.default(theme_model=args.model).parse

    failed = 0
    for name in args.paths:
        try:
            source = _read(name)
            plans = parse(source.text, source=source)
        except UnionNLPError as err:
            failed += 1
            if args.format == "json":
                dump_jsonl(failure_record(str(name), "parse", err), sys.stdout)
            print(f"unionnlp: {err}", file=sys.stderr)
            continue
        if args.format == "json":
            dump_jsonl(plan_record(source, plans), sys.stdout)
        else:
            print(outline(source, plans))
            print()
    return 1 if failed else 0


def _cmd_convert(args: argparse.Namespace) -> int:
    from collections import Counter

    from .batch import convert, convert_dask, iter_inputs, load_manifest

    unhandled: list[Path] = []
    try:
        inputs = list(
            iter_inputs(
                args.inputs, include=args.include, exclude=args.exclude, unhandled=unhandled
            )
        )
    except UnionNLPError as err:
        print(f"unionnlp: {err}", file=sys.stderr)
        return 2
    if not inputs:
        found = f" ({len(unhandled)} files of a type no reader handles)" if unhandled else ""
        print(f"unionnlp: no input files found{found}", file=sys.stderr)
        return 2
    if args.dask and args.resume:
        # Dask writes its partitions whole and keeps no journal: nothing to continue from.
        print(
            "unionnlp: --resume does not apply to --dask, which writes no journal;"
            " rerun without --resume into an empty folder",
            file=sys.stderr,
        )
        return 2
    manifest = load_manifest(args.manifest) if args.manifest else None
    _check_model(args.model)
    try:
        if args.dask:
            summary = convert_dask(
                inputs,
                args.output,
                scheduler=args.dask,
                workers=args.workers,
                manifest=manifest,
                theme_model=args.model,
            )
        else:
            summary = convert(
                inputs,
                args.output,
                workers=args.workers,
                resume=args.resume,
                manifest=manifest,
                progress=not args.quiet,
                theme_model=args.model,
            )
    except KeyboardInterrupt:
        if args.dask:
            print("unionnlp: interrupted; the run stopped", file=sys.stderr)
        else:
            print(
                f"unionnlp: interrupted; the files done so far are kept in"
                f" {args.output}.journal: run the same command with --resume to continue",
                file=sys.stderr,
            )
        return 130
    except OSError as err:
        # Disk full, file too large, no permission: the journal beside the output holds
        # every record completed so far, and `--resume` continues from it.
        print(
            f"unionnlp: cannot write {args.output}: {err.strerror or err}. The records done so"
            f" far are in {args.output}.journal; free space and rerun with --resume.",
            file=sys.stderr,
        )
        return 2
    summary.unhandled = Counter(p.suffix.lower() or "(no extension)" for p in unhandled)
    if not args.quiet:
        print(summary.text())
        print(f"output: {args.output}")
        print(_next_hint(args.output))
    failed = sum(summary.failures.values())
    return 1 if failed and not args.allow_failures else 0


def _tick(bar: Any, _path: str) -> None:
    bar.update(failed=False)


def _next_hint(output: str) -> str:
    """The closing hint of ``convert``: a ``compare`` command that reads ``output``."""
    import importlib.util

    missing = [m for m in ("pandas", "scipy", "matplotlib") if importlib.util.find_spec(m) is None]
    needs = " (needs pip install 'unionnlp[compare]')" if missing else ""
    what = "a report comparing units (themes, concreteness, distinctive terms, near-duplicates)"
    if Path(output).suffix.lower() == ".csv":
        # The flat measures table does not hold the plans' structure that compare reads.
        return (
            f"next: {what} needs the plans, which this flat table does not hold: convert again"
            f" with -o plans.jsonl, then unionnlp compare plans.jsonl --by unit_type -o"
            f" report/{needs}"
        )
    return f"next: {what}: unionnlp compare {output} --by unit_type -o report/{needs}"


def _default_gold_dirs() -> list[str]:
    """The real corpus first (when it lies beside the project), then each written set."""
    real = Path("../shared/real")
    corpora = Path("corpora")
    sets = (
        sorted(str(d) for d in corpora.iterdir() if d.is_dir() and any(d.glob("*.gold.json")))
        if corpora.is_dir()
        else []
    )
    return ([str(real)] if real.is_dir() else []) + sets


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from .batch import Progress
    from .evaluate import ThemeScorer, evaluate_dir
    from .pipeline import Pipeline
    from .readers import read
    from .themes import gold_files_under

    dirs = args.gold_dirs or _default_gold_dirs()
    if not dirs:
        print(
            "unionnlp: no gold folders given, and neither ../shared/real nor corpora/ is here;"
            " name folders holding *.gold.json files",
            file=sys.stderr,
        )
        return 2
    pipeline = Pipeline.default(theme_model=args.model)

    def parse_file(path: Path) -> list[Any]:
        source = read(path)
        return pipeline.parse(source.text, source=source)

    scorer = ThemeScorer(args.model, corpora=dirs, baseline=args.baseline)
    runs: list[tuple[str | None, list[tuple[str, Any]]]] = []
    for change in args.perturb or [None]:
        reports = []
        for gold_dir in dirs:
            total = len(gold_files_under([gold_dir])) if Path(gold_dir).exists() else 0
            bar = Progress(total, enabled=not args.json)
            try:
                report = evaluate_dir(
                    gold_dir,
                    # (a perturbed text is parsed as text: parse_file would read the file)
                    parse_file=parse_file if change is None else None,
                    parse=None if change is None else pipeline.parse,
                    perturb=change,
                    themes=scorer,
                    folds=args.folds,
                    progress=functools.partial(_tick, bar),
                )
            finally:
                bar.close()
            if args.intervals:
                _add_intervals(report)
            reports.append((gold_dir, report))
        runs.append((change, reports))
    if args.json:
        by_run = {}
        for change, reports in runs:
            data = {gold_dir: report.to_dict() for gold_dir, report in reports}
            if args.by:
                for gold_dir, report in reports:
                    data[gold_dir]["by"] = _breakdown_data(gold_dir, report, args.by)
            by_run[change or "none"] = data if len(reports) > 1 else data[dirs[0]]
        out = by_run if len(runs) > 1 else next(iter(by_run.values()))
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    first = True
    for change, reports in runs:
        for gold_dir, report in reports:
            if len(reports) > 1 or len(runs) > 1:
                what = "" if len(runs) == 1 else f" --perturb {change or 'none'}"
                print(("" if first else "\n") + f"== {gold_dir}{what}")
            first = False
            print(report.table())
            if args.by:
                print(_breakdown(gold_dir, report, args.by))
            if args.errors:
                print(report.error_lines())
                print(report.theme_error_lines())
    return 0


def _facet(gold_dir: str, field: str) -> tuple[dict[str, str], str | None]:
    """Each file's value of ``field`` in the folder's index, and ``None``; or no values
    and why there are none."""
    from .evaluate import corpus_index

    index = corpus_index(gold_dir)
    facet = {name: row[field] for name, row in index.items() if field in row}
    if facet:
        return facet, None
    known = sorted({k for row in index.values() for k in row} - {"file"})
    return facet, f"the folder's index.jsonl gives no {field!r}" + (
        f" (it gives: {', '.join(known)})" if known else " (there is no index.jsonl)"
    )


def _breakdown(gold_dir: str, report: Any, field: str) -> str:
    """The figures of ``report`` for each value of ``field`` in the folder's index."""
    from .evaluate.report import breakdown

    facet, missing = _facet(gold_dir, field)
    if missing:
        return f"by {field}: {missing}"
    return f"by {field}:\n" + breakdown(report.files, facet, field)


def _breakdown_data(gold_dir: str, report: Any, field: str) -> dict[str, Any]:
    """:func:`_breakdown` for ``--json``: the field, and the totals of each of its values
    (none, with a note, when the index gives no such field)."""
    from .evaluate.report import breakdown_dict

    facet, missing = _facet(gold_dir, field)
    if missing:
        return {"field": field, "values": {}, "note": missing}
    return {"field": field, "values": breakdown_dict(report.files, facet)}


def _add_intervals(report: Any) -> None:
    """Put the bootstrap intervals of ``report``'s figures on it, with a note saying how."""
    from .evaluate.intervals import RESAMPLES, bootstrap_intervals, groups_of

    report.intervals = bootstrap_intervals(report.files)
    groups = len(set(groups_of(report.files)))
    report.notes.append(
        f"interval: 95 % of the figure over {RESAMPLES} resamples of the {groups} groups"
        " (source sites of index.jsonl, else single files; whole groups drawn with"
        " replacement; F1, or the row's accuracy)"
    )


def _calendar_plans(name: str) -> list[Plan]:
    """The plans of a plan file, or of the records of a ``.jsonl`` file.

    Raises:
        UnionNLPError: the file cannot be read or parsed.
    """
    from . import parse

    path = Path(name)
    if path.suffix.lower() != ".jsonl":
        source = _read(name)
        return parse(source.text, source=source)
    plans: list[Plan] = []
    try:
        with path.open(encoding="utf-8") as stream:
            for n, line in enumerate(stream, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                    if "documents" in record:
                        source = Source.from_dict(record["source"])
                        plans.extend(Plan.from_dict(d, source=source) for d in record["documents"])
                except (ValueError, KeyError, TypeError) as err:
                    raise InputError(
                        f"line {n} is not a record of `unionnlp parse` or `convert` ({err})"
                    ) from err
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"cannot read {name!r}: {getattr(err, 'strerror', None) or err}") from err
    return plans


def _cmd_calendar(args: argparse.Namespace) -> int:
    from ._write import write_bytes
    from .export import format_skipped, to_ics

    plans: list[Plan] = []
    failed = 0
    for name in args.plans:
        try:
            plans.extend(_calendar_plans(name))
        except UnionNLPError as err:
            failed += 1
            print(f"unionnlp: skipped {name}: {err}", file=sys.stderr)
    if failed and not plans:
        print("unionnlp: no plans read; nothing written", file=sys.stderr)
        return 1
    data, skipped = to_ics(plans, year=args.year)
    try:
        if args.output == "-":
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        else:
            write_bytes(args.output, data)
    except OSError as err:
        where = "standard output" if args.output == "-" else args.output
        print(f"unionnlp: cannot write {where}: {err.strerror or err}", file=sys.stderr)
        return 2
    dated = data.count(b"BEGIN:VTODO")
    # With -o - the calendar is standard output; what is said goes to stderr.
    say = sys.stderr if args.output == "-" else sys.stdout
    where = "standard output" if args.output == "-" else args.output
    print(f"{where}: {dated} to-dos from {len(plans)} plans; {len(skipped)} skipped", file=say)
    if skipped:
        print(format_skipped(skipped), file=sys.stderr)
    return 1 if failed else 0


def _cmd_train(args: argparse.Namespace) -> int:
    from .themes import gold_files_under, train

    files = gold_files_under(args.gold_dirs, exclude_dirs=args.exclude_dir)
    if not files:
        print(f"unionnlp: no gold files under {', '.join(args.gold_dirs)}", file=sys.stderr)
        return 2
    params = {"taxonomy": args.taxonomy} if args.taxonomy else {}
    model, examples = train(
        args.gold_dirs, args.output_dir, exclude_dirs=args.exclude_dir, **params
    )
    counts = ", ".join(
        f"{label} {sum(label in e.labels for e in examples)}" for label in model.labels
    )
    print(
        f"trained on {len(examples)} sections from {len(model.sources)} of {len(files)} gold"
        f" files ({counts})"
    )
    print(
        f"wrote {Path(args.output_dir) / 'themes_model.npz'} (weights only; the training"
        f" texts stay in their folders); use it with --model"
    )
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    from .compare import run_compare

    return run_compare(args.inputs, args.output, args.by, args.manifest)


def _cmd_show(args: argparse.Namespace) -> int:
    from .display import run_show

    return run_show(args.path, args.output)


def _cmd_agreement(args: argparse.Namespace) -> int:
    from .evaluate import agreement, load_gold

    result = agreement(load_gold(args.first), load_gold(args.second))
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0

    def na(value: object) -> str:
        return "n/a" if value is None else f"{value}"

    print(f"documents: {result['documents']['first']} vs {result['documents']['second']}")
    for key in ("sections", "deadlines", "parties"):
        s = result[key]
        if s["f1"] is None:  # nothing to agree on is not perfect agreement
            print(f"{key:10} n/a (none in either pass)")
            continue
        precision = "n/a" if s["precision"] is None else f"{s['precision']:.3f}"
        recall = "n/a" if s["recall"] is None else f"{s['recall']:.3f}"
        print(f"{key:10} F1 {s['f1']:.3f}  (P {precision}, R {recall})")
    print(f"levels     agreement {na(result['levels']['accuracy'])}")
    print(f"roles      agreement {na(result['party_roles']['accuracy'])}")
    t = result["themes"]
    print(
        f"themes     Cohen's kappa {na(t['kappa_first_label'])} on {t['sections']} sections;"
        f" same label set {na(t['same_label_set'])}"
    )
    return 0


def _workers(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(
            f"expected a whole number of worker processes, 1 or more; got {text!r}"
        )
    return n


def _fold_list(text: str) -> set[int | str]:
    from .evaluate import N_FOLDS

    allowed: dict[str, int | str] = {}
    for n in range(N_FOLDS):
        allowed[str(n)] = n
        allowed[f"{n}a"], allowed[f"{n}b"] = f"{n}a", f"{n}b"
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if not parts or any(part not in allowed for part in parts):
        raise argparse.ArgumentTypeError(
            f"expected fold numbers from 0 to {N_FOLDS - 1} (or a half of one: 4a, 4b)"
            f" separated by commas, got {text!r}"
        )
    return {allowed[part] for part in parts}


def _perturb_list(text: str) -> list[str | None]:
    """``--perturb``: names of :data:`unionnlp.evaluate.PERTURBATIONS` separated by commas,
    in order; ``none`` is the text as read."""
    from .evaluate.perturb import PERTURBATIONS

    parts = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [part for part in parts if part != "none" and part not in PERTURBATIONS]
    if not parts or unknown:
        raise argparse.ArgumentTypeError(
            f"expected perturbation names separated by commas, got {text!r}; the names are:"
            f" none, {', '.join(PERTURBATIONS)}"
        )
    return [None if part == "none" else part for part in dict.fromkeys(parts)]


def _perturb_help() -> str:
    from .evaluate.perturb import PERTURBATIONS

    names = "; ".join(f"{p.name}: {p.description}" for p in PERTURBATIONS.values())
    # argparse formats help with %: a literal one is written twice
    return (
        "score perturbed copies of the sources (the gold files are not changed; the"
        " folded comparison ignores the change): " + names + "; none: the text as read."
        " Several names separated by commas print one report for each, in order, headed"
        " by its name (with --json, one object per name)"
    ).replace("%", "%%")


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="unionnlp",
        description="Turn Chinese trade-union work plans (工会工作计划) into structured data.",
    )
    parser.add_argument("--version", action="version", version=f"unionnlp {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = parser.add_subparsers(dest="command", required=True)

    from .readers import SUPPORTED

    p = sub.add_parser("parse", help="parse files and print their plans")
    p.add_argument(
        "paths",
        nargs="+",
        help=f"plan files ({', '.join(SUPPORTED)}), or - for text on standard input",
    )
    p.add_argument("--model", metavar="NPZ", help="a theme model written by `unionnlp train`")
    p.add_argument(
        "--format",
        choices=("json", "text"),
        default="json",
        help="json: one JSON object per file per line (JSON Lines); text: an outline",
    )
    p.set_defaults(func=_cmd_parse)

    c = sub.add_parser("convert", help="convert files and folders into one output file")
    c.add_argument("inputs", nargs="+", help="files or folders (searched recursively)")
    c.add_argument(
        "-o",
        "--output",
        required=True,
        help="output: .jsonl records, .parquet (a folder of tables), .csv (flat"
        " measures), .xlsx (measures and one sheet per table) or .sqlite",
    )
    c.add_argument(
        "-j",
        "--workers",
        type=_workers,
        default=1,
        help="worker processes (default 1; every file is converted in a worker, so a file"
        " that crashes its process costs one failure record)",
    )
    c.add_argument(
        "--resume",
        action="store_true",
        help="skip inputs already converted by an interrupted run (by content hash)",
    )
    c.add_argument(
        "--manifest",
        metavar="CSV",
        help="metadata per file: path, unit, unit_type, region, year (overrides what is inferred)",
    )
    c.add_argument(
        "--dask",
        metavar="SCHEDULER",
        help="run on Dask: 'local' or tcp://host:8786; OUTPUT becomes a folder of"
        " partitioned Parquet tables",
    )
    c.add_argument(
        "--include",
        action="append",
        default=[],
        metavar="GLOB",
        help="only files whose name matches (repeatable)",
    )
    c.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="GLOB",
        help="skip files whose name matches (repeatable)",
    )
    c.add_argument("--model", metavar="NPZ", help="a theme model written by `unionnlp train`")
    c.add_argument("--allow-failures", action="store_true", help="exit 0 even if some files failed")
    c.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no summary")
    c.set_defaults(func=_cmd_convert)

    e = sub.add_parser("evaluate", help="score the pipeline against gold files (ANNOTATION.md)")
    e.add_argument(
        "gold_dirs",
        nargs="*",
        metavar="GOLD_DIR",
        help="folders of *.gold.json files, each scored on its own (default: ../shared/real"
        " when it exists, then each set under corpora/)",
    )
    e.add_argument(
        "--baseline",
        action="store_true",
        help="also score the plain theme baseline (character 1-3-gram TF-IDF, class-balanced"
        " logistic regression) on the same folds and sections",
    )
    e.add_argument("--model", metavar="NPZ", help="a theme model written by `unionnlp train`")
    e.add_argument("--json", action="store_true", help="print the scores as JSON")
    e.add_argument(
        "--errors",
        action="store_true",
        help="also list each file's missed and spurious plans and sections, wrong levels,"
        " and missed, spurious and mislabelled deadlines and parties",
    )
    e.add_argument(
        "--by",
        metavar="FIELD",
        help="also print the main figures for each value of a field of the folder's"
        " index.jsonl (unit_type, script, batch, site); with --json, every row's totals"
        ' for each value, under the key "by"',
    )
    e.add_argument(
        "--intervals",
        action="store_true",
        help="add a 95%% interval to each figure: a bootstrap that draws whole source sites"
        " (see index.jsonl) with replacement, since plans of one site share a template",
    )
    e.add_argument(
        "--folds",
        type=_fold_list,
        metavar="N,N",
        help="score only files whose site falls in these folds (0-4) of the grouped split;"
        " 4a or 4b is one half of fold 4's sites (unionnlp.evaluate.half_of)",
    )
    e.add_argument("--perturb", type=_perturb_list, metavar="NAME[,NAME]", help=_perturb_help())
    e.set_defaults(func=_cmd_evaluate)

    k = sub.add_parser("calendar", help="write the dated measures of plans as an .ics file")
    k.add_argument(
        "plans",
        nargs="+",
        help="plan files, .jsonl records from parse/convert, or - for text on standard input",
    )
    k.add_argument(
        "-o", "--output", required=True, help="the .ics file to write (- for standard output)"
    )
    k.add_argument("--year", type=int, help="year for plans whose own year is unknown")
    k.set_defaults(func=_cmd_calendar)

    t = sub.add_parser("train", help="fit the theme model on annotated corpora")
    t.add_argument(
        "gold_dirs",
        nargs="+",
        metavar="GOLD_DIR",
        help="folders of *.gold.json files (e.g. corpora ../shared/real)",
    )
    t.add_argument(
        "--exclude-dir",
        action="append",
        default=["heldout"],
        metavar="NAME",
        help="skip gold files under folders of this name (default: heldout)",
    )
    t.add_argument(
        "-o",
        "--output-dir",
        default="theme-model",
        help="where to write themes_model.npz (default: ./theme-model; the shipped model is"
        " rebuilt with `make model`)",
    )
    t.add_argument("--taxonomy", metavar="TOML", help="a taxonomy file of the same shape")
    t.set_defaults(func=_cmd_train)

    m = sub.add_parser("compare", help="compare plans across units: tables, charts, report.html")
    m.add_argument(
        "inputs",
        nargs="+",
        help="records from parse/convert (.jsonl, a .parquet folder) or plan files",
    )
    m.add_argument(
        "--by",
        default="unit_type",
        help="metadata column to group by: unit_type (default), unit, region, year…",
    )
    m.add_argument("-o", "--output", required=True, help="folder for the report")
    m.add_argument(
        "--manifest", metavar="CSV", help="metadata per file (path, unit, unit_type, region, year)"
    )
    m.set_defaults(func=_cmd_compare)

    w = sub.add_parser("show", help="a plan's text with its structure marked, as HTML")
    w.add_argument("path", help="a plan file")
    w.add_argument("-o", "--output", required=True, help="the .html file to write")
    w.set_defaults(func=_cmd_show)

    a = sub.add_parser("agreement", help="agreement between two annotations of one source")
    a.add_argument("first", help="first pass (gold JSON)")
    a.add_argument("second", help="second pass (gold JSON)")
    a.add_argument("--json", action="store_true", help="print the figures as JSON")
    a.set_defaults(func=_cmd_agreement)
    return parser


def _stdout_fails() -> bool:
    """Whether standard output cannot take what is waiting in its buffer (a full disk,
    ``>/dev/full``); if so, it is pointed at the null device, so that the interpreter's own
    flush at exit does not fail a second time with a traceback."""
    try:
        sys.stdout.flush()
        return False
    except OSError:
        pass
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        pass
    return True


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``unionnlp`` console script."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        code = int(args.func(args))
        sys.stdout.flush()
        return code
    except UnionNLPError as err:
        print(f"unionnlp: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        _stdout_fails()
        return 0
    except KeyboardInterrupt:
        print("unionnlp: interrupted", file=sys.stderr)
        return 130
    except OSError as err:
        # One line, not a traceback: a write that failed (or a file that vanished).
        reason = err.strerror or str(err)
        if _stdout_fails():
            print(f"unionnlp: cannot write to standard output: {reason}", file=sys.stderr)
        elif err.filename:
            print(f"unionnlp: {err.filename}: {reason}", file=sys.stderr)
        else:
            print(f"unionnlp: {reason}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
