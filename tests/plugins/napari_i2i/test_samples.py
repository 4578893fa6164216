"""Sample data: File > Open Sample fetches the ISL field through i2i's verified cache, with the
download's progress in bytes in the viewer (napari's activity panel)."""

from __future__ import annotations

import numpy as np
import pytest
from napari.utils import progress
from zoo_support import serving

from i2i.data.samples import sample_set
from i2i.io import open_image
from i2i_plugins.napari_i2i.samples import ISL, isl_dapi_file, isl_phase_files


@pytest.mark.filterwarnings("ignore::i2i.download.InsecureURLWarning")
def test_the_isl_samples_download_with_progress_in_the_viewer(
    viewer, shared_data, cache, monkeypatch
):
    isl = shared_data / "isl_condition_b"
    files = sample_set(ISL).files
    shown: list[tuple[bool, str, int, int]] = []  # (in the viewer, file, bytes, total) per update

    def recorder(bar: progress):
        return lambda event: shown.append((bar.gui, bar.desc, event.value, bar.total))

    def watch(event) -> None:
        for bar in event.added:
            bar.events.value.connect(recorder(bar))

    progress._all_instances.events.changed.connect(watch)
    try:
        with serving() as server:  # a mirror on 127.0.0.1: <base>/<set>/<file>
            server.files = {f"{ISL}/{name}": (isl / name).read_bytes() for name in files}
            monkeypatch.setenv("I2I_DATA_BASE_URL", f"http://127.0.0.1:{server.port}")
            (phase,) = viewer.open_sample("i2i-microscopy", "isl_phase")
            assert sorted(server.requests) == sorted(server.files)  # each file downloaded once
            downloaded = len(shown)
            (dapi,) = viewer.open_sample("i2i-microscopy", "isl_dapi")  # from the cache
            assert len(server.requests) == len(files)
    finally:
        progress._all_instances.events.changed.disconnect(watch)

    assert all(in_viewer for in_viewer, *_ in shown)
    assert len(shown) == downloaded  # nothing counted for the cached files
    sizes = {name: (isl / name).stat().st_size for name in files}
    told: dict[str, list[tuple[int, int]]] = {}  # file -> (bytes, total) of its updates
    for _, described, done, total in shown:
        told.setdefault(described, []).append((done, total))
    assert len(told) == len(files)
    for number, ((described, updates), (name, size)) in enumerate(
        zip(told.items(), sizes.items(), strict=True), start=1
    ):
        start = f"ISL sample, [{number}/{len(files)}] "  # then what tells it apart (napari
        part = described.removesuffix(": ")[len(start) :]  # ends a bar's description with ": ")
        assert described.startswith(start) and part and part in name, described
        values = [done for done, _ in updates]
        assert values[0] == 0 and values[-1] == size and len(values) > 1, (described, updates)
        assert values == sorted(set(values))  # bytes rising in chunks to the file's size
        assert {total for _, total in updates} == {size}
    assert len({described for described in told}) == len(files)  # each file named apart
    assert phase.name == "ISL phase contrast" and phase.data.shape == (13, 1024, 1024)
    np.testing.assert_array_equal(phase.data[12], open_image(isl_phase_files(isl)[12]).read_plane())
    assert dapi.name == "ISL DAPI (real)"
    np.testing.assert_array_equal(dapi.data, open_image(isl_dapi_file(isl)).read_plane())
    assert len(list((cache / "samples" / "isl_condition_b").iterdir())) == len(files)
