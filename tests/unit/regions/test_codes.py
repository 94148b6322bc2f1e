"""National division codes: padding and levels."""

from __future__ import annotations

import csv

import pytest

from gridgov.regions.service import RegionImport, level_of_stored, normalise, read_geojson

SQUARE = {"type": "Polygon", "coordinates": [[[119, 32], [119.1, 32], [119.1, 32.1], [119, 32]]]}


@pytest.mark.parametrize(
    ("code", "stored", "level"),
    [
        ("32", "320000", "province"),
        ("3210", "321000", "city"),  # Yangzhou: a city code ending in 000
        ("320700", "320700", "city"),
        ("321002", "321002", "county"),
        ("320724100", "320724100", "town"),
        ("320724100001", "320724100001", "village"),
    ],
)
def test_codes_are_padded_and_levelled(code: str, stored: str, level: str) -> None:
    assert normalise(code) == stored
    assert level_of_stored(stored) == level


def test_bad_codes_are_refused() -> None:
    for bad in ["3", "32a", "3207241", ""]:
        with pytest.raises(ValueError, match="division code"):
            normalise(bad)


def test_boundary_features_without_a_level_take_it_from_the_code() -> None:
    plan = RegionImport()
    text = (
        '{"type": "FeatureCollection", "features": ['
        f'{{"type": "Feature", "properties": {{"adcode": 321000, "name": "扬州市"}}, '
        f'"geometry": {str(SQUARE).replace(chr(39), chr(34))}}}]}}'
    )
    read_geojson(text, "x.geojson", "wgs84", plan)
    assert plan.problems == []
    assert plan.rows["321000"].level == "city"


def test_a_code_list_that_is_no_csv_is_a_problem_not_a_crash() -> None:
    from gridgov.regions.service import RegionImport, read_csv

    plan = RegionImport()
    limit = csv.field_size_limit(1_000)  # process-wide: other commands may have raised it
    try:
        read_csv("code,name\n320724," + "县" * 2_000, "csv", plan)  # beyond the csv limit
    finally:
        csv.field_size_limit(limit)
    assert plan.rows == {}
    assert len(plan.problems) == 1
    assert "not a readable CSV" in plan.problems[0]
    # bare \r line ends (they used to crash the import), and a line end inside a quoted
    # name, are read as a CSV reads them
    plan = RegionImport()
    read_csv('code,name\r320724,"灌南\n县"\r320700,连云港市\r', "csv", plan)
    assert plan.problems == []
    assert {c: r.name for c, r in plan.rows.items()} == {"320724": "灌南\n县", "320700": "连云港市"}
