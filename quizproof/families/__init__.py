"""The problem families that come with quizproof, one binding each.

Each subpackage builds a :class:`~quizproof.family.Family` named ``FAMILY``
and is registered under the entry-point group ``quizproof.families`` in
``pyproject.toml``, exactly as a family from another distribution would be.
Nothing in the core imports these modules: it finds them through
:mod:`quizproof.registry`.
"""
