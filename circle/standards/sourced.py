"""A value with its provenance, and its validated reading from YAML."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Sourced:
    """A number with its provenance.

    Attributes
    ----------
    value : Any
        The number (or list of numbers) itself.
    source : str
        Where it comes from.
    verified : bool
        Whether it was confirmed against a reliable text.
    """

    value: Any
    source: str
    verified: bool

    def to_dict(self) -> dict[str, Any]:
        """Return the value as the mapping it was read from."""
        return {"value": self.value, "source": self.source, "verified": self.verified}


def sourced(raw: dict, key: str, where: str, problems: list[str], positive: bool = False) -> Sourced:
    """Read ``raw[key]`` as ``{value, source, verified}``, appending problems to ``problems``."""
    entry = raw.get(key)
    if not isinstance(entry, dict) or "value" not in entry:
        problems.append(f"'{where}.{key}' must be a mapping with value, source and verified")
        return Sourced(None, "", False)
    value = entry["value"]
    numbers = value if isinstance(value, list) else [value]
    if not numbers or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in numbers):
        problems.append(f"'{where}.{key}.value' must be a number or a list of numbers, not {value!r}")
    elif positive and not all(v > 0 for v in numbers):
        problems.append(f"'{where}.{key}.value' must be positive, not {value!r}")
    if not isinstance(entry.get("source"), str):
        problems.append(f"'{where}.{key}.source' must say where the value comes from")
    if not isinstance(entry.get("verified"), bool):
        problems.append(f"'{where}.{key}.verified' must be true or false")
    return Sourced(value, str(entry.get("source", "")), bool(entry.get("verified", False)))
