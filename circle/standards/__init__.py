"""Standards presets and walking profiles, kept as YAML data beside this module."""

from circle.standards.loader import (
    Category,
    Preset,
    Sourced,
    TagRule,
    WalkingProfile,
    builtin_presets,
    load_preset,
    load_profile,
    profile_names,
)

__all__ = [
    "Category",
    "Preset",
    "Sourced",
    "TagRule",
    "WalkingProfile",
    "builtin_presets",
    "load_preset",
    "load_profile",
    "profile_names",
]
