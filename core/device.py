"""Device choice: the one place where ``"auto"`` becomes a torch device.

``"auto"`` means CUDA when available, then Apple MPS, else the CPU. Any other value is a
torch device string (``"cpu"``, ``"cuda"``, ``"cuda:1"``, ``"mps"``); a value torch does not
know is a user error naming the option and the valid choices.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from i2i.errors import I2IError

if TYPE_CHECKING:
    import torch

AUTO = "auto"


class DeviceError(I2IError):
    """A device name that torch does not know, or a device that is not available."""


def resolve_device(device: str | torch.device = AUTO, option: str = "--device") -> torch.device:
    """The torch device for ``device`` (``"auto"``: CUDA, then MPS, else the CPU)."""
    import torch

    if str(device) != AUTO:
        try:
            chosen = torch.device(device)
        except (RuntimeError, TypeError) as exc:
            raise DeviceError(
                f"{option} {device!r}: not a device name ({exc}). Use auto, cpu, cuda, "
                "cuda:N or mps."
            ) from None
        _check_available(chosen, option)
        return chosen
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def _check_available(device: torch.device, option: str) -> None:
    import torch

    if device.type == "cuda" and not torch.cuda.is_available():
        raise DeviceError(
            f"{option} {str(device)!r}: no CUDA device is available here. Use auto or cpu."
        )
    if device.type == "mps" and not torch.backends.mps.is_available():
        raise DeviceError(f"{option} 'mps': Apple MPS is not available here. Use auto or cpu.")
