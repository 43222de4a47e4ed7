"""quizproof: check and publish the worked solutions of machine-learning quizzes.

Data flows one way: quiz file -> claims -> derivations -> verdicts ->
numerics cross-checks -> report -> site.  This package is the only place where
a claim meets the two independent witnesses, :mod:`derivations` (SymPy) and
:mod:`numerics` (numpy).
"""

__version__ = "0.1.0"
