r"""The entropy family's variant table, ``[entropy]``: conditioning, and which entropies to replace.

```toml
[entropy]
conditional = true        # condition every distribution on an observed x (a conditional
                          # VAE): the bound is on H(y|x); default false (the quiz)
replace = "H(z)"          # which entropies of (1) become cross-entropies: "H(z)", "H(y|z)"
                          # or "both" (default, the quiz); also a list, ["H(z)", "H(y|z)"]
```

Only the entropies that enter (1) with a plus sign can be replaced (a cross-entropy in
place of $H(z|y)$ would lower the right side, and give no bound).  Given $x$ they are
$H(z|x)$ and $H(y|x, z)$, which may be written either way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from derivations import entropy as E
from quizproof.families.entropy.reading import scope_for
from quizproof.family import Context, Domain, FamilyError, reject_unknown_keys

KEYS = ("conditional", "replace")
REPLACE = {
    "both": frozenset(E.REPLACEABLE),
    "H(z)": frozenset({"z"}),
    "H(y|z)": frozenset({"y|z"}),
}
GIVEN_X = {"H(z|x)": "H(z)", "H(y|x,z)": "H(y|z)", "H(y|z,x)": "H(y|z)"}


def _replace(value: Any, observed: bool, where: str) -> frozenset[str]:
    items = value if isinstance(value, list) else [value]
    allowed = ", ".join(f'"{k}"' for k in (*REPLACE, *(GIVEN_X if observed else ())))
    out: set[str] = set()
    for item in items:
        key = item.replace(" ", "") if isinstance(item, str) else item
        key = GIVEN_X.get(key, key) if observed else key
        if not isinstance(key, str) or key not in REPLACE or (key == "both" and len(items) > 1):
            raise FamilyError(
                f"[{where}]: replace = {value!r}: must be one of {allowed} (the entropies of "
                "(1) with a plus sign), or a list of them"
            )
        out |= REPLACE[key]
    if not out:
        raise FamilyError(f"[{where}]: replace = []: name at least one entropy to replace")
    return frozenset(out)


def setting_from(table: Mapping[str, Any] | None, where: str = "entropy") -> E.Setting:
    """The setting of an ``[entropy]`` table, or the quiz's own."""
    if table is None:
        return E.QUIZ
    reject_unknown_keys(table, KEYS, where)
    observed = table.get("conditional", False)
    if not isinstance(observed, bool):
        raise FamilyError(f"[{where}]: conditional = {observed!r}: must be true or false")
    replace = _replace(table.get("replace", "both"), observed, where)
    return E.Setting(observed, replace)


def prepare(table: Mapping[str, Any] | None, where: str = "entropy") -> Context:
    setting = setting_from(table, where)
    variables = setting.dens.variables
    text = E.DOMAIN + ("; every distribution conditioned on an observed x" if setting.observed
                       else "")  # fmt: skip
    return Context(scope_for(setting), Domain(variables, lambda: iter(()), {}, text), setting)
