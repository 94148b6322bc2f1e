"""The one door: every channel, idempotency, dead letters, personal data, duplicates, routing."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from gridgov.api.app import create_app
from gridgov.audit.service import verify_all
from gridgov.bootstrap import Platform
from gridgov.cases import attachments
from gridgov.cases import service as cases
from gridgov.dispatch import rules as rules_db
from gridgov.intake import batch, channels, deadletters, service
from gridgov.intake.service import Triage
from gridgov.intake.suggest import Suggester
from gridgov.kit.errors import Forbidden, ValidationFailed
from gridgov.nlp import classify
from gridgov.store.models import (
    Attachment,
    Case,
    CaseEvent,
    DeadLetter,
    DeadLetterReveal,
    TriagePolicy,
)

from ..conftest import NOW
from ..factories import (
    COUNTY,
    EMERGENCY,
    NO_POLICY,
    SELF_CLOSE,
    STANDARD,
    TOWN_A,
    VILLAGE_A,
    World,
    make_world,
)
from .helpers import GRID, LAT, LON, add_grid, auth, overlapping

PHONE, ID_NUMBER = "13812345678", "11010519491231002X"


DOOR_RULES = [
    {"item": "01", "region_level": "county", "lead_unit": "320724-zjj"},
    {
        "item": STANDARD,
        "region_level": "county",
        "lead_unit": "320724-cgj",
        "assisting": "320724-zjj",
    },
    {"item": STANDARD, "region_level": "town", "lead_unit": "{town}-zhzf"},
]


def add_grid_and_rules(session: Any) -> None:
    add_grid(session)
    rules_db.import_rules(session, rows=DOOR_RULES, replace=False, source="test")


@pytest.fixture
def door(platform: Platform, world: World) -> Platform:
    """The small world plus one grid and routing rules for the county and town centres."""
    with platform.db.write() as session:
        add_grid_and_rules(session)
    return platform


def receive(p: Platform, world: World, channel: str, payload: Any, user: str = "agent", **kw: Any):
    with p.db.write() as session:
        got = service.receive(
            session,
            channel=channel,
            payload=payload,
            actor=world.actor(session, user),
            now=kw.pop("now", NOW),
            rules=p.rules,
            triage=p.triage,
            **kw,
        )
        number = got.case.number if got.case else None
        letter = got.dead_letter.id if got.dead_letter else None
        return number, got.created, letter


def read(p: Platform, number: str):
    with p.db.read() as session:
        case = session.scalar(select(Case).where(Case.number == number))
        return cases.read(session, case=case, now=NOW, rules=p.rules)


def count(p: Platform, model: type = Case) -> int:
    with p.db.read() as session:
        return session.scalar(select(func.count()).select_from(model))


CHANNEL_RECORDS: dict[str, tuple[str, dict[str, Any]]] = {
    "hotline": (
        "agent",
        {"call_id": "H1", "caller": "张三", "callback_number": PHONE, "text": "路灯不亮一周了"},
    ),
    "grid_app": (
        "grid_worker",
        {"client_id": "app-1", "text": "河道漂浮垃圾", "lon": LON, "lat": LAT},
    ),
    "inspector": (
        "agent",
        {"event_id": "I1", "standard_code": "010101", "text": "井盖破损", "grid_code": GRID},
    ),
    "web": ("citizen", {"submission_id": "W1", "text": "小区噪音扰民", "region_code": VILLAGE_A}),
    "open311": (
        "citizen",
        {"service_code": STANDARD, "description": "摊贩占道", "lat": LAT, "long": LON},
    ),
    "sensor": (
        "system",
        {"alert_id": "S1", "device_id": "wl-7", "rule": "water>2m", "text": "水位超警戒"},
    ),
    "police_110": (
        "system",
        {"incident_no": "110-9", "text": "邻里纠纷噪音", "caller_phone": PHONE},
    ),
    "leader": (
        "leader",
        {
            "reference": "批示-3",
            "issued_by": "县长",
            "instruction": "三日内办结",
            "text": "老旧小区加装电梯",
        },
    ),
    "superior": (
        "system",
        {
            "reference": "市交-12",
            "issued_by": "市12345",
            "instruction": "请核实",
            "text": "道路积水",
        },
    ),
    "letters": ("agent", {"letter_no": "X-1", "petitioner": "王五", "text": "拖欠工资问题"}),
    "media": (
        "agent",
        {"url": "https://news.example/1", "text": "网传某路段塌陷", "outlet": "晚报"},
    ),
}


@pytest.mark.parametrize("channel", sorted(CHANNEL_RECORDS))
def test_every_channel_makes_one_case_that_records_its_channel(
    door: Platform, world: World, channel: str
) -> None:
    user, record = CHANNEL_RECORDS[channel]
    number, created, letter = receive(door, world, channel, record, user=user, center=COUNTY)
    assert created
    assert letter is None
    case = read(door, number)
    assert case.channel == channel
    assert case.triage
    assert case.triage["explanation"]
    if "lon" in record or "long" in record or "grid_code" in record:
        assert case.grid_code == GRID
        assert case.region_code == VILLAGE_A


def test_a_letter_without_a_title_is_listed_by_its_subject(door: Platform, world: World) -> None:
    text = f"尊敬的李书记：您好！我是幸福里小区的业主，电话{PHONE}。小区门口的路灯坏了一个月。"
    number, _, _ = receive(door, world, "web", {"text": text, "region_code": VILLAGE_A})
    assert read(door, number).title == "我是幸福里小区的业主，电话138****5678"


def test_retrying_the_same_record_three_times_gives_one_case(door: Platform, world: World) -> None:
    record = {"client_id": "phone-7-0001", "text": "河道漂浮垃圾", "lon": LON, "lat": LAT}
    numbers = {receive(door, world, "grid_app", record, user="grid_worker")[0] for _ in range(3)}
    assert len(numbers) == 1
    assert count(door) == 1


def test_http_idempotency_key_and_offline_batch_never_double(door: Platform, world: World) -> None:
    client = TestClient(create_app(door, run_sweeper=False))
    body = {"text": "路灯不亮一周了", "region_code": VILLAGE_A}
    headers = {**auth(door, "agent"), "Idempotency-Key": "k-42"}
    codes = [
        client.post("/api/v1/intake/hotline", json=body, headers=headers).status_code
        for _ in range(3)
    ]
    assert codes == [201, 200, 200]
    batch = [
        {"client_id": f"b-{i}", "text": "河道漂浮垃圾", "lon": LON, "lat": LAT} for i in range(3)
    ]
    batch.append({"client_id": "b-bad", "text": "x"})
    first = client.post(
        "/api/v1/intake/grid_app/batch", json=batch, headers=auth(door, "grid_worker")
    ).json()
    again = client.post(
        "/api/v1/intake/grid_app/batch", json=batch, headers=auth(door, "grid_worker")
    ).json()
    assert [r["outcome"] for r in first] == ["created"] * 3 + ["rejected"]
    assert [r["outcome"] for r in again] == ["existing"] * 3 + ["rejected"]
    assert count(door) == 4
    # the refused record is one letter, tried twice
    assert first[3]["dead_letter"] == again[3]["dead_letter"]
    with door.db.read() as session:
        assert session.get(DeadLetter, first[3]["dead_letter"]).attempts == 2


def test_an_idempotency_key_reused_for_another_record_is_refused_not_answered_with_the_old_case(
    door: Platform, world: World
) -> None:
    """A retry sends the same record (its fields in any order) and gets the case; an app
    that sends a new record under an old key is told so, and nothing is written or lost
    quietly: answered with the old case, the new report would never be handled."""
    client = TestClient(create_app(door, run_sweeper=False))
    headers = {**auth(door, "agent"), "Idempotency-Key": "k-7"}
    first = {"text": "路灯不亮一周了", "region_code": VILLAGE_A}
    made = client.post("/api/v1/intake/hotline", json=first, headers=headers)
    assert made.status_code == 201
    again = client.post(
        "/api/v1/intake/hotline", json=dict(reversed(first.items())), headers=headers
    )
    assert (again.status_code, again.json()["number"]) == (200, made.json()["number"])
    other = client.post(
        "/api/v1/intake/hotline", json={**first, "text": "小区噪音扰民"}, headers=headers
    )
    assert other.status_code == 409
    assert made.json()["number"] in other.json()["detail"]
    assert (count(door), count(door, DeadLetter)) == (1, 0)


def through(
    receive: Any,
    session: Any,
    p: Platform,
    world: World,
    records: list[Any],
    triage: Any = None,
    *,
    channel: str = "hotline",
    user: str = "agent",
) -> list[dict[str, Any]]:
    """``records`` through a door (``service.receive_all`` or ``batch.receive_batch``, which
    take the same arguments) from ``channel`` as ``user``, for the county, at NOW."""
    return receive(
        session,
        channel=channel,
        records=records,
        actor=world.actor(session, user),
        now=NOW,
        rules=p.rules,
        triage=triage or p.triage,
        center=COUNTY,
    )


@pytest.mark.parametrize("door_fn", [batch.receive_batch, service.receive_all])
def test_an_upload_retried_while_the_first_is_being_written_makes_each_case_once(
    door: Platform, world: World, door_fn: Any
) -> None:
    """The grid app times out and uploads its offline batch again while the first upload is
    still in its transaction: the second waits for it and answers ``existing``, no error."""
    records = [
        {"client_id": f"r-{i}", "text": "河道漂浮垃圾", "lon": LON, "lat": LAT} for i in range(4)
    ]

    def upload(session: Any) -> list[dict[str, Any]]:
        return through(
            door_fn, session, door, world, records, channel="grid_app", user="grid_worker"
        )

    first, second = overlapping(door, upload, upload)
    assert [r["outcome"] for r in first] == ["created"] * 4
    assert not isinstance(second, Exception), repr(second)
    assert [r["outcome"] for r in second] == ["existing"] * 4
    assert [r["number"] for r in second] == [r["number"] for r in first]
    assert count(door) == 4


@pytest.mark.parametrize("door_fn", [batch.receive_batch, service.receive_all])
def test_an_id_is_a_channels_own_another_channel_may_use_it_again(
    door: Platform, world: World, door_fn: Any
) -> None:
    """A hotline call id and a grid app's client id that happen to be equal are two
    reports; each channel's own repeat is the record on file."""
    call = {"call_id": "X-1", "text": "河道漂浮垃圾", "lon": LON, "lat": LAT}
    report = {"client_id": "X-1", "text": "人民路路灯不亮", "lon": LON, "lat": LAT}
    sent = [("hotline", "agent", call), ("grid_app", "grid_worker", report)] * 2
    got = []
    for channel, user, record in sent:
        with door.db.write() as session:
            got += through(door_fn, session, door, world, [record], channel=channel, user=user)
    assert [r["outcome"] for r in got] == ["created", "created", "existing", "existing"]
    assert got[2]["number"] == got[0]["number"] != got[1]["number"] == got[3]["number"]
    assert count(door) == 2


def test_a_bad_record_is_a_dead_letter_that_can_be_corrected_and_replayed(
    door: Platform, world: World
) -> None:
    client = TestClient(create_app(door, run_sweeper=False))
    headers = auth(door, "agent")
    bad = {"call_id": "H-9", "text": "路灯不亮", "region_code": "999999"}
    res = client.post("/api/v1/intake/hotline", json=bad, headers=headers)
    assert res.status_code == 422
    assert res.json()["error"] == "ValidationFailed"
    assert "999999" in res.json()["detail"]
    letter = res.json()["dead_letter"]
    assert count(door) == 0  # nothing half-written ...
    listed = client.get("/api/v1/intake/dead-letters", headers=auth(door, "dispatcher"))
    assert [d["id"] for d in listed.json()] == [letter]  # ... and nothing lost
    assert listed.json()[0]["payload"] == bad
    # replayed as it is, it fails again and stays pending
    again = client.post(
        f"/api/v1/intake/dead-letters/{letter}/replay", headers=auth(door, "dispatcher")
    )
    assert again.status_code == 422
    fixed = client.post(
        f"/api/v1/intake/dead-letters/{letter}/replay",
        json={**bad, "region_code": VILLAGE_A},
        headers=auth(door, "dispatcher"),
    )
    assert fixed.status_code == 200, fixed.text
    assert fixed.json()["external_id"] == "H-9"
    with door.db.read() as session:
        row = session.get(DeadLetter, letter)
        assert (row.state, row.attempts) == ("replayed", 3)
    assert client.get("/api/v1/intake/dead-letters", headers=auth(door, "dispatcher")).json() == []
    # an agent may not manage dead letters
    assert client.get("/api/v1/intake/dead-letters", headers=headers).status_code == 403


@pytest.mark.parametrize("then", ["replay", "discard"])
def test_a_dead_letter_handled_by_two_dispatchers_at_once_is_handled_once(
    door: Platform, world: World, then: str
) -> None:
    """A web submission without an id has nothing else to stop a second case: the letter's
    own lock does. The second dispatcher waits for the first and is told it is done."""
    _, _, letter = receive(door, world, "web", {"text": "路灯不亮", "region_code": "999999"})
    fixed = {"text": "路灯不亮", "region_code": VILLAGE_A}

    def replay(session: Any) -> Any:
        return service.replay(
            session,
            letter_id=letter,
            actor=world.actor(session, "dispatcher"),
            now=NOW,
            rules=door.rules,
            triage=door.triage,
            payload=fixed,
        )

    def discard(session: Any) -> Any:
        return deadletters.discard(session, letter_id=letter, now=NOW)

    first, second = overlapping(door, replay, replay if then == "replay" else discard)
    assert first.case is not None
    assert isinstance(second, ValidationFailed), repr(second)
    assert "already replayed" in str(second)
    assert count(door) == 1
    with door.db.read() as session:
        row = session.get(DeadLetter, letter)
        assert (row.state, row.case_id) == ("replayed", first.case.id)


def test_a_refused_form_sent_again_and_mended_twice_over_makes_one_case(
    door: Platform, world: World
) -> None:
    """A citizen's app sends a form the web channel refuses, three times under one
    Idempotency-Key: one dead letter, tried three times. A changed form, still refused, is a
    letter of its own. A dispatcher mends and replays both letters and the app sends the
    mended form itself: every one of them is the same case."""
    client = TestClient(create_app(door, run_sweeper=False))
    app = {**auth(door, "citizen"), "Idempotency-Key": "form-88"}
    bad = {"text": "小区噪音扰民", "region_code": VILLAGE_A, "phone": PHONE}
    answers = [client.post("/api/v1/intake/web", json=bad, headers=app) for _ in range(3)]
    assert [a.status_code for a in answers] == [422] * 3
    assert len({a.json()["dead_letter"] for a in answers}) == 1
    changed = {**bad, "text": "小区夜间噪音扰民"}
    assert client.post("/api/v1/intake/web", json=changed, headers=app).status_code == 422
    dispatcher = auth(door, "dispatcher")
    letters = client.get("/api/v1/intake/dead-letters", headers=dispatcher).json()
    assert [(x["external_id"], x["attempts"]) for x in letters] == [
        ("idem:form-88", 1),
        ("idem:form-88", 3),
    ]
    mended = {"text": "小区噪音扰民", "region_code": VILLAGE_A, "contact_phone": PHONE}
    numbers = []
    for letter in letters:
        res = client.post(
            f"/api/v1/intake/dead-letters/{letter['id']}/replay", json=mended, headers=dispatcher
        )
        assert res.status_code == 200, res.text
        numbers.append(res.json()["number"])
    sent = client.post("/api/v1/intake/web", json=mended, headers=app)
    assert sent.status_code == 200  # on file already
    assert numbers == [sent.json()["number"]] * 2
    assert count(door) == 1
    listed = client.get("/api/v1/intake/dead-letters?state=replayed", headers=dispatcher).json()
    assert [x["case"] for x in listed] == numbers


@pytest.mark.parametrize("channel", sorted(CHANNEL_RECORDS))
def test_a_dead_letter_keeps_its_channels_id_through_retries_and_mending(
    door: Platform, world: World, channel: str
) -> None:
    """Every channel's refused record is filed under the channel's own id: delivered again
    it is the same letter, and mended without the id it still becomes the case of that id."""
    user, record = CHANNEL_RECORDS[channel]
    field = channels.id_field(channel)
    assert field is not None
    own = record.get(field, f"{channel}-77")
    bad = {**record, field: own, "mood": "angry"}  # a field no channel knows
    first = receive(door, world, channel, bad, user=user, center=COUNTY)[2]
    again = receive(door, world, channel, bad, user=user, center=COUNTY)[2]
    assert first is not None
    assert first == again
    with door.db.write() as session:
        letter = session.get(DeadLetter, first)
        assert (letter.external_id, letter.attempts) == (own, 2)
        mended = {k: v for k, v in bad.items() if k not in ("mood", field)}
        got = service.replay(
            session,
            letter_id=first,
            actor=world.actor(session, "dispatcher"),
            now=NOW,
            rules=door.rules,
            triage=door.triage,
            payload=mended,
            center=COUNTY,
        )
        assert got.case is not None
        assert got.case.external_id == own
    # the record itself, sent again by its channel, is that case
    number, created, _ = receive(door, world, channel, record | {field: own}, user=user)
    assert (number, created) == (got.case.number, False)


def test_dead_letters_are_listed_masked_and_each_reveal_is_recorded(
    door: Platform, world: World, cli: Any
) -> None:
    client = TestClient(create_app(door, run_sweeper=False))
    bad = {
        "call_id": "H-5",
        "name": "张三丰",  # the form's own names for caller and callback_number
        "phone": PHONE,
        "text": f"身份证{ID_NUMBER}丢了，请联系{PHONE}",
        "region_code": VILLAGE_A,
    }
    res = client.post("/api/v1/intake/hotline", json=bad, headers=auth(door, "agent"))
    letter = res.json()["dead_letter"]
    dispatcher = auth(door, "dispatcher")
    outputs = [
        client.get("/api/v1/intake/dead-letters", headers=dispatcher).text,
        cli("intake", "dead-letters", "list", "--json").output,
    ]
    for out in outputs:
        for secret in (PHONE, ID_NUMBER, "张三丰"):
            assert secret not in out
    [shown] = json.loads(outputs[0])
    assert shown["personal_data"] is True
    assert (shown["payload"]["name"], shown["payload"]["phone"]) == ("张**", "138****5678")
    assert shown["payload"]["text"] == "身份证110105********002X丢了，请联系138****5678"
    reveal = f"/api/v1/intake/dead-letters/{letter}/personal-data"
    agent = client.post(reveal, json={"reason": "核实"}, headers=auth(door, "agent"))
    assert agent.status_code == 403
    assert client.post(reveal, json={"reason": " "}, headers=dispatcher).status_code == 422
    shown = client.post(reveal, json={"reason": "更正后重放"}, headers=dispatcher).json()
    assert shown["payload"] == bad
    res = cli(
        "intake", "dead-letters", "reveal", str(letter), "--user", "admin", "--reason", "查询"
    )
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["payload"] == bad
    res = cli(
        "intake", "dead-letters", "reveal", str(letter), "--user", "leader", "--reason", "查询"
    )
    assert res.exit_code != 0
    assert "may not" in res.output
    with door.db.write() as session:
        rows = session.scalars(select(DeadLetterReveal).order_by(DeadLetterReveal.id)).all()
        assert [(r.dead_letter_id, r.actor, r.reason) for r in rows] == [
            (letter, "dispatcher", "更正后重放"),
            (letter, "admin", "查询"),
        ]
        with pytest.raises(Forbidden):
            deadletters.reveal(
                session, letter_id=letter, actor=world.actor(session, "agent"), reason="看", now=NOW
            )
    # revealing changed nothing in the list
    assert client.get("/api/v1/intake/dead-letters", headers=dispatcher).text == outputs[0]


def test_a_dead_letter_is_handled_by_the_dispatchers_over_where_it_was_received(
    door: Platform, world: World
) -> None:
    """A grid worker's refused report is town A's and the county's to handle, not town B's;
    a record sent to no centre by an account with no region is everyone's."""
    bad = {"client_id": "g-1", "text": "x"}
    town_a = receive(door, world, "grid_app", bad, user="grid_worker")[2]
    sent_to_b = receive(door, world, "hotline", {"text": "x"}, center="320724101")[2]
    nowhere = receive(door, world, "web", {"text": "x"}, user="citizen")[2]
    client = TestClient(create_app(door, run_sweeper=False))

    def listed(user: str) -> list[int]:
        res = client.get("/api/v1/intake/dead-letters", headers=auth(door, user))
        return sorted(x["id"] for x in res.json())

    assert listed("town_dispatcher") == sorted([town_a, nowhere])
    assert listed("other_town_dispatcher") == sorted([sent_to_b, nowhere])
    assert listed("dispatcher") == listed("city_dispatcher") == listed("admin")
    assert listed("admin") == sorted([town_a, sent_to_b, nowhere])
    # outside one's scope a letter does not exist, whatever one tries to do with it
    other = auth(door, "other_town_dispatcher")
    for action, body in (
        ("replay", None),
        ("discard", None),
        ("personal-data", {"reason": "看看"}),
    ):
        url = f"/api/v1/intake/dead-letters/{town_a}/{action}"
        assert client.post(url, json=body, headers=other).status_code == 404, action
    res = client.post(
        f"/api/v1/intake/dead-letters/{town_a}/discard", headers=auth(door, "town_dispatcher")
    )
    assert res.json()["state"] == "discarded"


def test_photos_uploaded_before_a_report_join_its_case_and_only_their_uploaders(
    door: Platform, world: World
) -> None:
    """The grid app offline: photos go up first (POST /attachments), then the report that
    names them; the photos join its case, where the dispatchers see them. A photo of
    someone else's, or already on a case, makes the report a dead letter, with nothing
    written; the report retried finds its case with its photos, once."""
    from .test_api import _photo

    client = TestClient(create_app(door, run_sweeper=False))
    worker, other = auth(door, "grid_worker"), auth(door, "grid_worker2")
    dispatcher = auth(door, "town_dispatcher")

    def upload(headers: dict[str, str]) -> int:
        res = client.post(
            "/api/v1/attachments",
            headers=headers,
            files={"file": ("p.jpg", _photo(), "image/jpeg")},
        )
        assert res.status_code == 201, res.text
        return int(res.json()["id"])

    mine, theirs = upload(worker), upload(other)
    assert client.get(f"/api/v1/attachments/{mine}", headers=dispatcher).status_code == 404
    report = {"client_id": "ph-1", "text": "河道漂浮垃圾", "lon": LON, "lat": LAT}
    url = "/api/v1/intake/grid_app"
    for bad in ([mine, theirs], [mine, 999_999]):
        res = client.post(url, json={**report, "attachments": bad}, headers=worker)
        assert res.status_code == 422
        assert "no such file of yours" in res.json()["detail"]
    assert count(door) == 0
    for code in (201, 200):  # the retry finds the case the first upload made
        res = client.post(url, json={**report, "attachments": [mine]}, headers=worker)
        assert res.status_code == code, res.text
    number = res.json()["number"]
    assert [a["id"] for a in res.json()["attachments"]] == [mine]
    assert res.json()["attachments"][0]["content_type"] == "image/jpeg"
    assert client.get(f"/api/v1/attachments/{mine}", headers=dispatcher).status_code == 200
    with door.db.read() as session:
        case_id = session.scalar(select(Case.id).where(Case.number == number))
        assert [a.id for a in attachments.for_case(session, case_id=case_id)] == [mine]
    # a photo on a case cannot be named by another report, through either door
    again = {**report, "client_id": "ph-2", "attachments": [mine]}
    assert (
        client.post(url, json=again, headers=worker)
        .json()["detail"]
        .endswith("belongs to another case")
    )
    out = client.post(f"{url}/batch", json=[again], headers=worker).json()
    assert out[0]["outcome"] == "rejected"
    assert count(door) == 1
    # refused for its text, a report keeps its photo for the dispatcher who mends it
    third = upload(worker)
    short = {**report, "client_id": "ph-3", "text": "x", "attachments": [third]}
    letter = client.post(url, json=short, headers=worker).json()["dead_letter"]
    mended = client.post(
        f"/api/v1/intake/dead-letters/{letter}/replay",
        json={**short, "text": "河道漂浮垃圾很多"},
        headers=dispatcher,
    )
    assert mended.status_code == 200, mended.text
    with door.db.read() as session:
        assert session.get(Attachment, third).case_id is not None
    assert count(door) == 2
    # a citizen has no photos to send first
    assert client.post("/api/v1/attachments", headers=auth(door, "citizen")).status_code == 403


def test_unknown_channel_fields_are_refused_not_dropped(door: Platform, world: World) -> None:
    _, created, letter = receive(
        door, world, "web", {"text": "噪音扰民", "region_code": VILLAGE_A, "mood": "angry"}
    )
    assert not created
    assert letter is not None
    with door.db.read() as session:
        assert "mood" in session.get(DeadLetter, letter).reason


def test_personal_data_is_masked_in_every_output_and_revealing_it_is_audited(
    door: Platform, world: World
) -> None:
    text = f"我的电话{PHONE}，身份证{ID_NUMBER}，楼下餐馆油烟扰民"
    number, _, _ = receive(
        door,
        world,
        "hotline",
        {"caller": "张三丰", "callback_number": PHONE, "text": text, "region_code": VILLAGE_A},
    )
    client = TestClient(create_app(door, run_sweeper=False))
    headers = auth(door, "dispatcher")
    outputs = [
        client.get(f"/api/v1/cases/{number}", headers=headers).text,
        client.get("/api/v1/cases", headers=headers).text,
        client.get(f"/api/v1/cases/{number}/events", headers=headers).text,
    ]
    for out in outputs:
        assert PHONE not in out
        assert ID_NUMBER not in out
        assert "张三丰" not in out
    shown = json.loads(outputs[0])
    assert shown["reporter_phone"] == "138****5678"
    assert "110105********002X" in shown["description"]
    assert shown["personal_data"] == ["id_number", "phone"]
    # a leader sees the case but may not reveal; another town's dispatcher does not even see
    # it; a dispatcher of the owning centre may, and it is recorded
    refused = client.post(
        f"/api/v1/cases/{number}/personal-data",
        json={"reason": "回访"},
        headers=auth(door, "leader"),
    )
    assert refused.status_code == 403
    unseen = client.post(
        f"/api/v1/cases/{number}/personal-data",
        json={"reason": "回访"},
        headers=auth(door, "other_town_dispatcher"),
    )
    assert unseen.status_code == 404
    shown = client.post(
        f"/api/v1/cases/{number}/personal-data", json={"reason": "回访核实"}, headers=headers
    ).json()
    assert shown["reporter_phone"] == PHONE
    assert shown["description"] == text
    events = client.get(f"/api/v1/cases/{number}/events", headers=headers).json()
    reveal = [e for e in events if e["action"] == "reveal_personal_data"]
    assert len(reveal) == 1
    assert reveal[0]["actor"] == "dispatcher"
    assert reveal[0]["payload"]["reason"] == "回访核实"


@pytest.mark.parametrize("door_fn", [batch.receive_batch, service.receive_all])
def test_a_phone_number_in_a_report_neither_sways_its_category_nor_shows_among_the_reasons(
    door: Platform, world: World, door_fn: Any, tmp_path: Any
) -> None:
    """In this centre's history the stall reports came with the reporter's mobile number,
    so digits like 139 lean towards 占道经营. A missing manhole cover reported with a
    number is classified as it is without one, and its reasons are words, not digits."""
    texts, labels = [], []
    for i in range(30):
        texts += [f"菜场门口摊贩占道经营第{i}回，电话139{i:08d}", f"路口井盖缺失第{i}处很危险"]
        labels += [STANDARD, EMERGENCY]
    classify.train(texts, labels, now=NOW).save(tmp_path / "m.npz")
    triage = Triage(Suggester(tmp_path / "m.npz"))
    words = "北门路口井盖缺失很危险，电话"
    records = [  # the same words, with the number and without
        {"call_id": "P1", "text": words, "region_code": VILLAGE_A},
        {"call_id": "P2", "text": f"{words}{PHONE}", "region_code": VILLAGE_A},
    ]
    with door.db.write() as session:
        out = through(door_fn, session, door, world, records, triage)
    shown = [read(door, o["number"]).triage["classification"] for o in out]
    assert shown[0]["item"] == shown[1]["item"] == EMERGENCY
    assert shown[1]["confidence"] == shown[0]["confidence"]
    assert shown[1]["terms"] == shown[0]["terms"]
    assert not any(c.isdigit() for term in shown[1]["terms"] for c in term)


@pytest.mark.parametrize("door_fn", [batch.receive_batch, service.receive_all])
def test_an_inspectors_standard_code_names_the_item_the_catalogue_maps_it_to(
    door: Platform, world: World, door_fn: Any
) -> None:
    """The county's digital city management codes its events by the standard's part/event
    codes; an admin maps code prefixes to catalogue items, the longest prefix wins, and an
    event so coded needs no classifier. An unmapped code is classified as any text is."""
    client = TestClient(create_app(door, run_sweeper=False))
    admin = auth(door, "admin")

    def patch(item: str, codes: str) -> Any:
        return client.patch(
            f"/api/v1/catalog/{item}", json={"standard_codes": codes}, headers=admin
        )

    assert patch(STANDARD, " 0502 , 0501").json()["standard_codes"] == "0502,0501"
    assert patch(EMERGENCY, "050203").status_code == 200
    clash = patch(EMERGENCY, "050203,0501")
    assert clash.status_code == 409
    assert "0501" in clash.json()["detail"]
    assert patch(EMERGENCY, "05-02").status_code == 422
    events = [
        {"event_id": "E1", "standard_code": "050101", "text": "东门有人", "lon": LON, "lat": LAT},
        {"event_id": "E2", "standard_code": "05020311", "text": "这里有个", "lon": LON, "lat": LAT},
        {"event_id": "E3", "standard_code": "990101", "text": "菜场摊贩占道", "grid_code": GRID},
    ]
    with door.db.write() as session:
        out = through(door_fn, session, door, world, events, channel="inspector")
    got = [read(door, o["number"]) for o in out]
    assert [c.catalog_item for c in got[:2]] == [STANDARD, EMERGENCY]
    assert got[0].triage["classification"]["source"] == "standard_code"
    assert f"catalogue item {STANDARD} 占道经营 by standard code 050101" in out[0]["explanation"]
    assert got[0].status == "dispatched"
    assert got[2].triage["classification"]["source"] != "standard_code"


def test_a_case_made_through_the_cases_api_keeps_its_personal_data_apart_too(
    door: Platform, world: World
) -> None:
    """``POST /cases`` (an integrator's direct create, not the door) used to keep the text as
    sent: its phone and ID numbers showed in the case, its events and the Open311 output."""
    text = f"楼下噪音扰民，我的电话{PHONE}，身份证{ID_NUMBER}"
    client = TestClient(create_app(door, run_sweeper=False))
    made = client.post(
        "/api/v1/cases",
        json={"channel": "web", "title": "噪音", "description": text, "region_code": VILLAGE_A},
        headers=auth(door, "agent"),
    )
    assert made.status_code == 201, made.text
    number = made.json()["number"]
    headers = auth(door, "dispatcher")
    outputs = [
        made.text,
        client.get(f"/api/v1/cases/{number}", headers=headers).text,
        client.get(f"/api/v1/cases/{number}/events", headers=headers).text,
        client.get(f"/open311/v2/requests/{number}.json?extensions=true").text,
    ]
    for out in outputs:
        assert PHONE not in out
        assert ID_NUMBER not in out
    assert made.json()["personal_data"] == ["id_number", "phone"]
    shown = client.post(  # by the owning (town) centre's dispatcher, recorded
        f"/api/v1/cases/{number}/personal-data",
        json={"reason": "回访核实"},
        headers=auth(door, "town_dispatcher"),
    )
    assert shown.json()["description"] == text, shown.text


def test_confident_report_is_dispatched_by_rule_with_its_reasons(
    door: Platform, world: World
) -> None:
    number, _, _ = receive(
        door,
        world,
        "open311",
        {"service_code": STANDARD, "description": "菜场门口摊贩占道", "lat": LAT, "long": LON},
        user="citizen",
        center=COUNTY,
    )
    case = read(door, number)
    assert case.status == "dispatched"
    assert case.lead_unit == "320724-cgj"
    assert case.assisting_units == ["320724-zjj"]
    why = case.triage["explanation"]
    assert f"grid {GRID}" in why
    assert "320724-cgj" in why
    assert "dispatched automatically" in why
    # at the town centre the same item goes to the town's own team, by the {town} rule
    number, _, _ = receive(
        door,
        world,
        "open311",
        {
            "service_code": STANDARD,
            "description": "菜场门口摊贩占道",
            "lat": LAT + 0.005,
            "long": LON,
        },
        user="citizen",
        center="320724100",
        now=NOW + timedelta(days=10),
    )
    assert read(door, number).lead_unit == "320724100-zhzf"


def test_a_rule_on_the_parent_item_routes_its_leaves(door: Platform, world: World) -> None:
    number, _, _ = receive(
        door,
        world,
        "open311",
        {"service_code": EMERGENCY, "description": "井盖缺失", "lat": LAT, "long": LON},
        user="citizen",
        center=COUNTY,
    )
    case = read(door, number)
    assert case.lead_unit == "320724-zjj"
    assert "(01, county" in case.triage["explanation"]


def test_an_address_the_registry_cannot_place_still_lands_in_the_town_it_names(
    door: Platform, world: World
) -> None:
    """The registry knows 堆沟港镇人民路8号, not 新安镇's: a caller from 新安镇 is not placed in
    another town, and the case waits for a person in the town the caller named."""
    import numpy as np

    from gridgov.addresses import service as addresses
    from gridgov.kit.clock import utc_now

    with door.db.write() as session:
        addresses.add_many(
            session,
            texts=["灌南县堆沟港镇人民路8号"],
            lon=np.array([LON]),
            lat=np.array([LAT]),
            crs="wgs84",
            county_code=COUNTY,
            now=utc_now(),
        )
    placed = {}
    for address in (
        "新安镇人民路8号",
        "灌南县新安镇某某小区",
        "灌南县堆沟港镇人民路8号",
    ):
        number = receive(door, world, "hotline", {"text": "路灯不亮", "address": address})[0]
        case = read(door, number)
        placed[address] = (case.region_code, case.status, case.triage["location"]["note"])
    assert placed["新安镇人民路8号"][:2] == (TOWN_A, "submitted")
    assert placed["新安镇人民路8号"][2] == (
        "uncertain match 灌南县堆沟港镇人民路8号: a person should place it; in 新安镇 as the "
        "address says"
    )
    assert placed["灌南县新安镇某某小区"][0] == TOWN_A
    assert placed["灌南县新安镇某某小区"][2].startswith("no such address on the registry")
    assert placed["灌南县堆沟港镇人民路8号"][0] == VILLAGE_A  # on the registry: its grid
    assert placed["灌南县堆沟港镇人民路8号"][2] == "matched 灌南县堆沟港镇人民路8号"


def test_a_door_number_between_two_on_the_registry_is_placed_between_them(
    door: Platform, world: World
) -> None:
    """The registry has 2号 and 6号 of 新安镇人民路, both in GRID, and 10号 outside it: a caller
    at 4号 is placed between 2号 and 6号, in GRID, where the nearest entry alone (another
    number) was too unsure; 8号, between two grids, waits for a person with the guess."""
    import numpy as np

    from gridgov.addresses import service as addresses
    from gridgov.kit.clock import utc_now
    from gridgov.web import explain

    with door.db.write() as session:
        addresses.add_many(
            session,
            texts=["灌南县新安镇人民路2号", "灌南县新安镇人民路6号", "灌南县新安镇人民路10号"],
            lon=np.array([LON - 0.004, LON + 0.004, LON + 0.012]),  # GRID spans LON ± 0.01
            lat=np.array([LAT, LAT, LAT]),
            crs="wgs84",
            county_code=COUNTY,
            now=utc_now(),
        )

    def call(address: str) -> Any:
        return read(
            door, receive(door, world, "hotline", {"text": "路灯不亮", "address": address})[0]
        )

    case = call("新安镇人民路4号")
    placed = case.triage["location"]
    assert (case.grid_code, case.region_code) == (GRID, VILLAGE_A)
    assert (case.lon, case.lat) == (pytest.approx(LON), pytest.approx(LAT))
    assert placed["between"] == ["灌南县新安镇人民路2号", "灌南县新安镇人民路6号"]
    assert placed["confidence"] == 0.9
    assert (
        f"grid {GRID} by address 0.90 (between 灌南县新安镇人民路2号 and"
        in case.triage["explanation"]
    )
    words = explain.triage_words(case.triage, "zh", {})
    assert "门牌号介于地址库「灌南县新安镇人民路2号」与「灌南县新安镇人民路6号」之间" in words

    unsure = call("新安镇人民路8号")  # 6号 in GRID, 10号 in none: the point between is in GRID
    assert (unsure.grid_code, unsure.status) == (None, "submitted")
    assert unsure.triage["location"]["guess"] == GRID
    assert f"按门牌推算或在网格 {GRID}" in explain.triage_words(unsure.triage, "zh", {})

    beyond = call("新安镇人民路12号")  # past the last number on the registry: no guess
    assert beyond.grid_code is None
    assert "between" not in beyond.triage["location"]


def test_uncertain_cases_wait_for_a_dispatcher_with_the_reason(
    door: Platform, world: World
) -> None:
    number, _, _ = receive(
        door, world, "hotline", {"text": "有个事情想反映一下", "region_code": VILLAGE_A}
    )
    case = read(door, number)
    assert case.status == "submitted"
    assert "dispatcher queue" in case.triage["decision"]
    assert "classification below threshold" in case.triage["decision"]
    with door.db.write() as session:  # a centre that switches automatic acceptance off
        session.add(TriagePolicy(center_id=2, auto_accept=False))
    number, _, _ = receive(
        door,
        world,
        "inspector",
        {
            "event_id": "I-7",
            "standard_code": "0101",
            "catalog_item": STANDARD,
            "text": "占道",
            "grid_code": GRID,
        },
    )
    assert read(door, number).status == "submitted"


def test_a_probable_duplicate_is_flagged_and_merged_into_its_parent(
    door: Platform, world: World
) -> None:
    first, _, _ = receive(
        door,
        world,
        "hotline",
        {
            "caller": "甲",
            "callback_number": "13900000001",
            "text": "人民路菜场门口流动摊贩占道经营，行人走机动车道",
            "lon": LON,
            "lat": LAT,
        },
    )
    second, _, _ = receive(
        door,
        world,
        "hotline",
        {
            "caller": "乙",
            "callback_number": "13900000002",
            "text": "人民路菜场门口摊贩占道经营",
            "lon": LON + 0.001,
            "lat": LAT,
        },
        now=NOW + timedelta(hours=3),
    )
    far, _, _ = receive(
        door,
        world,
        "hotline",
        {"text": "人民路菜场门口摊贩占道经营", "lon": LON + 0.009, "lat": LAT + 0.009},
        now=NOW + timedelta(hours=3),
    )
    dup = read(door, second)
    assert dup.probable_duplicate == first
    assert dup.duplicate_score >= 0.6
    assert dup.status == "submitted"  # a person decides
    assert "probable duplicate" in dup.triage["decision"]
    assert read(door, far).probable_duplicate is None  # same words, another place
    with door.db.write() as session:
        cases.act(
            session,
            number=second,
            action="merge_into",
            actor=world.actor(session, "dispatcher"),
            payload={"into": first},
            now=NOW + timedelta(hours=4),
            rules=door.rules,
        )
    parent, child = read(door, first), read(door, second)
    assert child.status == "rejected"
    assert child.duplicate_of == first
    assert parent.merged == [second]
    with door.db.read() as session:
        actions = session.scalars(
            select(CaseEvent.action).join(Case).where(Case.number == first)
        ).all()
    assert "absorb_duplicate" in actions
    assert child.reporter_phone == "139****0002"  # the child keeps its reporter for the visit


def test_grid_worker_self_handles_only_admissible_items(door: Platform, world: World) -> None:
    ok, _, _ = receive(
        door,
        world,
        "grid_app",
        {
            "client_id": "s-1",
            "text": "楼道杂物",
            "catalog_item": SELF_CLOSE,
            "lon": LON,
            "lat": LAT,
            "self_handled": "已清理",
        },
        user="grid_worker",
    )
    assert read(door, ok).status == "closed"
    refused, _, _ = receive(
        door,
        world,
        "grid_app",
        {
            "client_id": "s-2",
            "text": "摊贩占道",
            "catalog_item": STANDARD,
            "lon": LON,
            "lat": LAT,
            "self_handled": "已劝离",
        },
        user="grid_worker",
    )
    case = read(door, refused)
    assert case.status == "submitted"
    assert "not on the grid admission list" in case.triage["decision"]


def test_hotline_consultation_answered_on_the_call(door: Platform, world: World) -> None:
    number, _, _ = receive(
        door,
        world,
        "hotline",
        {"text": "请问居住证怎么办理", "region_code": COUNTY, "answer": "携带身份证到派出所办理"},
    )
    assert read(door, number).status == "answered"


def test_routing_import_checks_every_row_before_writing(door: Platform) -> None:
    with door.db.write() as session:
        before = len(rules_db.rule_rows(session))
        with pytest.raises(ValidationFailed) as err:
            rules_db.import_rules(
                session,
                rows=[
                    {
                        "item": STANDARD,
                        "region_level": "county",
                        "area": VILLAGE_A,
                        "lead_unit": "320724-cgj",
                    },
                    {"item": "nope", "region_level": "county", "lead_unit": "320724-cgj"},
                    {"item": STANDARD, "region_level": "planet", "lead_unit": "{town}-nobody"},
                ],
                replace=False,
                source="rules.csv",
            )
        message = str(err.value)
        assert "rules.csv:3: no catalogue item 'nope'" in message
        assert "rules.csv:4: region_level 'planet'" in message
        assert "rules.csv:4: no unit '{town}-nobody'" in message
    with door.db.read() as session:
        assert len(rules_db.rule_rows(session)) == before


@pytest.fixture
def cli_door(door: Platform, cli: Any) -> Any:
    return cli


def test_cli_receive_batch_and_dead_letters(cli_door: Any, tmp_path: Any) -> None:
    batch = tmp_path / "batch.json"
    batch.write_text(
        json.dumps(
            [
                {"client_id": "c-1", "text": "河道漂浮垃圾", "lon": LON, "lat": LAT},
                {"client_id": "c-2", "text": "x"},
            ]
        ),
        encoding="utf-8",
    )
    res = cli_door(
        "intake",
        "receive",
        "--channel",
        "grid_app",
        "--file",
        str(batch),
        "--user",
        "grid_worker",
        "--json",
    )
    assert res.exit_code == 2, res.output
    out = json.loads(res.output)
    assert [o["outcome"] for o in out] == ["created", "rejected"]
    res = cli_door("intake", "dead-letters", "list", "--json")
    letters = json.loads(res.output)
    assert len(letters) == 1
    assert letters[0]["payload"]["client_id"] == "c-2"
    fixed = tmp_path / "fixed.json"
    fixed.write_text(json.dumps({"client_id": "c-2", "text": "河道垃圾", "grid_code": GRID}))
    res = cli_door(
        "intake",
        "dead-letters",
        "replay",
        str(letters[0]["id"]),
        "--user",
        "grid_worker",
        "--payload",
        str(fixed),
    )
    assert res.exit_code == 0, res.output
    assert "replayed: case" in res.output
    res = cli_door(
        "intake", "receive", "--channel", "nope", "--file", str(batch), "--user", "agent"
    )
    assert res.exit_code == 2
    assert "unknown channel" in res.output


def test_a_failed_automatic_dispatch_keeps_the_case_queued_with_the_reason(
    door: Platform, world: World
) -> None:
    with door.db.write() as session:  # a rule for an item that has no time-limit policy
        rules_db.import_rules(
            session,
            rows=[{"item": NO_POLICY, "region_level": "county", "lead_unit": "320724-cgj"}],
            replace=False,
            source="test",
        )
    number, created, letter = receive(
        door,
        world,
        "open311",
        {"service_code": NO_POLICY, "description": "其他事项", "lat": LAT, "long": LON},
        user="citizen",
        center=COUNTY,
    )
    assert created
    assert letter is None  # the record was fine: no dead letter
    case = read(door, number)
    assert case.status == "accepted"
    assert (
        "automatic dispatch failed (the catalogue item has no SLA policy" in case.triage["decision"]
    )


def test_cli_sets_a_centres_thresholds_and_triage_obeys(
    cli_door: Any, door: Platform, world: World
) -> None:
    res = cli_door(
        "intake", "policy", "set", "--center", COUNTY, "--no-auto-dispatch", "--classify", "0.9"
    )
    assert res.exit_code == 0, res.output
    assert "auto_dispatch: False" in res.output
    assert "classify_threshold: 0.9" in res.output
    res = cli_door("intake", "policy", "set", "--center", COUNTY, "--classify", "1.5")
    assert res.exit_code == 2  # out of range: refused by the option itself
    number, _, _ = receive(
        door,
        world,
        "open311",
        {"service_code": STANDARD, "description": "摊贩占道", "lat": LAT, "long": LON},
        user="citizen",
        center=COUNTY,
    )
    case = read(door, number)
    assert case.status == "accepted"
    assert case.triage["decision"] == "accepted; automatic dispatch off at this centre"
    res = cli_door("intake", "policy", "show", "--center", "nowhere")
    assert res.exit_code == 3


def test_a_callback_number_that_is_not_a_number_is_a_dead_letter_not_a_crash(
    door: Platform, world: World
) -> None:
    _, created, letter = receive(
        door,
        world,
        "hotline",
        {"callback_number": "请打我手机", "text": "路灯不亮", "region_code": VILLAGE_A},
    )
    assert not created
    with door.db.read() as session:
        assert "callback_number" in session.get(DeadLetter, letter).reason


CASE_FIELDS = [
    "status",
    "channel",
    "title",
    "description",
    "region_code",
    "grid_code",
    "lon",
    "lat",
    "source_lon",
    "source_lat",
    "catalog_item_id",
    "priority",
    "lead_unit_id",
    "sla_colour",
    "version",
    "event_count",
    "triage",
    "duplicate_score",
    "reporter_name",
    "reporter_phone",
    "reporter_user_id",
    "accepted_at",
    "dispatched_at",
    "created_at",
    "county_code",
    "center_id",
]


def _state(p: Platform) -> dict[str, Any]:
    """Every row intake writes, keyed by external id, with case numbers replaced by them."""
    from gridgov.store.models import CaseAssignment, CaseDeadline, CaseProtected, Unit

    with p.db.read() as session:
        rows = session.scalars(select(Case).order_by(Case.id)).all()
        ext = {c.number: c.external_id for c in rows}

        def norm(value: Any) -> Any:
            text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
            for number, e in ext.items():
                text = text.replace(number, f"<{e}>")
            return json.loads(text)

        out: dict[str, Any] = {}
        for c in rows:
            events = session.scalars(
                select(CaseEvent).where(CaseEvent.case_id == c.id).order_by(CaseEvent.seq)
            ).all()
            clocks = session.scalars(
                select(CaseDeadline).where(CaseDeadline.case_id == c.id).order_by(CaseDeadline.step)
            ).all()
            units = session.execute(
                select(Unit.code, CaseAssignment.role)
                .join(Unit, Unit.id == CaseAssignment.unit_id)
                .where(CaseAssignment.case_id == c.id)
                .order_by(Unit.code)
            ).all()
            protected = session.get(CaseProtected, c.id)
            dup = session.get(Case, c.probable_duplicate_id) if c.probable_duplicate_id else None
            out[c.external_id] = norm(
                {
                    "case": {k: getattr(c, k) for k in CASE_FIELDS},
                    "duplicate_of": dup.external_id if dup else None,
                    "events": [
                        (e.seq, e.action, e.from_status, e.to_status, e.actor, e.payload)
                        for e in events
                    ],
                    "clocks": [
                        (d.step, d.seq, d.due_at, d.warn_at, d.limit_amount, d.limit_unit)
                        for d in clocks
                    ],
                    "units": [tuple(u) for u in units],
                    "protected": (protected.fields, protected.kinds) if protected else None,
                }
            )
        letters = sorted(d.reason for d in session.scalars(select(DeadLetter)))
        ok = verify_all(session).ok
    return {"cases": out, "dead_letters": letters, "chains_ok": ok}


def test_the_batch_door_leaves_exactly_what_the_per_record_door_leaves(
    door: Platform, world: World, pg_server: Any, tmp_path: Any
) -> None:
    from ..conftest import make_platform

    other = make_platform(door.db.engine.dialect.name, tmp_path / "other", pg_server)
    rule = [{"item": NO_POLICY, "region_level": "county", "lead_unit": "320724-cgj"}]
    with other.db.write() as session:
        make_world(session, now=NOW)
    for p in (door, other):
        with p.db.write() as session:
            if p is other:
                add_grid_and_rules(session)
            rules_db.import_rules(session, rows=rule, replace=False, source="t")
    records: list[Any] = [
        {
            "call_id": "E1",
            "text": "人民路菜场门口摊贩占道经营",
            "lon": LON,
            "lat": LAT,
            "catalog_item": STANDARD,
        },
        {
            "call_id": "E1",
            "text": "人民路菜场门口摊贩占道经营",
            "lon": LON,
            "lat": LAT,
            "catalog_item": STANDARD,
        },
        {
            "call_id": "E2",
            "text": "人民路菜场门口摊贩占道经营，行人走机动车道",
            "lon": LON + 0.001,
            "lat": LAT,
            "catalog_item": STANDARD,
        },
        {"call_id": "E3", "text": "有个事情想反映一下", "lon": LON, "lat": LAT + 0.003},
        {"call_id": "E4", "text": "x"},
        {
            "call_id": "E5",
            "caller": "张三丰",
            "callback_number": "13812345678",
            "text": "井盖缺失很危险，身份证11010519491231002X",
            "grid_code": GRID,
            "catalog_item": EMERGENCY,
        },
        {
            "call_id": "E6",
            "text": "请问居住证怎么办理",
            "region_code": COUNTY,
            "answer": "带身份证到派出所",
        },
        {"call_id": "E7", "text": "路灯不亮", "region_code": VILLAGE_A},
        {
            "call_id": "E8",
            "text": "其他事项请处理",
            "lon": LON + 0.005,
            "lat": LAT,
            "catalog_item": NO_POLICY,
        },
        {"call_id": "E9", "text": "占道经营", "lon": LON, "lat": LAT, "catalog_item": "nope"},
        {
            "call_id": "E10",
            "text": "楼道堆放杂物",
            "lon": LON + 0.2,
            "lat": LAT,
            "catalog_item": STANDARD,
        },
        "not an object",
    ]
    with door.db.write() as session:
        one = through(service.receive_all, session, door, world, records)
    with other.db.write() as session:
        many = through(batch.receive_batch, session, other, world, records)
    assert [(o["index"], o["outcome"], o.get("status")) for o in many] == [
        (o["index"], o["outcome"], o.get("status")) for o in one
    ]
    a, b = _state(door), _state(other)
    assert a["chains_ok"]
    assert b["chains_ok"]
    assert a["dead_letters"] == b["dead_letters"]
    assert sorted(a["cases"]) == sorted(b["cases"])
    for key in a["cases"]:
        assert b["cases"][key] == a["cases"][key], key
    statuses = {k: v["case"]["status"] for k, v in a["cases"].items()}
    assert statuses == {
        "E1": "dispatched",
        "E2": "submitted",
        "E3": "submitted",
        "E5": "dispatched",
        "E6": "answered",
        "E7": "submitted",
        "E8": "accepted",
        "E10": "submitted",
    }
    other.db.dispose()


def test_the_batch_door_remembers_stored_cases_bigrams_without_changing_a_score(
    door: Platform, world: World
) -> None:
    """A later batch meets the cases of earlier ones: with their bigrams remembered it flags the
    same duplicates, with the same scores, as a door that has to read their texts again."""
    from gridgov.intake.service import Triage

    def run(triage: Triage, records: list[Any], *, keep: bool) -> list[dict[str, Any]]:
        class Undo(Exception):
            pass

        got: list[dict[str, Any]] = []
        try:
            with door.db.write() as session:
                got = through(batch.receive_batch, session, door, world, records, triage)
                if not keep:
                    raise Undo
        except Undo:
            pass
        return got

    stall = "人民路菜场门口摊贩占道经营，行人被迫走机动车道"
    first = {"call_id": "M1", "text": stall, "lon": LON, "lat": LAT, "catalog_item": STANDARD}
    run(door.triage, [first], keep=True)
    again = {"text": "菜场门口摊贩占道经营"}
    # ~400 m east of M1: flagged against it, which reads M1's text and remembers its bigrams
    run(door.triage, [{**again, "call_id": "M2", "lon": LON + 0.004, "lat": LAT}], keep=True)
    assert len(door.triage.bigrams) == 1
    # ~200 m west of M1 and beyond the radius of M2: M1 is the match, from memory or not
    later = [{**again, "call_id": "M3", "lon": LON - 0.002, "lat": LAT}]
    warm = run(door.triage, later, keep=False)
    cold = run(Triage(door.triage.suggester), later, keep=False)
    with door.db.read() as session:
        m1, m2 = (session.scalar(select(Case).where(Case.external_id == e)) for e in ("M1", "M2"))
        assert m2.probable_duplicate_id == m1.id
        number, m1_id = m1.number, m1.id
    assert [o["explanation"] for o in warm] == [o["explanation"] for o in cold]
    assert f"→ like {number}" in warm[0]["explanation"]
    assert len(door.triage.rows) == 2  # M1's and M2's rows, remembered too
    # remembered rows never make a case open: once M1 is closed, nothing is like it
    with door.db.write() as session:
        session.execute(update(Case).where(Case.id == m1_id).values(status="closed"))
    warm = run(door.triage, later, keep=False)
    cold = run(Triage(door.triage.suggester), later, keep=False)
    assert [o["explanation"] for o in warm] == [o["explanation"] for o in cold]
    assert "→ like" not in warm[0]["explanation"]
