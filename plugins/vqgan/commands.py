"""``i2i model import-taming``: the VQGAN plugin's command (added through the CLI hook).

Importing this module imports typer only; torch is imported when the command runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from i2i.cli.model_cmd import ModelSourceError, load_model_spec


def import_taming_command(
    checkpoint: Annotated[
        Path, typer.Argument(help="A taming-transformers / Lightning .ckpt file.")
    ],
    output: Annotated[Path, typer.Option("-o", "--output", help="The .safetensors to write.")],
    recipe: Annotated[
        str | None, typer.Option("--recipe", help="Recipe whose model the checkpoint fills.")
    ] = None,
    spec: Annotated[
        Path | None, typer.Option("--spec", help="YAML model spec (instead of --recipe).")
    ] = None,
) -> None:
    """Convert a taming-transformers VQGAN checkpoint to an i2i safetensors weights file.

    The checkpoint is read with torch.load(weights_only=True): pickled code is never run, and
    a file that needs it is refused.

    Example: i2i model import-taming BF_to_Mitochondria.ckpt --recipe lmc_mito -o mito.safetensors
    """
    from i2i_plugins.vqgan.taming_import import import_taming

    if (recipe is None) == (spec is None):
        raise ModelSourceError(
            "import-taming needs exactly one of --recipe (a recipe file or bundled name) or "
            "--spec (a YAML model spec) describing the model the checkpoint fills."
        )
    source = recipe if recipe is not None else str(spec)
    model_spec, _ = load_model_spec(source, [])
    metadata: dict[str, Any] = {}
    if recipe is not None:
        from i2i.recipe import load_recipe

        metadata["recipe"] = load_recipe(recipe).to_dict()
    report = import_taming(checkpoint, model_spec, output, metadata)
    typer.echo(f"Wrote {output} ({report['tensors']} tensors).")
    for line in report["adapted"]:
        typer.echo(f"  adapted {line}")
    if report["dropped"]:
        typer.echo(
            f"  dropped {len(report['dropped'])} checkpoint tensors not in the model "
            f"(e.g. {report['dropped'][0]})"
        )
