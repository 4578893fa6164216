"""``data.repeat``: several differently augmented draws of each training sample per epoch, and
a clear error instead of silently smaller batches when an epoch has fewer samples than a batch."""

from __future__ import annotations

import pytest
import torch

from i2i.data import build_dataloaders
from i2i.data.errors import DataError

ISL_REGEX = (
    r"(?P<fov>.+),(?:z_depth-(?P<z>\d+)|depth_computation-MAXPROJECT),"
    r"channel-(?P<channel>\w+),is_mask-false\.png"
)


def _data(shared_data, **settings):
    return {
        "dataset": {
            "name": "pattern",
            "root": str(shared_data / "isl_condition_b"),
            "regex": ISL_REGEX,
            "inputs": ["PHASE_CONTRAST"],
            "targets": ["DAPI_CONFOCAL"],
            "z": "all",
        },
        "transforms": [{"name": "random_crop", "size": 32}],
        "split": {"val_fraction": 0.0},
        "num_workers": 0,
        **settings,
    }


def test_repeat_draws_each_field_several_times_with_its_own_augmentation(shared_data):
    loaders = build_dataloaders(_data(shared_data, batch_size=4, repeat=6), seed=0)
    dataset = loaders.train.dataset
    assert len(dataset) == 6 and len(loaders.train) == 2  # one field, six draws
    crops = [dataset[i]["input"] for i in range(6)]
    assert all(c.shape == (13, 32, 32) for c in crops)
    assert len({tuple(c[0, 0, :4].tolist()) for c in crops}) == 6  # six different crops
    assert torch.equal(dataset[3]["input"], crops[3])  # a draw is reproducible
    batch = next(iter(loaders.train))
    assert batch["input"].shape == (4, 13, 32, 32)


def test_a_batch_larger_than_the_epoch_is_an_error_that_names_the_fix(shared_data):
    with pytest.raises(DataError) as error:
        build_dataloaders(_data(shared_data, batch_size=8), seed=0)
    message = str(error.value)
    assert "data.batch_size is 8" in message and "only 1 sample" in message
    assert "data.repeat (at least 8" in message
