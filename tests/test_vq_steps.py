"""The derivation steps of problems 1 and 2 as students read them (shared-notes steps guide):
sentences with their math in LaTeX, every formula renders, no identity or repeated steps,
no words set as italic products, and the checks kept apart from the steps."""

from __future__ import annotations

import re

import pytest
import sympy as sp

from quizproof import registry
from quizproof.manual.mathml import tex_to_mathml
from quizproof.printing import steps_json

pytest.importorskip("latex2mathml")

TABLES = {
    "vq": [None, {"codebook_weight": "c", "commitment_weight": 0.25, "ema_decay": "d"}],
    "entropy": [None, {"conditional": True}, {"replace": "H(z)"}],
}
CASES = [(fam, t) for fam, tables in TABLES.items() for t in tables]
# Outside $...$: ASCII math, Greek spelled out, tool words.
ASCII = re.compile(
    r"<=|>=|<-|->|\|\||(?<![A-Za-z])\*(?![A-Za-z])|\^|\b(eta|beta|gamma|lambda|sqrt)\b"
)
TOOLS = re.compile(r"\b(SymPy|simplif\w*|sympy)\b", re.IGNORECASE)
NAMES = re.compile(
    r"^([A-Za-z]|eta|beta|gamma|mu|[A-Za-z]_\{?[\w,{}()^]+\}?|[a-z]\^\{\(\d\)\}_\w+)$"
)


def derivations(fam_name, table):
    fam = registry.family(fam_name)
    ctx = fam.prepare(table, fam.table)
    return [(name, kind.derive(ctx)) for name, kind in fam.kinds.items()]


@pytest.mark.parametrize(("fam", "table"), CASES)
def test_steps_read_as_sentences_and_render(fam, table):
    for kind, d in derivations(fam, table):
        assert d.steps, kind
        rendered = steps_json(d)
        for n, (step, shown) in enumerate(zip(d.steps, rendered, strict=True)):
            where = f"{kind} step {n + 1}: {step.text!r}"
            parts = step.text.split("$")
            assert len(parts) % 2 == 1, f"unbalanced $ in {where}"
            words = " ".join(parts[::2])
            assert not ASCII.search(words), where
            assert not TOOLS.search(words), where
            for math in parts[1::2]:
                tex_to_mathml(math)
            tex_to_mathml(shown["latex"])
            if n and shown["latex"] == rendered[n - 1]["latex"]:
                pytest.fail(f"repeated step: {where}")
            if isinstance(step.expr, sp.Eq) and step.expr.lhs == step.expr.rhs:
                pytest.fail(f"identity step: {where}")
        for check in d.checks:
            assert check.endswith("."), check


@pytest.mark.parametrize(("fam", "table"), CASES)
def test_no_word_is_set_as_an_italic_product(fam, table):
    """A symbol named by several letters prints as their product unless it is a TeX name."""
    for kind, d in derivations(fam, table):
        for step in d.steps:
            if not isinstance(step.expr, sp.Basic):
                continue
            for s in step.expr.atoms(sp.Symbol, sp.MatrixSymbol):
                if type(s).__name__ in ("TermName", "QuizSymbol", "Vector", "Dummy"):
                    continue
                name = str(s.name)
                assert name.startswith("\\") or NAMES.match(name), (kind, name, step.text)
