"""Numerics: numpy and pandas simulations of each quiz's own process.

These know nothing of the closed forms: they simulate what a problem defines
(the MDP step by step, codebook SGD on streaming data, sampling on finite
distributions), stream in chunks with mergeable statistics, and are seeded.
Nothing here imports :mod:`derivations` or :mod:`quizproof`.

- :mod:`numerics.stats`: mergeable moments, the z-test and the sample-size rule.
- :mod:`numerics.race`: the race to the goal step by step under any reward and
  discount (returns, REINFORCE, A2C with caller-supplied or rollout advantages,
  paired episodes), and a plain Python loop of the same process for the
  benchmark.
- :mod:`numerics.vq`: the VQ layer with its straight-through backward pass,
  codebook SGD on streaming Gaussian-mixture data.
- :mod:`numerics.entropy`: random finite populations, encoders and models; exact
  entropies and sampled estimates.
"""
