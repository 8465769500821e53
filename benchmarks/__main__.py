"""Run the benchmarks and print one table: ``python -m benchmarks [--quick] [--only NAME]
[--write-doc] [--profile]``.

The exit status is 0 when every benchmark ran, even if a target was missed (the table is
a report, and missed targets are printed as MISSED lines); it is 1 when a benchmark
crashed and 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

# Before anything imports Qt: the GUI benchmarks need no display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import benchmarks
from benchmarks.common import Figure, Machine, Options, Report, machine

DOC_PATH = Path(__file__).resolve().parent.parent / "docs" / "performance.md"
BEGIN_MARK = "<!-- benchmark table: begin (written by python -m benchmarks --write-doc) -->"
END_MARK = "<!-- benchmark table: end -->"
HEADERS = ("figure", "median", "floor", "ratio", "target", "met?")

RunFunction = Callable[[Options], list[Figure]]


def discover() -> list[str]:
    """Module names ``bench_*`` in this package, in name order."""
    return sorted(
        info.name
        for info in pkgutil.iter_modules(benchmarks.__path__)
        if info.name.startswith("bench_") and not info.ispkg
    )


def select(names: Sequence[str], only: str | None) -> list[str]:
    if only is None:
        return list(names)
    wanted = only.removeprefix("bench_").removesuffix(".py")
    return [n for n in names if n == f"bench_{wanted}"]


def parse_args(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Run BYOK Desktop's benchmarks and print one table of medians.",
    )
    parser.add_argument(
        "--quick", action="store_true", help="fewer repeats and smaller workloads (CI smoke)"
    )
    parser.add_argument(
        "--only", metavar="NAME", help="run one benchmark module, e.g. 'import' or 'bench_jobs'"
    )
    parser.add_argument(
        "--write-doc",
        action="store_true",
        help=f"rewrite the table in {DOC_PATH.relative_to(DOC_PATH.parent.parent)}",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also print where the time goes (cProfile) on the slow paths",
    )
    parser.add_argument("--list", action="store_true", help="list the benchmark modules and exit")
    args = parser.parse_args(argv)
    if args.list:
        print("\n".join(discover()))
        raise SystemExit(0)
    if args.write_doc and args.only:
        parser.error("--write-doc records a whole run; leave out --only")
    if args.only and not select(discover(), args.only):
        parser.error(f"no benchmark named {args.only!r}; there are: {', '.join(discover())}")
    return Options(quick=args.quick, only=args.only, write_doc=args.write_doc, profile=args.profile)


# --- the table ---------------------------------------------------------------------------


def rows(figures: Sequence[Figure]) -> list[tuple[str, ...]]:
    return [
        (f.name, f.value_text(), f.floor_text(), f.ratio_text(), f.target or "–", f.met_text())
        for f in figures
    ]


def text_table(figures: Sequence[Figure]) -> str:
    body = rows(figures)
    widths = [max(len(r[i]) for r in (HEADERS, *body)) for i in range(len(HEADERS))]

    def line(cells: Sequence[str]) -> str:
        return " | ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True))

    rule = "-+-".join("-" * w for w in widths)
    return "\n".join([line(HEADERS), rule, *(line(r) for r in body)])


def markdown_table(figures: Sequence[Figure]) -> str:
    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    lines = [
        "| " + " | ".join(HEADERS) + " |",
        "|" + "|".join(["---"] * len(HEADERS)) + "|",
    ]
    lines += ["| " + " | ".join(cell(c) for c in r) + " |" for r in rows(figures)]
    return "\n".join(lines)


def notes(figures: Sequence[Figure]) -> list[str]:
    return [f"{f.name}: {f.note}" for f in figures if f.note]


def print_report(report: Report, total_s: float, options: Options) -> None:
    print()
    print(text_table(report.figures))
    print()
    for line in notes(report.figures):
        print(f"- {line}")
    timings = ", ".join(f"{name} {s:.0f} s" for name, s in report.seconds.items())
    print(f"\nTook {total_s:.0f} s ({timings}){' with --quick' if options.quick else ''}.")
    missed = [f for f in report.figures if f.met is False]
    for figure in missed:
        print(
            f"MISSED: {figure.name}: {figure.value_text()} (floor {figure.floor_text()}, "
            f"ratio {figure.ratio_text()}); target {figure.target}"
        )
    for module, error in report.failures:
        print(f"FAILED: {module} did not finish: {error}")


# --- docs/performance.md ------------------------------------------------------------------

_INTRO = """# Performance

BYOK Desktop's speed is measured by the benchmark suite in `benchmarks/`, never asserted in
unit tests. Each figure is the median of repeated runs and is compared with a *floor*
measured in the same run: the same work done the cheapest way (for example a raw
`executemany` of the same rows), or the interval a timer cannot beat. The ratio says how
far the app is from the floor, so a slower or busier machine moves both and the ratio stays
meaningful. Quote medians and ratios; the machine below is small and may be shared, so
single runs are noisy.

## How to run

```sh
make bench                                  # every benchmark, full size (several minutes)
.venv/bin/python -m benchmarks --quick      # fewer repeats, smaller workloads (CI smoke)
.venv/bin/python -m benchmarks --only jobs  # one module: benchmarks/bench_jobs.py
.venv/bin/python -m benchmarks --profile    # also print where the time goes (cProfile)
.venv/bin/python -m benchmarks --write-doc  # rewrite the table below with this run
```

The run exits 0 even when a target is missed (it is a report): look for the `MISSED`
lines. A benchmark module is `benchmarks/bench_NAME.py` with a function
`run(options) -> list[Figure]` (see `benchmarks/common.py`); the runner finds it by name.
Test data: `python -m benchmarks.generate PATH [--products N]` writes a database with
many products (100,000 by default) for the view and start-up benchmarks.

## Latest results

"""


def doc_section(report: Report, info: Machine, total_s: float, options: Options) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    kind = "`python -m benchmarks --quick` (smaller workloads)" if options.quick else "`make bench`"
    lines = [
        BEGIN_MARK,
        f"Run on {when} with {kind}; took {total_s:.0f} s.",
        "",
        "| machine | |",
        "|---|---|",
        *(f"| {label} | {value} |" for label, value in info.lines()),
        "",
        markdown_table(report.figures),
        "",
        "Notes:",
        "",
        *(f"- {line}" for line in notes(report.figures)),
    ]
    missed = [f for f in report.figures if f.met is False]
    if missed:
        lines += ["", "Missed targets: " + "; ".join(f.name for f in missed) + "."]
    if report.failures:
        lines += ["", "Did not finish: " + ", ".join(m for m, _ in report.failures) + "."]
    lines.append(END_MARK)
    return "\n".join(lines) + "\n"


def write_doc(section: str, path: Path = DOC_PATH) -> None:
    text = path.read_text(encoding="utf-8") if path.exists() else _INTRO
    if BEGIN_MARK in text and END_MARK in text:
        before, rest = text.split(BEGIN_MARK, 1)
        after = rest.split(END_MARK, 1)[1].lstrip("\n")
        text = before + section + (f"\n{after}" if after else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


# --- main ----------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_args(argv)
    info = machine()
    print(f"Machine: {info.cpu}, {info.cores} cores, {info.ram_gb:.1f} GB, {info.os}")
    print(
        f"Python {info.python}, {info.qt}, SQLite {info.sqlite}, SQLAlchemy {info.sqlalchemy}; "
        f"load average {info.load}"
    )
    report = Report()
    started = time.perf_counter()
    for name in select(discover(), options.only):
        print(f"\n== {name}", flush=True)
        module_start = time.perf_counter()
        try:
            module = importlib.import_module(f"benchmarks.{name}")
            run = cast(RunFunction, module.run)
            figures = run(options)
        except Exception as exc:  # report it and go on with the other benchmarks
            traceback.print_exc()
            report.failures.append((name, f"{type(exc).__name__}: {exc}"))
            figures = []
        report.seconds[name] = time.perf_counter() - module_start
        report.figures.extend(figures)
        for figure in figures:
            print(f"   {figure.name}: {figure.value_text()} ({figure.met_text()})", flush=True)
    total = time.perf_counter() - started
    print_report(report, total, options)
    if options.write_doc:
        write_doc(doc_section(report, info, total, options))
        print(f"\nWrote the table to {DOC_PATH}")
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
