"""``i2i model summary``: inspect a model (plugins add more ``i2i model`` commands)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from i2i.cli.app import app, print_json
from i2i.errors import I2IError

model_app = typer.Typer(
    help="Inspect models (parameters, FLOPs), and the model commands plugins add.",
    no_args_is_help=True,
)
app.add_typer(model_app, name="model")

SourceArgument = Annotated[
    str,
    typer.Argument(
        help="A recipe (file or bundled name), or a YAML file holding a model spec "
        "(in_channels, out_channels, encoder, quantizer, generator, discriminator) alone or "
        "under 'model:'."
    ),
]
OverridesArgument = Annotated[
    list[str] | None,
    typer.Argument(help="Recipe overrides key.path=value.", show_default=False),
]
DEFAULT_SIZE = 256


class ModelSourceError(I2IError):
    """A recipe or spec file does not describe a model."""


# ---------------------------------------------------------------------- summary
@model_app.command("summary")
def summary_command(
    source: SourceArgument,
    overrides: OverridesArgument = None,
    size: Annotated[
        int | None,
        typer.Option(
            "--size", min=8, help="Side of the square input; default: the recipe's crop size."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Print each part's parameter count and forward FLOPs at the training size.

    Example: i2i model summary recipes/lmc_mito.yaml --size 256
    """
    from i2i.model import build_model

    spec, recipe_size = load_model_spec(source, overrides or [])
    side = size or recipe_size or DEFAULT_SIZE
    rows = summarize(build_model(spec), side)
    if as_json:
        print_json({"size": side, "parts": rows})
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("part", "component", "parameters", "trainable", f"GFLOP at {side}x{side}")
    for row in rows:
        gflops = "" if row["flops"] is None else f"{row['flops'] / 1e9:,.1f}"
        table.add_row(
            row["part"],
            row["component"],
            f"{row['parameters']:,}",
            f"{row['trainable']:,}",
            gflops,
        )
    Console().print(table)


def load_model_spec(source: str, overrides: list[str]) -> tuple[dict[str, Any], int | None]:
    """The model spec of a recipe or spec file, and the recipe's training crop size if any."""
    path = Path(source)
    if path.is_file():
        from i2i.safe_yaml import YAMLContentError, decode_utf8, load_checked

        try:
            data = load_checked(decode_utf8(path.read_bytes())).data
        except YAMLContentError as exc:
            raise ModelSourceError(f"{path}: {exc}") from None
        if isinstance(data, dict) and "generator" in data:
            return data, None
        if isinstance(data, dict) and isinstance(data.get("model"), dict) and "name" not in data:
            return data["model"], None
        if not isinstance(data, dict) or "model" not in data:
            raise ModelSourceError(
                f"{path}: neither a recipe nor a model spec: expected a mapping with a "
                "'generator' (a spec) or a 'model' section (a recipe)."
            )
    from i2i.recipe import load_recipe

    recipe = load_recipe(source, overrides)
    return recipe.model.model_dump(mode="json"), _training_size(recipe)


def _training_size(recipe: Any) -> int | None:
    """The side of the recipe's training crops: a transform's ``size``, else the tile size."""
    data = getattr(recipe, "data", None)
    for transform in getattr(data, "transforms", None) or []:
        value = getattr(transform, "size", None)
        if isinstance(value, int):
            return value
        if isinstance(value, list | tuple) and value and isinstance(value[0], int):
            return int(value[0])
    predict = getattr(recipe, "predict", None)
    return getattr(predict, "tile_size", None)


def summarize(model: Any, side: int) -> list[dict[str, Any]]:
    """One row per part: name, component, parameters, trainable, forward FLOPs at side x side."""
    rows = [
        {
            "part": part,
            "component": model.spec[part]["name"],
            "parameters": sum(p.numel() for p in module.parameters()),
            "trainable": sum(p.numel() for p in module.parameters() if p.requires_grad),
        }
        for part, module in model.named_children()
    ]
    multiple = model.size_multiple
    flops = part_flops(model, -(-side // multiple) * multiple)
    for row in rows:
        row["flops"] = flops.get(row["part"])
    totals = {key: sum(r[key] for r in rows) for key in ("parameters", "trainable")}
    rows.append({"part": "total", "component": "", **totals, "flops": sum(flops.values())})
    return rows


def part_flops(model: Any, side: int) -> dict[str, int]:
    """Forward FLOPs of each part for one side x side image (the model is moved to meta).

    Convolutions, encoder and generator run on the meta device (shapes only, no arithmetic);
    the quantizer, whose nearest-code search depends on values, runs on zeros.
    """
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    flops: dict[str, int] = {}
    current: Any = torch.zeros(1, model.in_channels, side, side, device="meta")
    for part in ("encoder", "quantizer", "generator", "discriminator"):
        module = getattr(model, part)
        if module is None:
            continue
        on_meta = part != "quantizer"
        module.eval().to("meta" if on_meta else "cpu")
        if part == "discriminator":
            current = torch.zeros(1, model.out_channels, side, side, device="meta")
        inputs = current if on_meta else torch.zeros(current.shape)
        with torch.no_grad(), FlopCounterMode(display=False) as counter:
            output = module(inputs)
        flops[part] = counter.get_total_flops()
        current = output[0].to("meta") if part == "quantizer" else output
    return flops
