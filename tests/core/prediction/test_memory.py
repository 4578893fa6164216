"""An 8192 × 8192 image predicts with memory far below the size of its float32 output."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SCRIPT = textwrap.dedent(
    """
    from pathlib import Path
    import numpy as np
    import torch
    from i2i.image import Image, PixelSizes
    from i2i.prediction import InputContract, Predictor
    from i2i.tiling import Tiling

    class Synthetic(Image):
        reader = "synthetic"
        def __init__(self, size):
            self.size, self.path = size, __import__("pathlib").Path("synthetic")
        shape = property(lambda self: (1, 1, 1, self.size, self.size))
        dtype = property(lambda self: np.dtype(np.float32))
        channel_names = property(lambda self: ["BF"])
        pixel_sizes = property(lambda self: PixelSizes())
        def _read(self, t, c, z, y, x):
            yy = np.arange(y.start, y.stop, dtype=np.float32)[:, None]
            xx = np.arange(x.start, x.stop, dtype=np.float32)[None, :]
            return (np.sin(yy / 17) + np.cos(xx / 23))[None, None, None]

    class Sink:
        rows = 0
        def write_region(self, array, **where):
            assert np.isfinite(array).all()
            self.rows += array.shape[-2]

    net = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.ReLU(),
                              torch.nn.Conv2d(4, 1, 3, padding=1))
    predictor = Predictor(net, InputContract(output_channels=["x"]), device="cpu",
                          tiling=Tiling(tile_size=256, batch_size=4))
    predictor.predict(Synthetic(1024), out=Sink())
    def status_kib(field):
        lines = Path("/proc/self/status").read_text().splitlines()
        return int(next(line for line in lines if line.startswith(field + ":")).split()[1])

    Path("/proc/self/clear_refs").write_text("5")  # the peak (VmHWM) restarts from here
    before = status_kib("VmRSS")
    sink = predictor.predict(Synthetic(8192), out=Sink())
    assert sink.rows == 8192
    print((status_kib("VmHWM") - before) / 1024)
    """
)


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="needs Linux /proc")
def test_8192_square_prediction_memory_is_bounded():
    completed = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=1800
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    growth_mib = float(completed.stdout.strip().splitlines()[-1])
    output_mib = 8192 * 8192 * 4 / 2**20  # 256 MiB
    assert growth_mib < output_mib / 4, f"peak memory grew by {growth_mib:.0f} MiB"
