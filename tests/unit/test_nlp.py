"""The catalogue classifier: features, training, confidences, back-off, model files, CLI."""

from __future__ import annotations

import csv
import dataclasses
import json
import random
import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from typer.testing import CliRunner

from gridgov.cli import app
from gridgov.nlp import classify
from gridgov.nlp.features import Vectorizer, decode, ngram_codes, normalise

NOW = datetime(2026, 3, 2, tzinfo=UTC)
DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "messages"

TOPICS = {
    "城乡建设/市容环境/占道经营": ["摊贩占道经营", "流动摊点占用人行道", "早餐摊占道"],
    "城乡建设/市容环境/乱堆乱放": ["楼道堆放杂物", "建筑垃圾乱堆", "杂物堵塞消防通道"],
    "城乡建设/市政设施/路灯故障": ["路灯不亮", "路灯夜间闪烁", "照明灯损坏"],
    "环境保护/噪声污染/施工噪声": ["夜间施工噪音扰民", "工地机器轰鸣", "凌晨打桩噪声"],
    "劳动和社会保障/工资/拖欠工资": ["老板拖欠工资", "农民工工资未发", "欠薪半年"],
}
PLACES = ["人民路", "新港大道", "和平小区", "长江路口", "幸福里", "县医院旁", "学校门口"]
TAILS = ["请尽快处理", "希望相关部门管一管", "已经很久了", "严重影响生活", ""]


def corpus(n: int, seed: int) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    texts, labels = [], []
    for i in range(n):
        label = list(TOPICS)[i % len(TOPICS)]
        texts.append(rng.choice(PLACES) + rng.choice(TOPICS[label]) + rng.choice(TAILS))
        labels.append(label)
    return texts, labels


def test_features_equal_scikit_learn_tfidf_on_characters() -> None:
    texts = ["路灯不亮，人民路", "ＡＢＣ路灯 闪烁", "人民路摊贩占道", "杂物"]
    ours = Vectorizer.fit(texts, min_df=1).transform(texts).toarray()
    ref = TfidfVectorizer(
        analyzer="char", ngram_range=(1, 3), sublinear_tf=True, preprocessor=normalise
    ).fit(texts)
    theirs = ref.transform(texts).toarray()
    # same vocabulary, ordered by code point sequence: compare column by column
    vocab = Vectorizer.fit(texts, min_df=1)
    names = [decode(int(c)) for c in vocab.vocabulary]
    assert sorted(names) == sorted(ref.vocabulary_)
    order = [ref.vocabulary_[n] for n in names]
    np.testing.assert_allclose(ours, theirs[:, order], atol=1e-12)


def test_features_are_the_same_whether_their_keys_are_sorted_in_32_or_64_bits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from gridgov.nlp import features

    texts, _ = corpus(200, seed=3)
    v = Vectorizer.fit(texts, min_df=1)
    assert len(texts) * v.size > 2**15  # keys that overflow 16 bits
    narrow = v.weights(texts)
    monkeypatch.setattr(features, "KEYS_32", 0)  # as for a batch too big for 32 bits
    wide = v.weights(texts)
    for a, b in zip(narrow, wide, strict=True):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)


def test_ngrams_never_span_two_texts() -> None:
    codes, docs = ngram_codes(["ab", "cd"], 2)
    grams = {(decode(int(c)), int(d)) for c, d in zip(codes, docs, strict=True)}
    assert ("bc", 0) not in grams
    assert ("bc", 1) not in grams
    assert grams == {("a", 0), ("b", 0), ("ab", 0), ("c", 1), ("d", 1), ("cd", 1)}


def test_texts_without_known_ngrams_give_empty_rows_not_errors() -> None:
    v = Vectorizer.fit(["路灯不亮", "路灯闪烁"], min_df=1)
    x = v.transform(["", "   ", "😀🚧", "路灯 🚧"])
    assert x.shape == (4, v.size)
    assert [x[i].nnz for i in range(4)] == [0, 0, 0, 3]  # 路, 灯, 路灯
    assert np.allclose(np.sqrt(x[3].multiply(x[3]).sum()), 1.0)
    assert v.transform([""]).nnz == 0


@pytest.fixture(scope="module")
def model() -> classify.Model:
    texts, labels = corpus(400, seed=1)
    return classify.train(texts, labels, now=NOW)


def test_trained_model_predicts_unseen_messages_with_top3_and_reasons(
    model: classify.Model,
) -> None:
    texts, labels = corpus(200, seed=2)
    predictions = model.predict(texts)
    accuracy = np.mean([p.leaf == y for p, y in zip(predictions, labels, strict=True)])
    assert accuracy > 0.95
    p = model.predict_one("和平小区夜间施工噪音扰民")
    assert p.leaf == "环境保护/噪声污染/施工噪声"
    assert p.confidence > 0.5
    assert len(p.top) == 3
    assert p.top[0].label == p.leaf
    assert p.top[0].confidence >= p.top[1].confidence >= p.top[2].confidence
    assert any("噪" in t or "施工" in t for t in p.terms)


def test_driving_ngrams_read_as_the_stretch_of_text_they_cover(model: classify.Model) -> None:
    text = "新沂河漂浮大量生活垃圾，最低工资标准"
    assert classify.joined(["生活垃", "活垃圾"], text) == ["生活垃圾"]
    # a chain, in any order of strength: the stretch sits where the strongest piece was
    assert classify.joined(["资标准", "河漂", "最低工", "工资标", "低工资"], text) == [
        "最低工资标准",
        "河漂",
    ]
    # one shared character is not enough, and a stretch the text does not hold is no stretch
    assert classify.joined(["人民路", "路灯"], "人民路灯") == ["人民路", "路灯"]
    assert classify.joined(["生活垃", "活垃圾"], "生活垃，活垃圾") == ["生活垃", "活垃圾"]

    p = model.predict_one("和平小区夜间施工噪音扰民")
    assert any(len(t) > 3 for t in p.terms)  # longer than any one n-gram of the model
    assert all(t in "和平小区夜间施工噪音扰民" for t in p.terms)


def test_an_uncertain_leaf_backs_off_to_its_parent(model: classify.Model) -> None:
    # between two leaves of one parent, in equal measure: neither leaf is sure, the parent is
    # (the synthetic corpus is so clean that its fitted temperature is extreme: soften it)
    strict = dataclasses.replace(model.params, backoff=0.7)
    soft = dataclasses.replace(model, temperature=1.0, params=strict)
    p = soft.predict_one("楼道堆放杂物，早餐摊占道")
    assert p.backed_off
    assert p.label == "城乡建设/市容环境"
    assert p.confidence >= 0.7
    assert model.predict_one("县医院旁路灯不亮").backed_off is False


def test_back_off_sums_the_labels_at_and_under_each_ancestor(model: classify.Model) -> None:
    labels = ["A/B", "A/B/C", "A/B/D", "A/E", "F"]
    m = dataclasses.replace(model, labels=labels)
    p = np.array([0.2, 0.2, 0.15, 0.05, 0.4])
    label, mass = m._back_off(p, 1)  # A/B/C is unsure: A/B itself and its two leaves
    assert (label, mass) == ("A/B", pytest.approx(0.55))
    label, mass = m._back_off(p, 3)  # A/E: its parent A holds everything but F
    assert (label, mass) == ("A", pytest.approx(0.6))
    assert m._back_off(p, 4) == ("F", 0.4)  # no ancestor to back off to


@pytest.fixture(scope="module")
def branched() -> classify.Model:
    """The same corpus with a catalogue too big for one flat model (here: more than two
    labels): a model per first-level branch."""
    texts, labels = corpus(400, seed=1)
    return classify.train(texts, labels, params=classify.Params(max_flat=2), now=NOW)


def test_past_max_flat_the_model_branches_and_still_predicts_leaves(
    branched: classify.Model,
) -> None:
    assert [b.name for b in branched.branches] == ["劳动和社会保障", "城乡建设", "环境保护"]
    assert branched.coef.shape[0] == 3  # the first level's weights
    assert sorted(branched.labels) == sorted(TOPICS)
    texts, labels = corpus(200, seed=2)
    predictions = branched.predict(texts)
    assert np.mean([p.leaf == y for p, y in zip(predictions, labels, strict=True)]) > 0.95
    p = branched.predict_one("人民路路灯夜间闪烁")
    assert p.leaf == "城乡建设/市政设施/路灯故障"
    assert [s.confidence for s in p.top] == sorted((s.confidence for s in p.top), reverse=True)
    assert any("灯" in t for t in p.terms)
    # a branch with a single leaf explains it by the first level's weights
    assert any("噪" in t or "施工" in t for t in branched.predict_one("夜间施工噪音扰民").terms)
    # P(leaf) = P(branch) · P(leaf | branch), over the branches that read the message
    probs, *_ = branched.probabilities(texts)
    assert np.all(probs.sum(axis=1) <= 1 + 1e-9)
    assert np.all(probs.sum(axis=1) > 0.5)
    # a message the first level is sure of is scored by that branch alone
    one, *_ = branched.probabilities(["人民路路灯夜间闪烁"])
    unsure = dataclasses.replace(branched.params, branch_sure=1.01)
    two, *_ = dataclasses.replace(branched, params=unsure).probabilities(["人民路路灯夜间闪烁"])
    assert np.count_nonzero(one) == 3  # 城乡建设's three leaves
    assert np.count_nonzero(two) == 4  # and the second branch's one


def test_an_uncertain_leaf_of_a_branch_backs_off_to_its_parent(branched: classify.Model) -> None:
    strict = dataclasses.replace(branched.params, backoff=0.7)
    soft = dataclasses.replace(
        branched,
        temperature=1.0,
        params=strict,
        branches=[dataclasses.replace(b, temperature=1.0) for b in branched.branches],
    )
    p = soft.predict_one("楼道堆放杂物，早餐摊占道")
    assert p.backed_off
    assert p.label == "城乡建设/市容环境"
    assert p.confidence >= 0.7


def test_a_branched_model_file_round_trips(branched: classify.Model, tmp_path: Path) -> None:
    path = tmp_path / "b.npz"
    branched.save(path)
    loaded = classify.Model.load(path)
    assert loaded.labels == branched.labels
    assert [b.labels for b in loaded.branches] == [b.labels for b in branched.branches]
    texts, _ = corpus(50, seed=5)
    assert loaded.predict(texts) == branched.predict(texts)


@pytest.mark.parametrize("max_flat", [64, 2])
def test_cross_validation_scores_flat_and_branched_models(max_flat: int) -> None:
    texts, labels = corpus(150, seed=6)
    report = classify.cross_validate(
        texts, labels, params=classify.Params(max_flat=max_flat), folds=3
    )
    assert len(report["fold_macro_f1"]) == 3
    assert report["macro_f1"] > 0.9
    assert set(report["per_class"]) == set(TOPICS)


def test_model_file_round_trip_and_refusals(model: classify.Model, tmp_path: Path) -> None:
    path = tmp_path / "m.npz"
    model.save(path)
    loaded = classify.Model.load(path)
    assert loaded.version == model.version
    assert loaded.labels == model.labels
    text = "人民路路灯不亮"
    assert loaded.predict_one(text) == model.predict_one(text)
    (tmp_path / "junk.npz").write_bytes(b"not a model")
    with pytest.raises(classify.ModelError, match="not a gridgov model"):
        classify.Model.load(tmp_path / "junk.npz")
    with pytest.raises(classify.ModelError, match="no such model"):
        classify.Model.load(tmp_path / "missing.npz")


def test_the_same_messages_train_the_same_model_and_version(model: classify.Model) -> None:
    # a version tells two models apart by a digest of their weights: retraining on the same
    # file at the same time must not make a "new" model
    again = classify.train(*corpus(400, seed=1), now=NOW)
    assert again.version == model.version
    assert np.array_equal(again.coef, model.coef)
    assert np.array_equal(again.intercept, model.intercept)


def test_evaluate_reports_the_numbers_it_is_asked_for() -> None:
    report = classify.evaluate(["a", "a", "b", "b"], ["a", "b", "b", "b"])
    assert report["accuracy"] == 0.75
    assert report["per_class"]["a"] == {"precision": 0.5, "recall": 1.0, "f1": 0.6667, "support": 1}
    assert report["per_class"]["b"]["recall"] == pytest.approx(2 / 3, abs=1e-4)
    assert report["macro_f1"] == pytest.approx((2 / 3 + 0.8) / 2, abs=1e-4)
    assert report["confusion_matrix"] == {"labels": ["a", "b"], "matrix": [[1, 0], [1, 2]]}


def write_csv(path: Path, texts: list[str], labels: list[str], cols=("text", "label")) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(cols)
        w.writerows(zip(texts, labels, strict=True))


def test_cli_train_and_evaluate_contract(tmp_path: Path) -> None:
    runner = CliRunner()
    train_csv, test_csv, model = tmp_path / "tr.csv", tmp_path / "te.csv", tmp_path / "m.npz"
    write_csv(train_csv, *corpus(300, seed=3), cols=("留言详情", "一级分类"))
    write_csv(test_csv, *corpus(100, seed=4), cols=("留言详情", "一级分类"))
    args = ["--text-column", "留言详情", "--label-column", "一级分类"]
    res = runner.invoke(
        app, ["nlp", "train", "--input", str(train_csv), "--output", str(model), *args]
    )
    assert res.exit_code == 0, res.output
    res = runner.invoke(
        app, ["nlp", "evaluate", "--model", str(model), "--input", str(test_csv), *args]
    )
    assert res.exit_code == 0, res.output
    report = json.loads(res.output)
    assert report["macro_f1"] > 0.9
    assert report["accuracy"] > 0.9
    assert set(report["per_class"]) == set(TOPICS)
    assert len(report["confusion_matrix"]["matrix"]) == len(TOPICS)
    res = runner.invoke(app, ["nlp", "evaluate", "--model", str(model), "--input", str(test_csv)])
    assert res.exit_code == 2
    assert "no column text" in res.output
    (tmp_path / "file").write_text("")  # a file where the model's folder would be
    under_a_file = str(tmp_path / "file" / "m.npz")
    res = runner.invoke(
        app, ["nlp", "train", "--input", str(train_csv), "--output", under_a_file, *args]
    )
    assert res.exit_code == 2
    assert "cannot write" in res.output
    res = runner.invoke(
        app,
        ["nlp", "evaluate", "--model", str(tmp_path / "x.npz"), "--input", str(test_csv), *args],
    )
    assert res.exit_code == 2
    assert "no such model" in res.output


def test_cli_cross_validates_on_the_folds_its_seed_draws(tmp_path: Path) -> None:
    # one label in five replaced by a random one: each seed's folds put the wrong ones in other
    # test folds, so the per-fold scores depend on the seed, and one seed's come out the same
    texts, labels = corpus(150, seed=10)
    rng = random.Random(11)
    labels = [rng.choice(list(TOPICS)) if rng.random() < 0.2 else y for y in labels]
    path = tmp_path / "noisy.csv"
    write_csv(path, texts, labels, cols=("text", "label"))
    runner = CliRunner()

    def cv(*extra: str) -> dict:
        res = runner.invoke(
            app, ["nlp", "cross-validate", "--input", str(path), "--folds", "3", *extra]
        )
        assert res.exit_code == 0, res.output
        return json.loads(res.output)

    first, again, other = cv(), cv("--seed", "0"), cv("--seed", "1")
    assert first["seed"] == 0
    assert other["seed"] == 1
    assert first["fold_macro_f1"] == again["fold_macro_f1"]
    assert first["fold_macro_f1"] != other["fold_macro_f1"]
    assert len(other["fold_macro_f1"]) == 3
    assert sum(sum(row) for row in other["confusion_matrix"]["matrix"]) == 150
    write_csv(path, [*texts, "井盖丢失"], [*labels, "城乡建设/市政设施/井盖"])
    res = runner.invoke(app, ["nlp", "cross-validate", "--input", str(path), "--folds", "3"])
    assert res.exit_code == 2
    assert "'城乡建设/市政设施/井盖' has 1 example(s), fewer than 3 folds" in res.output


def test_cli_reads_the_files_exports_come_in(tmp_path: Path) -> None:
    """A GB18030 CSV (what many Chinese government systems write) and an XLSX workbook."""
    from openpyxl import Workbook

    runner = CliRunner()
    args = ["--text-column", "留言详情", "--label-column", "一级分类"]
    texts, labels = corpus(300, seed=3)
    gbk = tmp_path / "tr.csv"
    with gbk.open("w", encoding="gb18030", newline="") as f:
        csv.writer(f).writerows([("留言详情", "一级分类"), *zip(texts, labels, strict=True)])
    with pytest.raises(UnicodeDecodeError):
        gbk.read_text(encoding="utf-8")  # the file really is not UTF-8
    book = Workbook()
    sheet = book.active
    sheet.append(["留言详情", "一级分类"])
    for row in zip(*corpus(100, seed=4), strict=True):
        sheet.append(row)
    sheet.append(["一行只有文本没有分类"])  # a short row: skipped, not a crash
    book.save(tmp_path / "te.xlsx")
    # some exporters write no <dimension> element: openpyxl then leaves short rows short
    with zipfile.ZipFile(tmp_path / "te.xlsx") as src:
        parts = {i: src.read(i) for i in src.infolist()}
    with zipfile.ZipFile(tmp_path / "te.xlsx", "w") as dst:
        for info, data in parts.items():
            dst.writestr(info, re.sub(rb"<dimension[^>]*/>", b"", data))
    model = tmp_path / "m.npz"
    res = runner.invoke(app, ["nlp", "train", "--input", str(gbk), "--output", str(model), *args])
    assert res.exit_code == 0, res.output
    res = runner.invoke(
        app,
        ["nlp", "evaluate", "--model", str(model), "--input", str(tmp_path / "te.xlsx"), *args],
    )
    assert res.exit_code == 0, res.output
    assert "skipped 1 row(s) without text or label" in res.stderr
    report = json.loads(res.stdout)
    assert report["examples"] == 100
    assert report["macro_f1"] > 0.9


@pytest.mark.skipif(not (DATA / "labeled_train.csv").exists(), reason="../shared/data is absent")
def test_real_messages_train_on_part_and_score_on_the_rest() -> None:
    with (DATA / "labeled_train.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    random.Random(0).shuffle(rows)
    train, test = rows[:2500], rows[2500:3500]
    m = classify.train([r["text"] for r in train], [r["label"] for r in train], now=NOW)
    predicted = [p.leaf for p in m.predict([r["text"] for r in test], explain=False)]
    report = classify.evaluate(predicted, [r["label"] for r in test])
    assert report["macro_f1"] > 0.85, report["macro_f1"]


def test_two_labels_train_and_predict_through_the_stacked_reweighing() -> None:
    # logistic regression has one row of weights for two labels: it must still point each
    # decision at its own label
    two = ("环境保护/噪声污染/施工噪声", "劳动和社会保障/工资/拖欠工资")

    def only_two(seed: int, n: int) -> tuple[list[str], list[str]]:
        pairs = [(t, y) for t, y in zip(*corpus(n, seed=seed), strict=True) if y in two]
        return [t for t, _ in pairs], [y for _, y in pairs]

    m = classify.train(*only_two(1, 400), now=NOW)
    assert m.coef.shape[0] == 2
    tests, truth = only_two(2, 200)
    predicted = [p.leaf for p in m.predict(tests)]
    assert np.mean([p == y for p, y in zip(predicted, truth, strict=True)]) > 0.95
