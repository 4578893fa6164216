"""docs/plates.md: the walk-through, the SLURM array script and the recipe run as written, on a
JUMP cpg0000 folder of the real bright-field sample and a tiny stand-in for jump_dna weights."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from plate_support import save_bright_field_weights, write_jump_folder

PAGE = Path(__file__).resolve().parents[2] / "docs" / "plates.md"

pytest.importorskip("ome_zarr", reason="needs the plates extra")


def block(heading: str, language: str) -> str:
    section = PAGE.read_text().split(heading, 1)[1]
    found = re.search(rf"```{language}\n(.*?)```", section, re.DOTALL)
    assert found is not None, f"docs/plates.md lost its {language} block under {heading!r}"
    return found.group(1)


def bash(script: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    path = str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"]
    completed = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=cwd,
        env={**os.environ, "PATH": path, "OMP_NUM_THREADS": "1", **env},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    return completed


@pytest.fixture
def screen(shared_data, isl_dapi, tmp_path: Path) -> Path:
    """The JUMP folder of the real bright-field planes, with ch5 (DNA) files cut from the real
    ISL DAPI image (another sample: enough for the commands, not for a meaningful score)."""
    import tifffile

    export = write_jump_folder(shared_data, tmp_path)
    for plane in (export / "Images").glob("*-ch8sk1fk1fl1.tiff"):
        y, x = (0, 0) if "f01" in plane.name else (256, 256)
        dna = plane.with_name(plane.name.replace("-ch8", "-ch5"))
        tifffile.imwrite(dna, isl_dapi[y : y + 256, x : x + 256])
    save_bright_field_weights(tmp_path / "jump_dna.safetensors")
    return tmp_path


@pytest.fixture(scope="module")
def isl_dapi(shared_data) -> np.ndarray:
    from i2i.io import open_image

    return open_image(next((shared_data / "isl_condition_b").glob("*DAPI_CONFOCAL*"))).read_plane()


def test_the_walk_through_runs_as_written(screen):
    completed = bash(block("## Walk-through", "bash"), screen)
    assert "fields      4 (2 per well), 4 written, complete" in completed.stdout
    assert "channels    BF_over, BF_under, BF_focus, DNA" in completed.stdout
    assert "channels    DNA" in completed.stdout
    assert "0 field(s) predicted, 4 skipped" in completed.stderr
    assert (screen / "BR00116991_dna_2proc.ome.zarr" / "B" / "03" / "1").is_dir()


def test_the_slurm_array_script_covers_the_plate_in_four_jobs(screen):
    bash(
        "i2i plate convert BR00116991__2020-11-05T19_51_35-Measurement1 BR00116991.ome.zarr", screen
    )
    script = block("A SLURM array", "bash")
    outputs = [
        bash(script, screen, SLURM_ARRAY_TASK_ID=str(i), SLURM_ARRAY_TASK_COUNT="4").stderr
        for i in range(4)
    ]
    assert [o.count("(written)") for o in outputs] == [1, 1, 1, 1]
    assert "is complete" in outputs[-1]


def test_the_plate_recipe_validates(screen):
    (screen / "plate_dna.yaml").write_text(block("## Training and evaluation on plates", "yaml"))
    bash(
        "i2i plate convert BR00116991__2020-11-05T19_51_35-Measurement1 BR00116991.ome.zarr", screen
    )
    completed = bash("i2i recipe validate plate_dna.yaml --no-data-check", screen)
    assert "valid" in completed.stdout.lower()
