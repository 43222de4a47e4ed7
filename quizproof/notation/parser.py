"""The grammar of an answer: relations, sums, products, powers and primaries."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import sympy as sp

from quizproof.notation.names import NameRules
from quizproof.notation.scope import SUBJECT, Application, Scope
from quizproof.notation.tokens import (
    MAX_DEPTH,
    MAX_EXPONENT,
    MAX_POWER_DIGITS,
    RELATIONS,
    NotationError,
    Token,
    tokenize,
)


@dataclass(frozen=True)
class Parsed:
    """An answer read: ``members`` joined by ``relations`` (one fewer), left to right."""

    members: tuple[sp.Basic, ...]
    relations: tuple[str, ...]

    @property
    def value(self) -> sp.Basic:
        """The last member: what a chain ``X = Y = value`` finally claims."""
        return self.members[-1]

    def values(self) -> list[sp.Basic]:
        """The members of a value answer ``X = Y = value`` but the one naming what is asked.

        NotationError if a relation is not ``=`` or no member gives a value.
        """
        bad = [rel for rel in self.relations if rel != "="]
        if bad:
            raise NotationError(f"expected a value or a chain of '=', found {bad[0]!r}")
        out = [m for m in self.members if m is not SUBJECT]
        if not out:
            raise NotationError("the answer names what is asked but gives no value")
        return out


class Parser(NameRules):
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
        if any(isinstance(x, sp.Basic) and x.has(sp.Sum) for x in (a, b)):
            # Kept as written: to order the terms of a product SymPy may try to sum a series
            # numerically, with no end for a divergent one (t e^{-\sum_k \sqrt{k}}).  The
            # checker tests the series first and evaluates afterwards.
            with sp.evaluate(False):
                return f(a, b)
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
            return t.text in ("(", "{", "[", "‖", "left|")
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
        if t.kind == "op" and t.text in ("|", "left|"):
            self.take()
            value = self.expression()
            self.expect("|")
            return sp.Abs(self.scalar(value, "|...|"))
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
