"""The command line: ``quizproof check|derive|simulate|bench|families``.

Exit status: 0 every claim verified (every check passes); 1 some claim is
not (refuted, undecided, unsupported); 2 the input is unusable (a file that
cannot be read, is not TOML or has the wrong shape, a claim that cannot be
read, inadmissible parameters): one line on stderr for each, naming the file,
the claim and the problem, while every other claim is still decided.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
import time
from pathlib import Path

from quizproof import registry, report
from quizproof.checker import DEFAULT_TIMEOUT, check_all, derive
from quizproof.model import QuizFileError, load_quiz
from quizproof.output import emit
from quizproof.report import Unusable


def quiz_files(paths: list[str]) -> tuple[list[Path], list[Unusable]]:
    """The quiz files named: files as given, directories searched recursively for ``*.toml``."""
    files, unusable = [], []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*.toml") if p.is_file())
            if not found:
                unusable.append(Unusable(name, f"{name}: no quiz files (*.toml) in this folder"))
            files += found
        elif path.exists():
            files.append(path)
        else:
            unusable.append(Unusable(name, f"{name}: no such file"))
    return files, unusable


def cmd_check(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    files, unusable = quiz_files(args.paths)
    quizzes = []
    for path in files:
        try:
            quizzes.append(load_quiz(path))
        except QuizFileError as err:
            unusable.append(Unusable(str(path), str(err)))
    results = check_all(quizzes, timeout=args.timeout)
    fmt = "json" if args.json else args.format
    single = len(args.paths) == 1 and len(files) == 1 and not Path(args.paths[0]).is_dir()
    problems = [line for r in results for line in r.problems]
    problems += [f"quizproof: {u.message}" for u in unusable]
    if fmt == "json":
        if single and results:
            record = results[0].as_json()
        else:
            record = {
                "files": [r.as_json() for r in results],
                "unusable": [{"file": u.path, "message": u.message} for u in unusable],
            }
        emit(True, record, lambda: None, problems)
    else:

        def show() -> None:
            if fmt == "github":
                for line in report.github(results, unusable):
                    print(line)
            for r in results:
                report.print_check(r)
            if not single:
                report.print_summary(results, unusable)

        emit(False, None, show, problems)
    if args.junit_xml:
        Path(args.junit_xml).write_bytes(
            report.junit(results, unusable, time.perf_counter() - started)
        )
    codes = [r.exit_code for r in results] + [2] * bool(unusable)
    return max(codes, default=2)


def cmd_derive(args: argparse.Namespace) -> int:
    quiz = load_quiz(args.file)
    forms, problems = derive(quiz)
    record = {"quiz": quiz.title, "forms": [f.as_json() for f in forms]}

    def show() -> None:
        print(f"{quiz.title}: derived forms ({quiz.path})")
        width = max([len(f["id"]) for f in record["forms"]] + [5])
        for f in record["forms"]:
            print(f"  {f['id']:<{width}}  {f['latex'] or f['note']}")

    emit(args.json, record, show, problems)
    return 2 if problems else 0


def _print_simulation(result) -> None:
    from numerics.stats import FALSE_ALARM

    quiz = result.quiz
    print(f"{quiz.title}: simulated with seed {result.seed} ({quiz.path})")
    width = max([len(c.id) for c in result.checks] + [5])
    for c in result.checks:
        if not c.points:
            print(f"  {c.id:<{width}}  FAIL  {c.message}")
            continue
        w = c.worst()
        verdict = "pass" if c.passed else "FAIL"
        if isinstance(w.claimed, str):
            detail = w.note
        else:
            z = "exact" if w.z is None or w.stderr == 0 else f"z = {w.z:+.2f}"
            detail = f"estimate {w.estimate:.6g} ± {w.stderr:.2g}, claimed {w.claimed:.6g}, {z}"
        print(f"  {c.id:<{width}}  {verdict}  {detail}")
    passed = sum(c.passed for c in result.checks)
    print(
        f"  {len(result.checks)} claims simulated: {passed} pass, {len(result.checks) - passed} "
        f"fail (two-sided z-tests at false-alarm rate {FALSE_ALARM:g} per point)"
    )
    for claim, why in result.skipped:
        print(f"  {claim.id:<{width}}  --    not simulated: {why}")


def cmd_simulate(args: argparse.Namespace) -> int:
    from quizproof.simulation import simulate  # numpy and the simulators: only when simulating

    quiz = load_quiz(args.file)
    result = simulate(quiz, args.samples, args.seed)
    emit(args.json, result.as_json(), lambda: _print_simulation(result), result.problems)
    return result.exit_code


def cmd_bench(args: argparse.Namespace) -> int:
    from quizproof import bench

    if args.check:
        result = {"check": bench.decisions(repeats=args.repeats)}
    else:
        result = bench.simulators(repeats=args.repeats)

    def show() -> None:
        for name, figures in result.items():
            print(f"{name}:")
            for key, value in figures.items():
                shown = f"{value:.4g}" if isinstance(value, float) else str(value)
                print(f"  {key.replace('_', ' '):<28} {shown}")

    emit(args.json, result, show)
    return 0


def cmd_manual(args: argparse.Namespace) -> int:
    # plotting and tables: only for the manual
    from quizproof.manual.data import UnusableInput
    from quizproof.manual.generate import write_tree

    root = Path(args.root)
    config = Path(args.config) if args.config else root / "mkdocs.yml"
    try:
        nav, verdicts = write_tree(root, Path(args.out), config, samples=args.samples)
    except UnusableInput as err:  # every line, as `check` gives them; nothing is written
        emit(False, None, lambda: None, err.lines)
        return 2
    tally = ", ".join(f"{n} {verdict}" for verdict, n in verdicts.items())
    print(f"quizproof: {sum(verdicts.values())} claims: {tally}")
    print(f"quizproof: the manual ({len(nav)} sections) is in {args.out}")
    return 0


def cmd_families(args: argparse.Namespace) -> int:
    found = registry.families()
    record = {
        name: {
            "title": fam.title,
            "table": fam.table or None,
            "kinds": {k.name: k.title for k in fam.kinds.values()},
        }
        for name, fam in found.items()
    }

    def show() -> None:
        for name, fam in found.items():
            table = f", variant table [{fam.table}]" if fam.table else ""
            print(f"{name}: {fam.title}{table}")
            print(textwrap.fill(", ".join(fam.kinds), 96, initial_indent="  ",
                                subsequent_indent="  "))  # fmt: skip

    emit(args.json, record, show)
    return 0


def _at_least_two(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 2:
        raise argparse.ArgumentTypeError(f"must be at least 2, got {value}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be nonnegative, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="quizproof",
        description="Derive, decide and cross-check the printed answers of a quiz.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("check", help="decide every claim of quiz files against their derivations")
    p.add_argument("paths", nargs="+", metavar="PATH", help="quiz files, or folders of them")
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.add_argument(
        "--format", choices=("text", "json", "github"), default="text",
        help="text tables (default), one JSON object, or GitHub workflow annotations",
    )  # fmt: skip
    p.add_argument("--junit-xml", metavar="FILE", help="also write a JUnit XML report to FILE")
    p.add_argument(
        "--timeout", type=float, default=DEFAULT_TIMEOUT,
        help="seconds per claim (default %(default)s)",
    )  # fmt: skip
    p.set_defaults(run=cmd_check)
    p = sub.add_parser("derive", help="print the derived form of every claim id for a quiz file")
    p.add_argument("file")
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.set_defaults(run=cmd_derive)
    p = sub.add_parser("simulate", help="cross-check a quiz file's claims by simulating them")
    p.add_argument("file")
    p.add_argument(
        "--samples", type=_at_least_two, default=None,
        help="samples per simulation (default: sized so a 1%% error fails w.p. 0.99)",
    )  # fmt: skip
    p.add_argument("--seed", type=_seed, default=0, help="the seed of every number (default 0)")
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.set_defaults(run=cmd_simulate)
    p = sub.add_parser("bench", help="measure the simulators (or the checker) against baselines")
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.add_argument("--repeats", type=_at_least_two, default=5, help="rounds (median reported)")
    p.add_argument(
        "--check", action="store_true",
        help="decisions per second on generated answers, pool against one process",
    )  # fmt: skip
    p.set_defaults(run=cmd_bench)
    p = sub.add_parser("manual", help="write the solutions manual as a Markdown tree")
    p.add_argument("--out", required=True, help="the folder to write (docs/ and mkdocs.yml)")
    p.add_argument("--root", default=".", help="the project: quizzes/ and docs/ (default: .)")
    p.add_argument("--config", help="site settings to start from (default: ROOT/mkdocs.yml)")
    p.add_argument("--samples", type=_at_least_two, default=None, help="samples per simulation")
    p.set_defaults(run=cmd_manual)
    p = sub.add_parser("families", help="list the installed problem families and their claims")
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.set_defaults(run=cmd_families)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    for why in registry.broken().values():  # said, not fatal: only files that use it fail
        print(f"quizproof: warning: {why}", file=sys.stderr)
    try:
        return args.run(args)
    except QuizFileError as err:
        print(f"quizproof: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("quizproof: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
