"""Write the bureau example of the README (data/examples/bureau/) from the embedded Chengdu extract.

The three files show the layouts a Chinese planning bureau holds, not real
bureau data:

- ``高德POI导出_示例.csv``: the embedded extract's own facilities (a study of
  it must exist: ``bash scripts/study.sh``), written as an AMap (高德) POI
  export would hold them: ``name,type,typecode,address,location,pname,
  cityname,adname``, positions in GCJ-02 as ``"lng,lat"``, plus four rows
  of the kinds a hand mapping lets in (a pet clinic filed under 医疗保健服务, a
  training school, a dental clinic, a wholesale market), named as examples.
- ``社区边界_高德.geojson``: the twelve residential areas the extract names
  社区, as if traced on an AMap screen (GCJ-02, labelled EPSG:4326 as such
  files are).
- ``七普社区表_示例.csv``: a census table by 社区 in the forms such tables
  use (社区居委会, 居民委员会, full-width brackets, a 合计 row, a row for a
  community outside the study). **Its figures are invented** for the
  example; they are not census results.

Run: ``.venv/bin/python scripts/make_bureau_example.py [--study data/studies/default]``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from circle.coords import from_wgs84, transform_geometry
from circle.sources.osm import read_osm
from circle.standards import load_preset

OUT = Path("data/examples/bureau")
EXTRACT = Path("circle/data/chengdu_central_2018.osm.pbf")
#: an AMap type path and code per category (AMap POI classification table, 2017-08-10)
AMAP_TYPES = {
    "kindergarten": ("科教文化服务;学校;幼儿园", "141204"),
    "primary_school": ("科教文化服务;学校;小学", "141203"),
    "middle_school": ("科教文化服务;学校;中学", "141202"),
    "clinic": ("医疗保健服务;诊所;诊所", "090300"),
    "park": ("风景名胜;公园广场;公园", "110101"),
    "culture": ("科教文化服务;图书馆;图书馆", "140500"),
    "sports": ("体育休闲服务;运动场馆;运动场馆", "080100"),
    "food_market": ("购物服务;综合市场;农副产品市场", "060703"),
}
#: rows a hand mapping lets in, placed 40 m east of a real facility of the category they pose as
TRAPS = [
    ("clinic", "示例宠物诊所", "医疗保健服务;动物医疗场所;宠物诊所", "090701"),
    ("clinic", "示例口腔诊所", "医疗保健服务;专科医院;口腔医院", "090202"),
    ("primary_school", "示例英语培训学校", "科教文化服务;培训机构;培训机构", "141400"),
    ("food_market", "示例小商品批发市场", "购物服务;综合市场;小商品市场", "060701"),
]
#: the census table's rows: the name as the table writes it, residents, 0-14岁, 60岁及以上 (invented figures, at
#: about 500 residents per hectare of each outline, the density of a central Chengdu compound)
CENSUS_ROWS = [
    ("培华社区居委会", 650, 80, 150),
    ("菽香里社区居民委员会", 500, 45, 140),
    ("新兴社区（居委会）", 2200, 310, 380),
    ("府河桥社区", 850, 95, 190),
    ("踏水社区居委会", 1500, 200, 290),
    ("三街坊社区", 3000, 330, 720),
    ("泉水社区", 5500, 820, 770),
    ("马鞍北路社区居委会", 5300, 590, 1290),
    ("杨柳巷社区", 1100, 110, 310),
    ("东沙路社区", 1000, 140, 170),
    ("圣灯社区居民委员会", 400, 60, 60),
    ("东风电力社区", 800, 70, 230),
    ("红旗社区", 900, 100, 160),  # no such area in the extract: listed as unmatched
]


def main() -> None:
    """Write the three example files into data/examples/bureau/."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--study", default="data/studies/default", help="a study of the embedded extract")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    write_amap_export(Path(args.study))
    write_communities()
    write_census_table()
    print(f"wrote {', '.join(sorted(p.name for p in OUT.iterdir()))} in {OUT}")


def write_amap_export(study: Path) -> None:
    """Write the study's OSM facilities of the mapped categories, and the traps, as an AMap export in GCJ-02."""
    facilities = gpd.read_parquet(study / "facilities.parquet")
    facilities = facilities[facilities["category"].isin(list(AMAP_TYPES))].to_crs("EPSG:4326")
    facilities = facilities[facilities["source"].astype(str).str.startswith("osm")]
    points = facilities.geometry.representative_point()
    rows = []
    for category, name, point in zip(facilities["category"], facilities["name"], points, strict=True):
        type_path, code = AMAP_TYPES[category]
        rows.append(
            (
                str(name) if isinstance(name, str) and name else f"未命名{type_path.rsplit(';', 1)[-1]}",
                type_path,
                code,
                point.x,
                point.y,
            )
        )
    for category, name, type_path, code in TRAPS:
        near = points[(facilities["category"] == category).to_numpy()].iloc[0]
        rows.append((name, type_path, code, near.x + 40 / 96_000, near.y))
    lon, lat = from_wgs84(np.array([r[3] for r in rows]), np.array([r[4] for r in rows]), "gcj02")
    frame = pd.DataFrame(
        {
            "name": [r[0] for r in rows],
            "type": [r[1] for r in rows],
            "typecode": [r[2] for r in rows],
            "address": "",
            "location": [f"{x:.6f},{y:.6f}" for x, y in zip(lon, lat, strict=True)],
            "pname": "四川省",
            "cityname": "成都市",
            "adname": "",
        }
    ).drop_duplicates(subset=["name", "typecode", "location"])
    frame.to_csv(OUT / "高德POI导出_示例.csv", index=False, encoding="utf-8-sig")


def write_communities() -> None:
    """Write the extract's areas named 社区 as a boundary file traced on AMap (GCJ-02)."""
    osm = read_osm(EXTRACT, load_preset("gb50180_2018"))
    areas = osm.residential[osm.residential["name"].fillna("").str.endswith("社区")].to_crs("EPSG:4326")
    shifted = [transform_geometry(g, "gcj02") for g in areas.geometry]
    out = gpd.GeoDataFrame({"社区名称": areas["name"].to_numpy()}, geometry=shifted, crs="EPSG:4326")
    out.sort_values("社区名称").to_file(OUT / "社区边界_高德.geojson", driver="GeoJSON")


def write_census_table() -> None:
    """Write the census table by 社区 (invented figures) with its 合计 row."""
    frame = pd.DataFrame(CENSUS_ROWS, columns=["社区名称", "常住人口", "0-14岁", "60岁及以上"])
    total = pd.DataFrame([("合计", *frame.iloc[:, 1:].sum().tolist())], columns=frame.columns)
    pd.concat([frame, total]).to_csv(OUT / "七普社区表_示例.csv", index=False, encoding="utf-8-sig")


if __name__ == "__main__":
    main()
