"""The evaluation extensions installed: found through the ``i2i_evaluation_extensions`` hook.

:func:`get_extension` finds one by name (an unknown one says how to install it) and
:func:`resolve_requests` checks that the requested ones are installed and validates their
parameters, for ``i2i evaluate --extension`` and a recipe's ``evaluate.extensions`` alike.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel

from i2i.errors import did_you_mean
from i2i.evaluation_extensions import EvaluationExtension, ExtensionError


def evaluation_extensions() -> dict[str, EvaluationExtension]:
    """Every installed evaluation extension by name (``i2i_evaluation_extensions`` hook)."""
    from i2i.plugins import default_host

    return default_host().gather_named(
        "i2i_evaluation_extensions", "Evaluation extension", ExtensionError
    )


def get_extension(name: str) -> EvaluationExtension:
    """The installed extension called ``name``; an unknown one says how to install it."""
    extensions = evaluation_extensions()
    if name in extensions:
        return extensions[name]
    hint = "Install the plugin that provides it ('i2i plugins' lists the installed ones)."
    raise ExtensionError(
        f"No evaluation extension {name!r} is installed.{did_you_mean(name, extensions)} "
        f"Installed: {', '.join(extensions) or 'none'}. {hint}"
    )


def resolve_requests(
    requests: Mapping[str, BaseModel | Mapping[str, object] | None], where: str
) -> dict[str, tuple[EvaluationExtension, BaseModel]]:
    """Each requested extension, installed and with validated parameters; ``where`` names
    where the parameters of ``{name}`` were given (``"evaluate.extensions.{name}"``)."""
    resolved = {}
    for name, params in requests.items():
        extension = get_extension(name)
        extension.check_installed()
        resolved[name] = (extension, extension.validate(params, where.format(name=name)))
    return resolved
