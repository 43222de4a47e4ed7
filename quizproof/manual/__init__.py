"""The solutions manual: MkDocs pages generated from the quiz files at build time.

``hook.py`` is the MkDocs hook named in ``mkdocs.yml``.  At build time it checks
every quiz file (:mod:`quizproof.manual.data`), writes one page per problem, per
variant file and an overview (:mod:`quizproof.manual.pages`), draws the figures
(:mod:`quizproof.manual.figures`) and renders all math to MathML
(:mod:`quizproof.manual.mathml`).  Nothing computed is typed by hand into
``docs/``; it holds only prose (problem restatements, the variant how-to) and
the stylesheet.
"""
