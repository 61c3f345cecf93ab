"""Standards presets and walking profiles, kept as YAML data beside this module."""

from circle.standards.categories import Category, TagRule
from circle.standards.loader import (
    Preset,
    WalkingProfile,
    builtin_presets,
    load_preset,
    load_profile,
    profile_names,
)
from circle.standards.scoring_rules import Band, ScoringRules
from circle.standards.sourced import Sourced

__all__ = [
    "Band",
    "Category",
    "Preset",
    "ScoringRules",
    "Sourced",
    "TagRule",
    "WalkingProfile",
    "builtin_presets",
    "load_preset",
    "load_profile",
    "profile_names",
]
