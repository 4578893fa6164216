"""Publishing a checkpoint folder: a checkpoint of the same step is replaced, never lost."""

from __future__ import annotations

import os

import pytest

from i2i.training import checkpoint as ckpt


def _stage(folder, step, content):
    staging = ckpt.staging_folder(folder, step)
    staging.mkdir(parents=True)
    (staging / "state.json").write_text(content)
    return staging


def test_publish_replaces_a_checkpoint_of_the_same_step(tmp_path):
    ckpt.publish(_stage(tmp_path, 4, "old"), tmp_path, 4, keep_last=2)
    final = ckpt.publish(_stage(tmp_path, 4, "new"), tmp_path, 4, keep_last=2)
    assert (final / "state.json").read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == [ckpt.checkpoint_name(4)]


def test_a_failed_publish_keeps_the_checkpoint_of_the_same_step(tmp_path, monkeypatch):
    """The old checkpoint is set aside, not deleted, until the new one is in place."""
    ckpt.publish(_stage(tmp_path, 4, "old"), tmp_path, 4, keep_last=2)
    staging = _stage(tmp_path, 4, "new")
    real_replace, real_rename = os.replace, os.rename

    def refuse_the_staging(rename):
        def moved(source, target, *args, **kwargs):
            if os.fspath(source) == os.fspath(staging):
                raise OSError("disk full")
            return rename(source, target, *args, **kwargs)

        return moved

    monkeypatch.setattr(os, "replace", refuse_the_staging(real_replace))
    monkeypatch.setattr(os, "rename", refuse_the_staging(real_rename))
    with pytest.raises(OSError, match="disk full"):
        ckpt.publish(staging, tmp_path, 4, keep_last=2)
    final = tmp_path / ckpt.checkpoint_name(4)
    assert (final / "state.json").read_text() == "old"
    assert ckpt.list_checkpoints(tmp_path) == [final]


def test_every_process_stages_under_the_same_name(tmp_path):
    assert ckpt.staging_folder(tmp_path, 7) == ckpt.staging_folder(tmp_path, 7)
    assert not ckpt.staging_folder(tmp_path, 7).name.startswith("step_")
