"""Loading through the model seam: the default model, a user's own model dir, and a missing one."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.settings import Settings
from app.model.loader import ModelLoadError, content_version, load_model


def settings_for(model_dir: Path, **overrides: object) -> Settings:
    return Settings(secrets="s" * 20, model_dir=model_dir, device="cpu", **overrides)  # type: ignore[arg-type]


def test_truncates_long_inputs_to_the_model_limit(model_dir: Path) -> None:
    model = load_model(settings_for(model_dir))
    assert model.max_length == 512
    predictions = model.predict(["word " * 3000, "great"])
    assert len(predictions) == 2


def test_own_model_drops_in_with_its_own_labels(model_dir: Path, tmp_path: Path) -> None:
    """Any save_pretrained sequence-classification model works: here a 3-label BERT on the same tokenizer."""
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    own = tmp_path / "my-model"
    labels = {0: "bug", 1: "feature", 2: "question"}
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    config = BertConfig(
        vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=128, id2label=labels, label2id={v: k for k, v in labels.items()},
    )
    BertForSequenceClassification(config).save_pretrained(own)
    tokenizer.save_pretrained(own)

    model = load_model(settings_for(own, model_version="v7"))
    assert (model.name, model.version, model.max_length) == ("my-model", "v7", 128)
    predictions = model.predict(["a", "b " * 1000])
    assert len(predictions) == 2 and all(p.label in labels.values() for p in predictions)
    assert all(1 / 3 - 1e-6 <= p.score <= 1 for p in predictions)


def test_missing_model_dir_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="build_default_model.py"):
        load_model(settings_for(tmp_path / "nowhere"))


def test_content_version_follows_content(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{}")
    first = content_version(tmp_path)
    assert content_version(tmp_path) == first
    (tmp_path / "config.json").write_text("{ }")
    assert content_version(tmp_path) != first
