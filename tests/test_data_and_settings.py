"""Bundled data loaders and environment switches."""

from __future__ import annotations

import pytest

import gist_helpers as gh
from gist_helpers.data import data_dir
from gist_helpers.settings import env_flag, progress_enabled


def test_model_card_texts():
    assert len(gh.MODEL_CARD_TEXTS) == 3
    assert gh.MODEL_CARD_TEXTS[0].startswith("Illustration of the REaLTabFormer model.")
    assert gh.MODEL_CARD_TEXTS[2].endswith("adapt to these changes")


def test_sts_pairs():
    pairs = gh.load_sts_pairs()
    assert list(pairs.columns) == ["sentence1", "sentence2", "score", "phenomenon", "domain"]
    assert len(pairs) >= 150 and pairs.notna().all().all()
    assert pairs.score.between(0, 5).all()
    assert {"negation", "numbers", "antonym", "paraphrase", "unrelated"} <= set(pairs.phenomenon)


def test_topics():
    topics = gh.load_topics()
    assert list(topics.columns) == ["text", "topic", "kind"]
    assert len(topics) >= 400 and 8 <= topics.topic.nunique() <= 12
    assert not topics.text.duplicated().any()


def test_data_dir_override(tmp_path, monkeypatch):
    (tmp_path / "topics.csv").write_text("text,topic,kind\nhello,greeting,headline\n")
    monkeypatch.setenv("GIST_DATA_DIR", str(tmp_path))
    assert data_dir() == tmp_path
    assert gh.load_topics().text.tolist() == ["hello"]


def test_env_flag(monkeypatch):
    monkeypatch.setenv("GIST_X", "yes")
    assert env_flag("GIST_X") is True
    monkeypatch.setenv("GIST_X", "0")
    assert env_flag("GIST_X", default=True) is False
    monkeypatch.setenv("GIST_X", "")
    assert env_flag("GIST_X", default=True) is True
    monkeypatch.setenv("GIST_X", "maybe")
    with pytest.raises(ValueError, match="GIST_X='maybe'"):
        env_flag("GIST_X")


def test_quick_mode_scales(monkeypatch):
    monkeypatch.setenv("GIST_QUICK", "1")
    assert gh.quick_mode() and gh.scaled(1000, 10) == 10
    monkeypatch.setenv("GIST_QUICK", "0")
    assert gh.scaled(1000, 10) == 1000


def test_progress_switch(monkeypatch):
    monkeypatch.setenv("GIST_PROGRESS", "1")
    assert progress_enabled(1000) and not progress_enabled(10)
    monkeypatch.setenv("GIST_PROGRESS", "0")
    assert not progress_enabled(1000)
