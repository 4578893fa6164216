"""Predicting a whole plate into an output plate, field by field, resumable and split.

Every process (``accelerate launch``/``torchrun``) and every job of a job array (``--shard``)
runs :func:`predict_plate` with the same arguments: it loads the model, opens or creates the
output plate with the input's wells and fields and the model's output channels
(:func:`~i2i_plugins.hcs_plates.writing.open_output_plate`), and hands its share of the field
list to the core's batch runner (:func:`i2i.prediction.batch.run_jobs`), which splits it
between processes, skips fields already written and writes each field atomically (the
predictor streams it into the OME-Zarr writer's sink). The main process marks the plate
complete at the end when every field is in place.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from i2i.prediction.batch import BatchResult, Job
from i2i_plugins.hcs_plates.metadata import Plate, check_fields, read_plate
from i2i_plugins.hcs_plates.shards import WHOLE, Shard
from i2i_plugins.hcs_plates.writing import PlateLayout, complete_plate, open_output_plate


@dataclass
class PlateRun:
    """What one process did: its batch result and whether the plate is complete now."""

    result: BatchResult
    complete: bool
    fields: int


def plate_jobs(plate: Plate, output: Path, shard: Shard = WHOLE) -> list[Job]:
    """One job per field of ``shard``: ``plate/B/03/0`` -> ``output/B/03/0``."""
    return [Job(plate.field_path(a), output / a) for a in shard.select(plate.field_addresses)]


def predict_plate(
    source: str | Path,
    output: str | Path,
    model: str | Path,
    *,
    shard: Shard = WHOLE,
    device: str = "auto",
    zarr_format: int | None = None,
    on_done: Callable[[Job, bool], None] | None = None,
    on_incomplete: Callable[[Job, str], None] | None = None,
    **options: Any,
) -> PlateRun:
    """Predict this shard's fields of the plate ``source`` into the plate ``output``.

    ``options`` go to :func:`i2i.prediction.load_predictor` (tile_size, batch_size, bf16...).
    ``zarr_format`` defaults to the input plate's (2: NGFF 0.4, 3: NGFF 0.5).
    """
    from accelerate import PartialState

    from i2i.device import AUTO, resolve_device
    from i2i.prediction import load_predictor
    from i2i.prediction.batch import run_jobs

    plate = read_plate(source)
    check_fields(plate)
    output = Path(output)
    state = PartialState(cpu=resolve_device(device).type == "cpu")
    chosen = state.device if device == AUTO else resolve_device(device)
    fmt = zarr_format or plate.zarr_format
    predictor = load_predictor(
        model, device=chosen, writer={"name": "ome_zarr", "zarr_format": fmt}, **options
    )
    layout = PlateLayout.of(plate, predictor.contract.output_channels)
    open_output_plate(output, layout, zarr_format=fmt, name=plate.name)
    jobs = plate_jobs(plate, output, shard)
    result = run_jobs(
        jobs,
        lambda key, process_device: predictor,
        device=device,
        writer=predictor.writer,  # fields have no suffix: the writer is named
        on_done=on_done,
        on_incomplete=on_incomplete,
    )
    complete = complete_plate(output) if state.is_main_process else False
    return PlateRun(result, complete, len(jobs))
