"""Exported weights carry the training data's domain (:mod:`i2i.domain`): pixel sizes,
z-plane counts, channel names and normalised intensity statistics of a sample of training
items, so that prediction can tell an input unlike the training data."""

from __future__ import annotations

import pytest
from training_support import TINY_UNET, write_isl_recipe, write_recipe

import i2i
from i2i.domain import TrainingDomain
from i2i.training import domain_record
from i2i.weights import load_weights
from i2i_plugins.datasets.demo import write_lmc_demo


def _domain(weights) -> TrainingDomain:
    _, metadata = load_weights(weights)
    return TrainingDomain.model_validate(metadata["training_domain"])


def test_the_weights_of_a_run_record_its_training_domain(tmp_path, shared_data, monkeypatch):
    calls = []
    original = domain_record.training_domain
    monkeypatch.setattr(
        domain_record, "training_domain", lambda *a, **k: calls.append(1) or original(*a, **k)
    )
    recipe = write_isl_recipe(tmp_path, shared_data / "isl_condition_b", steps=4)
    run = i2i.train(recipe, ["train.validate_every=2"], device="cpu").run
    domain = _domain(run.last_weights)
    assert _domain(run.path / "best.safetensors") == domain
    assert calls == [1]  # computed once per run, not at every export

    assert domain.pixel_sizes_um == []  # the ISL sample records none
    assert domain.z_plane_counts == [13]
    assert domain.channel_names == [["PHASE_CONTRAST"]]
    assert domain.input_labels == [f"PHASE_CONTRAST z{z}" for z in range(13)]
    assert domain.samples == 8  # the training set's 8 items (1 field x repeat 8), <= 16
    assert len(domain.statistics) == 13
    for channel in domain.statistics:
        # 2 / 99.8 percentile normalisation: the 1st and 99th percentiles near 0 and 1,
        # about 2 % of the pixels beyond them; phase contrast's median mid-grey
        assert -0.3 < channel.p1 < 0.1 and 0.6 < channel.p99 < 1.2
        assert channel.p1 < channel.median_low <= channel.p50 <= channel.median_high < channel.p99
        assert 0.2 < channel.p50 < 0.6
        assert 0.0 < channel.clipped < 0.1


def test_fields_of_several_modalities_and_pixel_sizes_are_all_recorded(tmp_path):
    write_lmc_demo(tmp_path / "demo", seed=0)
    recipe = write_recipe(tmp_path, tmp_path / "demo", model=TINY_UNET, losses=[{"name": "l1"}])
    overrides = ["train.max_steps=1", "train.validate_every=1"]
    run = i2i.train(recipe, overrides, device="cpu").run
    domain = _domain(run.last_weights)
    assert domain.channel_names == [["BF", "PC"]]  # one input channel, two modalities
    assert domain.input_labels == ["BF/PC"]
    assert len(domain.pixel_sizes_um) > 1
    assert domain.samples == 16
    assert len(domain.statistics) == 1


def test_older_weights_without_a_domain_load_with_none():
    from i2i.prediction import load_predictor

    assert load_predictor("isl-phase-dapi-unet", device="cpu").domain is None
    assert TrainingDomain.from_metadata(None, "old.safetensors") is None


def test_an_invalid_recorded_domain_is_one_clear_error():
    from i2i.domain import DomainError

    with pytest.raises(DomainError, match=r"bad.safetensors: the recorded training domain"):
        TrainingDomain.from_metadata({"samples": -1}, "bad.safetensors")
