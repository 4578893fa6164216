"""What the data pipeline asks of a transform (the object a recipe's transform spec builds).

Every transform is called as ``transform(sample, rng) -> sample`` with the sample's own random
generator (see :mod:`i2i.data.dataset`). Two capabilities are optional, each a Protocol that a
transform meets by defining the member:

- :class:`ValidationStandIn`: ``for_validation()`` returns the transform's deterministic
  counterpart for validation (a random resized crop becomes a resize), or ``None`` to drop it
  (flips); a transform without it is kept as it is;
- :class:`ContractTransform`: ``contract`` holds the fields of the model's input contract
  (:class:`i2i.contract.InputContract`) that the transform decides, e.g. percentile
  normalisation gives ``{"normalization": "percentile", "percentiles": (2.0, 99.8)}``. The data
  pipeline merges them over what the dataset implies and validates the result.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    import numpy as np

    from i2i.contract import ContractFields

Sample = dict[str, Any]
"""``{"input": (Cin, H, W), "target": (Cout, H, W), "mask": (Cout,), "meta": dict}``."""

Transform = Callable[[Sample, "np.random.Generator"], Sample]


@runtime_checkable
class ValidationStandIn(Protocol):
    """A transform with a deterministic counterpart used for validation."""

    def for_validation(self) -> Transform | None:
        """The validation stand-in of this transform; ``None`` drops it from validation."""
        ...


@runtime_checkable
class ContractTransform(Protocol):
    """A transform whose effect the model's input contract records (normalisation)."""

    @property
    def contract(self) -> ContractFields:
        """The input-contract fields this transform decides (empty: none)."""
        ...


def validation_transforms(train: Sequence[Transform]) -> list[Transform]:
    """The deterministic counterparts of the training transforms (module docstring)."""
    result = []
    for transform in train:
        stand_in = (
            transform.for_validation() if isinstance(transform, ValidationStandIn) else transform
        )
        if stand_in is not None:
            result.append(stand_in)
    return result


def contract_fields(transforms: Sequence[Transform]) -> ContractFields:
    """The input-contract fields the transforms decide, later ones over earlier ones."""
    fields: ContractFields = {}
    for transform in transforms:
        if isinstance(transform, ContractTransform):
            fields.update(transform.contract)
    return fields
