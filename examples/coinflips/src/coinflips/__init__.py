"""A quizproof problem family from outside quizproof: flipping a coin until the k-th head.

- :mod:`coinflips.derivation`: the closed forms, derived in SymPy;
- :mod:`coinflips.simulation`: the coin flipped in numpy, knowing no closed form;
- :mod:`coinflips.binding`: the :class:`quizproof.family.Family` joining the two
  (registered as the entry point ``coinflips`` of the group ``quizproof.families``);
- :mod:`coinflips.manual`: its restatement and figure in the solutions manual.
"""
