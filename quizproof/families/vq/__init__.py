r"""Training a vector-quantization codebook: a family binding (TTIC 31230, Quiz 4, problem 2).

The family derives the straight-through rule for ``x.grad``, the SGD step of
the codebook objective, its form as a rolling average with the condition on
the learning rate, and the EMA decay of the same step.  Answers are update
statements (:mod:`.reading`), decided by :mod:`.decide` and simulated by
:mod:`.simulate` against the VQ layer and streaming codebook SGD.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sympy as sp

from derivations import vq as V
from quizproof.families.vq import decide, manual, simulate
from quizproof.families.vq.reading import scope_for
from quizproof.family import (
    ClaimKind,
    Context,
    Domain,
    Family,
    FamilyError,
    Legacy,
    ManualContent,
    kinds,
)


def prepare(table: Mapping[str, Any] | None, where: str = "vq") -> Context:
    if table is not None:
        raise FamilyError(f"[{where}]: this family takes no variant table")

    def points():
        yield {V.eta: sp.Rational(1, 4), V.x: sp.Integer(0), V.e: sp.Integer(1)}

    return Context(
        scope_for(), Domain((V.eta, V.x, V.e, V.x_grad, V.e_grad), points, {}, V.DOMAIN), None
    )


KINDS = kinds(
    ClaimKind("straight_through", r"the straight-through rule for $x.\text{grad}$",
              lambda ctx: V.straight_through(), decide.decide_update, simulate.simulate),
    ClaimKind("sgd_update", "one SGD step on the codebook objective",
              lambda ctx: V.sgd_update(), decide.decide_update, simulate.simulate),
    ClaimKind("rolling_average", "the SGD step as a rolling average",
              lambda ctx: V.rolling_average(), decide.decide_update, simulate.simulate),
    ClaimKind("condition", "learning rates for which it is a rolling average",
              lambda ctx: V.convexity_condition(), decide.decide_condition),
    ClaimKind("ema_decay", "the EMA decay of the same step",
              lambda ctx: V.ema_decay(), decide.decide_ema),
)  # fmt: skip

LEGACY = Legacy(
    "2",
    {
        "p2a.straight_through": "straight_through",
        "p2b.sgd_update": "sgd_update",
        "p2c.rolling_average": "rolling_average",
        "p2c.condition": "condition",
        "p2c.ema_decay": "ema_decay",
    },
)

FAMILY = Family(
    name="vq",
    title="Training vector quantization",
    kinds=KINDS,
    prepare=prepare,
    legacy=LEGACY,
    manual=ManualContent(restatement=manual.restatement, figures=manual.figures),
)
