"""The training loader's workers: they persist from one epoch to the next, and every epoch
still draws its own augmentations in them, exactly as the main process would."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

from i2i.data import build_dataloaders
from i2i.data.dataset import FieldDataset
from i2i_plugins.datasets.demo import write_lmc_demo


@pytest.fixture(scope="module")
def lmc_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("lmc_demo")
    write_lmc_demo(root, seed=0)
    return root


def _loader(root: Path, workers: int) -> torch.utils.data.DataLoader:
    data = {
        "dataset": {"name": "lmc", "root": str(root), "targets": ["Nucleus", "Mitochondria"]},
        "transforms": [{"name": "percentile_normalize"}, {"name": "random_crop", "size": 32}],
        "split": {"val_fraction": 0.0},
        "batch_size": 4,
        "num_workers": workers,
    }
    return build_dataloaders(data, seed=0).train


def _epochs(loader: torch.utils.data.DataLoader, count: int) -> list[list[dict]]:
    epochs = []
    for epoch in range(count):
        loader.dataset.set_epoch(epoch)
        epochs.append(list(loader))
    return epochs


def test_workers_persist_from_one_epoch_to_the_next(lmc_demo, monkeypatch):
    read = FieldDataset.__getitem__

    def tagged(self: FieldDataset, index: int) -> dict:
        sample = read(self, index)
        sample["meta"] = {**sample["meta"], "pid": os.getpid()}
        return sample

    monkeypatch.setattr(FieldDataset, "__getitem__", tagged)
    epochs = _epochs(_loader(lmc_demo, workers=1), 3)
    pids = [{meta["pid"] for batch in epoch for meta in batch["meta"]} for epoch in epochs]
    assert len(pids[0]) == 1 and pids[0] != {os.getpid()}  # one worker, not the main process
    assert pids[0] == pids[1] == pids[2]


def test_every_epoch_draws_its_augmentations_in_the_workers(lmc_demo):
    in_workers = [_by_sample(epoch) for epoch in _epochs(_loader(lmc_demo, workers=1), 2)]
    in_main = [_by_sample(epoch) for epoch in _epochs(_loader(lmc_demo, workers=0), 2)]
    first, second = in_workers
    assert any(not torch.equal(first[key], second[key]) for key in first)  # new crops
    for worker_epoch, main_epoch in zip(in_workers, in_main, strict=True):
        assert worker_epoch.keys() == main_epoch.keys()
        for key, worker_input in worker_epoch.items():  # (the order depends on the workers)
            assert torch.equal(worker_input, main_epoch[key]), key


def _by_sample(epoch: list[dict]) -> dict[tuple[str, tuple[int, ...]], torch.Tensor]:
    """Each sample's input by (field, planes)."""
    return {
        (meta["field_id"], tuple(meta["z"])): batch["input"][row]
        for batch in epoch
        for row, meta in enumerate(batch["meta"])
    }


def test_batches_are_pinned_only_where_cuda_is(lmc_demo):
    assert _loader(lmc_demo, workers=0).pin_memory == torch.cuda.is_available()
