"""docs/recipes.md: its reference is the one generated from the recipe model."""

from __future__ import annotations

from pathlib import Path

from i2i.recipe.reference import reference_markdown

PAGE = Path(__file__).resolve().parents[2] / "docs" / "recipes.md"


def test_reference_matches_the_recipe_model():
    text = PAGE.read_text()
    documented = text.split("<!-- reference:start -->\n")[1].split("<!-- reference:end -->")[0]
    assert documented == reference_markdown() + "\n", (
        "docs/recipes.md is out of date: replace its reference section with the output of "
        "'python -m i2i.recipe.reference'"
    )


def test_every_cli_subcommand_is_documented():
    text = PAGE.read_text()
    for command in ("list", "validate", "show", "schema"):
        assert f"i2i recipe {command}" in text
