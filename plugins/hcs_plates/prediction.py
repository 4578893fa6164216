"""Predicting a whole plate into an output plate, field by field, resumable and split.

Every process (``accelerate launch``/``torchrun``) and every job of a job array (``--shard``)
runs :func:`predict_plate` with the same arguments: it loads the model, opens or creates the
output plate with the input's wells and fields and the model's output channels
(:func:`~i2i_plugins.hcs_plates.writing.open_output_plate`), and hands its share of the field
list to the core's batch runner (:func:`i2i.prediction.batch.run_jobs`), which splits it
between processes, skips fields already written and writes each field atomically (the
predictor streams it into the OME-Zarr writer's sink). The main process marks the plate
complete at the end when every field is in place. With ``output=None`` (``--into``) each
field's prediction goes into the input plate itself (:mod:`~i2i_plugins.hcs_plates.into`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from i2i.prediction.batch import BatchResult, Job
from i2i.shards import WHOLE, Shard
from i2i_plugins.hcs_plates.into import (
    PREDICTIONS,
    IntoRecord,
    check_into,
    check_into_format,
    predicted_fields,
    prediction_path,
    prepare_field,
)
from i2i_plugins.hcs_plates.metadata import Plate, check_fields, read_plate
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
    output: str | Path | None,
    model: str | Path,
    *,
    shard: Shard = WHOLE,
    device: str = "auto",
    zarr_format: int | None = None,
    writer_options: Mapping[str, object] | None = None,
    on_done: Callable[[Job, bool], None] | None = None,
    on_incomplete: Callable[[Job, str], None] | None = None,
    **options: Any,
) -> PlateRun:
    """Predict this shard's fields of the plate ``source`` into the plate ``output`` (``None``:
    into ``source`` itself, beside each field).

    ``options`` go to :func:`i2i.prediction.load_predictor` (tile_size, batch_size, bf16...).
    ``zarr_format`` defaults to the input plate's (2: NGFF 0.4, 3: NGFF 0.5);
    ``writer_options`` (chunk, compression...) go to the OME-Zarr writer of every field.
    """
    from accelerate import PartialState

    from i2i.device import AUTO, resolve_device
    from i2i.io import get_writer
    from i2i.prediction import load_predictor
    from i2i.prediction.batch import run_jobs

    plate = read_plate(source)
    check_fields(plate)
    state = PartialState(cpu=resolve_device(device).type == "cpu")
    chosen = state.device if device == AUTO else resolve_device(device)
    if output is None:
        check_into_format(plate, zarr_format)
    fmt = zarr_format or plate.zarr_format
    writer = {**(writer_options or {}), "name": "ome_zarr", "zarr_format": fmt}
    first = plate.field_addresses[0]
    target = Path(output) / first if output is not None else plate.field_path(first) / PREDICTIONS
    get_writer(target, writer)  # a bad --writer-option fails here, before anything is written
    predictor = load_predictor(model, device=chosen, writer=writer, **options)
    if output is None:
        record = IntoRecord.of(predictor.output_channels, model)
        check_into(plate, record)
        addresses = shard.select(plate.field_addresses)
        for address in addresses:
            prepare_field(plate, address, record)
        jobs = [Job(plate.field_path(a), prediction_path(plate, a, record.name)) for a in addresses]
    else:
        layout = PlateLayout.of(plate, predictor.output_channels)
        open_output_plate(Path(output), layout, zarr_format=fmt, name=plate.name)
        jobs = plate_jobs(plate, Path(output), shard)
    result = run_jobs(
        jobs,
        lambda key, process_device: predictor,
        device=device,
        writer=predictor.writer,  # fields have no suffix: the writer is named
        on_done=on_done,
        on_incomplete=on_incomplete,
    )
    if output is None:
        complete = len(predicted_fields(plate, record.name)) == len(plate.field_addresses)
    else:
        complete = complete_plate(Path(output)) if state.is_main_process else False
    return PlateRun(result, complete, len(jobs))
