r"""Training a vector-quantization codebook (TTIC 31230, Quiz 4, problem 2).

A codebook $E$ holds one vector $e(k)$ per symbol $k$; quantization maps a vector to the
symbol with the nearest codeword, $\text{nearest}_E(x) = \arg\min_k \|x - e(k)\|$.
The encoder, decoder and codebook each have an objective: (2) the decoder's
reconstruction error, (3) the encoder's, the reconstruction error plus the commitment
term $\beta\|x_\Psi(y) - e\|^2$, and (4) the codebook's $c\|x_\Psi(y) - e\|^2$ (the quiz
has $c = 1$).

- :mod:`.symbols`: the vectors (matrix symbols), their one-coordinate stand-ins, the
  parameters $c$, $\beta$ and an EMA's decay $d$ (:class:`VQParams`).
- :mod:`.updates`: the straight-through rule (a), the encoder's gradient of (3), the SGD
  step on (4) (b), its rolling-average form and condition (c).
- :mod:`.ema`: an exponential moving average of the codebook from its definition, and its
  rolling-average form.
- :mod:`.rates`: the learning rate an EMA corresponds to, and the decay of an SGD step.
- :mod:`.compare`: comparing a claimed update formula with a derived one.

Every gradient is taken by SymPy's matrix calculus on the vectors; the straight-through
estimator and the stop-gradients are constants in the differentiation.
"""

from derivations.vq.compare import GRID, Difference, compare
from derivations.vq.ema import ema_sum, ema_update, unrolled_gap
from derivations.vq.rates import ema_decay, ema_rate
from derivations.vq.symbols import (
    DOMAIN,
    QUIZ,
    QuizSymbol,
    VQParams,
    beta,
    e,
    e_grad,
    eta,
    gamma,
    mu,
    scalar,
    x,
    x_grad,
)
from derivations.vq.updates import (
    convexity_condition,
    encoder_gradient,
    rolling_average,
    sgd_update,
    straight_through,
)

__all__ = [
    "DOMAIN",
    "GRID",
    "QUIZ",
    "Difference",
    "QuizSymbol",
    "VQParams",
    "beta",
    "compare",
    "convexity_condition",
    "e",
    "e_grad",
    "ema_decay",
    "ema_rate",
    "ema_sum",
    "ema_update",
    "encoder_gradient",
    "eta",
    "gamma",
    "mu",
    "rolling_average",
    "scalar",
    "sgd_update",
    "straight_through",
    "unrolled_gap",
    "x",
    "x_grad",
]
