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
from collections import Counter

from quizproof import registry
from quizproof.checker import DEFAULT_TIMEOUT, QuizCheck, check, derive
from quizproof.model import QuizFileError, load_quiz
from quizproof.output import emit
from quizproof.simulation import QuizSimulation, bench, simulate

SYMBOL = {
    "verified": "ok",
    "refuted": "WRONG",
    "circular": "CIRC",
    "undecided": "??",
    "invalid": "BAD",
    "unsupported": "--",
}


def _print_check(result: QuizCheck) -> None:
    quiz = result.quiz
    source = f" ({quiz.source})" if quiz.source else ""
    print(f"{quiz.title}{source}: {quiz.path}")
    width = max([len(o.id) for o in result.outcomes] + [5])
    for o in result.outcomes:
        print(f"  {o.id:<{width}}  {o.part:<5}  {o.verdict:<11}  {SYMBOL[o.verdict]}")
        detail = []
        if o.verdict != "verified":
            detail.append(f"printed: {o.answer}")
            if o.expected is not None:
                detail.append(f"derived: {o.expected}")
        if o.counterexample:
            cx = o.counterexample
            at = ", ".join(f"{k} = {v}" for k, v in cx["point"].items())
            detail.append(f"at {at}: printed gives {cx['claimed']}, derived gives {cx['derived']}")
        if o.slip:
            detail.append(f"likely slip: {o.slip}")
        if o.message:
            detail.append(o.message)
        if o.verdict == "undecided" and o.evidence:
            detail.append(o.evidence)
        for line in detail:
            print(
                textwrap.indent(
                    textwrap.fill(line, 96, subsequent_indent="    "), " " * (width + 6)
                )
            )
    counts = Counter(o.verdict for o in result.outcomes)
    summary = ", ".join(f"{counts[v]} {v}" for v in SYMBOL if counts[v])
    print(f"  {len(result.outcomes)} claims: {summary or 'none'}")


def cmd_check(args: argparse.Namespace) -> int:
    result = check(load_quiz(args.file), timeout=args.timeout)
    emit(args.json, result.as_json(), lambda: _print_check(result), result.problems)
    return result.exit_code


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


def _print_simulation(result: QuizSimulation) -> None:
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
    if result.skipped:
        print(f"  nothing to simulate for: {', '.join(result.skipped)}")


def cmd_simulate(args: argparse.Namespace) -> int:
    quiz = load_quiz(args.file)
    result = simulate(quiz, args.samples, args.seed)
    emit(args.json, result.as_json(), lambda: _print_simulation(result), result.problems)
    return result.exit_code


def cmd_bench(args: argparse.Namespace) -> int:
    result = bench(repeats=args.repeats)

    def show() -> None:
        for name, figures in result.items():
            print(f"{name}:")
            for key, value in figures.items():
                shown = f"{value:.4g}" if isinstance(value, float) else str(value)
                print(f"  {key.replace('_', ' '):<28} {shown}")

    emit(args.json, result, show)
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
    p = sub.add_parser("check", help="decide every claim of a quiz file against its derivation")
    p.add_argument("file")
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
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
    p = sub.add_parser("bench", help="measure each family's simulator against its baselines")
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.add_argument("--repeats", type=_at_least_two, default=5, help="rounds (median reported)")
    p.set_defaults(run=cmd_bench)
    p = sub.add_parser("families", help="list the installed problem families and their claims")
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.set_defaults(run=cmd_families)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (QuizFileError, registry.RegistryError) as err:
        print(f"quizproof: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("quizproof: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
