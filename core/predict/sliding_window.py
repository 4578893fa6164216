"""Batched sliding-window inference with Gaussian blending, streamed by bands of rows.

Tiles are processed one row of tiles (a *band*) at a time. The band's input rows are read once,
with reflection beyond the image border, cut into tiles, and run through the model in batches.
Each tile's prediction, times the blending window, is added to an accumulator that spans one
tile height and the full image width, together with the window itself. Once a band is done,
every row above the next band's first row is final: it is divided by its accumulated weight and
handed to ``write_rows``, and the accumulator shifts down. Memory is therefore bounded by one
band (``(C_out + 1) × tile height × width`` floats plus one input band), not by the image.

Blending by weighted accumulation follows nnU-Net (Isensee et al., 2021) and MONAI's
``sliding_window_inference``; the window is :func:`i2i.predict.window.blending_window`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from i2i.predict.tiling import ReadRegion, TileGrid, read_reflected
from i2i.predict.window import blending_window

Forward = Callable[[torch.Tensor], torch.Tensor]
WriteRows = Callable[[slice, np.ndarray], None]


class _BandAccumulator:
    """Weighted sums over rows ``top .. top + height`` and the tiled column range."""

    def __init__(self, channels: int, height: int, width: int, top: int, device: torch.device):
        self.top = top
        self.values = torch.zeros(channels, height, width, device=device)  # (C, h, W')
        self.weights = torch.zeros(height, width, device=device)  # (h, W')

    def add(self, prediction: torch.Tensor, window: torch.Tensor, y: int, x: int) -> None:
        """Add a (C, th, tw) ``prediction`` at image row ``y``, accumulator column ``x``."""
        rows = slice(y - self.top, y - self.top + window.shape[0])
        columns = slice(x, x + window.shape[1])
        self.values[:, rows, columns] += prediction * window
        self.weights[rows, columns] += window

    def blended(self, start: int, stop: int, columns: slice) -> np.ndarray:
        """Image rows ``start..stop`` as a (C, rows, columns) float32 array."""
        rows = slice(start - self.top, stop - self.top)
        values = self.values[:, rows, columns] / self.weights[rows, columns]
        return values.float().cpu().numpy()

    def shift_to(self, top: int) -> None:
        """Drop the rows above ``top``; new rows at the bottom start at zero."""
        shift = min(top - self.top, self.weights.shape[0])
        self.values = torch.cat(
            [self.values[:, shift:], torch.zeros_like(self.values[:, :shift])], 1
        )
        self.weights = torch.cat([self.weights[shift:], torch.zeros_like(self.weights[:shift])])
        self.top = top


def sliding_window_predict(
    forward: Forward,
    read: ReadRegion,
    shape: tuple[int, int],
    write_rows: WriteRows,
    *,
    tile_size: int | tuple[int, int] = 256,
    overlap: float = 0.25,
    batch_size: int = 4,
    multiple_of: int = 1,
    sigma_fraction: float = 0.125,
    device: torch.device | str = "cpu",
    progress: Callable[[int], None] | None = None,
) -> None:
    """Predict an image of ``shape`` (Y, X) tile by tile and stream the result by rows.

    ``read(y, x)`` returns the model input of an in-bounds region as a (C_in, h, w) float32
    array; ``forward`` maps (B, C_in, th, tw) to (B, C_out, th, tw); ``write_rows(rows, block)``
    receives finished full-width (C_out, len(rows), X) float32 blocks, top to bottom.
    ``progress(n)`` is called after each batch with its number of tiles.
    """
    device = torch.device(device)
    grid = TileGrid.plan(*shape, tile_size, overlap, multiple_of)
    tile_h, tile_w = grid.tile_shape
    window = blending_window(
        tile_h, tile_w, sigma_fraction=sigma_fraction, border=(grid.y.border, grid.x.border)
    ).to(device)
    image_columns = slice(-grid.x.first, -grid.x.first + shape[1])
    accumulator: _BandAccumulator | None = None
    written = 0
    for band_index, y in enumerate(grid.y.starts):
        band = read_reflected(read, (y, y + tile_h), (grid.x.first, grid.x.stop), shape)
        band_tensor = torch.from_numpy(np.ascontiguousarray(band, dtype=np.float32))
        offsets = [x - grid.x.first for x in grid.x.starts]
        for batch_start in range(0, len(offsets), batch_size):
            batch_offsets = offsets[batch_start : batch_start + batch_size]
            tiles = torch.stack([band_tensor[:, :, x : x + tile_w] for x in batch_offsets])
            predictions = forward(tiles.to(device)).float()  # (B, C_out, th, tw)
            if accumulator is None:
                width = grid.x.stop - grid.x.first
                accumulator = _BandAccumulator(predictions.shape[1], tile_h, width, y, device)
            for prediction, x in zip(predictions, batch_offsets, strict=True):
                accumulator.add(prediction, window, y, x)
            if progress is not None:
                progress(len(batch_offsets))
        assert accumulator is not None
        is_last = band_index == len(grid.y.starts) - 1
        final_until = shape[0] if is_last else min(grid.y.starts[band_index + 1], shape[0])
        if final_until > written:
            block = accumulator.blended(written, final_until, image_columns)
            write_rows(slice(written, final_until), block)
            written = final_until
        if not is_last:
            accumulator.shift_to(grid.y.starts[band_index + 1])
