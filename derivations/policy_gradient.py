r"""Policy gradients on the race to the goal (TTIC 31230, Quiz 4, problem 3(d)).

The policy has one parameter, $\lambda = \pi(a_2)$, so its score is

$$\frac{d}{d\lambda} \ln \pi(a_2) = \frac{1}{\lambda}, \qquad
  \frac{d}{d\lambda} \ln \pi(a_1) = -\frac{1}{1-\lambda}.$$

For one episode $(s_0, a_0, \dots, s_{T-1}, a_{T-1})$ of $T$ actions the two
per-episode estimates of $\frac{d}{d\lambda} E[R]$ are

$$\hat g_{\text{REINFORCE}} = \sum_{t<T} \frac{d \ln \pi(a_t)}{d\lambda}
     \sum_{t' \ge t} R(s_{t'}, a_{t'}), \qquad
  \hat g_{\text{A2C}} = \sum_{t<T} \frac{d \ln \pi(a_t)}{d\lambda} A^\pi(s_t, a_t).$$

**A2C's sign.**  The sign of each term $\frac{d \ln \pi(a)}{d\lambda} A(a)$ is
decided under explicit assumptions: $\lambda = 1/(1+u)$ with $u > 0$ covers
exactly $0 < \lambda < 1$, and a variant's probability $p = 1/(1+v)$ with
$v \ge 0$ covers exactly $0 < p \le 1$ (a narrower range $(l, h]$ given by the
quiz file is $p = l + (h - l)/(1 + v)$, a closed lower end a case of its own).
With $\lambda = \sigma(\theta)$ the score is multiplied by
$d\lambda/d\theta = \lambda(1-\lambda) > 0$.  Here every term is
$(p_{a_2} - p_{a_1})$ times a positive factor, so A2C never moves $\lambda$ the
wrong way exactly when $a_2$ advances at least as often as $a_1$; where it can,
the derivation names an exact admissible point.

**The law of an episode.**  Each action is drawn afresh: $a_2$ with probability
$\lambda$, and action $a$ advances with probability $p_a$.  An episode is $N$
blocks, each a run of non-advancing actions closed by an advancing one, so the
joint probability generating function of $T$ and $n_2$ (the number of $a_2$) is

$$E[x^T y^{n_2}] = \left(\frac{A(x, y)}{1 - B(x, y)}\right)^N, \quad
  A = x(\lambda p_{a_2} y + (1-\lambda) p_{a_1}), \quad
  B = x(\lambda (1-p_{a_2}) y + (1-\lambda)(1 - p_{a_1})),$$

and $E[T^a n_2^b] = (x\partial_x)^a (y\partial_y)^b\,\Phi\,|_{x=y=1}$.  In the
quiz ($p_{a_1} = 0$, $p_{a_2} = 1$) $n_2 = N$ and $T = N + K$ with $K$ negative
binomial, so both estimates are functions of $T$ alone.

With the terminal reward, the reward-to-go of every action is $-T$, so
$\hat g_{\text{REINFORCE}} = -T\,(n_2/\lambda - n_1/(1-\lambda))$, a polynomial in
$(T, n_2)$; A2C's estimate is linear in the counts whenever $A$ does not depend
on the state.  Means and variances are therefore closed forms.

With the per-step reward $c$, the reward-to-go $c\,(T - t)$ depends on where in
the episode each action falls.  REINFORCE's moments then come from a
first-step recursion in the number $m$ of advances to go: with $L_m$ the
actions left and $X_m$ the part of the estimate still to come,
$L_m = 1 + L'$ and $X_m = c\,\partial\ln\pi(a)\,(1 + L') + X'$, where
$(L', X')$ is distributed as from $m - 1$ or $m$.  Each $E[L_m^a X_m^b]$,
$a + b \le 2$, obeys $M_m = M_{m-1} + \Delta(m)$ and is summed from $M_0 = 0$.

The probability that one REINFORCE episode decreases $\lambda$ has a closed form
when $n_2$ is the same in every episode (the quiz's rules): the incomplete beta
function $I_\lambda(N, \lceil N(1-\lambda)/\lambda \rceil)$.  Elsewhere (an $a_2$
that may fail, an $a_1$ that may advance, a per-step reward) the event is a
region of the joint law, its probability a sum with no closed form here; the
result is ``nan`` and the steps say so.  Every mean is shown equal to
$\frac{d}{d\lambda} E[R]$, with $E[R] = V^\pi(0, 0)$ from the Bellman equation.
"""

from __future__ import annotations

import itertools
from functools import lru_cache

import sympy as sp

from derivations.core import Derivation, Step
from derivations.race import DOMAIN, RaceRules, advantage, lam, value_function
from derivations.race import N as N_sym
from derivations.race import i as i_sym
from derivations.race import t as t_sym

a_1, a_2 = sp.Symbol("a_1"), sp.Symbol("a_2")
ACTIONS = {1: a_1, 2: a_2}
theta = sp.Symbol("theta", real=True)  # the logit: lambda = sigmoid(theta)
u = sp.Symbol("u", positive=True)  # $\lambda = 1/(1+u)$, u > 0
x, y = sp.Symbol("x", positive=True), sp.Symbol("y", positive=True)  # PGF variables
T_sym = sp.Symbol("T", integer=True, positive=True)  # actions in the episode
n2_sym = sp.Symbol("n_2", integer=True, nonnegative=True)  # a2 actions in the episode
K_sym = sp.Symbol("K", integer=True, nonnegative=True)  # a1 actions (quiz rules: T = N + K)

HALF = sp.Rational(1, 2)
GRID = (HALF, sp.Rational(1, 4), sp.Rational(3, 4), sp.Rational(1, 10), sp.Rational(9, 10))
PARAM_GRID = (sp.Integer(1), HALF, sp.Rational(1, 4), sp.Rational(3, 4), sp.Rational(1, 10))


# --------------------------------------------------------------------------- scores and signs


@lru_cache(maxsize=256)
def score(action: int, rules: RaceRules) -> sp.Expr:
    r"""$\frac{d}{d\lambda} \ln \pi(a)$."""
    return sp.simplify(sp.diff(sp.log(rules.policy(action)), lam))


def score_theta(action: int, rules: RaceRules) -> sp.Expr:
    r"""$\frac{d}{d\theta} \ln \pi(a)$ with $\lambda = \sigma(\theta)$, written in $\lambda$."""
    sigmoid = 1 / (1 + sp.exp(-theta))
    d = sp.diff(sp.log(rules.policy(action).subs(lam, sigmoid)), theta)
    # $e^{-\theta} = (1-\lambda)/\lambda$ where $\lambda = \sigma(\theta)$
    return sp.factor(sp.simplify(d.subs(sp.exp(-theta), (1 - lam) / lam)))


Bounds = tuple[tuple[sp.Symbol, sp.Interval], ...]  # a variant's own ranges for its symbols
UNIT = sp.Interval.Lopen(0, 1)  # a new symbol is a probability in (0, 1] unless bounded


def interval_of(p: sp.Symbol, bounds: Bounds = ()) -> sp.Interval:
    return dict(bounds).get(p, UNIT)


def interval_text(iv: sp.Interval) -> str:
    """``(0, 1]`` for Interval.Lopen(0, 1)."""
    left, right = "(" if iv.left_open else "[", ")" if iv.right_open else "]"
    return f"{left}{iv.start}, {iv.end}{right}"


def _cases(rules: RaceRules, bounds: Bounds = ()) -> list[dict[sp.Symbol, sp.Expr]]:
    r"""Substitutions that together cover the domain exactly.

    $\lambda = 1/(1+u)$, $u > 0$.  A symbol ranging over $(l, h]$ is
    $l + (h - l)/(1 + v)$ with $v \ge 0$ ($v > 0$ for $(l, h)$); a closed lower
    end $l$ is a case of its own.
    """
    options: list[list[tuple[sp.Symbol, sp.Expr]]] = []
    for p in rules.parameters:
        iv = interval_of(p, bounds)
        lo, hi = iv.start, iv.end
        if iv.right_open:
            v = sp.Symbol(f"v_{p.name}", positive=True)
        else:
            v = sp.Symbol(f"v_{p.name}", nonnegative=True)
        choices = [(p, lo + (hi - lo) / (1 + v))]
        if not iv.left_open:
            choices.append((p, lo))
        options.append(choices)
    cases = []
    for combo in itertools.product(*options):
        cases.append({lam: 1 / (1 + u), **dict(combo)})
    return cases


def _sign(expr: sp.Expr, rules: RaceRules, bounds: Bounds = ()) -> bool | None:
    """True: >= 0 on the whole domain; False: < 0 on the whole domain; None: it depends."""
    found = set()
    for case in _cases(rules, bounds):
        e = sp.factor(sp.simplify(expr.subs(case)))
        found.add(True if e.is_nonnegative else False if e.is_negative else None)
    return found.pop() if len(found) == 1 else None


def interval_points(iv: sp.Interval) -> list[sp.Expr]:
    """Exact points of an interval: a small grid, its ends if closed, and inner points."""
    lo, hi = iv.start, iv.end
    out = []
    for v in (*PARAM_GRID, lo, hi, (lo + hi) / 2, lo + (hi - lo) / 4, hi - (hi - lo) / 4):
        if iv.contains(v) is sp.true and v not in out:
            out.append(v)
    return out


def _points(rules: RaceRules, bounds: Bounds = ()):
    """Admissible exact points, lambda first, then each new symbol."""
    params = rules.parameters
    grids = [interval_points(interval_of(p, bounds)) for p in params]
    for lv in GRID:
        for pv in itertools.product(*grids):
            yield {lam: lv, **dict(zip(params, pv, strict=True))}


def tidy(expr: sp.Expr) -> sp.Expr:
    r"""Factored, a factor with a negative constant term turned round: $1 - \lambda$, not $\lambda - 1$."""
    if not isinstance(expr, sp.Expr) or expr.is_number:
        return expr
    num, den = sp.fraction(sp.factor(expr))

    def flipped(part: sp.Expr) -> tuple[sp.Expr, int]:
        out, sign = sp.Integer(1), 1
        for factor in sp.Mul.make_args(part):
            base, power = factor.as_base_exp()
            if base.is_Add and base.as_coeff_Add()[0] < 0 and power.is_integer:  # $\lambda - 1$
                base, sign = -base, sign * (-1) ** int(power)
            out *= base**power
        return out, sign

    (n, s1), (d, s2) = flipped(num), flipped(den)
    result = s1 * s2 * n / d
    assert sp.cancel(result - expr) == 0  # the same rational function
    return result


def _name(latex: str) -> sp.Symbol:
    """A symbol that prints as the given LaTeX (the braces keep SymPy from splitting it)."""
    return sp.Symbol("{" + latex + "}")


def _witness(point: dict[sp.Symbol, sp.Expr], **extra: sp.Basic) -> dict[str, sp.Basic]:
    w: dict[str, sp.Basic] = dict(extra)
    for s, v in point.items():
        w[s.name] = v
    return w


# --------------------------------------------------------------------------- p3d.a2c_never_decreases


@lru_cache(maxsize=64)
def a2c_never_decreases(rules: RaceRules, bounds: Bounds = ()) -> Derivation:
    r"""Is $\frac{d \ln \pi(a)}{d\lambda} A(a) \ge 0$ for each action, on the whole domain?

    Also for the logit $\theta$ ($\lambda = \sigma(\theta)$).  The result is
    ``sp.true``; ``sp.false`` with a witness (action, $\lambda$ and the variant's
    parameters where the term is negative); or, when the sign depends on a
    parameter and no exact point of a small grid shows a negative term, the
    condition itself (not a boolean).  ``bounds`` narrows the range of the
    variant's symbols (each in $(0, 1]$ by default).
    """
    steps: list[Step] = []
    terms: list[tuple[str, int, sp.Expr]] = []
    for action in (1, 2):
        adv = advantage(rules, action).result
        if adv.free_symbols & {i_sym, t_sym, N_sym}:
            steps.append(Step(f"A(a_{action}) depends on the state", adv))
        for param, sc in (("lambda", score(action, rules)), ("theta", score_theta(action, rules))):
            term = sp.factor(sp.simplify(sc * adv))  # $\frac{d \ln\pi(a)}{d\,\cdot} A(a)$
            var = r"\theta" if param == "theta" else r"\lambda"
            lhs = _name(rf"\frac{{d}}{{d{var}}} \ln \pi(a_{action})\, A(a_{action})")
            steps.append(
                Step(f"Score times advantage for a_{action}, parameter {param}", sp.Eq(lhs, term))
            )
            terms.append((param, action, term))
    cases = _cases(rules, bounds)
    ranges = ", ".join(f"{p} in {interval_text(interval_of(p, bounds))}" for p in rules.parameters)
    steps.append(
        Step(
            "Admissible values: lambda = 1/(1+u) with u > 0"
            + (f"; {ranges}, each written as l + (h - l)/(1 + v), v >= 0" if ranges else ""),
            sp.Tuple(*(sp.Tuple(*(sp.Eq(k, e) for k, e in c.items())) for c in cases))
            if len(cases) > 1
            else sp.Tuple(*(sp.Eq(k, e) for k, e in cases[0].items())),
        )
    )
    signs = [(param, action, term, _sign(term, rules, bounds)) for param, action, term in terms]
    for param, action, term, sgn in signs:
        word = {True: "nonnegative", False: "negative", None: "of undetermined sign"}[sgn]
        shown = [sp.factor(sp.simplify(term.subs(c))) for c in cases]
        if sgn is None and all(e.is_nonpositive for e in shown):
            word = "nonpositive (zero only at the edge of a parameter's range)"
        steps.append(
            Step(
                f"With these substitutions the a_{action} term (parameter {param}) is {word}",
                shown[0] if len(shown) == 1 else sp.Tuple(*shown),
            )
        )
    assumptions = DOMAIN + "".join(
        rf",\ {sp.latex(p)} \in {sp.latex(interval_of(p, bounds))}" for p in rules.parameters
    )
    if all(s is True for *_, s in signs):
        steps.append(Step("Every term is nonnegative, so every A2C update is", sp.true))
        return Derivation("p3d.a2c_never_decreases", sp.true, tuple(steps), assumptions)
    # A negative term: find an exact admissible point where it is negative.
    for param, action, term, sgn in signs:
        if sgn is True:
            continue
        for point in _points(rules, bounds):
            value = sp.nsimplify(term.subs(point))
            if value.is_negative:
                where = ", ".join(f"{k} = {v}" for k, v in point.items())
                steps.append(
                    Step(
                        f"At {where} the a_{action} term (parameter {param}) is negative",
                        sp.Eq(_name(r"\text{term}"), value),
                    )
                )
                others = [tm.subs(point) for pm, _, tm, _ in signs if pm == param]
                if all(sp.nsimplify(o).is_negative for o in others):
                    text = "Both actions' terms are negative here, so every episode's update is"
                else:
                    text = "This action's contribution to the update is negative, so the claim is"
                steps.append(Step(text, sp.false))
                witness = _witness(point, action=ACTIONS[action], parameter=sp.Symbol(param))
                return Derivation(
                    "p3d.a2c_never_decreases", sp.false, tuple(steps), assumptions, witness
                )
    condition = sp.And(*(sp.simplify(term >= 0) for *_, term, s in signs if s is not True))
    steps.append(
        Step("The sign depends on the variant's parameters: it holds exactly when", condition)
    )
    return Derivation("p3d.a2c_never_decreases", condition, tuple(steps), assumptions)


# --------------------------------------------------------------------------- p3d.reinforce_can_decrease


def rewards(rules: RaceRules, length: int) -> list[sp.Expr]:
    """The rewards of an episode of ``length`` actions: c each, plus B(T) on the last."""
    c = rules.step_reward
    return [
        c + (rules.goal_value(sp.Integer(length)) if s == length - 1 else 0) for s in range(length)
    ]


def reinforce_update(rules: RaceRules, actions: tuple[int, ...], at: sp.Expr = lam) -> sp.Expr:
    r"""$\sum_t \frac{d \ln \pi(a_t)}{d\lambda} \sum_{t' \ge t} R_{t'}$ for one episode."""
    r = rewards(rules, len(actions))
    scores = {a: score(a, rules).subs(lam, at) for a in (1, 2)}
    total = sp.Integer(0)
    for s, action in enumerate(actions):
        total += scores[action] * sum(r[s:])  # score times reward-to-go
    return total if at.is_number else sp.simplify(total)


def _episodes(rules: RaceRules, goal: int, max_len: int):
    """Episodes reaching ``goal`` advances: (actions, advanced flags), shortest first.

    An outcome is kept if it has positive probability for some admissible value
    of the variant's parameters; ``certain`` says whether it does for all of them.
    """
    for length in range(goal, max_len + 1):
        for flags in itertools.product((0, 1), repeat=length):
            if sum(flags) != goal or flags[-1] != 1:
                continue
            for actions in itertools.product((1, 2), repeat=length):
                certain, possible = True, True
                for action, adv in zip(actions, flags, strict=True):
                    p = rules.advance(action)
                    prob = p if adv else 1 - p
                    if prob.is_number:
                        possible &= bool(prob > 0)
                    else:  # p in (0, 1]: advancing always possible, failing only if p < 1
                        certain &= bool(adv)
                if possible:
                    yield actions, flags, certain


@lru_cache(maxsize=64)
def reinforce_can_decrease(rules: RaceRules, bounds: Bounds = ()) -> Derivation:
    r"""An episode at $\lambda = 1/2$ with more $a_2$ than $a_1$ whose REINFORCE update is negative.

    Searched exhaustively over short episodes (goal of 1 to 3 advances),
    preferring episodes that contain both actions and whose outcomes are possible
    for every admissible value of the variant's parameters.
    """
    steps = [
        Step("The score of a_1", sp.Eq(_name(r"\frac{d}{d\lambda} \ln \pi(a_1)"), score(1, rules))),
        Step("The score of a_2", sp.Eq(_name(r"\frac{d}{d\lambda} \ln \pi(a_2)"), score(2, rules))),
    ]
    if rules.reward == "terminal":
        n1 = sp.Symbol("n_1", integer=True, nonnegative=True)
        general = sp.factor(-T_sym * (n2_sym * score(2, rules) + n1 * score(1, rules)))
        steps.append(
            Step(
                "With the terminal reward every reward-to-go is -T, so the update is",
                sp.Eq(_name(r"\hat g"), general),
            )
        )
        steps.append(
            Step("At lambda = 1/2 it is negative whenever n_2 > n_1", general.subs(lam, HALF))
        )
    best = None
    updates: dict[tuple[int, ...], sp.Expr] = {}
    for goal in (1, 2, 3):
        for actions, flags, certain in _episodes(rules, goal, goal + 4):
            if actions.count(2) <= actions.count(1):
                continue
            if actions not in updates:
                updates[actions] = reinforce_update(rules, actions, HALF)
            update = updates[actions]
            if not update.is_negative:
                continue
            rank = (not certain, len(set(actions)) < 2, goal, len(actions))
            if best is None or rank < best[0]:
                best = (rank, goal, actions, flags, update)
        if best is not None and best[0][:2] == (False, False):
            break
    if best is None:
        steps.append(
            Step("No short episode with more a_2 than a_1 has a negative update", sp.false)
        )
        return Derivation("p3d.reinforce_can_decrease", sp.false, tuple(steps), DOMAIN)
    rank, goal, actions, flags, update = best
    episode = sp.Tuple(*(ACTIONS[a] for a in actions))
    witness: dict[str, sp.Basic] = {
        "N": sp.Integer(goal),
        "episode": episode,
        "advanced": sp.Tuple(*flags),
        "lambda": HALF,
        "update": update,
    }
    if rank[0]:  # an outcome needs a parameter below 1: take the middle of its range
        for p in rules.parameters:
            iv = interval_of(p, bounds)
            witness[p.name] = (iv.start + iv.end) / 2
    steps.append(
        Step(
            f"With N = {goal}, the episode {tuple(str(a) for a in episode)} "
            f"(advances {flags}) has more a_2 than a_1; its REINFORCE update at lambda = 1/2",
            sp.Eq(_name(r"\hat g"), update),
        )
    )
    steps.append(Step("It is negative, so REINFORCE can decrease lambda", sp.true))
    return Derivation("p3d.reinforce_can_decrease", sp.true, tuple(steps), DOMAIN, witness)


# --------------------------------------------------------------------------- the law of an episode


class EpisodeLaw:
    r"""The joint law of $T$ (actions) and $n_2$ ($a_2$ actions) of one episode, via its PGF."""

    def __init__(self, rules: RaceRules) -> None:
        self.rules = rules
        p1, p2 = rules.advance_a1, rules.advance_a2
        self.advance_step = x * (lam * p2 * y + (1 - lam) * p1)  # $A(x, y)$: an advancing action
        self.fail_step = x * (lam * (1 - p2) * y + (1 - lam) * (1 - p1))  # $B(x, y)$
        j = sp.Symbol("j", integer=True, nonnegative=True)
        b = sp.Symbol("b", positive=True)  # stands for B(x, y); B(1, 1) = 1 - q < 1
        geometric = sp.summation(b**j, (j, 0, sp.oo))  # runs of j non-advancing actions
        if isinstance(geometric, sp.Piecewise):
            geometric = geometric.args[0][0]  # its condition |b| < 1 holds near x = y = 1
        self.block = self.advance_step * geometric.subs(b, self.fail_step)
        self.pgf = self.block**N_sym  # $\Phi(x, y) = (A / (1 - B))^N$
        self.log_pgf = N_sym * sp.log(self.block)  # $\ln \Phi$
        # $(x\partial_x)^a (y\partial_y)^b \Phi = f_{a,b}\,\Phi$; $f$ is rational, $\Phi(1,1) = 1$.
        self._derivs: dict[tuple[int, int], sp.Expr] = {(0, 0): sp.Integer(1)}
        self._moments: dict[tuple[int, int], sp.Expr] = {}

    def _deriv(self, a: int, b: int) -> sp.Expr:
        if (a, b) not in self._derivs:
            v = y if b > 0 else x
            f = self._deriv(a, b - 1) if b > 0 else self._deriv(a - 1, b)
            # $v\partial_v (f\Phi) = (v\partial_v f + f\, v\partial_v \ln\Phi)\,\Phi$
            self._derivs[(a, b)] = v * sp.diff(f, v) + f * v * sp.diff(self.log_pgf, v)
        return self._derivs[(a, b)]

    def moment(self, a: int, b: int) -> sp.Expr:
        r"""$E[T^a n_2^b] = (x\partial_x)^a (y\partial_y)^b \Phi |_{x=y=1}$."""
        if (a, b) not in self._moments:
            value = self._deriv(a, b).subs({x: 1, y: 1})
            self._moments[(a, b)] = sp.factor(sp.cancel(sp.together(value)))
        return self._moments[(a, b)]

    def expect(self, poly: sp.Expr) -> sp.Expr:
        """E[poly(T, n_2)] for a polynomial in T and n_2."""
        terms = sp.Poly(sp.expand(poly), T_sym, n2_sym).terms()
        return sp.factor(sp.cancel(sp.together(sum(c * self.moment(a, b) for (a, b), c in terms))))

    def n2_is_fixed(self) -> bool:
        """Is n_2 the same in every episode (its variance zero)?"""
        return sp.cancel(self.moment(0, 2) - self.moment(0, 1) ** 2) == 0


@lru_cache(maxsize=64)
def episode_law(rules: RaceRules) -> EpisodeLaw:
    return EpisodeLaw(rules)


# --------------------------------------------------------------------------- the estimators


def expected_return(rules: RaceRules) -> sp.Expr:
    r"""$E[R] = V^\pi(0, 0)$, from the derived value function."""
    return sp.simplify(value_function(rules).result.subs({i_sym: 0, t_sym: 0}))


@lru_cache(maxsize=64)
def gradient(rules: RaceRules) -> Derivation:
    r"""p3d.grad: $\frac{d}{d\lambda} E[R]$ with $E[R] = V^\pi(0, 0)$."""
    er = expected_return(rules)
    result = tidy(sp.simplify(sp.diff(er, lam)))
    steps = (
        Step("The expected return is the value of the start state", sp.Eq(_name("E[R]"), er)),
        Step("Differentiating in lambda", sp.Eq(_name(r"\frac{d E[R]}{d\lambda}"), result)),
    )
    return Derivation("p3d.grad", result, steps, DOMAIN)


def reinforce_estimate(rules: RaceRules) -> sp.Expr | None:
    r"""REINFORCE's estimate as a polynomial in $(T, n_2)$, or None if it is not one.

    The reward-to-go of action $t$ is $c\,(T - t) + B(T)$; it is the same for
    every action exactly when $c = 0$, and then the estimate is
    $B(T)\,(n_2\,\partial\ln\pi(a_2) + (T - n_2)\,\partial\ln\pi(a_1))$.
    """
    if rules.step_reward != 0:
        return None
    to_go = rules.goal_value(T_sym)  # every action's reward-to-go
    return to_go * (n2_sym * score(2, rules) + (T_sym - n2_sym) * score(1, rules))


def a2c_estimate(rules: RaceRules) -> sp.Expr | None:
    r"""A2C's estimate $n_2\,\partial\ln\pi(a_2) A(a_2) + n_1\,\partial\ln\pi(a_1) A(a_1)$.

    None when an advantage depends on the state (then it is no function of the counts).
    """
    adv = {a: advantage(rules, a).result for a in (1, 2)}
    if any(e.free_symbols & {i_sym, t_sym, N_sym} for e in adv.values()):
        return None
    return n2_sym * score(2, rules) * adv[2] + (T_sym - n2_sym) * score(1, rules) * adv[1]


def _not_closed(id_: str, why: str) -> Derivation:
    return Derivation(id_, sp.nan, (Step(why, sp.nan),), DOMAIN)


PER_STEP_REASON = (
    "With a reward on every step the reward-to-go c (T - t) of action t depends on where it "
    "falls in the episode, so REINFORCE's estimate is no function of (T, n_2); its moments come "
    "from a first-step recursion in the number of advances to go"
)


def _outcomes(rules: RaceRules) -> list[tuple[sp.Expr, int, int]]:
    """(probability, action, advanced) for one step."""
    out = []
    for action in (1, 2):
        p = rules.advance(action)
        out.append((rules.policy(action) * p, action, 1))
        out.append((rules.policy(action) * (1 - p), action, 0))
    return out


def _sum_polynomial(expr: sp.Expr, j: sp.Symbol, m: sp.Symbol) -> sp.Expr:
    r"""$\sum_{j=1}^m$ of a polynomial in $j$, power by power (Faulhaber's sums by SymPy)."""
    poly = sp.Poly(sp.cancel(sp.together(expr)), j)  # raises if expr is not polynomial in j
    total = sp.Integer(0)
    for (power,), coef in poly.terms():
        total += coef * sp.summation(j**power, (j, 1, m))  # $\sum_{j=1}^m j^k$
    return sp.cancel(sp.together(total))


@lru_cache(maxsize=64)
def per_step_reinforce_moments(rules: RaceRules) -> tuple[sp.Expr, sp.Expr, list[Step]]:
    r"""$E[X]$ and $E[X^2]$ for REINFORCE under a per-step reward $c$ (and $B = 0$).

    From a state with $m$ advances to go let $L_m$ be the actions left and
    $X_m = \sum_r \partial\ln\pi(a_r)\, c\,(L_m - r)$ the estimate's part still
    to come.  The first action $a$ gives $L_m = 1 + L'$ and
    $X_m = c\,\partial\ln\pi(a)\,(1 + L') + X'$, with $(L', X')$ distributed as
    from $m - 1$ (it advanced) or $m$ (it did not).  Taking $E[L_m^a X_m^b]$ for
    $a + b \le 2$ in order, the term $E[L_m^a X_m^b]$ appears on the right with
    weight $1 - q$; solving for it gives
    $M_m = M_{m-1} + \Delta(m)$, summed from $M_0 = 0$.
    """
    c = rules.step_reward
    q = rules.advance_prob
    m, jj = sp.Symbol("m", integer=True, positive=True), sp.Symbol("j", integer=True, positive=True)
    order = [(0, 0), (1, 0), (0, 1), (2, 0), (1, 1), (0, 2)]
    M: dict[tuple[int, int], sp.Expr] = {(0, 0): sp.Integer(1)}
    Ls, Xs = sp.Symbol("L'"), sp.Symbol("X'")
    for a, b in order[1:]:
        delta = sp.Integer(0)
        for prob, action, advanced in _outcomes(rules):
            sc = c * score(action, rules)
            expansion = sp.Poly(sp.expand((1 + Ls) ** a * (sc * (1 + Ls) + Xs) ** b), Ls, Xs)
            for (da, db), coef in expansion.terms():
                if (da, db) == (a, b):
                    continue  # $M_{m-1}$ (advanced) or the unknown itself (not advanced)
                known = M[(da, db)]
                delta += prob * coef * (known.subs(m, m - 1) if advanced else known)
        # $q M_m = q M_{m-1} + \delta(m)$
        increment = sp.cancel(sp.together(delta / q))
        M[(a, b)] = sp.factor(_sum_polynomial(increment.subs(m, jj), jj, m))
    mean, second = M[(0, 1)].subs(m, N_sym), M[(0, 2)].subs(m, N_sym)
    steps = [
        Step(
            PER_STEP_REASON,
            sp.Eq(sp.Symbol("X_m"), _name(r"c\,\partial_\lambda \ln\pi(a)\,(1+L')") + Xs),
        ),
        Step("E[L_m] actions left with m advances to go", M[(1, 0)]),
        Step("E[X_m]", M[(0, 1)]),
        Step("E[X_m^2]", M[(0, 2)]),
    ]
    return sp.factor(mean), sp.factor(second), steps


def _estimate_steps(rules: RaceRules, name: str, g: sp.Expr) -> list[Step]:
    law = episode_law(rules)
    steps = [
        Step(f"{name}'s estimate for one episode of T actions, n_2 of them a_2", g),
        Step("The joint PGF of (T, n_2): N blocks of failures closed by an advance", law.pgf),
    ]
    if law.n2_is_fixed():
        n2 = law.moment(0, 1)
        steps.append(
            Step(
                f"n_2 = {sp.sstr(n2)} in every episode, so the estimate is a function of T alone",
                sp.factor(g.subs(n2_sym, n2)),
            )
        )
    return steps


def _first_two(rules: RaceRules, which: str) -> tuple[sp.Expr, sp.Expr, list[Step]] | str:
    """E[g], E[g^2] and the steps to them, or the reason there is no closed form."""
    if which == "reinforce":
        g = reinforce_estimate(rules)
        if g is None:
            if rules.goal_value(T_sym) != 0:  # pragma: no cover - no such reward in RaceRules
                return "a reward both per step and at the goal is not derived"
            return per_step_reinforce_moments(rules)
        name = "REINFORCE"
    else:
        g = a2c_estimate(rules)
        if g is None:  # pragma: no cover - A is constant for every RaceRules
            return "A depends on the state, so A2C's estimate is no function of the counts"
        name = "A2C"
    steps = _estimate_steps(rules, name, g)
    law = episode_law(rules)
    return law.expect(g), law.expect(g**2), steps


@lru_cache(maxsize=64)
def mean_estimate(rules: RaceRules, which: str) -> Derivation:
    """p3d.mean.reinforce / p3d.mean.a2c: the estimator's mean, shown equal to p3d.grad."""
    id_ = f"p3d.mean.{which}"
    got = _first_two(rules, which)
    if isinstance(got, str):
        return _not_closed(id_, got)
    mean, _, steps = got
    steps = [*steps, Step("Its mean", mean)]
    grad = gradient(rules).result
    difference = sp.simplify(mean - grad)
    steps.append(Step("Minus the true gradient d E[R] / d lambda", difference))
    if difference != 0:  # pragma: no cover - the policy gradient theorem says this cannot happen
        raise AssertionError(f"{id_}: mean {mean} differs from the gradient {grad}")
    return Derivation(id_, tidy(mean), tuple(steps), DOMAIN)


@lru_cache(maxsize=64)
def var_estimate(rules: RaceRules, which: str) -> Derivation:
    """p3d.var.reinforce / p3d.var.a2c: E[g^2] - E[g]^2."""
    id_ = f"p3d.var.{which}"
    got = _first_two(rules, which)
    if isinstance(got, str):
        return _not_closed(id_, got)
    mean, second, steps = got
    result = tidy(sp.simplify(second - mean**2))  # $\operatorname{Var} = E[g^2] - E[g]^2$
    steps = [
        *steps,
        Step("Its second moment", second),
        Step("Its mean", mean),
        Step("The variance E[g^2] - E[g]^2", result),
    ]
    return Derivation(id_, result, tuple(steps), DOMAIN)


@lru_cache(maxsize=64)
def var_ratio(rules: RaceRules) -> Derivation:
    """p3d.var_ratio: Var REINFORCE / Var A2C."""
    vr, va = var_estimate(rules, "reinforce"), var_estimate(rules, "a2c")
    if vr.result is sp.nan or va.result is sp.nan:
        return _not_closed("p3d.var_ratio", "One of the variances has no closed form here")
    if sp.simplify(va.result) == 0:
        steps = (
            Step("A2C's estimate has variance zero here (its terms vanish)", va.result),
            Step("REINFORCE's variance", vr.result),
        )
        return Derivation("p3d.var_ratio", sp.oo, steps, DOMAIN)
    result = tidy(sp.simplify(vr.result / va.result))
    steps = (
        Step("REINFORCE's variance", vr.result),
        Step("A2C's variance", va.result),
        Step("Their ratio", result),
    )
    return Derivation("p3d.var_ratio", result, steps, DOMAIN)


@lru_cache(maxsize=64)
def prob_decrease_reinforce(rules: RaceRules) -> Derivation:
    r"""p3d.prob_decrease.reinforce: $P(\hat g_{\text{REINFORCE}} < 0)$ for one episode.

    A closed form when one action always advances and the other never does
    (the quiz's rules, or the same with the roles swapped): then the count of
    the advancing action is $N$ in every episode, the estimate is $B(T) = -T$
    times an affine function of the number $K = T - N$ of the other action, and
    $K$ is negative binomial (failures before the $N$-th advance, each step
    advancing with probability $q$): $P(K \le m) = I_q(N, m + 1)$, the
    regularized incomplete beta function.
    """
    id_ = "p3d.prob_decrease.reinforce"
    g = reinforce_estimate(rules)
    if g is None:
        return _not_closed(
            id_,
            "With a reward on every step the sign of REINFORCE's estimate depends on the order of "
            "the actions; its probability is a sum over orders with no closed form here",
        )
    p1, p2 = rules.advance_a1, rules.advance_a2
    if (p1, p2) == (0, 1):  # every a_2 advances, no a_1 does: n_2 = N
        counts = {n2_sym: N_sym, T_sym: N_sym + K_sym}
        other = "a_1"
    elif (p1, p2) == (1, 0):  # every a_1 advances, no a_2 does: n_1 = N, n_2 = K
        counts = {n2_sym: K_sym, T_sym: N_sym + K_sym}
        other = "a_2"
    else:
        return _not_closed(
            id_,
            "Here the count of neither action is fixed, so the event {estimate < 0} is a region "
            "of the joint law of (T, n_2) and its probability is a double sum with no closed form "
            "here",
        )
    g_k = sp.expand(g.subs(counts, simultaneous=True))
    to_go = rules.goal_value(N_sym + K_sym)
    factor = sp.cancel(g_k / to_go)  # the estimate is B(T) * factor
    (threshold,) = sp.solve(sp.Eq(factor, 0), K_sym)
    slope = sp.diff(factor, K_sym)
    slope_sign = _sign(slope, rules)
    steps = [
        Step(f"REINFORCE's estimate with K = T - N actions {other}", sp.factor(g_k)),
        Step("It is B(T) times an affine function of K", factor),
        Step(
            "B(T) = -T < 0, so the estimate is negative exactly when this factor is positive", to_go
        ),
        Step("The factor's slope in K", sp.factor(slope)),
        Step("and its root", tidy(threshold)),
    ]
    if not (-to_go).is_positive or slope_sign is None or _sign(threshold, rules) is not True:
        return _not_closed(id_, "the signs of B(T), the slope or the root are not settled")
    q = rules.advance_prob
    k = sp.Symbol("k", integer=True, nonnegative=True)
    pmf = sp.binomial(N_sym + k - 1, k) * q**N_sym * (1 - q) ** k
    steps.append(
        Step(
            "K is negative binomial: k failures before the N-th advance",
            sp.Eq(_name("P(K = k)"), pmf),
        )
    )
    c = tidy(threshold)
    if slope_sign is False:  # decreasing factor: K < c, i.e. K <= ceil(c) - 1
        result = sp.betainc_regularized(N_sym, sp.ceiling(c), 0, q)
        steps.append(Step("The factor decreases: the event is K < c, i.e. K <= ceil(c) - 1", c))
    else:  # increasing factor: K > c, i.e. not K <= floor(c)
        result = 1 - sp.betainc_regularized(N_sym, sp.floor(c) + 1, 0, q)
        steps.append(Step("The factor increases: the event is K > c, i.e. not K <= floor(c)", c))
    steps.append(
        Step(
            "P(K <= m) = P(at least N advances in N + m actions) = I_q(N, m + 1), the regularized "
            "incomplete beta function",
            sp.Eq(_name(r"P(\hat g < 0)"), result),
        )
    )
    return Derivation(id_, result, tuple(steps), DOMAIN + r",\ \text{(with } B(T) = -T)")


# --------------------------------------------------------------------------- everything at once


@lru_cache(maxsize=64)
def derive_all(rules: RaceRules) -> dict[str, Derivation]:
    """Every p3d derivation for these rules, by claim id."""
    out = [
        a2c_never_decreases(rules),
        reinforce_can_decrease(rules),
        gradient(rules),
        mean_estimate(rules, "reinforce"),
        mean_estimate(rules, "a2c"),
        var_estimate(rules, "reinforce"),
        var_estimate(rules, "a2c"),
        var_ratio(rules),
        prob_decrease_reinforce(rules),
    ]
    return {d.id: d for d in out}


ESTIMATOR_IDS = (
    "p3d.grad",
    "p3d.var.reinforce",
    "p3d.var.a2c",
    "p3d.var_ratio",
    "p3d.prob_decrease.reinforce",
)


def table_rows(
    rules: RaceRules, goals: tuple[int, ...], lambdas: tuple[sp.Rational, ...]
) -> list[dict[str, sp.Basic]]:
    """Exact values of the estimator analysis on a grid of N and lambda (one dict per row).

    Pure SymPy: the report turns the rows into a table.  A form without a closed
    form for these rules gives ``nan``; the new symbols of a variant stay symbolic.
    """
    forms = {cid: derive_all(rules)[cid].result for cid in ESTIMATOR_IDS}
    rows = []
    for goal in goals:
        for lv in lambdas:
            row: dict[str, sp.Basic] = {"N": sp.Integer(goal), "lambda": lv}
            for cid, form in forms.items():
                value = form.subs({N_sym: goal, lam: lv})
                if isinstance(value, sp.betainc_regularized):
                    value = sp.nsimplify(value.rewrite(sp.Integral).doit())  # a finite sum
                row[cid] = sp.simplify(value)
            rows.append(row)
    return rows
