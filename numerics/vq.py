r"""Vector quantization (TTIC 31230, Quiz 4, problem 2), in plain numpy.

**The layer.**  A codebook $E \in \mathbb{R}^{K \times I}$ holds the
codewords $e(k)$.  Forward: $k = \mathrm{nearest}_E(x) =
\arg\min_k \|x - e(k)\|$ and $q = e(k)$.  Backward is straight-through:
the gradient reaching $q$ is passed to $x$ as if quantization were the
identity, $\nabla_x f(e(\mathrm{nearest}_E(x))) \approx \nabla_e f(e)|_{e = q}$,
accumulated into whatever $x$ already received (the commitment term
$\beta\|x - \mathrm{sg}(q)\|^2$ of the encoder's objective, say); and $e(k)$
receives the gradient of the codebook objective
$\|\mathrm{sg}(x) - e(k)\|^2$.

The straight-through gradient is exactly the gradient of a *smooth stand-in*:
with $c = \mathrm{sg}(q - x)$ held fixed, $\tilde f(x) = f(x + c)$ has
$\nabla_x \tilde f = \nabla f(q)$.  So the backward pass is checked against
central finite differences $(\tilde f(x + h u) - \tilde f(x - h u))/2h$, whose
error is $O(h^2)$; the codebook gradient is checked against central
differences in $E$ itself (nearest is locally constant).

**Codebook SGD.**  Stochastic gradient descent on the codebook objective
$c\|x - e(\mathrm{nearest}_E(x))\|^2$ (the quiz has $c = 1$) with learning rate
$\eta$ moves the nearest codeword by $-\eta$ times the gradient the layer computes.  Data stream
from a Gaussian mixture; many independent replicas (own data, own codebook)
run side by side in arrays.  The check: once the codebook has settled,
each codeword sits at the mean of the vectors assigned to it, so the residual
$x - e(k)$ seen at assignment has mean zero.  Per replica the residuals of the
second half of the run are averaged; the replicas are independent, so the
mean of those averages has an honest standard error.

**Moving averages.**  An exponential moving average (EMA) with decay $d$ keeps
each codeword at the weighted average of its starting value and the vectors
assigned to it so far: the newest has weight $1 - d$, each older one $d$ times
the weight of the next, the start what remains.  :func:`ema_by_definition`
computes exactly that sum from each codeword's history at every step (no
recursion), so a claimed one-step update, or SGD at a claimed rate, can be run
on the same stream (:func:`stream_codebook`) and compared with it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from numerics.stats import Moments

#: ``update(e, x, eta)`` returns the new codeword; arrays of shape (R, I).
Update = Callable[[np.ndarray, np.ndarray, float], np.ndarray]


def nearest(x: np.ndarray, E: np.ndarray) -> np.ndarray:
    """$\\arg\\min_k \\|x - e(k)\\|$ for each row of ``x`` (shape (..., I)); E is (K, I) or (..., K, I)."""
    d = ((x[..., None, :] - E) ** 2).sum(-1)  # $\|x - e(k)\|^2$
    return d.argmin(-1)


@dataclass(frozen=True)
class VQCache:
    x: np.ndarray
    k: np.ndarray
    q: np.ndarray


def vq_forward(x: np.ndarray, E: np.ndarray) -> VQCache:
    """Quantize each row of ``x`` (B, I) to its nearest codeword of ``E`` (K, I)."""
    k = nearest(x, E)
    return VQCache(x, k, E[k])  # $q = e(\mathrm{nearest}_E(x))$


def vq_backward(
    cache: VQCache,
    q_grad: np.ndarray,
    x_grad: np.ndarray,
    E_shape: tuple[int, int],
    codebook_weight: float = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Straight-through backward.

    ``x_grad`` is what $x$ has already received; returns the new ``x.grad`` and
    ``E.grad`` of the codebook objective $c \\sum_b \\|\\mathrm{sg}(x_b) - e(k_b)\\|^2$.
    """
    x_out = x_grad + q_grad  # straight through: the gradient at q goes to x
    E_grad = np.zeros(E_shape)
    c = codebook_weight
    np.add.at(E_grad, cache.k, 2.0 * c * (cache.q - cache.x))  # $\partial_e c\|x - e\|^2$
    return x_out, E_grad


@dataclass(frozen=True)
class Decoder:
    """A smooth decoder $y_\\Phi(q) = \\tanh(W q + b)$ and its squared error."""

    W: np.ndarray
    b: np.ndarray

    def loss(self, q: np.ndarray, y: np.ndarray) -> float:
        return float(((y - np.tanh(q @ self.W.T + self.b)) ** 2).sum())  # $\|y - y_\Phi(q)\|^2$

    def grad(self, q: np.ndarray, y: np.ndarray) -> np.ndarray:
        """$\\nabla_q \\|y - \\tanh(Wq + b)\\|^2$ by the chain rule."""
        h = np.tanh(q @ self.W.T + self.b)
        return (-2.0 * (y - h) * (1.0 - h * h)) @ self.W


@dataclass(frozen=True)
class STCheck:
    """Straight-through gradients next to their finite-difference references."""

    x: np.ndarray  # the encoder outputs (B, I)
    q: np.ndarray  # their nearest codewords
    x_grad_prior: np.ndarray  # what x received before the VQ backward (commitment term)
    q_grad: np.ndarray  # e(nearest(x)).grad
    x_grad: np.ndarray  # x.grad after the backward
    x_grad_fd: np.ndarray  # central differences of the smooth stand-in of objective (3)
    E_grad: np.ndarray
    E_grad_fd: np.ndarray
    fd_error: float  # the finite differences' own error scale


def _rng(seed: int | np.random.SeedSequence) -> np.random.Generator:
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return np.random.Generator(np.random.PCG64(ss))


def straight_through_check(
    seed: int | np.random.SeedSequence = 0,
    B: int = 4,
    K: int = 5,
    I: int = 3,
    J: int = 2,
    beta: float = 0.25,
    codebook_weight: float = 1.0,
) -> STCheck:
    """Random instance of objectives (3) and (4); backward vs central differences.

    The commitment term of (3), $\\beta\\|x - e(\\mathrm{nearest}_E(x))\\|^2$, is
    differenced as it stands (the nearest codeword recomputed at each shifted $x$);
    only the decoder's term goes through the smooth stand-in.
    """
    rng = _rng(seed)
    x = rng.normal(size=(B, I))
    E = rng.normal(size=(K, I))
    y = rng.uniform(-0.9, 0.9, size=(B, J))
    dec = Decoder(rng.normal(size=(J, I)) / np.sqrt(I), rng.normal(size=J) * 0.1)
    cache = vq_forward(x, E)
    q = cache.q
    prior = 2.0 * beta * (x - q)  # $\nabla_x \beta\|x - \mathrm{sg}(q)\|^2$
    q_grad = dec.grad(q, y)
    x_grad, E_grad = vq_backward(cache, q_grad, prior, E.shape, codebook_weight)

    c = q - x  # held fixed: the smooth stand-in is $x \mapsto f(x + c)$

    def f3(xx: np.ndarray) -> float:
        commitment = ((xx - vq_forward(xx, E).q) ** 2).sum()
        return dec.loss(xx + c, y) + beta * float(commitment)

    def f4(EE: np.ndarray) -> float:
        return codebook_weight * float(((x - EE[cache.k]) ** 2).sum())

    h = 1e-5

    def central(f: Callable[[np.ndarray], float], z: np.ndarray) -> np.ndarray:
        g = np.empty_like(z)
        for idx in np.ndindex(z.shape):
            zp, zm = z.copy(), z.copy()
            zp[idx] += h
            zm[idx] -= h
            g[idx] = (f(zp) - f(zm)) / (2 * h)  # $(f(z+h) - f(z-h))/2h$
        return g

    # truncation O(h^2) plus rounding O(eps |f| / h), with room for the constants
    scale = max(1.0, f3(x), f4(E))
    fd_error = 100.0 * (h * h * scale + np.finfo(float).eps * scale / h)
    return STCheck(x, q, prior, q_grad, x_grad, central(f3, x), E_grad, central(f4, E), fd_error)


def sgd_step(e: np.ndarray, x: np.ndarray, eta: float, codebook_weight: float = 1.0) -> np.ndarray:
    """One SGD step on $c\\|x - e\\|^2$ for the nearest codeword, via the layer's backward."""
    R, I = x.shape
    cache = VQCache(x, np.arange(R), e)
    zero = np.zeros_like(x)
    _, E_grad = vq_backward(cache, zero, zero, (R, I), codebook_weight)
    return e - eta * E_grad  # $e \leftarrow e - \eta \nabla_e$


#: ``step(e, x)`` returns the new codeword for the vector x assigned to it; shapes (I,).
Step = Callable[[np.ndarray, np.ndarray], np.ndarray]


def stream_codebook(start: np.ndarray, stream: np.ndarray, step: Step) -> np.ndarray:
    """Codebooks (T, K, I) after each vector of ``stream`` (T, I), moving the nearest by ``step``."""
    book = np.array(start, dtype=np.float64)
    out = np.empty((len(stream), *book.shape))
    for t, x in enumerate(stream):
        k = int(nearest(x, book))
        book[k] = np.asarray(step(book[k], x), dtype=np.float64)
        out[t] = book
    return out


def ema_by_definition(start: np.ndarray, stream: np.ndarray, decay: float) -> np.ndarray:
    """Codebooks (T, K, I): each codeword the EMA with ``decay`` of the vectors assigned to it.

    At every step the assigned codeword is recomputed from its whole history as the
    weighted sum $d^n e_0 + \\sum_{m=1}^n (1 - d) d^{n-m} x_m$ (no recursion).
    """
    book = np.array(start, dtype=np.float64)
    history: list[list[np.ndarray]] = [[] for _ in range(len(book))]
    out = np.empty((len(stream), *book.shape))
    for t, x in enumerate(stream):
        k = int(nearest(x, book))
        history[k].append(x)
        n = len(history[k])
        weights = (1.0 - decay) * decay ** np.arange(n - 1, -1, -1.0)  # newest: 1 - d
        book[k] = decay**n * start[k] + weights @ np.asarray(history[k])
        out[t] = book
    return out


@dataclass(frozen=True)
class Mixture:
    """A Gaussian mixture: component means (C, I), common standard deviation, weights."""

    means: np.ndarray
    std: float
    weights: np.ndarray

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        c = rng.choice(len(self.weights), size=shape, p=self.weights)
        return self.means[c] + self.std * rng.normal(size=(*shape, self.means.shape[1]))


@dataclass(frozen=True)
class CodebookRun:
    codebook: np.ndarray  # (R, K, I) final codebooks
    residual: tuple[Moments, ...]  # per coordinate: replicas' mean residual x - e(k)
    assigned_mean: np.ndarray  # (R, K, I) mean of vectors assigned in the second half
    drift: float  # mean over replicas/codewords of |e(k) - assigned mean|


def codebook_sgd(
    mixture: Mixture,
    K: int,
    eta: float,
    steps: int,
    replicas: int,
    seed: int | np.random.SeedSequence = 0,
    update: Update | None = None,
    spread: bool = False,
) -> CodebookRun:
    """Stream ``steps`` vectors into each of ``replicas`` codebooks of ``K`` codewords.

    The codebooks start at the first ``K`` vectors of each replica's stream, or with
    ``spread`` (``K`` components) at one vector from each component, so that no run
    starts with two codewords in one cluster (a state SGD leaves only slowly).
    ``update(e, x, eta)`` replaces the SGD step (to test a claimed update rule).
    """
    step = sgd_step if update is None else update
    rng = _rng(seed)
    R = replicas
    I = mixture.means.shape[1]
    E = mixture.sample((R, K), rng)
    if spread:
        E = mixture.means[:K] + mixture.std * rng.normal(size=(R, K, I))
    half = steps // 2
    res_sum = np.zeros((R, I))
    res_n = np.zeros(R)
    cell_sum = np.zeros((R, K, I))
    cell_n = np.zeros((R, K))
    rows = np.arange(R)
    block = 256
    for s0 in range(0, steps, block):
        X = mixture.sample((min(block, steps - s0), R), rng)
        for j, x in enumerate(X):
            k = nearest(x, E)
            e = E[rows, k]
            if s0 + j >= half:
                res_sum += x - e  # residual $x - e(k)$ at assignment
                res_n += 1
                np.add.at(cell_sum, (rows, k), x)
                np.add.at(cell_n, (rows, k), 1.0)
            E[rows, k] = np.asarray(step(e, x, eta), dtype=np.float64)
    per_replica = res_sum / res_n[:, None]
    with np.errstate(invalid="ignore"):
        cmean = cell_sum / cell_n[..., None]
    seen = cell_n > 0
    drift = float(np.linalg.norm(E - np.nan_to_num(cmean), axis=-1)[seen].mean())
    residual = tuple(Moments.of(per_replica[:, c]) for c in range(I))
    return CodebookRun(E, residual, cmean, drift)
