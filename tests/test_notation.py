"""The notation layer reads a quiz's LaTeX as data, settling ambiguities from the scope."""

import pytest
import sympy as sp

from quizproof.notation import Application, NotationError, Scope, parse, yes_no

x, y, eta, lam = sp.symbols("x y eta lambda")
e = sp.Function("e")


def scope(**extra):
    functions = {
        "e": lambda app: e(*app.args),
        "P_Pop,Psi": lambda app: sp.Function("P")(*app.args, app.bar),
    }
    symbols = {"x": x, "y": y, "eta": eta, "lambda": lam, **extra}
    return Scope(symbols, functions, {"grad": lambda v: sp.Function("grad")(v)})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (r"\frac{1}{\lambda} - 1", 1 / lam - 1),
        (r"\lambda^{-1}-1", 1 / lam - 1),
        (r"-\left(x+1+\frac{y-x}{\lambda}\right)", -(x + 1 + (y - x) / lam)),
        (r"\frac12 + .5", sp.Integer(1)),
        (r"2\eta(x - e(x))", 2 * eta * (x - e(x))),  # eta is a scalar: a product
        (r"e(x) + 2\eta(x - e(x))", e(x) + 2 * eta * (x - e(x))),  # e is a function: a call
        (r"\lambda(\lambda)", lam**2),
        (r"|1-\lambda|", sp.Abs(1 - lam)),
        (r"x^23", 3 * x**2),  # LaTeX: ^ takes one token
        (r"\sqrt{\lambda} \cdot 3", 3 * sp.sqrt(lam)),
        (r"\ln x - \log(y)", sp.log(x) - sp.log(y)),
        # precedence, each against the expression computed by hand
        (r"-x^2", -(x**2)),
        (r"2x^2", 2 * x**2),
        (r"2^{-1} x", x / 2),
        (r"x/y/2", x / (2 * y)),
        (r"1 - -x", 1 + x),
        (r"x \times y \div 2", x * y / 2),
        (r"\frac{1}{2}x", x / 2),
        (r"-\frac{x}{2} + 0.125", -x / 2 + sp.Rational(1, 8)),
        (r"\ln^2 x", sp.log(x) ** 2),
        (r"\ln{\left(x \right)}^{2}", sp.log(x) ** 2),  # SymPy's LaTeX for (ln x)^2
        (r"\ln{x}^2", sp.log(x**2)),  # no parentheses: the power is the operand's
        (r"\log_2 8", sp.Integer(3)),
        (r"\lceil x \rceil + \lfloor y \rfloor", sp.ceiling(x) + sp.floor(y)),
        (r"|x|^2", sp.Abs(x) ** 2),
        (r"x \left|{x - 1}\right|", x * sp.Abs(x - 1)),  # \left| opens: a product
        (r"\left[x + 1\right]", x + 1),
        (r"e(x)(y)", e(x) * y),  # a call, then a product
        (r"\eta(x)(y)", eta * x * y),
        (r"10^{3} - 0.5", sp.Rational(1999, 2)),
        ("λ·x − 1", lam * x - 1),  # Unicode for \lambda, \cdot and the minus sign
    ],
)
def test_expressions(text, expected):
    assert parse(text, scope()).value == expected


def test_tuples_chains_attributes_and_conditionals():
    assert parse("(x, y + 1)", scope()).value == sp.Tuple(x, y + 1)
    chain = parse("x = y = 1", scope())
    assert chain.members == (x, y, 1)
    assert chain.relations == ("=", "=")
    update = parse(r"x.\text{grad} += e(x).\text{grad}.", scope())  # closing period dropped
    assert update.relations == ("+=",)
    assert update.members == (sp.Function("grad")(x), sp.Function("grad")(e(x)))
    cond = parse(r"\ln P_{\text{Pop},\Psi}(x|y)", scope()).value
    assert cond == sp.log(sp.Function("P")(x, y, 1))
    assert parse(r"e(x) \leftarrow 2", scope()).relations == ("<-",)


def test_sum_binds_its_index():
    value = parse(r"\sum_{k=1}^{\infty} \lambda(1-\lambda)^{k-1} k", scope()).value
    assert isinstance(value, sp.Sum)
    assert sp.simplify(value.subs(lam, sp.Rational(1, 2)).doit()) == 2
    # The index shadows a symbol of the scope inside the sum only: 1 + 2 + 3, then + x.
    assert parse(r"\sum_{x=1}^{3} x + x", scope()).value.doit() == 6 + x


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("q", "unknown symbol 'q'"),
        (r"\foo", "unknown command"),
        ("(((", "expected"),
        ("(" * 200 + "x" + ")" * 200, "nests deeper"),
        (r"2^{10^{10}}", "too large"),
        (r"\lambda^{10^{10}}", "too large"),
        (r"2^{2^{2^{2^{2}}}}", "too large"),
        (r"\frac{1}{0}", "division by zero"),
        ("x" * 3000, "longer than"),
        ("1" * 60, "digits"),
        ("", "empty"),
        ("__import__('os').system('true')", "expected a number"),
        (r"e^{x}", "needs its arguments"),
        ("(x, y) + 1", "tuple"),
        (r"\sqrt{(x, y)}", "tuple"),
        (r"\ln(x, y)", "tuple"),
        ("|(x, y)|", "tuple"),
        (r"\lceil (x, y) \rceil", "tuple"),
        (r"\sum_{k=1}^{3} (k, x)", "tuple"),
    ],
)
def test_bad_input_is_one_clear_error(text, fragment):
    with pytest.raises(NotationError, match=fragment) as info:
        parse(text, scope())
    assert "\n" not in str(info.value)


def test_hostile_input_is_never_executed(tmp_path):
    marker = tmp_path / "pwned"
    for text in (
        f"__import__('os').system('touch {marker}')",
        f"exec(\"open('{marker}','w')\")",
        r"\text{__import__}(1)",
    ):
        with pytest.raises(NotationError):
            parse(text, scope())
    assert not marker.exists()


def test_rounding_evaluates_only_a_rational():
    """Rounding e^{e^{e^e}} would evaluate it to millions of digits: it is kept as it is."""
    assert parse(r"\lceil 2.5 \rceil + \lfloor -\frac{1}{2} \rfloor", scope()).value == 2
    tower = parse(r"\lceil e^{e^{e^{e}}} \rceil", scope(e=sp.E)).value
    assert isinstance(tower, sp.ceiling)  # not rounded: exp(exp(exp(e))) has 1.6 million digits
    assert tower.args[0].doit() == sp.exp(sp.exp(sp.exp(sp.E)))
    assert parse(r"\lfloor x \rfloor", scope()).value == sp.floor(x)


def test_new_symbols_only_where_the_scope_allows():
    s = Scope(new_symbol=lambda name: sp.Symbol(name, positive=True))
    assert parse("1 - p", s).value == 1 - sp.Symbol("p", positive=True)
    with pytest.raises(NotationError, match="unknown symbol 'p'"):
        parse("1 - p", Scope())


def test_applications_carry_the_conditional_bar():
    seen = []
    s = Scope(
        functions={"H": lambda app: seen.append(app) or sp.Integer(0)}, symbols={"y": y, "x": x}
    )
    parse("H(x|y)", s)
    assert seen == [Application((x, y), 1)]


@pytest.mark.parametrize(
    ("text", "value"),
    [("yes", True), ("Yes.", True), ("no", False), ("It is exactly the same.", True)],
)
def test_yes_no(text, value):
    assert yes_no(text) is value


def test_yes_no_rejects_other_words():
    with pytest.raises(NotationError):
        yes_no("maybe")
