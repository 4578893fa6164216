"""The input contract is built and validated by the data pipeline when training starts: a
contract that a trained model could not be predicted with is an error before the first step,
not at the user's first ``i2i predict``."""

from __future__ import annotations

import pytest
import yaml
from pydantic import Field
from training_support import TINY_UNET, write_recipe

import i2i
from i2i import plugins
from i2i.contract import ContractError
from i2i_plugins.datasets.demo import write_lmc_demo


class StandardizeParams(i2i.Params):
    scale: float = Field(1.0, gt=0, description="Multiplier after standardising.")


class Standardize:
    """A third-party transform whose contract names a normalisation the contract lacks."""

    def __init__(self, params: StandardizeParams):
        self.params = params
        self.contract = {"normalization": "zscore"}

    def __call__(self, sample, rng):
        return sample


class StandardizePlugin:
    @i2i.hookimpl
    def i2i_register(self, registries):
        registries.transforms.add(
            "acme.standardize",
            params=StandardizeParams,
            factory=Standardize,
            description="Standardise each channel (a test transform).",
        )


@pytest.fixture
def with_standardize(monkeypatch):
    host = plugins.load_host()
    host.add_plugin(StandardizePlugin())
    monkeypatch.setattr(plugins, "_default_host", host)


def test_an_invalid_contract_stops_training_before_the_first_step(tmp_path, with_standardize):
    write_lmc_demo(tmp_path / "lmc", size=32, seed=0)
    path = write_recipe(tmp_path, tmp_path / "lmc", model=TINY_UNET, losses=[{"name": "l1"}])
    recipe = yaml.safe_load(path.read_text())
    recipe["data"]["transforms"].append({"name": "acme.standardize"})
    path.write_text(yaml.safe_dump(recipe))
    with pytest.raises(ContractError, match=r"normalization.*'zscore'.*Standardize"):
        i2i.train(path)
    assert not list((tmp_path / "runs").rglob("step_*"))  # no checkpoint: no step ran
    assert not list((tmp_path / "runs").rglob("*.safetensors"))
