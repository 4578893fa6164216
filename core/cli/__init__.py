"""The ``i2i`` command line. Each command group lives in its own module."""

from __future__ import annotations

import sys

from i2i.cli import data_cmd  # noqa: F401  (registers its commands)
from i2i.cli import evaluate_cmd  # noqa: F401  (registers its commands)
from i2i.cli import model_cmd  # noqa: F401  (registers its commands)
from i2i.cli import image_cmd  # noqa: F401  (registers its commands)
from i2i.cli import plugins_cmd  # noqa: F401  (registers its commands)
from i2i.cli import predict_cmd  # noqa: F401  (registers its commands)
from i2i.cli import recipe_cmd  # noqa: F401  (registers its commands)
from i2i.cli import run_cmd  # noqa: F401  (registers its commands)
from i2i.cli import zoo_cmd  # noqa: F401  (registers its commands)
from i2i.cli.app import app, state
from i2i.errors import I2IError

__all__ = ["app", "main"]


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; user errors print one paragraph (the traceback only with ``--debug``)."""
    args = sys.argv[1:] if argv is None else argv
    state.debug = "--debug" in args
    try:
        app(args=args, prog_name="i2i")
    except I2IError as exc:
        if state.debug:
            raise
        sys.stderr.write(f"Error: {exc}\n")
        sys.exit(1)
    except KeyboardInterrupt:
        sys.stderr.write("Interrupted.\n")
        sys.exit(130)
    except Exception as exc:
        if state.debug:
            raise
        sys.stderr.write(
            f"Error: unexpected {type(exc).__name__}: {exc}\n"
            "This is a bug in i2i or one of its plugins; run again with --debug for the "
            "traceback and report it.\n"
        )
        sys.exit(1)
