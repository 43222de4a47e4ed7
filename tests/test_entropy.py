"""Problem 1's derivations against entropies computed here, by hand, on finite worlds.

Every derived integrand is evaluated on random worlds (plain, and given an observed x)
and its expectation compared with the quantity the problem defines, computed from the
world's tables alone by :mod:`tests.entropy_oracle`: $H(y)$ for 1(a), the bound for the
variant's replacements for 1(c), the divergences for the gap, the negative ELBO for 1(e).
Which terms are estimable is checked by evaluating each term at samples through oracles
that refuse to evaluate what the quiz says cannot be computed.
"""

from __future__ import annotations

import math
import random

import pytest
import sympy as sp

from derivations import entropy as E
from tests.entropy_oracle import bound, tables

log = sp.log
SETTINGS = [
    E.QUIZ,
    E.Setting(observed=True),
    E.Setting(replace=frozenset({"z"})),
    E.Setting(replace=frozenset({"y|z"})),
    E.Setting(observed=True, replace=frozenset({"y|z"})),
]
IDS = ["quiz", "given-x", "replace-z", "replace-y|z", "given-x-replace-y|z"]


def worlds(setting: E.Setting, seed: int = 7):
    return list(E.worlds(seed=seed, count=6, observed=setting.observed))[::2] + list(
        E.larger_worlds(seed, observed=setting.observed)
    )


def evaluator(integrand: sp.Expr, setting: E.Setting):
    """The integrand as a function of the densities' values at a sample."""
    d = setting.dens
    names = {d.pop: "pop", d.enc: "enc", d.marg: "marg", d.post: "post", d.joint: "joint",
             d.prior: "prior", d.dec: "dec"}  # fmt: skip
    used = [a for a in names if a in E.densities_in(integrand)]  # only these are looked up
    f = sp.lambdify(used, integrand, "math")
    return lambda v: f(*(v[names[a]] for a in used))


def expect(integrand, setting, world) -> float:
    return tables(world).expectation(evaluator(integrand, setting))


@pytest.mark.parametrize("setting", SETTINGS, ids=IDS)
def test_identity_integrand_has_expectation_H_y(setting):
    integrand = E.identity_integrand(setting).result
    for w in worlds(setting):
        q = tables(w).quantities()
        assert expect(integrand, setting, w) == pytest.approx(q["H(y)"], rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("setting", SETTINGS, ids=IDS)
def test_the_bound_is_the_variants_bound_and_above_H_y(setting):
    integrand = E.upper_bound(setting).result
    for w in worlds(setting):
        q = tables(w).quantities()
        value = expect(integrand, setting, w)
        assert value == pytest.approx(bound(q, setting.replace), rel=1e-12)
        assert value > q["H(y)"]


@pytest.mark.parametrize("setting", SETTINGS, ids=IDS)
def test_the_gap_is_the_divergences_of_the_replaced_terms(setting):
    d = E.bound_gap(setting).result
    gap = d.xreplace({n: E.TermName(n.name) for n in d.atoms(E.TermName)})
    integrand = gap.xreplace({n: _term(n.name).integrand for n in gap.atoms(E.TermName)})
    for w in worlds(setting):
        q = tables(w).quantities()
        kls = sum(q[f"KL({r})"] for r in setting.replace)
        assert expect(integrand, setting, w) == pytest.approx(kls, rel=1e-12)
        assert kls == pytest.approx(bound(q, setting.replace) - q["H(y)"], rel=1e-9)


def _term(key: str) -> E.Term:
    return {**E.terms_for(False).by_key(), **E.terms_for(True).by_key()}[key]


@pytest.mark.parametrize("setting", SETTINGS, ids=IDS)
def test_the_gap_closes_at_the_true_models(setting):
    d = E.bound_gap(setting).result
    integrand = d.xreplace({n: _term(n.name).integrand for n in d.atoms(E.TermName)})
    for w in worlds(setting)[:3]:
        truth = w.with_models(True)
        assert E.exact_sign(truth.expectation(integrand)) == 0
        assert E.exact_sign(w.expectation(integrand)) == 1


@pytest.mark.parametrize("setting", SETTINGS, ids=IDS)
def test_vae_answer_matches_the_negative_elbo_computed_here(setting):
    derived = E.vae_objective(setting).result
    integrand = E.upper_bound(setting).result
    gaps = []
    for w in worlds(setting):
        q = tables(w).quantities()
        neg_elbo = q["CE(y|z)"] + q["KL(enc|prior)"]  # reconstruction + E_y KL(P_Psi || P_Phi)
        gaps.append(abs(expect(integrand, setting, w) - neg_elbo))
    if derived is sp.true:
        assert max(gaps) < 1e-12
    else:
        assert max(gaps) > 1e-3


class Refused(Exception):
    pass


@pytest.mark.parametrize("setting", SETTINGS, ids=IDS)
@pytest.mark.parametrize("part", ["1b", "1d"])
def test_estimable_terms_are_those_a_sampler_can_evaluate(setting, part):
    """Evaluate each term's integrand at a sample with only the encoder (and, in (d), the
    models) available: the others raise.  The estimable set is what does not raise."""
    if part == "1b":
        derivation = E.estimable_identity_terms(setting)
        t = setting.terms
        terms = [t.H_Y, *(term for _, term in t.identity_rhs)]
        allowed = {"enc"}
    else:
        derivation = E.estimable_bound_terms(setting)
        terms = [term for _, term in E.bound_terms(setting)]
        allowed = {"enc", "prior", "dec"}
    values = {"pop": 0.3, "enc": 0.2, "marg": 0.4, "post": 0.5, "joint": 0.06, "prior": 0.25,
              "dec": 0.35}  # fmt: skip

    class Oracle(dict):
        def __getitem__(self, key):
            if key not in allowed:
                raise Refused(key)
            return values[key]

    estimable = set()
    for term in terms:
        try:
            evaluator(term.integrand, setting)(Oracle())
        except Refused:
            continue
        estimable.add(term.key)
    assert {n.name for n in derivation.result} == estimable


@pytest.mark.parametrize("setting", SETTINGS, ids=IDS)
def test_the_densities_we_can_evaluate_are_listed_in_one_order(setting):
    """1(d)'s first step names them in its sentence and sets them as its formula: the same
    densities in the same order (the formula once followed a set's order, which changed from
    one process to the next, and with it the manual)."""
    import re

    (first, *_) = E.estimable_bound_terms(setting).steps
    in_text = re.findall(r"\$([^$]+)\$", first.text.split("evaluate")[-1])
    assert [sp.latex(d) for d in first.expr] == in_text
    assert len(in_text) == 3


WRONG_1A = {
    "model for the marginal": -log(E.PRIOR) + log(E.ENC) - log(E.POST),
    "model for the posterior": -log(E.MARG) + log(E.ENC) - log(E.DEC),
    "sign of the middle term": -log(E.MARG) - log(E.ENC) - log(E.POST),
    "dropped middle term": -log(E.MARG) - log(E.POST),
    "not a log": E.POP,
    "constant offset": -log(E.POP) + 1,
}


@pytest.mark.parametrize("name", WRONG_1A)
def test_wrong_integrands_refuted_with_an_exact_counterexample(name):
    claimed = WRONG_1A[name]
    c = E.compare_expectations(claimed, E.identity_integrand().result)
    assert c.equal is False
    w = c.world
    for row in (w.pop, *w.enc, w.prior, *w.dec):  # admissible: exact distributions
        assert all(v.is_Rational and v > 0 for v in row)
        assert sum(row) == 1
    claimed_f = expect(claimed, E.QUIZ, w)
    derived_f = tables(w).quantities()["H(y)"]
    assert claimed_f == pytest.approx(float(sp.N(c.claimed, 30)), rel=1e-12)
    assert derived_f == pytest.approx(float(sp.N(c.derived, 30)), rel=1e-12)
    assert abs(claimed_f - derived_f) > 1e-9


def test_a_wrong_integrand_given_x_is_refuted_on_a_world_given_x():
    d = E.OBSERVED
    wrong = -log(d.prior) + log(d.enc) - log(d.post)  # the model where (1) needs the truth
    c = E.compare_expectations(wrong, E.identity_integrand(E.Setting(True)).result, dens=d)
    assert c.equal is False
    assert expect(wrong, E.Setting(True), c.world) != pytest.approx(
        tables(c.world).quantities()["H(y)"], rel=1e-9
    )


def test_exact_sign_over_primes():
    assert E.exact_sign(log(sp.Integer(4)) - 2 * log(sp.Integer(2))) == 0
    assert E.exact_sign(log(sp.Rational(6, 5)) - log(2) - log(3) + log(5)) == 0
    assert E.exact_sign(log(sp.Integer(3)) - log(sp.Integer(2))) == 1
    assert E.exact_sign(10 * log(sp.Integer(2)) - 3 * log(sp.Integer(10))) == 1  # 1024 > 1000


def test_gibbs_inequality_holds_numerically_and_is_tight_only_at_one():
    ineq = E.gibbs_inequality().result
    u = next(iter(ineq.free_symbols))
    rng = random.Random(3)
    for _ in range(200):
        v = math.exp(rng.uniform(-6, 6))
        assert bool(ineq.subs(u, v))
        assert (v - 1) - math.log(v) > 0 or abs(v - 1) < 1e-9
    assert ineq.lhs.subs(u, 1) == ineq.rhs.subs(u, 1)
