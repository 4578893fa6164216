"""Batched sliding-window inference with Gaussian blending, streamed by bands of rows.

Tiles are processed one row of tiles (a *band*) at a time. The band's input rows are read once,
with reflection beyond the image border, cut into tiles, and run through the model in batches.
Each tile's prediction, times the blending window, is added to an accumulator (on the host,
in NumPy: these small element-wise steps then never wait on a busy thread pool) that spans one
tile height and the full image width. Once a band is done, every row above the next band's
first row is final: it is divided by its summed weight (separable, so computed once from two
1-D sums) and handed to ``write_rows``, and the accumulator shifts down. Memory is therefore
bounded by one band (``C_out × tile height × width`` floats plus one input band), not by the
image.

Blending by weighted accumulation follows nnU-Net (Isensee et al., 2021) and MONAI's
``sliding_window_inference``; the window is the outer product of two 1-D
:func:`i2i.prediction.window.gaussian_profile` s.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from i2i.prediction.tiling import AxisTiling, ReadRegion, TileGrid, read_reflected
from i2i.prediction.window import gaussian_profile
from i2i.tiling import Tiling

Forward = Callable[[torch.Tensor], torch.Tensor]
WriteRows = Callable[[slice, np.ndarray], None]


def _weight_sum(axis: AxisTiling, profile: np.ndarray) -> np.ndarray:
    """The 1-D window ``profile`` summed over the tiles of ``axis``, from its first tile start."""
    total = np.zeros(axis.stop - axis.first)
    for start in axis.starts:
        total[start - axis.first : start - axis.first + axis.tile] += profile
    return total.astype(np.float32)


class _BandAccumulator:
    """Weighted sums of tile predictions over rows ``top .. top + height`` and the tiled columns.

    The window is an outer product of two 1-D profiles and the grid a product of two axes, so
    the summed weight is the outer product of the two per-axis sums: it is computed once and
    nothing but the predictions is accumulated.
    """

    def __init__(self, grid: TileGrid, channels: int, sigma_fraction: float):
        rows = gaussian_profile(grid.y.tile, sigma_fraction, grid.y.border)
        columns = gaussian_profile(grid.x.tile, sigma_fraction, grid.x.border)
        self.window = np.outer(rows, columns).astype(np.float32)  # (th, tw)
        self.row_weights = _weight_sum(grid.y, rows)  # (Y',)
        self.column_weights = _weight_sum(grid.x, columns)  # (X',)
        self.first_row = self.top = grid.y.first
        width = grid.x.stop - grid.x.first
        self.values = np.zeros((channels, grid.y.tile, width), np.float32)  # (C, th, X')

    def add(self, predictions: np.ndarray, y: int, columns: list[int]) -> None:
        """Add (B, C, th, tw) tile ``predictions`` at image row ``y`` and tiled ``columns``."""
        predictions *= self.window
        rows = slice(y - self.top, y - self.top + self.window.shape[0])
        for tile, x in zip(predictions, columns, strict=True):
            self.values[:, rows, x : x + self.window.shape[1]] += tile

    def blended(self, start: int, stop: int, columns: slice) -> np.ndarray:
        """Image rows ``start..stop`` as a (C, rows, columns) float32 array."""
        rows = slice(start - self.top, stop - self.top)
        block = self.values[:, rows, columns] / self.column_weights[columns]  # float32
        block /= self.row_weights[start - self.first_row : stop - self.first_row, None]
        return block

    def shift_to(self, top: int) -> None:
        """Drop the rows above ``top``; new rows at the bottom start at zero."""
        shift = min(top - self.top, self.values.shape[1])
        kept = self.values.shape[1] - shift
        self.values[:, :kept] = self.values[:, shift:].copy()
        self.values[:, kept:] = 0
        self.top = top


def sliding_window_predict(
    forward: Forward,
    read: ReadRegion,
    shape: tuple[int, int],
    write_rows: WriteRows,
    tiling: Tiling | None = None,
    *,
    multiple_of: int = 1,
    device: torch.device | str = "cpu",
    progress: Callable[[int], None] | None = None,
) -> None:
    """Predict an image of ``shape`` (Y, X) tile by tile and stream the result by rows.

    ``read(y, x)`` returns the model input of an in-bounds region as a (C_in, h, w) float32
    array; ``forward`` maps (B, C_in, th, tw) to (B, C_out, th, tw); ``write_rows(rows, block)``
    receives finished full-width (C_out, len(rows), X) float32 blocks, top to bottom.
    ``tiling`` (default: :class:`~i2i.tiling.Tiling` ()) gives tile size, overlap, batch size
    and blending (its ``rescale`` is the caller's concern); tile sides are rounded up to
    ``multiple_of``. ``progress(n)`` is called after each batch with its number of tiles.
    """
    tiling = tiling or Tiling()
    device = torch.device(device)
    grid = TileGrid.plan(*shape, tiling.tile_size, tiling.overlap, multiple_of)
    tile_h, tile_w = grid.tile_shape
    image_columns = slice(-grid.x.first, -grid.x.first + shape[1])
    offsets = [x - grid.x.first for x in grid.x.starts]
    accumulator: _BandAccumulator | None = None
    written = 0
    for band_index, y in enumerate(grid.y.starts):
        band = read_reflected(read, (y, y + tile_h), (grid.x.first, grid.x.stop), shape)
        for batch_start in range(0, len(offsets), tiling.batch_size):
            batch_offsets = offsets[batch_start : batch_start + tiling.batch_size]
            tiles = np.stack([band[:, :, x : x + tile_w] for x in batch_offsets])
            tiles_in = torch.from_numpy(tiles.astype(np.float32, copy=False)).to(device)
            predictions = forward(tiles_in).float().cpu().numpy()  # (B, C_out, th, tw)
            if accumulator is None:
                accumulator = _BandAccumulator(grid, predictions.shape[1], tiling.sigma_fraction)
            accumulator.add(predictions, y, batch_offsets)
            if progress is not None:
                progress(len(batch_offsets))
        del band  # the next band is read before this name would be rebound
        assert accumulator is not None
        is_last = band_index == len(grid.y.starts) - 1
        final_until = shape[0] if is_last else min(grid.y.starts[band_index + 1], shape[0])
        if final_until > written:
            block = accumulator.blended(written, final_until, image_columns)
            write_rows(slice(written, final_until), block)
            written = final_until
        if not is_last:
            accumulator.shift_to(grid.y.starts[band_index + 1])
