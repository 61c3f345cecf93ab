"""Spreadsheet imports are bounded: zip bombs and oversized sheets are refused before they are parsed.

The bombs are written here as a spreadsheet program would store them (a zip
of XML) but hundreds of thousands of rows long: one compressed a few hundred
times (154 KB for 300,000 rows, the case of issue 28), one that only
declares 300,000 rows, and one of 300,000 ordinary rows compressed as
sheets usually are (4 MB). Each is refused without openpyxl ever being
asked to open it; a build whose facility list is refused gives its slot up
at once, and in the app never takes one.
"""

from __future__ import annotations

import inspect
import threading
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from circle.deploy.builds import BuildQueue
from circle.errors import InputDataError
from circle.sources import spreadsheet
from circle.sources.spreadsheet import check_xlsx, read_xlsx
from circle.sources.tables import FacilityTableSpec, check_table, read_facility_table, read_table
from circle.standards import load_preset
from tests.osm_builder import to_lonlat

_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_RELS = 'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"'
_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def sheet_zip(path: Path, rows: int, dimension: str | None = None, varied: bool = True, prefix: str = "") -> Path:
    """Write an ``.xlsx`` of ``rows`` facility rows (name, category, lon, lat) under a heading row.

    ``varied`` rows carry their cell references (``r="A2"``), as Excel writes
    them, and compress about 13 times; otherwise every row is the same bytes
    and the sheet compresses some 250 times. ``prefix`` puts the sheet's
    elements in a namespace prefix (``x:``), as some generators do.
    """
    lon, lat = to_lonlat(300, 0.5)
    p = prefix
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        )
        archive.writestr(
            "_rels/.rels",
            f'<Relationships {_RELS}><Relationship Id="rId1" Type="{_TYPE}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>',
        )
        archive.writestr(
            "xl/workbook.xml",
            f'<workbook {_NS} xmlns:r="{_TYPE}"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets>'
            "</workbook>",
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships {_RELS}><Relationship Id="rId1" Type="{_TYPE}/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>',
        )
        namespace = _NS.replace("xmlns=", f"xmlns:{p[:-1]}=") if p else _NS
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as stream:
            stream.write(f"<{p}worksheet {namespace}>".encode())
            if dimension:
                stream.write(f'<{p}dimension ref="{dimension}"/>'.encode())
            heading = "".join(
                f'<{p}c r="{c}1" t="inlineStr"><{p}is><{p}t>{v}</{p}t></{p}is></{p}c>'
                for c, v in zip("ABCD", ("名称", "类别", "经度", "纬度"), strict=True)
            )
            stream.write(f'<{p}sheetData><{p}row r="1">{heading}</{p}row>'.encode())
            for start in range(2, rows + 2, 10_000):
                chunk = []
                for i in range(start, min(start + 10_000, rows + 2)):
                    at = (lambda c, i=i: f' r="{c}{i}"') if varied else (lambda c: "")
                    chunk.append(
                        f'<{p}row{at("")}><{p}c{at("A")} t="inlineStr"><{p}is><{p}t>站</{p}t>'
                        f'</{p}is></{p}c><{p}c{at("B")} t="inlineStr"><{p}is><{p}t>clinic</{p}t></{p}is></{p}c>'
                        f"<{p}c{at('C')}><{p}v>{lon}</{p}v></{p}c><{p}c{at('D')}><{p}v>{lat}</{p}v></{p}c></{p}row>"
                    )
                stream.write("".join(chunk).encode())
            stream.write(f"</{p}sheetData></{p}worksheet>".encode())
    return path


@pytest.fixture(scope="module")
def bombs(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bombs")
    return {
        "compressed": sheet_zip(folder / "compressed.xlsx", 300_000, varied=False),
        "declared": sheet_zip(folder / "declared.xlsx", 20, dimension="A1:D300001"),
        "rows": sheet_zip(folder / "rows.xlsx", 300_000),
    }


@pytest.fixture
def never_parsed(monkeypatch):
    """Fail the test if openpyxl is asked to open a workbook."""
    import openpyxl

    def refuse(*args, **kwargs):
        raise AssertionError("the workbook was parsed")

    monkeypatch.setattr(openpyxl, "load_workbook", refuse)


@pytest.mark.parametrize(
    ("bomb", "message"),
    [
        ("compressed", r"compressed 2\d\d times \(xl/worksheets/sheet1\.xml\), as zip bombs are"),
        ("declared", r"declares 300,001 rows and 4 columns \(A1:D300001\)"),
        ("rows", r"holds 300,000 rows and 1,200,004 cells; at most 200,000 rows"),
    ],
)
def test_a_zip_bomb_is_refused_before_it_is_parsed(bombs, never_parsed, bomb, message):
    path = bombs[bomb]
    if bomb == "compressed":
        assert path.stat().st_size < 200_000  # 300,000 rows in some 154 KB
    started = time.perf_counter()
    with pytest.raises(InputDataError, match=message) as caught:
        read_facility_table(FacilityTableSpec(path), load_preset())
    assert time.perf_counter() - started < 3  # a generous bound: it takes a fraction of a second
    assert "Save the sheet as CSV, or split it" in str(caught.value)
    with pytest.raises(InputDataError, match=message):
        check_table(path)  # what the app asks before a build takes its turn


def test_rows_are_counted_under_a_namespace_prefix_too(tmp_path, never_parsed):
    path = sheet_zip(tmp_path / "prefixed.xlsx", 300_000, prefix="x:")
    with pytest.raises(InputDataError, match=r"holds 300,000 rows"):
        check_xlsx(path, "the list", 200_000)


def test_sizes_and_shared_strings_are_checked_from_the_zip_directory(tmp_path, monkeypatch, never_parsed):
    path = sheet_zip(tmp_path / "big.xlsx", 20_000)
    monkeypatch.setattr(spreadsheet, "MAX_UNPACKED_BYTES", 1_000_000)
    with pytest.raises(InputDataError, match=r"unpacks to more than 1 MB \(xl/worksheets/sheet1\.xml: \d\.\d MB\)"):
        check_xlsx(path, "the list", 200_000)
    strings = tmp_path / "strings.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(strings, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            target.writestr(member, source.read(member))
        target.writestr("xl/sharedStrings.xml", "<sst>" + "".join(f"<si><t>{i}</t></si>" for i in range(10**5)))
    monkeypatch.setattr(spreadsheet, "MAX_UNPACKED_BYTES", 100_000_000)
    monkeypatch.setattr(spreadsheet, "MAX_STRINGS_BYTES", 1_000_000)
    with pytest.raises(InputDataError, match=r"xl/sharedStrings\.xml"):
        check_xlsx(strings, "the list", 200_000)


def test_the_read_stops_at_its_time_and_cell_limits(tmp_path, monkeypatch):
    path = sheet_zip(tmp_path / "slow.xlsx", 3_000)
    with pytest.raises(InputDataError, match=r"took more than 0 s to read \(row 1,000\)"):
        read_xlsx(path, "the list", 200_000, time_limit_s=0.0)
    # a sheet whose tags were not counted (say, written oddly) still stops at the cell limit while read
    monkeypatch.setattr(spreadsheet, "_count", lambda stream, head: (1, 1))
    monkeypatch.setattr(spreadsheet, "MAX_CELLS", 1_000)
    with pytest.raises(InputDataError, match=r"more than 1,000 cells"):
        read_xlsx(path, "the list", 200_000)
    monkeypatch.setattr(spreadsheet, "MAX_CELLS", 4_000_000)
    with pytest.raises(InputDataError, match=r"more than 2,000 rows"):
        read_xlsx(path, "the list", 2_000)


def test_an_ordinary_sheet_reads_as_pandas_reads_it(tmp_path):
    path = tmp_path / "list.xlsx"
    frame = pd.DataFrame(
        [["甲", "clinic", 104.06, 30.66, 3, None, "=1"], ["乙", "school", 104.0612, 30.6601, 2.5, "x", "y"]],
        columns=["名称", "类别", "经度", "纬度", "规模", "名称", None],
    )
    frame.to_excel(path, index=False)
    ours = read_table(path)
    theirs = pd.read_excel(path, dtype=str, engine="openpyxl")
    assert (
        list(ours.columns) == list(theirs.columns) == ["名称", "类别", "经度", "纬度", "规模", "名称.1", "Unnamed: 6"]
    )
    pd.testing.assert_frame_equal(ours.fillna("∅").astype(str), theirs.fillna("∅").astype(str))


def test_a_sheet_that_understates_its_dimension_is_read_whole(tmp_path):
    path = sheet_zip(tmp_path / "understated.xlsx", 20, dimension="A1:B2")
    frame = read_table(path)
    assert frame.shape == (20, 4) and frame["纬度"].notna().all()


def test_a_large_csv_is_refused_by_its_size_and_rows(tmp_path, monkeypatch):
    from circle.sources import _table_file  # the limits are read where the file is read

    path = tmp_path / "list.csv"
    path.write_text("名称,类别,经度,纬度\n" + "站,clinic,104.06,30.66\n" * 1000, encoding="utf-8")
    monkeypatch.setattr(_table_file, "MAX_ROWS", 999)
    with pytest.raises(InputDataError, match=r"has more than 999 rows; split it"):
        read_table(path)  # the parser stops at row 1,000
    monkeypatch.setattr(_table_file, "MAX_TABLE_BYTES", 10_000)
    with pytest.raises(InputDataError, match=r"at most 0 MB \(999 rows\) are read"):
        read_table(path)


def one_slot(folder: Path) -> BuildQueue:
    """A build queue of one slot (kept in the deployment's database where the queue has one)."""
    if next(iter(inspect.signature(BuildQueue).parameters)) == "database":
        from circle.deploy.config import Deployment
        from circle.deploy.db import database_of

        return BuildQueue(database_of(Deployment(studies=folder)), 1)
    return BuildQueue(1)


def test_a_refused_import_frees_its_build_slot_at_once(bombs, tmp_path):
    """One slot: a build refused for its facility list gives it up at once; the next waits no poll."""
    queue = one_slot(tmp_path)
    with pytest.raises(InputDataError), queue.turn():
        assert queue.running == 1
        read_table(bombs["compressed"])
    assert queue.running == 0
    waited: list[int] = []
    entered = threading.Event()

    def next_build() -> None:
        with queue.turn(on_wait=waited.append, poll_s=5.0):
            entered.set()

    worker = threading.Thread(target=next_build)
    worker.start()
    assert entered.wait(2.0)
    worker.join()
    assert waited == []


def test_the_app_refuses_a_bomb_before_the_build_takes_a_turn(bombs, tmp_path, monkeypatch):
    """``build_study`` checks the facility list first: the queue is never asked and the refusal is logged."""
    import circle.deploy.audit
    from circle.deploy.config import Deployment
    from circle.pipeline import AnalysisOptions
    from circle.ui import widgets
    from circle.ui.access import User

    class Spy:
        turns = 0

        def turn(self, *args, **kwargs):
            Spy.turns += 1
            raise AssertionError("a slot was asked for")

    logged = []
    monkeypatch.setattr(widgets, "build_queue", lambda *args, **kwargs: Spy())
    monkeypatch.setattr(circle.deploy.audit, "record", lambda *args, **kwargs: logged.append((args, kwargs)))
    try:
        import circle.deploy.db

        monkeypatch.setattr(circle.deploy.db, "database_of", lambda deployment: None, raising=False)
    except ImportError:
        pass
    options = AnalysisOptions(out=tmp_path / "study", facilities_file=bombs["rows"])
    deployment = Deployment(studies=tmp_path)
    with pytest.raises(InputDataError, match=r"holds 300,000 rows"):
        widgets.build_study("en", deployment, User("p", "planner", "local"), options, "upload.osm.pbf")
    assert Spy.turns == 0
    assert len(logged) == 1 and logged[0][1].get("outcome") == "refused"


def test_the_command_line_refuses_a_bomb_before_it_reads_the_map(bombs, tmp_path, monkeypatch, never_parsed):
    """``circle analyze --facilities BOMB`` is refused before the OSM source is read or the output touched."""
    import circle.pipeline.run as run
    from circle.pipeline import AnalysisOptions

    def no_map(*args, **kwargs):
        raise AssertionError("the map was read before the facility list was checked")

    monkeypatch.setattr(run, "prepare_inputs", no_map)
    out = tmp_path / "study"
    with pytest.raises(InputDataError, match="as zip bombs are"):
        run.analyze(AnalysisOptions(out=out, facilities_file=bombs["compressed"]))
    assert not out.exists()


def test_a_workbook_whose_styles_unpack_past_the_limit_is_refused_before_openpyxl(tmp_path, never_parsed, monkeypatch):
    """openpyxl parses every style before a row is read: 1.2 million fonts (86 MB) took 42 s and 2.6 GB."""
    path = sheet_zip(tmp_path / "styled.xlsx", rows=3)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("xl/styles.xml", "<styleSheet>" + "<font/>" * 2_000 + "</styleSheet>")
    monkeypatch.setattr(spreadsheet, "MAX_STYLES_BYTES", 10_000)
    with pytest.raises(InputDataError, match=r"xl/styles.xml"):
        check_xlsx(path, "facility table styled.xlsx", 100)


def test_a_csv_of_too_many_columns_is_refused_in_a_moment(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"c{i}" for i in range(5_000)) + ",name,category,lon,lat\n", encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(InputDataError, match=r"5,004 columns in its first line"):
        read_table(path)
    assert time.perf_counter() - started < 2.0


def test_json_past_its_limit_is_refused_before_it_is_decoded(tmp_path, monkeypatch):
    from circle.sources import _table_file  # the limits are read where the file is read

    path = tmp_path / "answers.json"
    path.write_text("[" + ",".join(['{"":0}'] * 2_000) + "]", encoding="utf-8")
    monkeypatch.setattr(_table_file, "MAX_JSON_BYTES", 1_000)
    with pytest.raises(InputDataError, match=r"MB of JSON; at most"):
        read_table(path)


def test_old_mac_line_ends_and_a_stray_bom_read_like_any_csv(tmp_path):
    path = tmp_path / "mac.csv"
    path.write_bytes("名称,\ufeff类别,经度,纬度\r甲,clinic,104.07,30.66\r".encode())
    table = read_facility_table(FacilityTableSpec(path), load_preset())
    assert table["name"].tolist() == ["甲"] and table["category"].tolist() == ["clinic"]


def test_an_error_quotes_a_few_of_the_apis_answers_not_all(tmp_path):
    path = tmp_path / "failed.json"
    path.write_text("".join(f'{{"status":"0","info":"ERROR_{i}","pois":[]}}' for i in range(300)), encoding="utf-8")
    with pytest.raises(InputDataError) as refused:
        read_table(path)
    assert "ERROR_4" in str(refused.value) and "ERROR_5;" not in str(refused.value) and "295 more" in str(refused.value)
    assert len(str(refused.value)) < 600
