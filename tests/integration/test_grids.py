"""Grids on a real database: import/validate/export, the locate contract, the API."""

from __future__ import annotations

import copy
import csv
import json
from pathlib import Path

import numpy as np
import pytest
import shapely
from fastapi.testclient import TestClient

from gridgov.api.app import create_app
from gridgov.bootstrap import Platform
from gridgov.grids import repository, service
from gridgov.grids.coords import from_wgs84
from gridgov.kit.clock import utc_now
from gridgov.regions import repository as regions
from gridgov.sim.county import CountySpec, generate, synthetic_county
from gridgov.sim.store import store_county
from gridgov.store.models import Center, Region, User, UserRole

from .helpers import auth

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "geo"
SMALL = CountySpec(towns=2, villages_per_town=3, grids_per_village=3, dedicated=4)


@pytest.fixture
def county(platform: Platform) -> object:
    """A small generated county stored with its region boundaries and grids."""
    with platform.db.write() as session:
        session.add(Region(code="320000", name="江苏省", level="province"))
        session.flush()
        session.add(Region(code="320700", name="连云港市", level="city", parent_code="320000"))
        session.flush()
        session.add(
            Region(
                code="320724",
                name="灌南县",
                level="county",
                parent_code="320700",
                county_code="320724",
            )
        )
        session.flush()
        generated = generate(synthetic_county(area_km2=60), SMALL)
        store_county(session, county=generated, now=utc_now())
    return generated


def exported(cli, tmp_path: Path, name: str = "grids.geojson") -> dict:
    out = tmp_path / name
    result = cli("grids", "export", "--output", str(out))
    assert result.exit_code == 0, result.output
    return json.loads(out.read_text())


def grid_state(platform: Platform) -> tuple[object, ...]:
    with platform.db.read() as session:
        grids, total = repository.list_grids(session)
        return total, tuple((g.code, g.geometry) for g in grids)


def test_export_validates_clean_and_reimports_identically(
    platform: Platform, county, cli, tmp_path: Path
) -> None:
    doc = exported(cli, tmp_path)
    assert len(doc["features"]) == len(county.grids)
    assert {"code", "kind", "name"} <= set(doc["features"][0]["properties"])
    assert cli("grids", "validate", str(tmp_path / "grids.geojson")).exit_code == 0
    before = grid_state(platform)
    again = cli("grids", "import", str(tmp_path / "grids.geojson"))
    assert again.exit_code == 0, again.output
    assert grid_state(platform) == before  # re-importing the export changes nothing
    assert exported(cli, tmp_path, "second.geojson") == doc


def _break(doc: dict, defect: str) -> tuple[dict, str]:
    """A copy of the export with one defect of the given class, and the line to expect."""
    bad = copy.deepcopy(doc)
    comp = [f for f in bad["features"] if f["properties"]["kind"] == "comprehensive"]
    first, second = comp[0], comp[1]
    code = first["properties"]["code"]
    if defect == "invalid_geometry":
        x0, y0, x1, y1 = shapely.geometry.shape(first["geometry"]).bounds
        first["geometry"] = {
            "type": "Polygon",
            "coordinates": [[[x0, y0], [x1, y1], [x1, y0], [x0, y1], [x0, y0]]],
        }  # a bow tie
        return bad, f"invalid_geometry: feature 1 ({code}): Self-intersection"
    if defect == "malformed_code":
        first["properties"]["code"] = "12345"
        return bad, "malformed_code: feature 1 (12345)"
    if defect == "duplicate_code":
        second["properties"]["code"] = code
        return bad, f"duplicate_code: feature 2 ({code}): same code as feature 1"
    if defect == "wrong_parent":
        first["properties"]["region_code"] = second["properties"]["region_code"][:9] + "999"
        return bad, f"wrong_parent: feature 1 ({code}): parent region"
    if defect == "gap":
        village = first["properties"]["region_code"]
        bad["features"].remove(first)
        return bad, f"gap: {village}:"
    if defect == "overlap":
        grown = shapely.geometry.shape(first["geometry"]).buffer(0.003)
        first["geometry"] = shapely.geometry.mapping(grown)
        return bad, f"overlap: feature 1 ({code}): overlaps {second['properties']['code']}"
    if defect == "outside_parent":
        grown = shapely.geometry.shape(first["geometry"]).buffer(0.003)
        first["geometry"] = shapely.geometry.mapping(grown)
        return bad, f"outside_parent: feature 1 ({code})"
    raise AssertionError(defect)


@pytest.mark.parametrize(
    "defect",
    [
        "invalid_geometry",
        "malformed_code",
        "duplicate_code",
        "wrong_parent",
        "gap",
        "overlap",
        "outside_parent",
    ],
)
def test_each_defect_is_reported_and_nothing_is_imported(
    platform: Platform, county, cli, tmp_path: Path, defect: str
) -> None:
    doc = exported(cli, tmp_path)
    with platform.db.write() as session:  # start from an empty grid table
        for grid in repository.list_grids(session)[0]:
            session.delete(grid)
    bad, expected = _break(doc, defect)
    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps(bad))
    before = grid_state(platform)
    result = cli("grids", "import", str(path))
    assert result.exit_code == 1
    assert expected in result.output, result.output
    assert grid_state(platform) == before == (0, ())
    assert cli("grids", "validate", str(path)).exit_code == 1


def test_invalid_polygons_can_be_repaired(platform: Platform, county, cli, tmp_path: Path) -> None:
    doc = exported(cli, tmp_path)
    first = doc["features"][0]
    ring = shapely.geometry.shape(first["geometry"]).exterior.coords[:]
    tip = (ring[1][0] + 0.001, ring[1][1] + 0.0005)  # out and back along one line: a spike
    first["geometry"] = {
        "type": "Polygon",
        "coordinates": [[ring[0], ring[1], tip, ring[1], *ring[2:]]],
    }
    path = tmp_path / "spike.geojson"
    path.write_text(json.dumps(doc))
    assert "--repair" in cli("grids", "import", str(path)).output
    repaired = cli("grids", "import", str(path), "--repair")
    assert repaired.exit_code == 0, repaired.output


def test_locate_contract_agrees_with_brute_force(
    platform: Platform, county, cli, tmp_path: Path
) -> None:
    rng = np.random.default_rng(3)
    x0, y0, x1, y1 = county.geometry.bounds
    lon, lat = rng.uniform(x0 - 0.02, x1 + 0.02, 3000), rng.uniform(y0 - 0.02, y1 + 0.02, 3000)
    comp = [g for g in county.grids if g.kind == "comprehensive"]
    tree = shapely.STRtree([g.geometry for g in comp])
    p_idx, g_idx = tree.query(shapely.points(lon, lat), predicate="within")
    expected = [""] * len(lon)
    for p, g in zip(p_idx, g_idx, strict=True):
        expected[p] = comp[g].code
    for crs in ["wgs84", "gcj02", "bd09"]:
        x, y = from_wgs84(lon, lat, crs)
        points = tmp_path / f"points-{crs}.csv"
        with points.open("w", newline="") as fh:
            out = csv.writer(fh)
            out.writerow(["id", "lon", "lat"])
            out.writerows(
                (f"p{i}", repr(float(a)), repr(float(b)))
                for i, (a, b) in enumerate(zip(x, y, strict=True))
            )
        result_path = tmp_path / f"out-{crs}.csv"
        result = cli(
            "grids", "locate", "--input", str(points), "--output", str(result_path), "--crs", crs
        )
        assert result.exit_code == 0, result.output
        rows = list(csv.DictReader(result_path.open()))
        assert [r["id"] for r in rows] == [f"p{i}" for i in range(len(lon))]
        got = [r["grid_code"] for r in rows]
        differing = [i for i in range(len(lon)) if got[i] != expected[i]]
        assert differing == [], crs
    assert 0 < expected.count("") < len(lon)  # some points fell outside


def test_locate_rejects_bad_rows_and_writes_nothing(
    platform: Platform, county, cli, tmp_path: Path
) -> None:
    points = tmp_path / "bad.csv"
    points.write_text("id,lon,lat\na,119.3,34.0\nb,east,34.1\n")
    out = tmp_path / "out.csv"
    result = cli("grids", "locate", "--input", str(points), "--output", str(out))
    assert result.exit_code == 2
    assert "bad.csv:3" in result.output
    assert not out.exists()
    missing = tmp_path / "cols.csv"
    missing.write_text("id,x,y\n")
    assert "missing column" in cli("grids", "locate", "-i", str(missing), "-o", str(out)).output


def test_micro_grids_are_reported_with_their_grid(platform: Platform) -> None:
    with platform.db.write() as session:
        for code, level, parent in [
            ("320000", "province", None),
            ("320700", "city", "320000"),
            ("320724", "county", "320700"),
        ]:
            session.add(Region(code=code, name=code, level=level, parent_code=parent))
            session.flush()
        generated = generate(
            synthetic_county(area_km2=30),
            CountySpec(
                towns=1, villages_per_town=2, grids_per_village=2, dedicated=0, micro_per_grid=3
            ),
        )
        store_county(session, county=generated, now=utc_now())
        micro = next(g for g in generated.grids if g.kind == "micro")
        inside = shapely.point_on_surface(micro.geometry)
        answer = service.locate_point(
            session, service.build_locator(session), lon=inside.x, lat=inside.y
        )
    assert answer.grid_code == micro.parent_code
    assert answer.micro == [micro.code]
    assert answer.centers == []


def test_grid_api_lists_describes_and_locates(platform: Platform, county) -> None:
    with platform.db.write() as session:
        user = User(username="dispatcher", display_name="d", created_at=utc_now())
        user.roles = [UserRole(role="dispatcher")]
        session.add(user)
    comp = next(g for g in county.grids if g.kind == "comprehensive")
    inside = shapely.point_on_surface(comp.geometry)
    headers = auth(platform, "dispatcher")
    with TestClient(create_app(platform, run_sweeper=False)) as client:
        page = client.get("/api/v1/grids?kind=dedicated", headers=headers).json()
        assert page["total"] == 4
        one = client.get(f"/api/v1/grids/{comp.code}", headers=headers).json()
        assert one["geometry"]["type"] in ("Polygon", "MultiPolygon")
        assert client.get("/api/v1/grids/nope", headers=headers).status_code == 404
        gx, gy = from_wgs84(inside.x, inside.y, "gcj02")
        hit = client.get(f"/api/v1/locate?lon={gx}&lat={gy}&crs=gcj02", headers=headers).json()
        assert hit["grid_code"] == comp.code
        assert [r["level"] for r in hit["regions"]] == [
            "village",
            "town",
            "county",
            "city",
            "province",
        ]
        away = client.get("/api/v1/locate?lon=118.0&lat=34.0", headers=headers).json()
        assert away["grid_code"] is None
        assert away["nearest_grid"]
        assert away["nearest_m"] > 50_000
        many = client.post(
            "/api/v1/locate",
            headers=headers,
            json={"lon": [inside.x, 118.0], "lat": [inside.y, 34.0]},
        ).json()
        assert many["grid_code"] == [comp.code, None]
        bad = client.post("/api/v1/locate", headers=headers, json={"lon": [1.0], "lat": []})
        assert (bad.status_code, bad.json()["error"]) == (422, "ValidationFailed")
        fc = client.get("/api/v1/grids.geojson?kind=dedicated", headers=headers).json()
        assert len(fc["features"]) == 4


@pytest.mark.skipif(
    not (DATA / "jiangsu_320700_full.geojson").exists(),
    reason="real boundaries live in ../shared/data (absent in this clone)",
)
def test_real_guannan_boundary(platform: Platform, cli, tmp_path: Path) -> None:
    files = [
        DATA / n
        for n in [
            "china_provinces.csv",
            "china_cities.csv",
            "china_areas.csv",
            "jiangsu_towns.csv",
            "jiangsu_320700_full.geojson",
        ]
    ]
    result = cli("regions", "import", *map(str, files), "--crs", "gcj02")
    assert result.exit_code == 0, result.output
    assert cli("grids", "generate", "--county", "320724").exit_code == 0
    doc = exported(cli, tmp_path)
    assert len(doc["features"]) == 726 + 84
    names = {f["properties"]["name"][:3] for f in doc["features"]}
    assert any(n.startswith("新安") or "镇" in n for n in names) or names
    assert cli("grids", "validate", str(tmp_path / "grids.geojson")).exit_code == 0
    with platform.db.read() as session:
        town = session.get(Region, "320724100")
        assert town is not None
        assert town.name == "新安镇"
        county_shape = shapely.from_wkb(session.get(Region, "320724").boundary)
    # the real outline was converted from GCJ-02: Guannan lies around 119.3–119.7°E, 33.9–34.4°N
    x0, y0, x1, y1 = county_shape.bounds
    assert 119.1 < x0 < x1 < 119.9
    assert 33.8 < y0 < y1 < 34.5
    before = grid_state(platform)
    assert cli("grids", "import", str(tmp_path / "grids.geojson")).exit_code == 0
    assert grid_state(platform) == before
    # locate points given in GCJ-02 (as Amap would report them) against a brute-force check
    rng = np.random.default_rng(5)
    lon, lat = rng.uniform(x0, x1, 2000), rng.uniform(y0, y1, 2000)
    comp = [f for f in doc["features"] if f["properties"]["kind"] == "comprehensive"]
    tree = shapely.STRtree([shapely.geometry.shape(f["geometry"]) for f in comp])
    p_idx, g_idx = tree.query(shapely.points(lon, lat), predicate="within")
    expected = [""] * len(lon)
    for p, g in zip(p_idx.tolist(), g_idx.tolist(), strict=True):
        expected[p] = comp[g]["properties"]["code"]
    gx, gy = from_wgs84(lon, lat, "gcj02")
    points = tmp_path / "points.csv"
    points.write_text(
        "id,lon,lat\n"
        + "".join(
            f"{i},{float(a)!r},{float(b)!r}\n" for i, (a, b) in enumerate(zip(gx, gy, strict=True))
        )
    )
    out = tmp_path / "out.csv"
    assert (
        cli("grids", "locate", "-i", str(points), "-o", str(out), "--crs", "gcj02").exit_code == 0
    )
    got = [r["grid_code"] for r in csv.DictReader(out.open())]
    assert got == expected
    share = county_shape.area / shapely.box(x0, y0, x1, y1).area  # Guannan fills ~1/3
    assert abs(sum(bool(c) for c in got) / len(got) - share) < 0.05
    coverage = json.loads(cli("grids", "coverage", "--json", "--county", "320724").output)
    assert coverage["without_worker"] == []  # the generator staffed every grid


def test_a_case_reported_in_gcj02_is_stored_in_wgs84_and_located(
    platform: Platform, county
) -> None:
    from gridgov.auth.actor import SYSTEM
    from gridgov.cases import service as cases

    comp = next(g for g in county.grids if g.kind == "comprehensive")
    inside = shapely.point_on_surface(comp.geometry)
    gx, gy = from_wgs84(inside.x, inside.y, "gcj02")
    with platform.db.write() as session:
        session.add(Center(code="320724", name="县中心", level="county", region_code="320724"))
        session.flush()
        case = cases.create_case(
            session,
            actor=SYSTEM,
            now=utc_now(),
            data={
                "channel": "web",
                "title": "路灯不亮",
                "region_code": comp.region_code,
                "lon": float(gx),
                "lat": float(gy),
                "crs": "gcj02",
            },
        ).case
        view = cases.read(session, case=case, now=utc_now(), rules=platform.rules)
    assert view.grid_code == comp.code
    assert (view.source_crs, view.source_lon, view.source_lat) == ("gcj02", float(gx), float(gy))
    assert abs(view.lon - inside.x) < 1e-6
    assert abs(view.lat - inside.y) < 1e-6


def test_address_registry_import_and_match(platform: Platform, county, cli, tmp_path: Path) -> None:
    comp = [g for g in county.grids if g.kind == "comprehensive"]
    a, b = (shapely.point_on_surface(g.geometry) for g in comp[:2])
    good = tmp_path / "addresses.csv"
    good.write_text(
        "address,lon,lat\n"
        f"灌南县第1镇长江大道１２０号,{a.x},{a.y}\n"
        f"灌南县第1镇长江大道122号3幢,{b.x},{b.y}\n",
        encoding="utf-8",
    )
    bad = tmp_path / "bad.csv"
    bad.write_text("address,lon,lat\n灌南县某路1号,119.3,34.1\n,119.3,34.1\n某路2号,x,34\n")
    with platform.db.read() as session:
        from sqlalchemy import func, select

        from gridgov.store.models import StandardAddress

        before = session.scalar(select(func.count()).select_from(StandardAddress))
    rejected = cli("addresses", "import", str(bad))
    assert rejected.exit_code == 2
    assert "bad.csv:3: empty address" in rejected.output
    assert "bad.csv:4: lon/lat are not numbers" in rejected.output
    assert cli("addresses", "import", str(good)).exit_code == 0
    with platform.db.read() as session:
        assert session.scalar(select(func.count()).select_from(StandardAddress)) == before + 2
    found = json.loads(cli("addresses", "match", "长江大道一百二十号门口", "--json").output)
    assert found[0]["address"] == "灌南县第1镇长江大道１２０号"
    assert found[0]["grid_code"] == comp[0].code
    assert found[0]["score"] == 1.0
    with platform.db.write() as session:
        user = User(username="agent", display_name="a", created_at=utc_now())
        user.roles = [UserRole(role="agent")]
        session.add(user)
    with TestClient(create_app(platform, run_sweeper=False)) as client:
        r = client.get(
            "/api/v1/addresses/match",
            params={"text": "长江大道122号3号楼"},
            headers=auth(platform, "agent"),
        )
        assert r.status_code == 200
        assert r.json()[0]["grid_code"] == comp[1].code
        empty = client.get(
            "/api/v1/addresses/match", params={"text": "，。"}, headers=auth(platform, "agent")
        )
        assert (empty.status_code, empty.json()["error"]) == (422, "ValidationFailed")


def test_the_remembered_address_registry_follows_every_change(platform: Platform, county) -> None:
    """Matching keeps each county's parsed registry between calls; an address added after
    a match is found by the next one, and one added in a transaction that rolled back is
    not, though that transaction matched against it."""
    from gridgov.addresses import service as addresses

    comp = [g for g in county.grids if g.kind == "comprehensive"]
    a = shapely.point_on_surface(comp[0].geometry)
    code = comp[0].code[:6]

    def add(session: object, text: str) -> None:
        addresses.add_many(
            session,
            texts=[text],
            lon=np.array([a.x]),
            lat=np.array([a.y]),
            crs="wgs84",
            county_code=code,
            now=utc_now(),
        )

    def best(text: str) -> str:
        with platform.db.read() as session:
            return addresses.match(session, text=text, county_code=code, top=1)[0].address

    with platform.db.write() as session:
        add(session, "灌南县第1镇云杉巷5号")
    assert best("云杉巷5号") == "灌南县第1镇云杉巷5号"
    with platform.db.write() as session:
        add(session, "灌南县第1镇云杉巷7号")
        assert addresses.match(session, text="云杉巷7号", county_code=code)[0].score == 1.0
        session.rollback()
    assert best("云杉巷7号") == "灌南县第1镇云杉巷5号"  # the nearest that exists
    with platform.db.write() as session:
        add(session, "灌南县第1镇云杉巷7号")
    assert best("云杉巷7号") == "灌南县第1镇云杉巷7号"


def test_staff_on_grids_and_the_coverage_report(platform: Platform, county, cli) -> None:
    comp = sorted(g.code for g in county.grids if g.kind == "comprehensive")
    with platform.db.write() as session:
        for name, role in [
            ("w1", "grid_worker"),
            ("w2", "grid_worker"),
            ("head", "grid_worker"),
            ("cop", "grid_worker"),
            ("leader", "leader"),
        ]:
            user = User(username=name, display_name=name, created_at=utc_now())
            user.roles = [UserRole(role=role)]
            session.add(user)
    for args in [
        (comp[0], "w1"),
        (comp[1], "w1"),
        (comp[2], "w2"),
        (comp[0], "head", "--role", "grid_head"),
        (comp[0], "w2", "--role", "volunteer"),
    ]:
        assert cli("grids", "assign", *args).exit_code == 0
    assert cli("grids", "link", comp[0], "cop", "--kind", "police").exit_code == 0
    again = cli("grids", "assign", comp[0], "w1")
    assert (again.exit_code, "already grid_worker" in again.output) == (5, True)
    assert cli("grids", "assign", comp[0], "ghost").exit_code == 3
    report = json.loads(cli("grids", "coverage", "--json").output)
    assert report["grids"] == len(comp)
    assert report["without_worker"] == comp[3:]
    assert report["over_assigned"] == {"w1": comp[:2]}
    assert report["by_role"] == {"grid_worker": 3, "grid_head": 1, "volunteer": 1}
    assert (
        json.loads(cli("grids", "coverage", "--json", "--max-grids", "2").output)["over_assigned"]
        == {}
    )
    assert cli("grids", "assign", comp[1], "w1", "--remove").exit_code == 0
    with TestClient(create_app(platform, run_sweeper=False)) as client:
        people = client.get(
            f"/api/v1/grids/{comp[0]}/people", headers=auth(platform, "leader")
        ).json()
        assert people == {
            "grid_head": ["head"],
            "grid_worker": ["w1"],
            "volunteer": ["w2"],
            "link:police": ["cop"],
        }
        cov = client.get("/api/v1/grid-coverage", headers=auth(platform, "leader")).json()
        assert cov["over_assigned"] == {}
        assert cov["covered_share"] == pytest.approx(2 / len(comp))


def test_buildings_households_and_risk_colours(platform: Platform, county, cli) -> None:
    comp = next(g for g in county.grids if g.kind == "comprehensive")
    inside = shapely.point_on_surface(comp.geometry)
    gx, gy = from_wgs84(inside.x, inside.y, "bd09")
    made = cli(
        "buildings",
        "add",
        "--address",
        "灌南县第1镇幸福路8号",
        "--lon",
        str(gx),
        "--lat",
        str(gy),
        "--crs",
        "bd09",
        "--households",
        "24",
    )
    assert made.exit_code == 0, made.output
    assert f"in grid {comp.code}" in made.output
    building_id = made.output.split()[1]
    no_reason = cli(
        "buildings", "household", building_id, "--door", "2单元301室", "--colour", "red"
    )
    assert (no_reason.exit_code, "needs at least one reason" in no_reason.output) == (2, True)
    assert (
        cli(
            "buildings",
            "household",
            building_id,
            "--door",
            "2单元301室",
            "--colour",
            "red",
            "--reason",
            "独居老人",
        ).exit_code
        == 0
    )
    assert (
        cli(
            "buildings", "set-risk", building_id, "--colour", "yellow", "--reason", "群租"
        ).exit_code
        == 0
    )
    assert cli("buildings", "set-risk", building_id, "--colour", "purple").exit_code == 2
    assert cli("buildings", "set-risk", "99999", "--colour", "green").exit_code == 3
    listed = json.loads(cli("buildings", "list", "--grid", comp.code, "--json").output)
    assert [
        (b["risk_colour"], b["risk_reasons"], b["worst_household_colour"], b["households"])
        for b in listed
    ] == [("yellow", ["群租"], "red", 24)]
    with platform.db.write() as session:
        user = User(username="leader", display_name="l", created_at=utc_now())
        user.roles = [UserRole(role="leader")]
        session.add(user)
    with TestClient(create_app(platform, run_sweeper=False)) as client:
        h = auth(platform, "leader")
        assert (
            len(client.get(f"/api/v1/grids/{comp.code}/buildings?colour=yellow", headers=h).json())
            == 1
        )
        assert client.get(f"/api/v1/grids/{comp.code}/buildings?colour=red", headers=h).json() == []
        assert (
            client.get(f"/api/v1/grids/{comp.code}/buildings?colour=pink", headers=h).status_code
            == 422
        )


def test_csv_with_wkt_round_trip_and_bad_wkt(
    platform: Platform, county, cli, tmp_path: Path
) -> None:
    out = tmp_path / "grids.csv"
    assert cli("grids", "export", "--output", str(out)).exit_code == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == len(county.grids)
    assert rows[0]["wkt"].startswith("POLYGON")
    before = grid_state(platform)
    assert cli("grids", "import", str(out)).exit_code == 0
    assert grid_state(platform) == before
    rows[1]["wkt"] = "POLYGON ((1 2, 3"
    broken = tmp_path / "broken.csv"
    with broken.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    result = cli("grids", "import", str(broken))
    assert result.exit_code == 1
    assert f"invalid_geometry: feature 2 ({rows[1]['code']}): unreadable WKT" in result.output
    assert grid_state(platform) == before


def test_new_grids_without_codes_get_codes_in_reading_order(
    platform: Platform, county, cli, tmp_path: Path
) -> None:
    doc = exported(cli, tmp_path)
    village = county.villages[0]
    members = [
        f
        for f in doc["features"]
        if f["properties"]["region_code"] == village.code
        and f["properties"]["kind"] == "comprehensive"
    ]
    with platform.db.write() as session:  # the village's grids are to be re-drawn
        for f in members:
            session.delete(repository.get(session, code=f["properties"]["code"]))
    # split the village into a 2 × 2 block of new grids, given without codes
    x0, y0, x1, y1 = village.geometry.bounds
    xm, ym = (x0 + x1) / 2, (y0 + y1) / 2
    quads = {
        "nw": (x0, ym, xm, y1),
        "ne": (xm, ym, x1, y1),
        "sw": (x0, y0, xm, ym),
        "se": (xm, y0, x1, ym),
    }
    new = []
    for name, box in quads.items():
        piece = shapely.intersection(village.geometry, shapely.box(*box))
        if not piece.is_empty and piece.geom_type == "Polygon":
            new.append(
                {
                    "type": "Feature",
                    "geometry": shapely.geometry.mapping(piece),
                    "properties": {"name": name, "region_code": village.code},
                }
            )
    path = tmp_path / "new.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": new}))
    result = cli("grids", "import", str(path))
    assert result.exit_code == 0, result.output
    with platform.db.read() as session:
        grids, _ = repository.list_grids(session, region_prefix=village.code, kind="comprehensive")
        names = [g.name for g in grids]  # in code order
        codes = [g.code for g in grids]
    expected = [n for n in ["nw", "ne", "sw", "se"] if n in names]
    assert len(names) >= 3
    assert names == expected  # 001 north-west, then east, then the southern row
    assert codes == [f"{village.code}{i:03d}" for i in range(1, len(codes) + 1)]


def test_a_region_chain_runs_up_to_the_province_and_ends_at_a_cycle(platform: Platform) -> None:
    levels = [("32", "province"), ("3207", "city"), ("320724", "county"), ("320724100", "town")]
    with platform.db.write() as session:
        parent = None
        for code, level in levels:
            session.add(Region(code=code, name=code, level=level, parent_code=parent))
            session.flush()
            parent = code
        session.add(Region(code="320724100201", name="v", level="village", parent_code=parent))
    with platform.db.read() as session:
        assert regions.region_chain(session, code="320724100201") == [
            "320724100201",
            "320724100",
            "320724",
            "3207",
            "32",
        ]
        assert regions.region_chain(session, code="3207") == ["3207", "32"]
        assert regions.region_chain(session, code="999999") == ["999999"]  # not a region
    with platform.db.write() as session:  # a mistaken edit makes the province its town's child
        session.get(Region, "32").parent_code = "320724100"  # type: ignore[union-attr]
    with platform.db.read() as session:
        assert regions.region_chain(session, code="320724") == ["320724", "3207", "32", "320724100"]
