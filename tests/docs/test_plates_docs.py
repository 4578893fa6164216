"""docs/plates.md: the walk-through, the SLURM array script, the recipe, evaluation and
prediction into the plate run as written, on a JUMP cpg0000 folder of the real bright-field
sample and a tiny stand-in for jump_dna weights (the napari section:
tests/plugins/hcs_plates/test_napari_page.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from plate_support import page_block, run_bash, write_screen

pytest.importorskip("ome_zarr", reason="needs the plates extra")

CONVERT = "i2i plate convert BR00116991__2020-11-05T19_51_35-Measurement1 BR00116991.ome.zarr"


@pytest.fixture
def screen(shared_data, tmp_path: Path) -> Path:
    return write_screen(shared_data, tmp_path)


def test_the_walk_through_runs_as_written(screen):
    completed = run_bash(page_block("## Walk-through", "bash"), screen)
    assert "fields      4 (2 per well), 4 written, complete" in completed.stdout
    assert "channels    BF_over, BF_under, BF_focus, DNA" in completed.stdout
    assert "channels    DNA" in completed.stdout
    assert "0 field(s) predicted, 4 skipped" in completed.stderr
    assert (screen / "BR00116991_dna_2proc.ome.zarr" / "B" / "03" / "1").is_dir()


def test_the_slurm_array_script_covers_the_plate_in_four_jobs(screen):
    run_bash(CONVERT, screen)
    script = page_block("A SLURM array", "bash")
    outputs = [
        run_bash(script, screen, SLURM_ARRAY_TASK_ID=str(i), SLURM_ARRAY_TASK_COUNT="4").stderr
        for i in range(4)
    ]
    assert [o.count("(written)") for o in outputs] == [1, 1, 1, 1]
    assert "is complete" in outputs[-1]


def test_the_plate_recipe_validates(screen):
    (screen / "plate_dna.yaml").write_text(
        page_block("## Training and evaluation on plates", "yaml")
    )
    run_bash(CONVERT, screen)
    completed = run_bash("i2i recipe validate plate_dna.yaml --no-data-check", screen)
    assert "valid" in completed.stdout.lower()


def test_evaluating_a_predicted_plate_runs_as_written(screen):
    run_bash(CONVERT, screen)
    run_bash(
        "i2i predict BR00116991.ome.zarr -m jump_dna.safetensors -o BR00116991_dna.ome.zarr", screen
    )
    script = page_block("## Training and evaluation on plates", "bash")
    completed = run_bash(script, screen)
    assert "Scored 4 image channel(s) of the HCS plate" in completed.stdout
    assert (screen / "evaluation" / "per_well.csv").is_file()
    assert (screen / "evaluation" / "figures" / "plate_map_DNA.png").is_file()


def test_predicting_into_the_plate_runs_as_written(screen):
    run_bash(CONVERT, screen)
    completed = run_bash(page_block("## Predicting into the plate", "bash"), screen)
    assert "predicted   DNA in <field>/predictions/DNA, 4 of 4 fields written" in completed.stdout
    assert "Scored 4 image channel(s) of the HCS plate BR00116991.ome.zarr" in completed.stdout
    assert (screen / "BR00116991.ome.zarr" / "B" / "03" / "1" / "predictions" / "DNA").is_dir()
