"""Write small valid seed files for every fuzz target into ``fuzz/corpus/TARGET/``."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(corpus: Path) -> None:
    """Write the seeds."""
    import json

    import numpy as np
    import rasterio
    from rasterio.transform import from_origin

    from tests.hostile_files import _square, _town_pbf, _town_xml

    scratch = corpus / ".scratch"
    scratch.mkdir(parents=True, exist_ok=True)
    seeds = {
        "osm": {"town.osm.pbf": _town_pbf(scratch), "town.osm": _town_xml(scratch)},
        "table": {
            "list.csv": "名称,类别,经度,纬度,床位\n甲,clinic,104.07,30.66,20\n乙,幼儿园,104.08,30.67,\n".encode(),
            "amap.csv": (ROOT / "tests" / "data" / "poi_exports" / "amap_types.csv").read_bytes(),
            "amap.json": json.dumps(
                {
                    "status": "1",
                    "pois": [
                        {
                            "name": "甲诊所",
                            "type": "医疗保健服务;诊所;诊所",
                            "typecode": "090300",
                            "location": "104.071,30.661",
                        },
                        {
                            "name": "乙宠物医院",
                            "type": "医疗保健服务;动物医疗场所;宠物诊所",
                            "location": "104.08,30.67",
                        },
                    ],
                },
                ensure_ascii=False,
            ).encode(),
        },
        "polygons": {"area.geojson": json.dumps({"type": "Polygon", "coordinates": _square(0, 0)}).encode()},
        "census": {
            "census.geojson": json.dumps(
                {
                    "type": "FeatureCollection",
                    "features": [
                        {
                            "type": "Feature",
                            "properties": {"人口": 100},
                            "geometry": {"type": "Polygon", "coordinates": _square(0, 0)},
                        }
                    ],
                }
            ).encode(),
            "table.csv": (ROOT / "tests" / "data" / "census_tables" / "town_table.csv").read_bytes(),
        },
        "preset": {"preset.yaml": (ROOT / "circle" / "standards" / "walkscore.yaml").read_bytes()},
        "batch": {
            "batch.yaml": (
                b"studies:\n  - {name: a, source: town.osm}\n"
                b"  - {name: b, source: town.osm, tiles: {columns: 2, rows: 1}}\n"
            )
        },
    }
    dem = scratch / "dem.tif"
    with rasterio.open(
        dem,
        "w",
        driver="GTiff",
        height=8,
        width=8,
        count=1,
        dtype="float32",
        crs="EPSG:4326",
        transform=from_origin(104.0, 30.7, 0.0125, 0.0125),
        nodata=-9999,
    ) as target:
        target.write(np.arange(64, dtype="float32").reshape(8, 8), 1)
    seeds["dem"] = {"dem.tif": dem.read_bytes()}
    for target, files in seeds.items():
        folder = corpus / target
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            (folder / name).write_bytes(data)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "fuzz" / "corpus")
