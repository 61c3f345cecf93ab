"""Web-map POI types (AMap, Baidu, Tencent) mapped to a preset's categories, or excluded with a reason.

The mapping is data: ``circle/standards/taxonomies/{amap,baidu,tencent}.csv``,
one row per platform type and category, and ``name.csv`` (rows of platform
``any``: traps left out of every export by name whatever their type says;
rows of platform ``name``: a list with no type column classified by its
names), with the columns of :data:`MAPPING_COLUMNS`:

``platform``
    ``amap``, ``baidu`` or ``tencent`` (may be left out of a planner's copy:
    the recognised platform is meant).
``code``
    AMap's six-digit typecode (``090300``) or Tencent's category code; empty
    when the row is written by its type path.
``type``
    The type path, levels joined by ``;`` (``医疗保健服务;诊所``; Tencent's
    ``:`` is read the same).
``name_pattern``
    A regular expression on the POI's name; the row applies only when it is
    found. Names are stronger evidence than types: a name row at any level
    wins over every row without one (a ``宠物医院`` filed as a clinic is
    still a pet clinic), and among names one that only excludes wins
    (``宠物养老院`` is no care home).
``category``
    A category key of a preset (``clinic``, ``health_station``,
    ``healthcare`` …: a type lists the keys it means in every preset), or
    ``exclude``.
``reason``
    Why an ``exclude`` row leaves the type out (required there).
``source``, ``verified``
    Where the row comes from and whether it was checked.

A type is looked up at its most specific level first (``090301`` before
``090300`` before ``090000``; ``大类;中类;小类`` before ``大类;中类``), and
the first level with rows decides: the parent level is never consulted, so
an exclusion under a mapped parent (``动物医疗场所`` under
``医疗保健服务``) always wins. At that level a category of the preset maps
the POI; failing that an exclusion leaves it out with its reason; failing
that the POI is unmapped, and the reason says which categories the preset
lacks. A POI with several types (``|``) is counted in every category one of
them maps to.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from io import StringIO
from itertools import zip_longest
from pathlib import Path

from circle.errors import InputDataError

PLATFORMS = ("amap", "baidu", "tencent")
#: rows of ``name.csv``: ``any`` rows are traps left out of every export
#: whatever its type says (a toilet typed as a clinic); ``name`` rows classify
#: a list that has no type column by its names alone
ANY, BY_NAME = "any", "name"
NAME_PLATFORMS = (ANY, BY_NAME)
MAPPING_COLUMNS = ("platform", "code", "type", "name_pattern", "category", "reason", "source", "verified")
EXCLUDE = "exclude"
MAPPED, EXCLUDED, UNMAPPED = "mapped", "excluded", "unmapped"
#: a mapping copy may be at most this large
MAX_MAPPING_BYTES = 5_000_000
_LEVEL_SEPARATORS = re.compile(r"\s*[;；:：>]\s*")
_TYPE_SEPARATOR = "|"
_CODE = re.compile(r"^\d{6}$")
#: a trailing bracket naming a branch's street or shop (``春天幼儿园(动物园路)``), or where it lies beside
#: a landmark (``清真寺(新沟村卫生室西)``, ``诊所(实验小学旁)``), is not what the place is
_BRANCH_SUFFIX = re.compile(
    r"\s*[(（][^()（）]*(路|街|道|巷|弄|里|村|镇|乡|号|店|分店|社区|小区|广场|大厦|商场|校区|院区|分院|分校"
    r"|东|南|西|北|旁|侧|附近|对面|隔壁|内|边|米)[)）]\s*$"
)
_TRUE = {"true", "yes", "y", "1", "是"}
_FALSE = {"false", "no", "n", "0", "否", ""}


@dataclass(frozen=True)
class TypeRule:
    """One row of a mapping table.

    Attributes
    ----------
    platform, code : str
        The platform and the type's code (``""`` when written by path).
    path : tuple of str
        The type's levels (empty when written by code only); a row with both
        is found by either.
    name_pattern : re.Pattern or None
        The row applies only to POIs whose name matches.
    category : str
        A preset category key, or :data:`EXCLUDE`.
    reason, source : str
        Why it is excluded; where the row comes from.
    verified : bool
        Whether the row was checked.
    origin : str
        ``"amap.csv line 12"``: where the row was read.
    """

    platform: str
    code: str
    path: tuple[str, ...]
    name_pattern: re.Pattern[str] | None
    category: str
    reason: str
    source: str
    verified: bool
    origin: str

    @property
    def depth(self) -> int:
        """Return the type level the row is written at (1 = top level)."""
        if self.code:
            return code_depth(self.code)
        return len(self.path)

    @property
    def key(self) -> tuple[str, str, tuple[str, ...], str]:
        """Return what a planner's row must repeat to replace this one."""
        return (self.platform, self.code, self.path, self.name_pattern.pattern if self.name_pattern else "")


@dataclass(frozen=True)
class Verdict:
    """What became of one POI.

    Attributes
    ----------
    status : str
        :data:`MAPPED`, :data:`EXCLUDED` or :data:`UNMAPPED`.
    categories : tuple of str
        The preset's categories it is counted in (mapped only).
    reason : str
        Why it is excluded or unmapped.
    rule : str
        The rows that decided (``"amap.csv 090300 医疗保健服务;诊所"``), or ``""``.
    """

    status: str
    categories: tuple[str, ...] = ()
    reason: str = ""
    rule: str = ""


def code_depth(code: str) -> int:
    """Return the level of a six-digit code: ``090000`` → 1, ``090300`` → 2, ``090301`` → 3."""
    if code.endswith("0000"):
        return 1
    if code.endswith("00"):
        return 2
    return 3


def code_levels(code: str) -> list[tuple[int, str]]:
    """Return a code and its parents, most specific first: ``090301`` → 090301, 090300, 090000."""
    levels = [(code_depth(code), code), (2, code[:4] + "00"), (1, code[:2] + "0000")]
    seen, result = set(), []
    for depth, value in levels:
        if depth <= code_depth(code) and value not in seen:
            seen.add(value)
            result.append((depth, value))
    return result


def split_path(text: str) -> tuple[str, ...]:
    """Return a type path's levels: ``"医疗保健服务;诊所;诊所"`` or ``"医疗保健:诊所"`` → its parts."""
    return tuple(part for part in _LEVEL_SEPARATORS.split(str(text).strip()) if part)


def base_name(name: str) -> str:
    """Return a POI's name without a trailing bracket naming its branch: ``春天幼儿园(动物园路)`` → ``春天幼儿园``.

    Name patterns are matched on it, so a street called 动物园路 does not
    make a kindergarten an animal clinic; a bracket saying what the place is
    (``(公交站)``, ``(住院部)``) stays.
    """
    return _BRANCH_SUFFIX.sub("", str(name)).strip()


def split_types(text: str) -> list[str]:
    """Return the types of a field that holds several, joined by ``|``."""
    return [part.strip() for part in str(text).split(_TYPE_SEPARATOR) if part.strip()]


class Taxonomy:
    """Mapping rows of every platform, indexed for lookup by code and path at each level."""

    def __init__(self, rules: Iterable[TypeRule], tables: Sequence[str] = ()) -> None:
        self.rules = tuple(rules)
        self.tables = tuple(tables)
        self._by_code: dict[tuple[str, str], list[TypeRule]] = {}
        self._by_path: dict[tuple[str, tuple[str, ...]], list[TypeRule]] = {}
        self._cache: dict[tuple, tuple[list[tuple[int, TypeRule]], Verdict | None]] = {}
        self._traps = [rule for rule in self.rules if rule.platform == ANY and rule.category == EXCLUDE]
        self._by_name = [rule for rule in self.rules if rule.platform in NAME_PLATFORMS]
        #: every level's name of every platform's type paths → the paths it ends
        self._by_label: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        for rule in self.rules:
            for depth in range(1, len(rule.path) + 1):
                found = self._by_label.setdefault(rule.path[depth - 1], [])
                if (rule.platform, rule.path[:depth]) not in found:
                    found.append((rule.platform, rule.path[:depth]))
            if rule.code:
                self._by_code.setdefault((rule.platform, rule.code), []).append(rule)
            if rule.path:
                self._by_path.setdefault((rule.platform, rule.path), []).append(rule)

    def overridden_by(self, extra: Taxonomy) -> Taxonomy:
        """Return this taxonomy with ``extra``'s rows replacing every row of the same key, and added."""
        replaced = {rule.key for rule in extra.rules}
        kept = [rule for rule in self.rules if rule.key not in replaced]
        return Taxonomy([*extra.rules, *kept], (*self.tables, *extra.tables))

    def platform_level_names(self, platform: str) -> frozenset[str]:
        """Return the top-level type names the platform's rows use (to recognise an export by its values)."""
        return frozenset(rule.path[0] for rule in self.rules if rule.platform == platform and rule.path)

    def _rules_at(self, platform: str, code: str | None, path: tuple[str, ...] | None) -> list[tuple[int, TypeRule]]:
        found: list[tuple[int, TypeRule]] = []
        if code:
            for depth, value in code_levels(code):
                found += [(depth, rule) for rule in self._by_code.get((platform, value), [])]
        if path:
            for depth in range(len(path), 0, -1):
                found += [(depth, rule) for rule in self._by_path.get((platform, path[:depth]), [])]
        unique: dict[int, tuple[int, TypeRule]] = {}
        for depth, rule in found:  # a row written with code and path is found twice
            unique.setdefault(id(rule), (depth, rule))
        return list(unique.values())

    def classify_one(
        self,
        platform: str,
        code: str | None,
        path: tuple[str, ...] | None,
        name: str,
        preset_keys: frozenset[str],
        area_keys: dict[str, float],
        preset_name: str,
    ) -> Verdict:
        """Classify one type of a POI (see the module's description of the order)."""
        key = (platform, code, path, preset_name, preset_keys)
        if key not in self._cache:  # a type's rows and its verdict without names, worked out once per export
            found = self._rules_at(platform, code, path)
            named_rules = [(d, r) for d, r in found if r.name_pattern is not None]
            plain = _decide(
                _deepest([(d, r) for d, r in found if r.name_pattern is None]), preset_keys, area_keys, preset_name
            )
            self._cache[key] = (named_rules, plain)
        named_rules, by_type = self._cache[key]
        name = base_name(name)
        named = [(d, r) for d, r in named_rules if name and r.name_pattern.search(name)]
        by_name = _name_verdict(_deepest(named), preset_keys, area_keys, preset_name)
        if by_name is None:
            return by_type or Verdict(UNMAPPED, reason="no row of the mapping names this type")
        return by_name

    def classify(
        self,
        platform: str,
        codes: str,
        types: str,
        name: str,
        preset_keys: frozenset[str],
        area_keys: dict[str, float],
        preset_name: str,
    ) -> Verdict:
        """Classify a POI by all of its types (``|``-joined codes and paths, paired in order).

        Returns
        -------
        Verdict
            Mapped to the union of its types' categories; else excluded by
            the first exclusion; else unmapped with the first reason.
        """
        code_list = [c for c in split_types(codes) if _CODE.match(c)]
        path_list = [split_path(t) for t in split_types(types)]
        verdicts = [
            self.classify_one(platform, code, path, name, preset_keys, area_keys, preset_name)
            for code, path in zip_longest(code_list, path_list)
        ]
        if not verdicts:
            return Verdict(UNMAPPED, reason="the row has no type")
        return self._left_out_if_trap(_combined(verdicts), name)

    def trap(self, name: str) -> Verdict | None:
        """Return the exclusion of a name that marks a trap whatever its type says (``name.csv``, ``any`` rows)."""
        name = base_name(name)
        matched = [rule for rule in self._traps if name and rule.name_pattern.search(name)]
        if not matched:
            return None
        return Verdict(EXCLUDED, reason=matched[0].reason, rule=_describe(matched[0]))

    def _left_out_if_trap(self, verdict: Verdict, name: str) -> Verdict:
        if verdict.status != MAPPED:
            return verdict
        return self.trap(name) or verdict

    def label_paths(self, label: str) -> list[tuple[str, tuple[str, ...]]]:
        """Return the platforms' type paths one of whose levels is called ``label`` (``公园``), ending there."""
        return list(self._by_label.get(str(label).strip(), []))

    def classify_label(
        self,
        label: str,
        name: str,
        preset_keys: frozenset[str],
        area_keys: dict[str, float],
        preset_name: str,
    ) -> Verdict:
        """Classify a POI of a list whose type column holds a platform's type name at any level (``公园``).

        Every platform type with a level of that name is consulted as
        :meth:`classify` does (its name rows included), and the categories
        they map to are joined.
        """
        paths = [(p, path) for p, path in self.label_paths(label) if p in PLATFORMS]
        if not paths:
            return Verdict(UNMAPPED, reason="neither a category of the preset nor a type of AMap, Baidu or Tencent")
        verdicts = [
            self.classify_one(platform, None, path, name, preset_keys, area_keys, preset_name)
            for platform, path in paths
        ]
        return self._left_out_if_trap(_combined(verdicts), name)

    def classify_name(
        self, name: str, preset_keys: frozenset[str], area_keys: dict[str, float], preset_name: str
    ) -> Verdict:
        """Classify a POI of a list with no type column by its name alone (``name.csv``: ``name`` and ``any`` rows).

        A name that marks a trap (``兽医站``, ``培训``) wins over one that
        names a category, as among the platforms' name rows.
        """
        base = base_name(name)
        matched = [rule for rule in self._by_name if base and rule.name_pattern.search(base)]
        verdict = _name_verdict(matched, preset_keys, area_keys, preset_name)
        return verdict or Verdict(UNMAPPED, reason="no type column, and its name matches no name row")


def _combined(verdicts: list[Verdict]) -> Verdict:
    """Return the verdict on a POI of several types: mapped to the union, else the first exclusion, else unmapped."""
    categories: list[str] = []
    for verdict in verdicts:
        categories += [c for c in verdict.categories if c not in categories]
    if categories:
        rules = "; ".join(dict.fromkeys(v.rule for v in verdicts if v.status == MAPPED))
        return Verdict(MAPPED, tuple(categories), rule=rules)
    for status in (EXCLUDED, UNMAPPED):
        for verdict in verdicts:
            if verdict.status == status:
                return verdict
    return verdicts[0]


def _deepest(candidates: list[tuple[int, TypeRule]]) -> list[TypeRule]:
    """Return the rows of the most specific level among the candidates."""
    if not candidates:
        return []
    deepest = max(depth for depth, _ in candidates)
    return [rule for depth, rule in candidates if depth == deepest]


def _name_verdict(
    chosen: list[TypeRule], preset_keys: frozenset[str], area_keys: dict[str, float], preset_name: str
) -> Verdict | None:
    """Return what the name rows that matched make of a POI (None when none matched).

    Several names may match one POI (``农贸批发市场``, ``宠物养老院``,
    ``社区卫生服务中心口腔科``, ``口腔医院``): each name's rows are decided
    on their own, and a name that leaves the POI out of this preset wins over
    one that names a category; else the categories are joined.
    """
    by_pattern: dict[str, list[TypeRule]] = {}
    for rule in chosen:
        by_pattern.setdefault(rule.name_pattern.pattern if rule.name_pattern else "", []).append(rule)
    verdicts = [_decide(rules, preset_keys, area_keys, preset_name) for rules in by_pattern.values()]
    verdicts = [verdict for verdict in verdicts if verdict is not None]
    excluded = [verdict for verdict in verdicts if verdict.status == EXCLUDED]
    if excluded:
        return excluded[0]
    return _combined(verdicts) if verdicts else None


def _decide(
    chosen: list[TypeRule], preset_keys: frozenset[str], area_keys: dict[str, float], preset_name: str
) -> Verdict | None:
    """Return what the rows of one level make of a POI (None when there are none)."""
    if not chosen:
        return None
    rule_text = "; ".join(dict.fromkeys(_describe(rule) for rule in chosen))
    named = [rule.category for rule in chosen if rule.category != EXCLUDE]
    categories = list(dict.fromkeys(named))
    in_preset = [c for c in categories if c in preset_keys and c not in area_keys]
    if in_preset:
        used = "; ".join(dict.fromkeys(_describe(rule) for rule in chosen if rule.category in in_preset))
        return Verdict(MAPPED, tuple(in_preset), rule=used)
    exclusions = [rule for rule in chosen if rule.category == EXCLUDE]
    if exclusions:
        return Verdict(EXCLUDED, reason=exclusions[0].reason, rule=rule_text)
    areal = [c for c in categories if c in area_keys]
    if areal:
        needs = ", ".join(f"{c} ≥ {area_keys[c]:g} ha" for c in areal)
        return Verdict(UNMAPPED, reason=f"a POI is a point and has no area ({needs})", rule=rule_text)
    return Verdict(
        UNMAPPED,
        reason=f"maps to {', '.join(categories)}, which preset {preset_name} does not have",
        rule=rule_text,
    )


def _describe(rule: TypeRule) -> str:
    what = " ".join(part for part in (rule.code, ";".join(rule.path)) if part)
    if rule.name_pattern is not None:
        what += f" named like {rule.name_pattern.pattern}"
    return f"{rule.origin.split(' line ')[0]} {what.strip()}"


def builtin_taxonomy() -> Taxonomy:
    """Return the mapping tables that ship with circle (``circle/standards/taxonomies``)."""
    folder = resources.files("circle.standards") / "taxonomies"
    rules: list[TypeRule] = []
    tables = []
    for platform in (*PLATFORMS, BY_NAME):
        name = f"{platform}.csv"
        text = (folder / name).read_text(encoding="utf-8")
        rules += parse_mapping(text, name, default_platform=None)
        tables.append(f"{name} (built in)")
    return Taxonomy(rules, tables)


def read_mapping(path: Path, default_platform: str | None) -> Taxonomy:
    """Read a planner's mapping copy (CSV, UTF-8 or GB18030) whose rows take precedence over the built-in ones.

    Parameters
    ----------
    path : pathlib.Path
        A CSV with the columns of :data:`MAPPING_COLUMNS` (``platform``,
        ``source`` and ``verified`` may be left out).
    default_platform : str or None
        The platform of rows without one (the export's).

    Raises
    ------
    InputDataError
        When the file is missing, too large, not text, or a row is malformed
        (naming the line).
    """
    path = Path(path)
    if not path.is_file():
        raise InputDataError(f"facility mapping {path} does not exist.", about=("facilities_mapping",))
    if path.stat().st_size > MAX_MAPPING_BYTES:
        raise InputDataError(
            f"facility mapping {path.name} is larger than {MAX_MAPPING_BYTES / 1e6:.0f} MB; a mapping has a row "
            "per type, a few thousand at most.",
            about=("facilities_mapping",),
        )
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InputDataError(
            f"facility mapping {path.name} is neither UTF-8 nor GB18030 text; save it as UTF-8 CSV.",
            about=("facilities_mapping",),
        )
    rules = parse_mapping(text, path.name, default_platform=default_platform)
    return Taxonomy(rules, [f"{path.name} ({len(rules)} rows, taking precedence)"])


def check_mapping(path: Path) -> None:
    """Refuse a malformed mapping copy at once, naming its lines (rows without a platform are read as AMap's).

    Raises
    ------
    InputDataError
        As :func:`read_mapping` does.
    """
    read_mapping(path, default_platform="amap")


def parse_mapping(text: str, label: str, default_platform: str | None) -> list[TypeRule]:
    """Parse mapping rows, collecting every malformed row into one error that names its lines."""
    reader = csv.DictReader(StringIO(text))
    columns = [str(c).strip().lower() for c in (reader.fieldnames or [])]
    required = ("category", "platform") if default_platform is None else ("category",)
    missing = [c for c in required if c not in columns]
    if "code" not in columns and "type" not in columns:
        missing.append("code or type")
    if missing:
        raise InputDataError(
            f"facility mapping {label} needs the columns {', '.join(MAPPING_COLUMNS)} (missing: "
            f"{', '.join(missing)}); copy a built-in table from circle/standards/taxonomies and edit it.",
            about=("facilities_mapping",),
        )
    rules, problems = [], []
    for number, raw in enumerate(reader, start=2):
        row = {str(k).strip().lower(): ("" if v is None else str(v).strip()) for k, v in raw.items() if k is not None}
        if not any(row.values()):
            continue
        rule = _parse_row(row, f"{label} line {number}", default_platform, problems)
        if rule is not None:
            rules.append(rule)
    if problems:
        shown = "; ".join(problems[:10]) + (f"; and {len(problems) - 10} more" if len(problems) > 10 else "")
        raise InputDataError(f"facility mapping {label} has malformed rows: {shown}.", about=("facilities_mapping",))
    return rules


def _parse_row(row: dict[str, str], origin: str, default_platform: str | None, problems: list[str]):
    platform = (row.get("platform") or default_platform or "").lower()
    code, type_text = row.get("code", ""), row.get("type", "")
    category, reason = row.get("category", ""), row.get("reason", "")
    before = len(problems)
    if platform not in PLATFORMS + NAME_PLATFORMS:
        problems.append(
            f"{origin}: platform {platform or '(empty)'!r} is not one of {', '.join(PLATFORMS + NAME_PLATFORMS)}"
        )
    if code and not _CODE.match(code):
        problems.append(f"{origin}: code {code!r} is not six digits (AMap typecodes look like 090300)")
    if platform in NAME_PLATFORMS and not row.get("name_pattern"):
        problems.append(f"{origin}: a row of platform {platform} needs a name_pattern")
    elif platform not in NAME_PLATFORMS and not code and not split_path(type_text):
        problems.append(f"{origin}: neither a code nor a type is given")
    if not category:
        problems.append(f"{origin}: no category (a preset category key, or exclude)")
    elif not re.fullmatch(r"[a-z0-9_]+", category):
        problems.append(f"{origin}: category {category!r} is not a category key (lower-case letters, digits, _)")
    if category == EXCLUDE and not reason:
        problems.append(f"{origin}: an exclude row needs a reason")
    verified_text = row.get("verified", "").lower()
    if verified_text not in _TRUE | _FALSE:
        problems.append(f"{origin}: verified must be true or false, not {row.get('verified')!r}")
    pattern = None
    if row.get("name_pattern"):
        try:
            pattern = re.compile(row["name_pattern"], re.IGNORECASE)
        except re.error as error:
            problems.append(f"{origin}: name_pattern {row['name_pattern']!r} is not a regular expression ({error})")
    if len(problems) > before:
        return None
    return TypeRule(
        platform=platform,
        code=code,
        path=split_path(type_text),
        name_pattern=pattern,
        category=category,
        reason=reason,
        source=row.get("source", ""),
        verified=verified_text in _TRUE,
        origin=origin,
    )
