"""Derivations: pure SymPy, one module (or package) per problem family.

A derivation is a function of a problem's parameters that returns the closed
form together with the steps that led to it (a sentence and an expression
each).  It derives (solves the Bellman equation, differentiates the loss, sums
the series); it never starts from a printed answer.  Nothing here imports
numpy, :mod:`numerics` or :mod:`quizproof`.
"""

from derivations.core import Derivation, Step

__all__ = ["Derivation", "Step"]
