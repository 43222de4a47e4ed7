"""Names, commands and applications: how the notation table settles what a name is."""

from __future__ import annotations

import sympy as sp

from quizproof.notation.scope import BASE_FUNCTIONS, Application, Scope, rounded
from quizproof.notation.tokens import GREEK, NAMED_FUNCTIONS, NotationError, Token


class NameRules:
    """The parser's rules for commands and names (mixed into :class:`Parser`)."""

    scope: Scope
    tokens: list[Token]
    pos: int

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
            return sp.sqrt(self.scalar(self.argument(), "a square root"))
        if name == "infty":
            return sp.oo
        if name in ("lceil", "lfloor"):  # \lceil x \rceil, \lfloor x \rfloor
            value = self.expression()
            close = "rceil" if name == "lceil" else "rfloor"
            if not self.at("cmd", close):
                self.fail(f"expected \\{close}")
            self.take()
            value = self.scalar(value, f"\\{name}")
            return rounded(sp.ceiling if name == "lceil" else sp.floor)(value)
        if name == "sum":
            return self.summation()
        if name in NAMED_FUNCTIONS:
            return self.named_function(name)
        if name in GREEK or name in ("ell",):
            self.pos -= 1
            return self.identifier()
        self.pos -= 1
        self.fail("unknown command")

    def scalar(self, value: sp.Basic, what: str) -> sp.Basic:
        """``value``, which must not be a tuple (SymPy's functions take numbers)."""
        if isinstance(value, sp.Tuple):
            raise NotationError(f"{what} cannot be taken of a tuple")
        return value

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
            return sp.log(self.scalar(arg, "\\log"), self.scalar(base, "a base"))
        exponent = None
        if self.at_op("^"):  # \ln^2 x
            self.take()
            exponent = self.script()
        arg = self.function_operand()
        value = impl(Application((self.scalar(arg, f"\\{name}"),)))
        return self.power(value, exponent) if exponent is not None else value

    def function_operand(self) -> sp.Basic:
        """\\ln x, \\ln(x), \\ln P(z): the next factor, powers included.

        Parentheses, braced or not, close the operand: ``\\ln{\\left(x\\right)}^{2}`` (as
        SymPy prints $(\\ln x)^2$) is read as ``\\ln(x)^2``, not as $\\ln x^2$.
        """
        if self.at_op("("):
            return self.parenthesised()
        if self.braced_parenthesis():
            self.take()
            value = self.parenthesised()
            self.expect("}")
            return value
        return self.factor()

    def braced_parenthesis(self) -> bool:
        """At ``{(...)}``: braces around exactly one parenthesis."""
        if not (self.at_op("{") and self.tokens[self.pos + 1].text == "("):
            return False
        depth = 0
        for k in range(self.pos + 1, len(self.tokens)):
            tok = self.tokens[k]
            if tok.kind == "end":
                return False
            if tok.kind == "op" and tok.text in ("(", "["):
                depth += 1
            elif tok.kind == "op" and tok.text in (")", "]"):
                depth -= 1
                if depth == 0:
                    after = self.tokens[k + 1]
                    return after.kind == "op" and after.text == "}"
        return False

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
        for value in (body, lower, upper):
            self.scalar(value, "a sum")
        return sp.Sum(body, (var, lower, upper))

    # -- names
    def identifier(self) -> sp.Basic:
        name = self.base_name()
        name = self.decorate(name)
        if self.at_op("'"):
            self.fail("primes are not supported")
        if name in self.scope.functions and self.at_op("(", "["):  # f(x), or E[X]
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
        close = ")" if self.take().text == "(" else "]"
        self.enter()
        args: list[sp.Basic] = []
        bar = None
        if not self.at_op(close):
            args.append(self.expression())
            while self.at_op(",", "|"):
                if self.take().text == "|":
                    if bar is not None:
                        self.fail("two '|' in one application")
                    bar = len(args)
                args.append(self.expression())
        self.expect(close)
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
