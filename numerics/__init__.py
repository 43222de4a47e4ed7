"""Numerics: numpy and pandas simulations of each quiz's own process.

These know nothing of the closed forms: they simulate what a problem defines
(the MDP step by step, codebook SGD on streaming data, sampling on finite
distributions), stream in chunks with mergeable statistics, and are seeded.
Nothing here imports :mod:`derivations` or :mod:`quizproof`.
"""
