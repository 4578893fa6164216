"""``Predictor``: a model and its input contract, applied to whole images of any size.

For each time point and z-plane (or group of z-planes) of the input, the predictor reads the
contract's channels lazily, normalises them as training did (:mod:`i2i.normalization`:
percentiles per input plane, clipped when the contract says so), resamples to the
model's training pixel size when both pixel sizes are known, runs the sliding-window engine,
resamples the finished rows back, and writes them to the output as they come.

Before predicting, each input is compared with the model's training domain
(:mod:`i2i.domain`): pixel size, z-planes, channel names and, when the weights recorded them,
intensity statistics after normalisation of one plane group (the middle one of the first time
point, read once more for this). What differs is one :class:`~i2i.domain.DomainWarning` per
input, or a :class:`~i2i.domain.DomainError` with ``strict_domain``.
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
from i2i.domain import (
    ChannelStatistics,
    DomainError,
    DomainWarning,
    ObservedInput,
    TrainingDomain,
    channel_statistics,
    domain_differences,
    pixel_sample,
)
from i2i.errors import I2IError
from i2i.image import ArrayImage, ArraySink, Image, PixelSizes, Sink
from i2i.io import WriterSpec, open_image
from i2i.naming import TTA_STD_SUFFIX
from i2i.normalization import NonFiniteWarning, plane_bounds, warn_non_finite
from i2i.prediction.output import output_writer, to_dtype
from i2i.prediction.progress import ProgressLines
from i2i.prediction.resample import ResampledReader, ResamplingWriter, resampled_length
from i2i.prediction.sliding_window import ReadRegion, WriteRows, sliding_window_predict
from i2i.prediction.tiling import TileGrid
from i2i.prediction.tta import TTAMode, tta_forward
from i2i.tiling import Tiling

PIXEL_SIZE_TOLERANCE = 0.01
"""Relative pixel-size difference below which no resampling is done."""


class PixelSizeWarning(UserWarning):
    """The image's pixel size is unknown while the model's is known."""


class PredictorOptionError(I2IError):
    """Options of a :class:`Predictor` that do not fit together."""


ProgressDisplay = bool | Literal["lines"]
"""``True``: a rich progress bar (for terminals); ``"lines"``: a plain line on stderr at most
every :data:`~i2i.prediction.progress.LINE_INTERVAL_SECONDS` (logs); ``False``: none."""


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
    ``uncertainty`` (needs ``tta``) adds, after the predicted channels, the per-pixel standard
    deviation of the TTA predictions as channels named ``<channel>_tta_std``: where the model
    is orientation-sensitive, not a calibrated error. ``domain`` (the weights' recorded
    :class:`~i2i.domain.TrainingDomain`, ``None`` for older weights) is what each input is
    compared with; ``strict_domain`` makes a difference an error. ``show_progress``: see
    :data:`ProgressDisplay`.
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
        show_progress: ProgressDisplay = False,
        uncertainty: bool = False,
        domain: TrainingDomain | None = None,
        strict_domain: bool = False,
    ):
        if uncertainty and not tta:
            raise PredictorOptionError(
                "uncertainty=True (--uncertainty) is the spread of the test-time augmentation "
                "predictions, so it needs tta (--tta). Give both, or leave uncertainty out."
            )
        self.contract = contract
        self.device = resolve_device(device)
        self.bf16 = bf16
        self.channels_last = channels_last
        self.tiling = tiling or Tiling()
        self.pixel_size = pixel_size
        self.output_dtype = output_dtype
        self.writer = writer
        self.show_progress = show_progress
        self.uncertainty = uncertainty
        self.domain = domain
        self.strict_domain = strict_domain
        self._lines: ProgressLines | None = None
        self._warned: set[tuple[type[Warning], Path]] = set()
        """(warning, input) pairs warned about: each input once, however often predicted."""
        model = model.to(self.device).eval()
        if channels_last:
            model = model.to(memory_format=torch.channels_last)
        self.model = model
        self._module: Callable[[torch.Tensor], object] = torch.compile(model) if compile else model
        self._forward: Callable[[torch.Tensor], torch.Tensor] = self._forward_tiles
        if tta:
            mode: TTAMode = "d4" if tta is True else tta
            self._forward = tta_forward(self._forward_tiles, mode, spread=uncertainty)

    @property
    def output_channels(self) -> list[str]:
        """The names of the output channels: the contract's, then ``<name>_tta_std`` ones
        with ``uncertainty``."""
        names = list(self.contract.output_channels)
        return names + [f"{n}{TTA_STD_SUFFIX}" for n in names] if self.uncertainty else names

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
        label: str | None = None,
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
        ``label`` names the input in progress displays (e.g. ``file 3/10 a.tif``). The input is
        first compared with the training domain (see the module docstring).
        """
        source = _as_image(image)
        self._check_channels(source)
        planes = self._planes(source)
        self._check_domain(source, planes)
        channels = len(self.output_channels)
        shape = (source.shape[0], channels, _z_out(planes), *source.shape[3:])
        if out is None:
            sink = ArraySink(shape)
            self._run(source, planes, sink, np.dtype(np.float32), on_tile, label)
            return source.restore_rank(sink.array) if isinstance(source, ArrayImage) else sink.array
        if not isinstance(out, str | Path):  # a sink
            self._run(source, planes, out, np.dtype(np.float32), on_tile, label)
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
            channel_names=self.output_channels,
            pixel_sizes=pixel_sizes,
        ) as file_sink:
            self._run(source, planes, file_sink, dtype, on_tile, label)
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

    def _check_domain(self, image: Image, planes: list[_Plane]) -> None:
        """Warn (or fail, with ``strict_domain``) when ``image`` differs from the training
        domain; see :func:`i2i.domain.domain_differences` for what is compared."""
        size = self.pixel_size or image.pixel_sizes.x or image.pixel_sizes.y
        resampled = (
            self.contract.pixel_size_um is not None and self.tiling.rescale and size is not None
        )
        selected = self.contract.input_channels
        names = image.channel_names
        if selected is not None:
            names = [names[c] if isinstance(c, int) else str(c) for c in selected]
        observed = ObservedInput(size, names, image.shape[2], self._statistics(image, planes))
        differences = domain_differences(self.domain, observed, self.contract, resampled)
        if not differences:
            return
        message = (
            f"{image.path} differs from the model's training data: {'; '.join(differences)}. "
            "The prediction may be unreliable; use an image like the training data or a "
            "model trained on such images."
        )
        if self.strict_domain:
            raise DomainError(f"{message} (--strict-domain makes this an error.)")
        self._warn_once(image.path, f"{message} (--strict-domain makes this an error.)")

    def _warn_once(self, path: Path, message: str, category: type[Warning] = DomainWarning) -> None:
        """Warn ``message`` about the input ``path``, unless already done for it."""
        if (category, path) not in self._warned:
            self._warned.add((category, path))
            warnings.warn(message, category, stacklevel=4)

    def _statistics(self, image: Image, planes: list[_Plane]) -> list[ChannelStatistics] | None:
        """Statistics after normalisation of the middle plane group of the first time point,
        when there is a recorded domain to compare them with."""
        if self.domain is None or not self.domain.statistics:
            return None
        first = [p for p in planes if p.t == planes[0].t]
        with warnings.catch_warnings():  # the prediction itself warns about non-finite pixels
            warnings.simplefilter("ignore", NonFiniteWarning)
            read = self._plane_reader(image, first[len(first) // 2])
            return channel_statistics([pixel_sample(read, image.shape[3:])])

    def _model_shape(self, image: Image) -> tuple[int, int]:
        """The image's Y/X size on the model's pixel grid."""
        height, width = image.shape[3:]
        target = self.contract.pixel_size_um
        size_y = self.pixel_size or image.pixel_sizes.y or image.pixel_sizes.x
        size_x = self.pixel_size or image.pixel_sizes.x or size_y
        if target is None or not self.tiling.rescale:
            return height, width
        if size_y is None or size_x is None:
            message = (
                f"{image.path}: pixel size unknown; the model was trained at {target} µm "
                "per pixel and predicts on the image's own grid. Give --pixel-size (or "
                "pixel_size=) if the image's pixel size differs."
            )
            if self.strict_domain:
                raise DomainError(f"{message} (--strict-domain makes this an error.)")
            self._warn_once(image.path, message, PixelSizeWarning)
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
        label: str | None = None,
    ) -> None:
        shape = image.shape[3:]
        model_shape = self._model_shape(image)
        tiling = self.tiling
        grid = TileGrid.plan(*model_shape, tiling.tile_size, tiling.overlap, self.multiple_of)
        with (
            self._progress(len(grid) * len(planes), label or image.path.name, on_tile) as advance,
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
        expected = len(self.output_channels)
        spread = 2 if self.uncertainty else 1  # the TTA mean and standard deviation

        def write(rows: slice, block: np.ndarray) -> None:
            if block.shape[0] != expected:
                raise ContractError(
                    f"The model predicts {block.shape[0] // spread} channel(s) but its contract "
                    f"names {expected // spread}: {self.contract.output_channels}. Fix "
                    "output_channels in the model's input contract."
                )
            region = to_dtype(block, dtype)[None, :, None]  # (1, C, 1, rows, X)
            sink.write_region(region, t=plane.t, z=plane.z_out, c=None, y=rows, x=slice(0, width))

        return write

    @contextmanager
    def _progress(
        self, total: int, label: str, on_tile: Callable[[int, int], None] | None = None
    ) -> Iterator[Callable[[int], None] | None]:
        report = None if on_tile is None else _counting(total, on_tile)
        if not self.show_progress:
            yield report
            return
        if self.show_progress == "lines":
            self._lines = self._lines or ProgressLines()  # one interval over every input
            lines = self._lines.start(label, total)

            def advance_lines(n: int) -> None:
                lines(n)
                if report is not None:
                    report(n)

            yield advance_lines
            return
        from rich.progress import Progress

        with Progress(transient=True) as progress:
            task = progress.add_task(f"{label}: tiles", total=total)

            def advance(n: int) -> None:
                progress.advance(task, n)
                if report is not None:
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
