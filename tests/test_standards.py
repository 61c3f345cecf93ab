"""Standards presets are data: complete, sourced, and validated with useful messages."""

from __future__ import annotations

from importlib import resources

import pytest
import yaml

from circle.errors import PresetError
from circle.standards import builtin_presets, load_preset, load_profile


def test_gb50180_covers_the_required_categories_and_the_card_groups():
    preset = load_preset("gb50180_2018")
    keys = {c.key for c in preset.categories}
    assert {
        "kindergarten",
        "primary_school",
        "middle_school",
        "clinic",
        "park",
        "culture",
        "sports",
        "elderly_care",
        "food_market",
    } <= keys
    groups = {c.group for c in preset.categories}
    assert {"clinics", "schools", "parks", "culture"} <= groups
    assert preset.thresholds_min == (5, 10, 15)
    assert preset.search_limit_s >= 30 * 60


def test_every_number_in_every_builtin_preset_has_source_and_verified():
    for name in builtin_presets():
        raw = yaml.safe_load((resources.files("circle.standards") / f"{name}.yaml").read_text(encoding="utf-8"))

        def walk(node, where):
            if isinstance(node, dict):
                if "value" in node:
                    assert isinstance(node.get("source"), str) and node["source"], where
                    assert isinstance(node.get("verified"), bool), where
                for key, child in node.items():
                    walk(child, f"{where}.{key}")
            elif isinstance(node, list):
                for index, child in enumerate(node):
                    walk(child, f"{where}[{index}]")

        walk(raw, name)
        preset = load_preset(name)
        for category in preset.categories:
            assert category.label_zh and category.label_en


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"amenity": "clinic"}, ["clinic"]),
        ({"healthcare": "doctor"}, ["clinic"]),
        ({"amenity": "hospital", "name": "四川省人民医院"}, ["clinic"]),
        ({"amenity": "kindergarten"}, ["kindergarten"]),
        ({"amenity": "school", "name": "成都市实验小学"}, ["primary_school"]),
        ({"amenity": "school", "name": "成都七中初中学校"}, ["middle_school"]),
        ({"amenity": "school", "isced:level": "1;2"}, ["primary_school", "middle_school"]),
        ({"amenity": "school", "name": "Kallion koulu"}, ["primary_school", "middle_school"]),
        ({"amenity": "school", "name": "锦绣东方幼儿园"}, ["kindergarten"]),  # mapped as a school, named a kindergarten
        ({"leisure": "park"}, ["park", "park_1ha", "park_5ha"]),  # sizes are checked on the geometry
        ({"leisure": "park", "access": "private"}, []),
        ({"amenity": "library"}, ["culture"]),
        ({"tourism": "museum"}, ["culture"]),
        ({"leisure": "pitch"}, ["sports"]),
        ({"amenity": "social_facility", "social_facility:for": "senior"}, ["elderly_care"]),
        ({"amenity": "social_facility", "social_facility:for": "homeless"}, []),
        ({"shop": "supermarket"}, ["food_market"]),
        ({"amenity": "marketplace"}, ["food_market"]),
        ({"amenity": "bench"}, []),
    ],
)
def test_classification(tags, expected):
    assert load_preset().classify(tags) == expected


def test_a_copied_and_edited_preset_loads_by_path(tmp_path):
    text = (resources.files("circle.standards") / "gb50180_2018.yaml").read_text(encoding="utf-8")
    raw = yaml.safe_load(text)
    raw["name"] = "my_city"
    raw["categories"] = [c for c in raw["categories"] if c["key"] in {"park", "clinic"}]
    raw["analysis"]["thresholds_min"]["value"] = [5, 15]
    path = tmp_path / "my_city.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    preset = load_preset(path)
    assert preset.name == "my_city"
    assert [c.key for c in preset.categories] == ["clinic", "park"]
    assert preset.thresholds_s == (300.0, 900.0)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda raw: raw["categories"][0].pop("osm"), "'kindergarten.osm' must be a non-empty list"),
        (lambda raw: raw["categories"][1].update(key="Primary School"), "categories[1].key"),
        (lambda raw: raw["categories"][2]["radius_m"].pop("source"), "'middle_school.radius_m.source'"),
        (
            lambda raw: raw["analysis"]["thresholds_min"].update(value="fifteen"),
            "analysis.thresholds_min.value",
        ),
        (lambda raw: raw["population"].pop("min_building_coverage"), "population.min_building_coverage"),
        (lambda raw: raw["categories"][3]["label"].pop("zh"), "'clinic.label' needs both zh and en"),
        (lambda raw: raw["school_levels"]["primary"].update(name_pattern="(unclosed"), "name_pattern"),
        (lambda raw: raw["scoring"].update(criterion="crow-flies"), "'scoring.criterion' must be distance or time"),
        (lambda raw: raw["scoring"]["bands"][0].pop("min"), "'scoring.bands[0]' needs min"),
        (lambda raw: raw["scoring"]["e2sfca"]["band_weights"].update(value=[1.0]), "same length"),
        (lambda raw: raw["categories"][0]["weight"].pop("source"), "'kindergarten.weight.source'"),
    ],
)
def test_malformed_preset_names_the_bad_key(tmp_path, edit, message):
    raw = yaml.safe_load((resources.files("circle.standards") / "gb50180_2018.yaml").read_text(encoding="utf-8"))
    edit(raw)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(PresetError) as caught:
        load_preset(path)
    assert message in str(caught.value)


def test_all_problems_are_reported_at_once(tmp_path):
    raw = yaml.safe_load((resources.files("circle.standards") / "gb50180_2018.yaml").read_text(encoding="utf-8"))
    raw["categories"][0]["tier"]["verified"] = "yes"
    raw["categories"][4]["radius_m"]["value"] = -5
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(PresetError, match="2 problem"):
        load_preset(path)


def test_a_preset_cannot_run_code(tmp_path):
    path = tmp_path / "evil.yaml"
    path.write_text("name: !!python/object/apply:os.system ['touch pwned']\n", encoding="utf-8")
    with pytest.raises(PresetError, match="not valid YAML"):
        load_preset(path)
    assert not (tmp_path / "pwned").exists()


def test_unknown_preset_and_profile():
    with pytest.raises(PresetError, match="neither a built-in"):
        load_preset("gb99999")
    with pytest.raises(PresetError, match="choose one of: standard, adult, elderly"):
        load_profile("sprinter")
