"""``Predictor``: a model and its input contract, applied to whole images of any size.

For each time point and z-plane (or group of z-planes) of the input, the predictor reads the
contract's channels lazily, normalises them as training did (:mod:`i2i.normalization`:
percentiles per input plane, clipped when the contract says so), resamples to the
model's training pixel size when both pixel sizes are known, runs the sliding-window engine,
resamples the finished rows back, and writes them to the output as they come.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import torch

from i2i.contract import ContractError, InputContract
from i2i.device import resolve_device
from i2i.image import ArrayImage, ArraySink, Image, PixelSizes, Sink
from i2i.io import WriterSpec, open_image
from i2i.normalization import plane_bounds, warn_non_finite
from i2i.prediction.output import output_writer, to_dtype
from i2i.prediction.resample import ResampledReader, ResamplingWriter, resampled_length
from i2i.prediction.sliding_window import ReadRegion, WriteRows, sliding_window_predict
from i2i.prediction.tiling import TileGrid
from i2i.prediction.tta import TTAMode, tta_forward
from i2i.tiling import Tiling

PIXEL_SIZE_TOLERANCE = 0.01
"""Relative pixel-size difference below which no resampling is done."""


class PixelSizeWarning(UserWarning):
    """The image's pixel size is unknown while the model's is known."""


@dataclass(frozen=True)
class _Plane:
    """One model input: a time point, the z-plane(s) read, and where the output goes."""

    t: int
    z_read: slice
    z_pick: list[int]
    z_out: int


class Predictor:
    """Predict whole images with ``model`` under ``contract``.

    ``model`` maps (B, C_in, H, W) to (B, C_out, H, W) (a tuple output's first element is
    used). ``tiling`` (a :class:`~i2i.tiling.Tiling`, default ``Tiling()``) sets tile size,
    overlap, batch size, blending and rescaling; ``tiling.rescale=False`` predicts on the
    image's own grid even when it differs from the training pixel size. ``device``: ``"auto"``
    (see :func:`i2i.device.resolve_device`) or a torch device. ``tta`` is ``False``, ``True``
    (all 8 flips and rotations), ``"flip"`` or ``"d4"``. ``output_dtype`` applies to files:
    ``"input"`` keeps the input's pixel type, ``"float32"`` stores the raw prediction;
    in-memory results are always float32. ``pixel_size`` (µm) overrides the image's pixel
    size. ``writer`` (a registered name, a writer, or a spec such as ``{"name": "ome_zarr",
    "zarr_format": 3}``; a spec without ``name`` holds parameters of the writer the suffix
    chooses) writes file outputs named like the files it writes when :meth:`predict` is given
    no writer; otherwise the output's suffix chooses (:func:`~i2i.prediction.output.output_writer`).
    """

    def __init__(
        self,
        model: torch.nn.Module,
        contract: InputContract,
        *,
        device: str | torch.device = "auto",
        bf16: bool = False,
        compile: bool = False,
        channels_last: bool = False,
        tiling: Tiling | None = None,
        tta: bool | TTAMode = False,
        pixel_size: float | None = None,
        output_dtype: Literal["input", "float32"] = "input",
        writer: WriterSpec = None,
        show_progress: bool = False,
    ):
        self.contract = contract
        self.device = resolve_device(device)
        self.bf16 = bf16
        self.channels_last = channels_last
        self.tiling = tiling or Tiling()
        self.pixel_size = pixel_size
        self.output_dtype = output_dtype
        self.writer = writer
        self.show_progress = show_progress
        model = model.to(self.device).eval()
        if channels_last:
            model = model.to(memory_format=torch.channels_last)
        self.model = model
        self._module: Callable[[torch.Tensor], object] = torch.compile(model) if compile else model
        self._forward: Callable[[torch.Tensor], torch.Tensor] = self._forward_tiles
        if tta:
            self._forward = tta_forward(self._forward_tiles, "d4" if tta is True else tta)
        self._warned_pixel_size = False

    def _forward_tiles(self, tiles: torch.Tensor) -> torch.Tensor:
        if self.channels_last:
            tiles = tiles.contiguous(memory_format=torch.channels_last)
        with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.bf16):
            output = self._module(tiles)  # (B, C_out, H, W)
        first = output[0] if isinstance(output, tuple | list) else output
        assert isinstance(first, torch.Tensor), f"the model returned {type(first).__name__}"
        return first

    # -- public API -------------------------------------------------------------------------

    def predict(
        self,
        image: Image | str | Path | npt.ArrayLike,
        out: str | Path | Sink | None = None,
        writer: WriterSpec = None,
        *,
        on_tile: Callable[[int, int], None] | None = None,
        overwrite: bool = False,
    ) -> npt.NDArray[np.float32] | Path | Sink:
        """Predict ``image`` (an Image, a path, or an array); write to ``out`` or return it.

        ``out`` is a file path (streamed there with ``writer``, a name, writer or spec, else
        the predictor's writer or the one chosen by its suffix; its path is returned), a sink
        with the writers' ``write_region`` method (returned), or ``None``: a float32 array is
        returned, (T, C, Z, Y, X) for images and paths, and for arrays the input's layout with
        the predicted channels. An existing ``out`` that is not an earlier image output is
        replaced only with ``overwrite`` (:mod:`i2i.output_writer`).
        ``on_tile(done, total)`` is called after each batch of tiles with the tiles done so far
        and the tiles of the whole image (every plane); an exception it raises stops the
        prediction and propagates (a file output is then not created: writers are atomic).
        """
        source = _as_image(image)
        self._check_channels(source)
        planes = self._planes(source)
        channels = len(self.contract.output_channels)
        shape = (source.shape[0], channels, _z_out(planes), *source.shape[3:])
        if out is None:
            sink = ArraySink(shape)
            self._run(source, planes, sink, np.dtype(np.float32), on_tile)
            return source.restore_rank(sink.array) if isinstance(source, ArrayImage) else sink.array
        if not isinstance(out, str | Path):  # a sink
            self._run(source, planes, out, np.dtype(np.float32), on_tile)
            return out
        path = Path(out)
        dtype = np.dtype(np.float32) if self.output_dtype == "float32" else source.dtype
        pixel_sizes = PixelSizes(
            source.pixel_sizes.z if isinstance(self.contract.z_planes, str) else None,
            source.pixel_sizes.y,
            source.pixel_sizes.x,
            source.pixel_sizes.t,
        )
        chosen = output_writer(path, writer, self.writer, overwrite)
        with chosen.open(
            path,
            shape=shape,
            dtype=dtype,
            channel_names=list(self.contract.output_channels),
            pixel_sizes=pixel_sizes,
        ) as file_sink:
            self._run(source, planes, file_sink, dtype, on_tile)
        return path

    # -- planning ---------------------------------------------------------------------------

    def _check_channels(self, image: Image) -> None:
        """Fail early, naming the contract, when the model takes another number of channels.

        The model's ``in_channels`` attribute (a :class:`~i2i.model.Translator` has one), else
        its first convolution's, is compared with what the contract makes of the image.
        """
        expected = getattr(self.model, "in_channels", None)
        if not isinstance(expected, int):
            first = next((m for m in self.model.modules() if isinstance(m, torch.nn.Conv2d)), None)
            expected = None if first is None else first.in_channels
        given = self.contract.input_channel_count(image.shape[1])
        if expected is not None and expected != given:
            raise ContractError(
                f"{image.path}: the model takes {expected} input channel(s) but its "
                f"contract gives it {given} (channels {self.contract.input_channels or 'all'} "
                f"of the image's {image.channel_names}, z-planes {self.contract.z_planes!r}). "
                "Use an image with the channels the model was trained on, or fix "
                "input_channels / z_planes in the model's contract."
            )

    def _planes(self, image: Image) -> list[_Plane]:
        size_t, _, size_z = image.shape[:3]
        selection = self.contract.z_planes
        if selection == "each":
            groups = [[z] for z in range(size_z)]
        elif selection == "middle":
            groups = [[size_z // 2]]
        else:
            bad = [z for z in selection if not 0 <= z < size_z]
            if bad:
                raise ContractError(
                    f"{image.path}: the model reads z-planes {selection} but the image has "
                    f"{size_z} plane(s) (0..{size_z - 1}). Use an image with these planes."
                )
            groups = [list(selection)]
        return [
            _Plane(t, slice(min(g), max(g) + 1), [z - min(g) for z in g], z_out)
            for t in range(size_t)
            for z_out, g in enumerate(groups)
        ]

    def _model_shape(self, image: Image) -> tuple[int, int]:
        """The image's Y/X size on the model's pixel grid."""
        height, width = image.shape[3:]
        target = self.contract.pixel_size_um
        size_y = self.pixel_size or image.pixel_sizes.y or image.pixel_sizes.x
        size_x = self.pixel_size or image.pixel_sizes.x or size_y
        if target is None or not self.tiling.rescale:
            return height, width
        if size_y is None or size_x is None:
            if not self._warned_pixel_size:
                warnings.warn(
                    f"{image.path}: pixel size unknown; the model was trained at {target} µm "
                    "per pixel and predicts on the image's own grid. Give --pixel-size (or "
                    "pixel_size=) if the image's pixel size differs.",
                    PixelSizeWarning,
                    stacklevel=3,
                )
                self._warned_pixel_size = True
            return height, width
        if max(abs(size_y / target - 1), abs(size_x / target - 1)) <= PIXEL_SIZE_TOLERANCE:
            return height, width
        return resampled_length(height, size_y, target), resampled_length(width, size_x, target)

    # -- running ----------------------------------------------------------------------------

    def _run(
        self,
        image: Image,
        planes: list[_Plane],
        sink: Sink,
        dtype: np.dtype[Any],
        on_tile: Callable[[int, int], None] | None = None,
    ) -> None:
        shape = image.shape[3:]
        model_shape = self._model_shape(image)
        tiling = self.tiling
        grid = TileGrid.plan(*model_shape, tiling.tile_size, tiling.overlap, self.multiple_of)
        with (
            self._progress(len(grid) * len(planes), image, on_tile) as advance,
            torch.inference_mode(),
        ):
            for plane in planes:
                read = self._plane_reader(image, plane)
                write = self._plane_writer(sink, plane, dtype, shape[1])
                if model_shape != shape:
                    read = ResampledReader(read, shape, model_shape)
                    write = ResamplingWriter(write, shape, model_shape)
                sliding_window_predict(
                    self._forward,
                    read,
                    model_shape,
                    write,
                    tiling,
                    multiple_of=self.multiple_of,
                    device=self.device,
                    progress=advance,
                )

    @property
    def multiple_of(self) -> int:
        """Tile sides are multiples of this: the contract's and the model's size multiple."""
        return math.lcm(self.contract.size_multiple, int(getattr(self.model, "size_multiple", 1)))

    def _plane_reader(self, image: Image, plane: _Plane) -> ReadRegion:
        channels = self.contract.input_channels

        def read(y: slice, x: slice) -> np.ndarray:
            region = image.read(t=plane.t, channel=channels, z=plane.z_read, y=y, x=x)[0]
            if len(plane.z_pick) != region.shape[1]:
                region = region[:, plane.z_pick]  # (C, Z, h, w)
            return region.reshape(-1, *region.shape[-2:])  # (C * Z, h, w)

        if self.contract.normalization == "none":
            return _finite_reader(read, image.path)
        bounds = plane_bounds(read, image.shape[3:], self.contract.percentiles, image.path)
        clip = self.contract.clip
        return lambda y, x: bounds.normalize(read(y, x), clip)

    def _plane_writer(
        self, sink: Sink, plane: _Plane, dtype: np.dtype[Any], width: int
    ) -> WriteRows:
        expected = len(self.contract.output_channels)

        def write(rows: slice, block: np.ndarray) -> None:
            if block.shape[0] != expected:
                raise ContractError(
                    f"The model predicts {block.shape[0]} channel(s) but its contract names "
                    f"{expected}: {self.contract.output_channels}. Fix output_channels in the "
                    "model's input contract."
                )
            region = to_dtype(block, dtype)[None, :, None]  # (1, C, 1, rows, X)
            sink.write_region(region, t=plane.t, z=plane.z_out, c=None, y=rows, x=slice(0, width))

        return write

    @contextmanager
    def _progress(
        self, total: int, image: Image, on_tile: Callable[[int, int], None] | None = None
    ) -> Iterator[Callable[[int], None] | None]:
        if not self.show_progress:
            yield None if on_tile is None else _counting(total, on_tile)
            return
        from rich.progress import Progress

        with Progress(transient=True) as progress:
            task = progress.add_task(f"{image.path.name}: tiles", total=total)
            report = _counting(total, on_tile or (lambda done, total: None))

            def advance(n: int) -> None:
                progress.advance(task, n)
                report(n)

            yield advance


def _counting(total: int, on_tile: Callable[[int, int], None]) -> Callable[[int], None]:
    """An ``advance(n)`` that calls ``on_tile(done, total)`` with the running count."""
    done = 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        on_tile(done, total)

    return advance


def _z_out(planes: list[_Plane]) -> int:
    return max(p.z_out for p in planes) + 1


def _as_image(image: Image | str | Path | npt.ArrayLike) -> Image:
    if isinstance(image, Image):
        return image
    if isinstance(image, str | Path):
        return open_image(image)
    return ArrayImage(image)


def _finite_reader(read: ReadRegion, source: Path) -> ReadRegion:
    """``read`` as float32 with NaN/Inf set to 0, warned once (for unnormalised contracts)."""
    warned = False

    def finite(y: slice, x: slice) -> np.ndarray:
        nonlocal warned
        region = np.array(read(y, x), dtype=np.float32)
        bad = ~np.isfinite(region)
        if bad.any():
            region[bad] = 0.0
            if not warned:
                warn_non_finite(int(bad.sum()), region.size, source, " (in the first such tile)")
                warned = True
        return region

    return finite
