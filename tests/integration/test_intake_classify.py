"""A centre's model trained on its first-level categories (as ``labeled_train.csv`` is) names
a branch of a three-level catalogue. Where the message says a leaf's own words under that
branch, the door takes the item down to the leaf, so the leaf's routing rule applies and a
占道经营 report reaches the urban-management bureau, not the branch's default unit."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from gridgov.api.app import create_app
from gridgov.bootstrap import Platform
from gridgov.intake import batch, service, suggest
from gridgov.intake.service import Triage
from gridgov.intake.suggest import Suggester
from gridgov.nlp import classify
from gridgov.web import explain

from ..conftest import NOW
from ..factories import EMERGENCY, STANDARD, World
from .helpers import auth
from .test_intake import LAT, LON, door, read, through

__all__ = ["door"]  # the fixture, used by name

BRANCH, OTHER = "01", "09"  # 城乡建设 (0101 市容环境 → 占道经营, 井盖缺失, …) and 其他


@pytest.fixture
def first_level(tmp_path: Any) -> Triage:
    """A model that knows only the two first-level categories."""
    texts, labels = [], []
    for i in range(30):
        texts += [f"街上很乱第{i}回，摊贩井盖杂物", f"有个别的事情第{i}件想咨询"]
        labels += [BRANCH, OTHER]
    classify.train(texts, labels, now=NOW).save(tmp_path / "m.npz")
    return Triage(Suggester(tmp_path / "m.npz"))


@pytest.mark.parametrize("door_fn", [batch.receive_batch, service.receive_all])
def test_a_first_level_classification_is_taken_down_to_the_leaf_the_message_names(
    door: Platform, world: World, first_level: Triage, door_fn: Any
) -> None:
    records = [
        {"call_id": "L1", "text": "占道经营的摊贩堵路", "lon": LON, "lat": LAT},
        {"call_id": "L2", "text": "井盖缺失很危险", "lon": LON, "lat": LAT + 0.005},
        {"call_id": "L3", "text": "街上很乱，没人管", "lon": LON + 0.005, "lat": LAT},
    ]
    with door.db.write() as session:
        out = through(door_fn, session, door, world, records, first_level)
    cases = [read(door, o["number"]) for o in out]
    found = [c.triage["classification"] for c in cases]
    assert [c.catalog_item for c in cases] == [STANDARD, EMERGENCY, BRANCH]
    assert [f["label"] for f in found] == [BRANCH] * 3  # what the model itself said
    assert found[0]["refined"] == {"from": BRANCH, "word": "占道经营"}
    assert found[2]["refined"] is None
    assert found[0]["top"][0]["item"] == STANDARD  # the candidates offer the leaf
    assert BRANCH not in {t["item"] for t in found[0]["top"]}
    # the leaf's own rule: 占道经营 goes to the urban-management bureau, the rest of 01
    # (井盖缺失 has no rule of its own) to the housing bureau
    assert [c.lead_unit for c in cases] == ["320724-cgj", "320724-zjj", "320724-zjj"]
    # the confidence is the branch's: the words choose within it, they add no certainty
    assert found[0]["confidence"] == pytest.approx(
        first_level.suggester.model().predict_one(records[0]["text"]).confidence  # type: ignore[union-attr]
    )
    assert f"{BRANCH} narrowed by the word 占道经营" in out[0]["explanation"]
    with door.db.read() as session:
        names = explain.names_of(session, explain.codes(cases[0].triage))
    chinese = explain.triage_words(cases[0].triage, "zh", names)
    assert f"为 {STANDARD} 占道经营（由 {BRANCH} 城乡建设 按关键词「占道经营」细化）" in chinese


def test_an_items_keywords_name_it_and_a_word_several_leaves_share_names_their_branch(
    door: Platform, world: World, first_level: Triage
) -> None:
    """An administrator's keywords take effect at the next report (no restart); a word both
    占道经营 and 井盖缺失 carry takes a report only down to 市容环境, the branch they share."""
    client = TestClient(create_app(door, run_sweeper=False))
    admin = auth(door, "admin")
    kept = []
    for item, words in ((STANDARD, " 摊贩，路边,摊贩 "), (EMERGENCY, "窨井,路边")):
        r = client.patch(f"/api/v1/catalog/{item}", json={"keywords": words}, headers=admin)
        assert r.status_code == 200, r.text
        kept.append(r.json()["keywords"])
    assert kept == ["摊贩,路边", "窨井,路边"]  # tidied: the full-width comma, spaces, a repeat
    texts = [
        "街上很乱，门口有摊贩",
        "街上很乱，窨井没盖",
        "街上很乱，路边没人管",
        "街上很乱，路边摊贩",
    ]
    with door.db.read() as session:
        got = first_level.suggester.suggest_many(session, texts)
    assert [g.item_code for g in got] == [STANDARD, EMERGENCY, "0101", STANDARD]
    assert [g.refined for g in got] == [
        (BRANCH, "摊贩"),
        (BRANCH, "窨井"),
        (BRANCH, "路边"),
        (BRANCH, "摊贩"),  # two of its words against one of 井盖缺失's
    ]
    # and back: the keyword taken away, the report stays at the branch the model named
    client.patch(f"/api/v1/catalog/{STANDARD}", json={"keywords": ""}, headers=admin)
    with door.db.read() as session:
        again = first_level.suggester.suggest(session, "街上很乱，门口有摊贩")
    assert (again.item_code, again.refined) == (BRANCH, None)


def test_without_a_model_an_items_own_words_name_it_at_the_keyword_confidence(
    door: Platform, world: World, tmp_path: Any
) -> None:
    """A centre with no labelled history yet: the words its administrator gave an item name
    it (not only the item's own name), still at the capped confidence that never dispatches
    by itself; a text naming none of them falls back to the names' character pairs."""
    client = TestClient(create_app(door, run_sweeper=False))
    r = client.patch(
        f"/api/v1/catalog/{STANDARD}", json={"keywords": "摊贩,早餐摊"}, headers=auth(door, "admin")
    )
    assert r.status_code == 200, r.text
    bare = Suggester(tmp_path / "none.npz")  # no model file
    with door.db.read() as session:
        stall = bare.suggest(session, "新港大道早餐摊占用人行道")
        cover = bare.suggest(session, "路口井盖缺失")
        nothing = bare.suggest(session, "请问几点下班")
        denied = bare.suggest(session, "不是早餐摊，是路口井盖缺失")
    assert (stall.item_code, stall.source, stall.terms) == (STANDARD, "keywords", ["早餐摊"])
    assert stall.confidence == suggest.KEYWORD_CAP
    assert (cover.item_code, cover.terms) == (EMERGENCY, ["井盖缺失"])
    assert nothing.item_code is None
    assert (denied.item_code, denied.terms) == (EMERGENCY, ["井盖缺失"])  # 不是 早餐摊


@pytest.mark.parametrize("door_fn", [batch.receive_batch, service.receive_all])
def test_a_report_naming_an_item_the_model_never_learnt_waits_for_a_person(
    door: Platform, world: World, first_level: Triage, door_fn: Any
) -> None:
    """The catalogue gains 公共安全 (no case of it in the history the model learnt from). A
    report of a gas smell used to be sent, confidently, wherever the model's nearest
    category goes; now its own words name the new item, at the keyword confidence, and it
    waits for a dispatcher with the model's answer among the candidates."""
    client = TestClient(create_app(door, run_sweeper=False))
    admin = auth(door, "admin")
    for item in (
        {"code": "10", "name": "公共安全"},
        {"code": "1001", "name": "燃气安全", "parent": "10"},
        {"code": "100101", "name": "燃气泄漏", "parent": "1001", "keywords": "燃气,煤气"},
    ):
        assert client.post("/api/v1/catalog", json=item, headers=admin).status_code == 201
    records = [
        {"call_id": "G1", "text": "街上很乱，还闻到燃气味", "lon": LON, "lat": LAT},
        {"call_id": "G2", "text": "占道经营的摊贩堵路", "lon": LON + 0.005, "lat": LAT},
    ]
    with door.db.write() as session:
        out = through(door_fn, session, door, world, records, first_level)
    gas, stall = (read(door, o["number"]) for o in out)
    found = gas.triage["classification"]
    assert (found["item"], found["source"], found["terms"]) == ("100101", "keywords", ["燃气"])
    assert gas.catalog_item is None  # a suggestion only: the dispatcher sets it
    assert found["confidence"] == suggest.KEYWORD_CAP
    assert found["label"] == BRANCH  # what the model said, set aside
    assert [t["item"] for t in found["top"]][:2] == ["100101", BRANCH]
    assert gas.status == "submitted"  # below the centre's threshold: a person decides
    assert "unsure_item" in gas.triage["outcome"]["waits"]
    assert f"not among the model's categories (it said {BRANCH})" in out[0]["explanation"]
    with door.db.read() as session:
        names = explain.names_of(session, explain.codes(gas.triage))
    chinese = explain.triage_words(gas.triage, "zh", names)
    assert "按关键词匹配为 100101 燃气泄漏（模型未学过此类事项" in chinese
    # a report of what the model knows is classified as before
    assert (stall.catalog_item, stall.status) == (STANDARD, "dispatched")
    # and so is one that names the new item only to deny it
    with door.db.read() as session:
        denied = first_level.suggester.suggest(session, "街上很乱，不是燃气的事")
    assert (denied.item_code, denied.source) == (BRANCH, "model")
