"""The plugin's command: ``i2i example charbonnier``, added through the ``i2i_add_cli_commands``
hook.

This module imports typer only: ``i2i --help`` imports it (to list the command), so torch is
imported inside the command function, when the command runs.
"""

import typer

app = typer.Typer(help="Commands of the example plugin.", no_args_is_help=True)


@app.command("charbonnier")
def charbonnier_command(
    epsilon: float = typer.Option(1e-3, "--epsilon", min=0.0, help="Smoothing constant ε."),
    largest: float = typer.Option(1.0, "--max", help="Largest difference shown."),
    steps: int = typer.Option(5, "--steps", min=2, help="Number of differences shown."),
) -> None:
    """Print the Charbonnier penalty against |difference| (L1), to choose ε.

    Example: i2i example charbonnier --epsilon 0.1 --max 1 --steps 5
    """
    import torch

    import i2i

    loss = i2i.registries.losses.create({"name": "example.charbonnier", "epsilon": epsilon})
    typer.echo("difference  charbonnier  l1")
    for difference in torch.linspace(0, largest, steps).tolist():
        prediction = torch.full((1, 1, 1, 1), difference)
        value, _ = loss(prediction, torch.zeros_like(prediction))
        typer.echo(f"{difference:10.4f}  {float(value):11.4f}  {abs(difference):.4f}")
