r"""Training a vector-quantization codebook: a family binding (TTIC 31230, Quiz 4, problem 2).

The family derives the straight-through rule for ``x.grad`` and the encoder's whole
gradient of objective (3), the SGD step of the codebook objective (4), its form as a
rolling average with the condition on the learning rate, and the exponential moving
average of the codebook: its rolling-average form, its decay, the rate it corresponds
to.  Its variant table ``[vq]`` (:mod:`.variants`) sets the weights of the objectives
and the decay.  Answers are update statements (:mod:`.reading`), decided by
:mod:`.decide`, printed as updates (:mod:`.written`) and simulated by :mod:`.simulate`
and :mod:`.simulate_ema` against the VQ layer and streaming codebooks.
"""

from __future__ import annotations

from derivations import vq as V
from quizproof.families.vq import decide, simulate, simulate_ema, written
from quizproof.families.vq.variants import prepare
from quizproof.family import ClaimKind, Family, Legacy, ManualContent, kinds, lazy

KINDS = kinds(
    ClaimKind("straight_through", r"the straight-through rule for $x.\text{grad}$",
              lambda ctx: V.straight_through(), decide.decide_update, simulate.simulate,
              written=written.accumulated),
    ClaimKind("encoder_gradient",
              r"the encoder's gradient of objective (3) under straight-through",
              lambda ctx: V.encoder_gradient(ctx.params), decide.decide_update,
              simulate.simulate, written=written.accumulated),
    ClaimKind("sgd_update", "one SGD step on the codebook objective",
              lambda ctx: V.sgd_update(ctx.params), decide.decide_update, simulate.simulate,
              written=written.step),
    ClaimKind("rolling_average", "the SGD step as a rolling average",
              lambda ctx: V.rolling_average(ctx.params), decide.decide_update, simulate.simulate,
              written=written.average),
    ClaimKind("condition", "learning rates for which it is a rolling average",
              lambda ctx: V.convexity_condition(ctx.params), decide.decide_condition,
              simulate.simulate_condition),
    ClaimKind("ema_decay", "the EMA decay of the same step",
              lambda ctx: V.ema_decay(ctx.params), decide.decide_value, simulate_ema.simulate,
              written=written.named(lambda d: d.steps[0].expr.lhs)),
    ClaimKind("ema_update", "the exponential moving average as a rolling average",
              lambda ctx: V.ema_update(ctx.params), decide.decide_update,
              simulate_ema.simulate_update,
              written=written.average),
    ClaimKind("ema_rate", "the learning rate at which SGD is the moving average",
              lambda ctx: V.ema_rate(ctx.params), decide.decide_value, simulate_ema.simulate,
              written=written.named(lambda d: V.eta)),
)  # fmt: skip

LEGACY = Legacy(
    "2",
    {
        "p2a.straight_through": "straight_through",
        "p2a.encoder_gradient": "encoder_gradient",
        "p2b.sgd_update": "sgd_update",
        "p2c.rolling_average": "rolling_average",
        "p2c.condition": "condition",
        "p2c.ema_decay": "ema_decay",
        "p2c.ema_update": "ema_update",
        "p2c.ema_rate": "ema_rate",
    },
)

FAMILY = Family(
    name="vq",
    title="Training vector quantization",
    kinds=KINDS,
    prepare=prepare,
    table="vq",
    legacy=LEGACY,
    manual=ManualContent(  # imported when the manual is built, not for a check
        restatement=lazy("quizproof.families.vq.manual:restatement"),
        rules=lazy("quizproof.families.vq.manual:rules"),
        figures=lazy("quizproof.families.vq.manual:figures"),
    ),
)
