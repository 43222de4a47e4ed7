"""The command line: ``quizproof check|derive FILE [--json]``.

Exit status: 0 every claim verified; 1 some claim is not (refuted, undecided,
unsupported); 2 the input is unusable (a file that cannot be read, is not
TOML or has the wrong shape, a claim that cannot be read, inadmissible
parameters): one line on stderr for each, naming the file, the claim and the
problem, while every other claim is still decided.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections import Counter
from collections.abc import Callable

from quizproof import simulate
from quizproof.checker import DEFAULT_TIMEOUT, QuizCheck, check, derive, form_json
from quizproof.model import QuizFileError, load_quiz
from quizproof.output import emit

SYMBOL = {
    "verified": "ok",
    "refuted": "WRONG",
    "undecided": "??",
    "invalid": "BAD",
    "unsupported": "--",
}

# Further subcommands register here: name -> (add arguments, run) (see quizproof.simulate).
Subcommand = tuple[Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]
EXTRA: dict[str, tuple[str, Subcommand]] = {}
simulate.register(EXTRA)


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
    quiz = load_quiz(args.file)
    result = check(quiz, timeout=args.timeout)
    emit(args.json, result.as_json(), lambda: _print_check(result), result.problems)
    return result.exit_code


def cmd_derive(args: argparse.Namespace) -> int:
    quiz = load_quiz(args.file)
    forms, problems = derive(quiz)
    record = {"quiz": quiz.title, "forms": [form_json(spec, d) for spec, d in forms]}

    def show() -> None:
        print(f"{quiz.title}: derived forms ({quiz.path})")
        width = max([len(f["id"]) for f in record["forms"]] + [5])
        for f in record["forms"]:
            print(f"  {f['id']:<{width}}  {f['latex']}")

    emit(args.json, record, show, problems)
    return 2 if problems else 0


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
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        help="seconds per claim (default %(default)s)",
    )
    p.set_defaults(run=cmd_check)
    p = sub.add_parser("derive", help="print the derived form of every claim id for a quiz file")
    p.add_argument("file")
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.set_defaults(run=cmd_derive)
    for name, (help_text, (add_arguments, run)) in EXTRA.items():
        p = sub.add_parser(name, help=help_text)
        add_arguments(p)
        p.set_defaults(run=run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
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
