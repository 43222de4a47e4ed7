r"""The notation layer: a quiz's LaTeX answers read into SymPy, as data.

An answer is LaTeX as a quiz prints it, for example
``Q^\pi((i, t), a_1) = V^\pi(i, t + 1) = -(t + 1 + (N - i)/\lambda)`` or
``e(\text{nearest}_E(x_\Psi(y))) \leftarrow 2\eta(x_\Psi(y) - e(\text{nearest}_E(x_\Psi(y))))``.

Plain LaTeX does not say whether ``\eta(x - e)`` is a call or a product, or
whether ``V^\pi`` is a power; a quiz's own symbols do.  A :class:`Scope`
(the notation table of a problem) names each symbol and function that the
problem defines, and the parser settles every such case from it, the same way
for every claim:

* a name that the scope calls a *function*, followed by ``(``, is applied to
  the arguments (``|`` separates a conditional's arguments: ``P(z|y)``);
* any other name followed by ``(`` multiplies the parenthesis;
* ``_`` and ``^`` decorations join a name when the decorated name is in the
  scope (``V^\pi``, ``P_{\text{Pop},\Psi}``); otherwise ``^`` is a power;
* ``(a, b)`` is a tuple; ``x.\text{grad}`` is an attribute;
* an answer may be a chain of relations (``=``, ``\leftarrow``, ``+=``, ``\le`` ...).

The parser is a small recursive-descent parser written for this purpose.  It
never evaluates the input: there is no ``eval``, ``sympify`` or
``parse_expr`` here.  It bounds the input's length, nesting depth and the size
of numbers and numeric powers, so a hostile answer costs a bounded amount of
work and ends in a one-line :class:`NotationError`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

import sympy as sp

MAX_LENGTH = 2000  # characters of one answer
MAX_DEPTH = 100  # nested levels of the grammar (about three a parenthesis)
MAX_DIGITS = 40  # digits of one number
MAX_EXPONENT = 1000  # |n| of an integer power taken at parse time
MAX_POWER_DIGITS = 2000  # digits of a numeric power's value


class NotationError(ValueError):
    """An answer that cannot be read: the message is one line for the user."""


GREEK = {
    "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta",
    "vartheta", "iota", "kappa", "lambda", "mu", "nu", "xi", "pi", "rho", "sigma", "tau",
    "upsilon", "phi", "varphi", "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda",
    "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi", "Omega",
}  # fmt: skip
SPACES = {",", ";", ":", "!", " ", "quad", "qquad", "displaystyle", "textstyle", "left", "right",
          "bigl", "bigr", "Bigl", "Bigr", "big", "Big", "biggl", "biggr"}  # fmt: skip
TEXT_COMMANDS = {"text", "mathrm", "operatorname", "textrm", "mathit", "mathbf", "textit", "mathsf"}
RELATIONS = {
    "=": "=", "leftarrow": "<-", "gets": "<-", "coloneqq": ":=", ":=": ":=", "+=": "+=", "-=": "-=",
    "le": "<=", "leq": "<=", "ge": ">=", "geq": ">=", "<": "<", ">": ">", "ne": "!=",
    "neq": "!=", "approx": "~", "to": "->", "rightarrow": "->", "Leftarrow": "<-",
}  # fmt: skip
NAMED_FUNCTIONS = {"ln", "log", "exp", "sin", "cos", "tan"}


@dataclass(frozen=True)
class Token:
    kind: str  # num, letter, name, cmd, op, end
    text: str
    pos: int


_TOKEN = re.compile(
    r"(?P<space>\s+)"
    r"|(?P<num>\d+(?:\.\d+)?|\.\d+)"
    r"|(?P<cmd>\\(?:[A-Za-z]+|.))"
    r"|(?P<op>\+=|-=|:=|<-|[-+*/^_(){}\[\],=|.<>!'])"
    r"|(?P<letter>[A-Za-z])"
)


UNICODE = {
    "λ": r"\lambda", "η": r"\eta", "π": r"\pi", "σ": r"\sigma", "θ": r"\theta",
    "Φ": r"\Phi", "Ψ": r"\Psi", "Θ": r"\Theta", "γ": r"\gamma", "β": r"\beta",
    "α": r"\alpha", "∞": r"\infty", "−": "-", "·": r"\cdot ", "×": r"\times ",
    "≤": r"\le ", "≥": r"\ge ", "←": r"\leftarrow ", "⟨": "(", "⟩": ")",
}  # fmt: skip


def tokenize(text: str) -> list[Token]:
    """Split LaTeX into tokens; ``\\text{...}`` and friends become one name token."""
    if len(text) > MAX_LENGTH:
        raise NotationError(f"the answer is longer than {MAX_LENGTH} characters")
    # A few Unicode characters stand for their LaTeX commands (λ for \lambda, ...).
    text = "".join(UNICODE.get(ch, ch) for ch in text)
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise NotationError(f"unexpected character {text[pos]!r} at column {pos + 1}")
        kind = m.lastgroup
        value = m.group()
        if kind == "cmd" and value[1:] in TEXT_COMMANDS:
            inner = re.match(r"\s*\{([^{}\\]*)\}", text[m.end() :])
            if not inner:
                raise NotationError(f"{value} must be followed by {{letters}} at column {pos + 1}")
            name = inner.group(1).strip()
            if not re.fullmatch(r"[A-Za-z][A-Za-z ]*", name):
                raise NotationError(f"{value}{{{name}}} is not a name at column {pos + 1}")
            tokens.append(Token("name", name.replace(" ", ""), pos))
            pos = m.end() + inner.end()
            continue
        if kind == "cmd" and value[1:] in SPACES:
            pos = m.end()
            continue
        if kind == "cmd" and value in ("\\{", "\\}"):
            tokens.append(Token("op", value[1], pos))
        elif kind == "cmd" and value in ("\\langle", "\\rangle"):
            tokens.append(Token("op", "(" if value == "\\langle" else ")", pos))
        elif kind == "cmd" and value == "\\|":
            tokens.append(Token("op", "‖", pos))
        elif kind == "num" and len(value.replace(".", "")) > MAX_DIGITS:
            raise NotationError(f"a number longer than {MAX_DIGITS} digits at column {pos + 1}")
        elif kind != "space":
            tokens.append(Token(kind, value[1:] if kind == "cmd" else value, pos))
        pos = m.end()
    # A sentence's closing punctuation is not part of the formula.
    while tokens and tokens[-1].kind == "op" and tokens[-1].text in {".", ","}:
        tokens.pop()
    tokens.append(Token("end", "", len(text)))
    return tokens


# ---------------------------------------------------------------------------
# The notation table


@dataclass(frozen=True)
class Application:
    """The arguments of a function application: ``P(z|y)`` has args (z, y) and bar 1."""

    args: tuple[sp.Basic, ...]
    bar: int | None = None  # index of the first argument after '|'


FunctionImpl = Callable[[Application], sp.Basic]

# A name that only states what is being given (``s_{t+1} = (i, t + 1)``): a chain
# member that is exactly SUBJECT is not compared with anything.
SUBJECT = sp.Dummy("subject")


@dataclass
class Scope:
    """The notation table of one problem: its symbols, functions and attributes.

    ``symbols`` maps a canonical name (``lambda``, ``N``, ``P_Phi``, ``a_1``) to
    a SymPy object; ``functions`` maps a canonical name (``V^pi``, ``ln``) to
    a Python function of an :class:`Application`; ``attributes`` maps an
    attribute name (``grad``) to a function of the object it is read from.
    Canonical names drop backslashes and braces: ``P_{\\text{Pop},\\Psi}`` is
    ``P_Pop,Psi``.
    """

    symbols: dict[str, sp.Basic] = field(default_factory=dict)
    functions: dict[str, FunctionImpl] = field(default_factory=dict)
    attributes: dict[str, Callable[[sp.Basic], sp.Basic]] = field(default_factory=dict)
    new_symbol: Callable[[str], sp.Symbol] | None = None  # creates unknown names, if allowed

    def knows(self, name: str) -> bool:
        return name in self.symbols or name in self.functions

    def child(self, **symbols: sp.Basic) -> Scope:
        return Scope({**self.symbols, **symbols}, self.functions, self.attributes, self.new_symbol)


def unary(f: Callable[[sp.Basic], sp.Basic], name: str) -> FunctionImpl:
    def apply(app: Application) -> sp.Basic:
        if len(app.args) != 1 or app.bar is not None:
            raise NotationError(f"{name} takes one argument")
        return f(app.args[0])

    return apply


def sigmoid(x: sp.Basic) -> sp.Basic:
    return 1 / (1 + sp.exp(-x))  # $\sigma(x) = 1/(1+e^{-x})$


BASE_FUNCTIONS: dict[str, FunctionImpl] = {
    "ln": unary(sp.log, "ln"),
    "log": unary(sp.log, "log"),
    "exp": unary(sp.exp, "exp"),
    "sin": unary(sp.sin, "sin"),
    "cos": unary(sp.cos, "cos"),
    "tan": unary(sp.tan, "tan"),
    "sqrt": unary(sp.sqrt, "sqrt"),
}


# ---------------------------------------------------------------------------
# The parser


@dataclass(frozen=True)
class Parsed:
    """An answer read: ``members`` joined by ``relations`` (one fewer), left to right."""

    members: tuple[sp.Basic, ...]
    relations: tuple[str, ...]

    @property
    def value(self) -> sp.Basic:
        """The last member: what a chain ``X = Y = value`` finally claims."""
        return self.members[-1]


class Parser:
    def __init__(self, text: str, scope: Scope):
        self.text = text
        self.tokens = tokenize(text)
        self.pos = 0
        self.depth = 0
        self.scope = scope

    # -- token helpers
    @property
    def tok(self) -> Token:
        return self.tokens[self.pos]

    def at(self, kind: str, text: str | None = None) -> bool:
        t = self.tok
        return t.kind == kind and (text is None or t.text == text)

    def at_op(self, *texts: str) -> bool:
        return self.tok.kind == "op" and self.tok.text in texts

    def take(self) -> Token:
        t = self.tok
        self.pos += 1
        return t

    def expect(self, text: str) -> None:
        if not self.at_op(text):
            self.fail(f"expected {text!r}")
        self.take()

    def fail(self, what: str):
        t = self.tok
        found = "the end" if t.kind == "end" else repr(("\\" if t.kind == "cmd" else "") + t.text)
        raise NotationError(f"{what} at column {t.pos + 1}, found {found}")

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise NotationError(f"the answer nests deeper than {MAX_DEPTH} levels")

    def leave(self) -> None:
        self.depth -= 1

    # -- grammar
    def parse(self) -> Parsed:
        if self.at("end"):
            raise NotationError("the answer is empty")
        members = [self.expression()]
        relations = []
        while self.relation_ahead():
            relations.append(self.relation())
            members.append(self.expression())
        if not self.at("end"):
            self.fail("unexpected symbol")
        return Parsed(tuple(members), tuple(relations))

    def relation_ahead(self) -> bool:
        t = self.tok
        return (t.kind == "op" and t.text in RELATIONS) or (t.kind == "cmd" and t.text in RELATIONS)

    def relation(self) -> str:
        return RELATIONS[self.take().text]

    def expression(self) -> sp.Basic:
        self.enter()
        if self.at_op("+", "-"):
            sign = -1 if self.take().text == "-" else 1
            value = self.term()
            value = -value if sign < 0 else value
        else:
            value = self.term()
        while self.at_op("+", "-"):
            op = self.take().text
            rhs = self.term()
            value = self.arith(lambda a, b, op=op: a + b if op == "+" else a - b, value, rhs)
        self.leave()
        return value

    def arith(self, f, a, b):
        for x in (a, b):
            if isinstance(x, sp.Tuple):
                raise NotationError("a tuple cannot be added or multiplied")
        return f(a, b)

    def term(self) -> sp.Basic:
        value = self.signed_factor()
        while True:
            if self.at_op("*") or self.at("cmd", "cdot") or self.at("cmd", "times"):
                self.take()
                value = self.arith(lambda a, b: a * b, value, self.signed_factor())
            elif self.at_op("/") or self.at("cmd", "div"):
                self.take()
                rhs = self.signed_factor()
                if rhs == 0:
                    raise NotationError("division by zero")
                value = self.arith(lambda a, b: a / b, value, rhs)
            elif self.starts_factor():
                value = self.arith(lambda a, b: a * b, value, self.factor())
            else:
                return value

    def signed_factor(self) -> sp.Basic:
        if self.at_op("-"):
            self.take()
            return -self.signed_factor()
        if self.at_op("+"):
            self.take()
            return self.signed_factor()
        return self.factor()

    def starts_factor(self) -> bool:
        t = self.tok
        if t.kind in ("num", "letter", "name"):
            return True
        if t.kind == "op":
            return t.text in ("(", "{", "[", "‖")
        if t.kind == "cmd":
            return t.text not in RELATIONS and t.text not in {
                "cdot",
                "times",
                "div",
                "rceil",
                "rfloor",
            }
        return False

    def factor(self) -> sp.Basic:
        """A primary with its postfixes (application, attribute) and a power."""
        self.enter()
        base = self.postfix(self.primary())
        if self.at_op("^"):
            self.take()
            exponent = self.script()
            base = self.power(base, exponent)
        if self.at_op("!"):
            self.fail("factorials are not supported")
        self.leave()
        return base

    def power(self, base: sp.Basic, exponent: sp.Basic) -> sp.Basic:
        if isinstance(base, sp.Tuple) or isinstance(exponent, sp.Tuple):
            raise NotationError("a tuple cannot be raised to a power")
        if exponent.is_Integer and abs(int(exponent)) > MAX_EXPONENT:
            raise NotationError(f"the power {exponent} is too large to evaluate")
        if base.is_Rational and exponent.is_Integer and base not in (0, 1, -1):
            digits = abs(int(exponent)) * max(len(str(abs(base.p))), len(str(base.q)))
            if digits > MAX_POWER_DIGITS:
                raise NotationError("a numeric power too large to evaluate")
        if base.is_number and exponent.is_number and not exponent.is_Integer:
            # e.g. 2^{2^{2^{...}}}: keep it unevaluated rather than compute a huge number
            return sp.Pow(base, exponent, evaluate=False)
        return base**exponent

    def script(self) -> sp.Basic:
        """The argument of ^: a braced group or a single token."""
        if self.at_op("{"):
            return self.group()
        if self.at("num"):
            t = self.take()
            # ^23 means ^{2}3 in LaTeX
            digit, rest = t.text[0], t.text[1:]
            if rest:
                self.tokens.insert(self.pos, Token("num", rest, t.pos + 1))
            return sp.Integer(int(digit))
        if self.at_op("-"):
            self.take()
            return -self.script()
        return self.primary()

    def group(self) -> sp.Basic:
        self.expect("{")
        value = self.expression()
        self.expect("}")
        return value

    def number(self, text: str) -> sp.Rational:
        f = Fraction(text)
        return sp.Rational(f.numerator, f.denominator)

    def primary(self) -> sp.Basic:
        t = self.tok
        if t.kind == "num":
            self.take()
            return self.number(t.text)
        if t.kind == "op" and t.text in ("(", "["):
            return self.parenthesised()
        if t.kind == "op" and t.text == "{":
            return self.group()
        if t.kind == "op" and t.text == "|":
            self.take()
            value = self.expression()
            self.expect("|")
            return sp.Abs(value)
        if t.kind == "op" and t.text == "‖":
            self.take()
            value = self.expression()
            self.expect("‖")
            return self.norm(value)
        if t.kind == "cmd":
            return self.command()
        if t.kind in ("letter", "name"):
            return self.identifier()
        self.fail("expected a number, a symbol or a parenthesis")

    def norm(self, value: sp.Basic) -> sp.Basic:
        if "norm" in self.scope.functions:
            return self.scope.functions["norm"](Application((value,)))
        raise NotationError("norms are not defined in this problem")

    def parenthesised(self) -> sp.Basic:
        close = ")" if self.take().text == "(" else "]"
        items = [self.expression()]
        while self.at_op(","):
            self.take()
            items.append(self.expression())
        self.expect(close)
        return items[0] if len(items) == 1 else sp.Tuple(*items)

    def command(self) -> sp.Basic:
        t = self.take()
        name = t.text
        if name in ("frac", "dfrac", "tfrac"):
            num = self.argument()
            den = self.argument()
            if den == 0:
                raise NotationError("division by zero")
            return self.arith(lambda a, b: a / b, num, den)
        if name == "sqrt":
            if self.at_op("["):
                self.take()
                n = self.expression()
                self.expect("]")
                return self.power(self.argument(), 1 / n)
            return sp.sqrt(self.argument())
        if name == "infty":
            return sp.oo
        if name in ("lceil", "lfloor"):  # \lceil x \rceil, \lfloor x \rfloor
            value = self.expression()
            close = "rceil" if name == "lceil" else "rfloor"
            if not self.at("cmd", close):
                self.fail(f"expected \\{close}")
            self.take()
            return sp.ceiling(value) if name == "lceil" else sp.floor(value)
        if name == "sum":
            return self.summation()
        if name in NAMED_FUNCTIONS:
            return self.named_function(name)
        if name in GREEK or name in ("ell",):
            self.pos -= 1
            return self.identifier()
        self.pos -= 1
        self.fail("unknown command")

    def argument(self) -> sp.Basic:
        """A \\frac argument: a group, or a single digit or symbol."""
        if self.at_op("{"):
            return self.group()
        if self.at("num"):
            t = self.take()
            if len(t.text) > 1 and "." not in t.text:
                self.tokens.insert(self.pos, Token("num", t.text[1:], t.pos + 1))
                return sp.Integer(int(t.text[0]))
            return self.number(t.text)
        return self.primary()

    def named_function(self, name: str) -> sp.Basic:
        impl = self.scope.functions.get(name) or BASE_FUNCTIONS[name]
        if name == "log" and self.at_op("_"):
            self.take()
            base = self.script()
            arg = self.function_operand()
            return sp.log(arg, base)
        exponent = None
        if self.at_op("^"):  # \ln^2 x
            self.take()
            exponent = self.script()
        arg = self.function_operand()
        value = impl(Application((arg,)))
        return self.power(value, exponent) if exponent is not None else value

    def function_operand(self) -> sp.Basic:
        """\\ln x, \\ln(x), \\ln P(z): the next factor, powers included."""
        if self.at_op("("):
            return self.parenthesised()
        return self.factor()

    def summation(self) -> sp.Basic:
        if not self.at_op("_"):
            self.fail("a sum needs a subscript like _{k=1}")
        self.take()
        self.expect("{")
        var_tok = self.take()
        if var_tok.kind not in ("letter", "cmd"):
            self.fail("expected the summation index")
        var = sp.Symbol(var_tok.text, integer=True)
        self.expect("=")
        lower = self.expression()
        self.expect("}")
        if not self.at_op("^"):
            self.fail("a sum needs an upper limit")
        self.take()
        upper = self.script()
        outer = self.scope
        self.scope = outer.child(**{var_tok.text: var})
        try:
            body = self.term()
        finally:
            self.scope = outer
        return sp.Sum(body, (var, lower, upper))

    # -- names
    def identifier(self) -> sp.Basic:
        name = self.base_name()
        name = self.decorate(name)
        if self.at_op("'"):
            self.fail("primes are not supported")
        if name in self.scope.functions and self.at_op("("):
            return self.apply(name)
        if name in self.scope.symbols:
            return self.scope.symbols[name]
        if name in self.scope.functions:
            self.fail(f"{name} is a function here and needs its arguments in parentheses")
        if self.scope.new_symbol is not None:
            return self.scope.new_symbol(name)
        known = ", ".join(sorted(self.scope.symbols)) or "none"
        raise NotationError(f"unknown symbol {name!r} (this problem's symbols: {known})")

    def base_name(self) -> str:
        t = self.take()
        if t.kind == "cmd":
            if t.text not in GREEK and t.text != "ell":
                self.pos -= 1
                self.fail("unknown command")
            return t.text
        return t.text

    def decorate(self, name: str) -> str:
        """Join _ and ^ decorations that make a name of the scope (or any subscript)."""
        while self.at_op("_", "^"):
            mark = self.tok.text
            save, saved_tokens = self.pos, list(self.tokens)
            self.take()
            label = self.label()
            candidate = f"{name}{mark}{label}"
            if mark == "_" or self.scope.knows(candidate) or self.knows_prefix(candidate):
                name = candidate
            else:
                self.pos, self.tokens = save, saved_tokens
                break
        return name

    def knows_prefix(self, candidate: str) -> bool:
        return any(k.startswith((candidate + "_", candidate + "^")) for k in self.scope.functions)

    def label(self) -> str:
        """The text of a subscript or superscript label: ``{\\text{Pop},\\Psi}`` -> ``Pop,Psi``."""
        if not self.at_op("{"):
            t = self.take()
            if t.kind == "end" or (t.kind == "op" and t.text not in ("*",)):
                self.pos -= 1
                self.fail("expected a subscript")
            if t.kind == "num" and len(t.text) > 1:
                self.tokens.insert(self.pos, Token("num", t.text[1:], t.pos + 1))
                return t.text[0]
            return t.text
        self.take()
        parts = []
        depth = 1
        while True:
            t = self.take()
            if t.kind == "end":
                self.fail("unclosed subscript")
            if t.kind == "op" and t.text == "{":
                depth += 1
            elif t.kind == "op" and t.text == "}":
                depth -= 1
                if depth == 0:
                    break
            parts.append(t.text)
            if len(parts) > 40:
                raise NotationError("a subscript longer than 40 symbols")
        return "".join(parts)

    def apply(self, name: str) -> sp.Basic:
        self.take()  # (
        self.enter()
        args: list[sp.Basic] = []
        bar = None
        if not self.at_op(")"):
            args.append(self.expression())
            while self.at_op(",", "|"):
                if self.take().text == "|":
                    if bar is not None:
                        self.fail("two '|' in one application")
                    bar = len(args)
                args.append(self.expression())
        self.expect(")")
        self.leave()
        value = self.scope.functions[name](Application(tuple(args), bar))
        return value

    def postfix(self, value: sp.Basic) -> sp.Basic:
        while self.at_op(".") and self.tokens[self.pos + 1].kind in ("name", "letter"):
            self.take()
            attr = self.take().text
            impl = self.scope.attributes.get(attr)
            if impl is None:
                self.pos -= 1
                self.fail(f"unknown attribute .{attr}")
            value = impl(value)
        return value


def parse(text: str, scope: Scope) -> Parsed:
    """Read one answer in a problem's notation.  Raises :class:`NotationError`."""
    if not isinstance(text, str):
        raise NotationError("the answer must be a string of LaTeX")
    try:
        return Parser(text, scope).parse()
    except NotationError:
        raise
    except RecursionError:
        raise NotationError("the answer nests too deeply") from None
    except (TypeError, ValueError, AttributeError, ZeroDivisionError, IndexError) as err:
        raise NotationError(f"cannot read the answer ({type(err).__name__}: {err})") from None


def normalise_words(text: str) -> str:
    """A yes/no or word answer, lower-cased with its punctuation (and \\text{...}) dropped."""
    text = re.sub(r"\\(?:text|mathrm|textrm|operatorname)\s*\{([^{}]*)\}", r"\1", text)
    return " ".join(re.sub(r"[^a-z0-9 ]", " ", text.lower()).split())


YES = {"yes", "true", "y", "correct", "it is exactly the same", "exactly the same", "always"}
NO = {"no", "false", "n", "never"}


def yes_no(text: str) -> bool:
    """``yes`` -> True, ``no`` -> False; anything else is a NotationError."""
    words = normalise_words(text)
    if words in YES:
        return True
    if words in NO:
        return False
    raise NotationError(f"expected yes or no, found {text!r}")
