"""Validation: every problem at once, with recipe path, value, allowed values, hints, lines."""

from __future__ import annotations

import pytest
import yaml
from recipe_support import GOOD_RECIPE, THREE_MISTAKES, AcmePlugin, install_fakes, write

import i2i
from i2i.recipe import RecipeError, recipe_from_dict, recipe_model


@pytest.fixture
def fake_host(i2i_host):
    return install_fakes(i2i_host)


def problems_of(path, overrides=()) -> dict[str, object]:
    with pytest.raises(RecipeError) as error:
        i2i.load_recipe(path, overrides)
    return {".".join(map(str, p.path)): p for p in error.value.problems}


def test_three_mistakes_are_all_reported_with_paths_lines_and_hints(fake_host, tmp_path):
    problems = problems_of(write(tmp_path, "three.yaml", THREE_MISTAKES))
    assert set(problems) == {"losses.0.name", "data.batch_size", "train.max_step"}
    loss = problems["losses.0.name"]
    assert "unknown loss 'l2'" in loss.message and "Did you mean 'l1'?" in loss.message
    assert "codebook, gan, l1" in loss.message
    assert loss.location.line == 16
    batch = problems["data.batch_size"]
    assert "'two' is invalid" in batch.message and "integer" in batch.message
    assert batch.location.line == 7
    key = problems["train.max_step"]
    assert "unknown key 'max_step'" in key.message and "Did you mean 'max_steps'?" in key.message
    assert key.location.line == 20


def test_the_error_message_lists_each_problem_on_its_own_line(fake_host, tmp_path):
    with pytest.raises(RecipeError) as error:
        i2i.load_recipe(write(tmp_path, "three.yaml", THREE_MISTAKES))
    lines = str(error.value).splitlines()
    assert lines[0] == "recipe three.yaml has 3 problems:" or lines[0].endswith("3 problems:")
    assert any(line.startswith("  - losses.0.name (") and "three.yaml:16" in line for line in lines)


def test_problems_inside_a_component_use_the_recipe_path(fake_host, tmp_path):
    text = GOOD_RECIPE.replace(
        "encoder: {name: vqgan, ch: 8, ch_mult: [1, 2]}",
        "encoder: {name: vqgan, ch: 0, ch_mult: [1, x], ch_mul: 3}",
    )
    problems = problems_of(write(tmp_path, "bad.yaml", text))
    assert set(problems) == {"model.encoder.ch", "model.encoder.ch_mult.1", "model.encoder.ch_mul"}
    assert "greater than or equal to 1" in problems["model.encoder.ch"].message
    assert "'x' is invalid" in problems["model.encoder.ch_mult.1"].message
    unknown = problems["model.encoder.ch_mul"].message
    assert "Did you mean 'ch_mult'" in unknown
    assert "Allowed keys here: ch, ch_mult, name." in unknown


def test_unknown_literal_value_lists_allowed_values(fake_host, tmp_path):
    text = GOOD_RECIPE.replace("mixed_precision: bf16", "mixed_precision: bf61")
    problem = problems_of(write(tmp_path, "bad.yaml", text))["train.mixed_precision"]
    assert "'bf61' is not allowed; use one of 'no', 'bf16', 'fp16'." in problem.message
    assert "Did you mean 'bf16'?" in problem.message


def test_missing_component_name_and_required_fields(fake_host, tmp_path):
    text = GOOD_RECIPE.replace("{name: pattern, root:", "{root:").replace("  out_channels: 1\n", "")
    problems = problems_of(write(tmp_path, "bad.yaml", text))
    assert "'name' is missing: say which dataset to use" in problems["data.dataset.name"].message
    assert "required key 'out_channels' is missing" in problems["model.out_channels"].message


def test_cross_field_checks_name_their_field(fake_host, tmp_path):
    text = GOOD_RECIPE.replace("  encoder: {name: vqgan, ch: 8, ch_mult: [1, 2]}\n", "")
    problems = problems_of(write(tmp_path, "bad.yaml", text))
    assert "needs an encoder" in problems["model.quantizer"].message
    text = GOOD_RECIPE.replace("best_metric: pcc", "best_metric: ssmi")
    problem = problems_of(write(tmp_path, "bad.yaml", text))["train.best_metric"]
    assert "Did you mean 'ssim'?" in problem.message


def test_kind_without_components_says_what_to_install(i2i_host, tmp_path):
    with pytest.raises(RecipeError, match="no generators are installed"):
        i2i.load_recipe(write(tmp_path, "r.yaml", GOOD_RECIPE))


def test_third_party_component_validates_as_strictly(fake_host, tmp_path):
    fake_host.add_plugin(AcmePlugin())
    good = GOOD_RECIPE.replace(
        "generator: {name: vqgan, ch: 8, ch_mult: [1, 2]}",
        "generator: {name: acme.stylegan, style_dim: 32}",
    )
    assert i2i.load_recipe(write(tmp_path, "ok.yaml", good)).model.generator.style_dim == 32
    bad = good.replace("style_dim: 32", "style_dims: 32")
    problem = problems_of(write(tmp_path, "bad.yaml", bad))["model.generator.style_dims"]
    assert "Did you mean 'style_dim'?" in problem.message


def test_resolved_recipe_round_trips_and_is_complete(fake_host, tmp_path):
    recipe = i2i.load_recipe(write(tmp_path, "tiny.yaml", GOOD_RECIPE))
    data = yaml.safe_load(recipe.resolved_yaml())
    assert data["train"]["scheduler"] == {"name": "constant", "warmup_steps": 0, "min_lr": 0.0}
    assert list(data["losses"][0]) == ["name", "weight"]
    again = recipe_from_dict(data)
    assert again.to_dict() == recipe.to_dict()
    assert again.model_dump() == recipe.model_dump()


def test_component_specs_build_through_the_registry(fake_host, tmp_path):
    recipe = i2i.load_recipe(write(tmp_path, "tiny.yaml", GOOD_RECIPE))
    built = fake_host.registries.encoders.create(recipe.model.encoder)
    assert built == {"ch": 8, "ch_mult": [1, 2]}  # the fake factory is dict(params)


def test_recipe_model_is_rebuilt_when_components_change(fake_host):
    before = recipe_model(fake_host.registries)
    assert recipe_model(fake_host.registries) is before
    fake_host.add_plugin(AcmePlugin())
    assert recipe_model(fake_host.registries) is not before


def test_a_component_written_as_a_bare_name_shows_the_mapping_form(fake_host, tmp_path):
    text = GOOD_RECIPE.replace("  - {name: codebook}\n", "  - codebook\n")
    problem = problems_of(write(tmp_path, "bad.yaml", text))["losses.1"]
    assert "'codebook' is not a loss" in problem.message
    assert "{name: codebook}" in problem.message
