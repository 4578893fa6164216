"""Reading recipes: bundled names, extends with deep merge, environment variables, YAML errors."""

from __future__ import annotations

import pytest
from recipe_support import GOOD_RECIPE, RecipeDirsPlugin, install_fakes, write

import i2i
from i2i.plugins import PluginInfo
from i2i.recipe import RecipeError, bundled_recipes, resolve_recipe_dict


@pytest.fixture
def fake_host(i2i_host):
    return install_fakes(i2i_host)


def test_load_recipe_from_a_path(fake_host, tmp_path):
    path = write(tmp_path, "tiny.yaml", GOOD_RECIPE)
    recipe = i2i.load_recipe(path)
    assert recipe.name == "tiny_vq"
    assert recipe.source == path.resolve()
    assert recipe.model.encoder.ch_mult == [1, 2]
    assert [loss.name for loss in recipe.losses] == ["l1", "codebook", "gan"]
    assert recipe.train.max_steps == 20
    assert recipe.predict.tile_size == 256  # a default filled in


def test_extends_a_file_next_to_the_recipe_deep_merges(fake_host, tmp_path):
    write(tmp_path, "base.yaml", GOOD_RECIPE)
    child = write(
        tmp_path,
        "child.yaml",
        """\
        extends: base.yaml
        name: tiny_vq_long
        model:
          encoder: {ch: 32}
        losses: [{name: l1}]
        train: {max_steps: 500}
        """,
    )
    recipe = i2i.load_recipe(child)
    assert recipe.name == "tiny_vq_long"
    assert recipe.model.encoder.ch == 32
    assert recipe.model.encoder.ch_mult == [1, 2]  # kept from the base: mappings merge
    assert [loss.name for loss in recipe.losses] == ["l1"]  # lists replace
    assert recipe.train.max_steps == 500
    assert recipe.train.mixed_precision == "bf16"


def test_extends_without_suffix_and_chains(fake_host, tmp_path):
    write(tmp_path, "base.yaml", GOOD_RECIPE)
    write(tmp_path, "middle.yaml", "extends: base\ntrain: {max_steps: 7}\n")
    top = write(tmp_path, "top.yaml", "extends: middle.yaml\nname: top\n")
    recipe = i2i.load_recipe(top)
    assert (recipe.name, recipe.train.max_steps, recipe.data.batch_size) == ("top", 7, 2)


def test_a_renamed_component_replaces_the_base_component(fake_host, tmp_path):
    write(tmp_path, "base.yaml", GOOD_RECIPE)
    child = write(
        tmp_path,
        "unet.yaml",
        """\
        extends: base.yaml
        model: {encoder: null, quantizer: null, generator: {name: unet}}
        """,
    )
    recipe = i2i.load_recipe(child)
    assert recipe.model.encoder is None
    assert recipe.model.generator.name == "unet"
    assert recipe.model.generator.ch == 16  # the unet's default, not the base vqgan's 8


def test_extends_cycle_is_reported(fake_host, tmp_path):
    write(tmp_path, "a.yaml", "extends: b.yaml\nname: a\n")
    write(tmp_path, "b.yaml", "extends: a.yaml\nname: b\n")
    with pytest.raises(RecipeError, match=r"cycle: a\.yaml -> b\.yaml -> a\.yaml|cycle: .*a\.yaml"):
        i2i.load_recipe(tmp_path / "a.yaml")


def test_unknown_base_suggests_bundled_names(fake_host, tmp_path, monkeypatch):
    folder = tmp_path / "shipped"
    folder.mkdir()
    write(folder, "tiny_vq.yaml", GOOD_RECIPE)
    fake_host.add_plugin(RecipeDirsPlugin(folder))
    child = write(tmp_path, "child.yaml", "extends: tiny_qv\nname: child\n")
    with pytest.raises(RecipeError) as error:
        i2i.load_recipe(child)
    assert "Did you mean 'tiny_vq'?" in str(error.value)
    assert "child.yaml:1" in str(error.value)


def test_plugin_recipe_dirs_are_bundled_and_load_by_name(fake_host, tmp_path):
    folder = tmp_path / "shipped"
    folder.mkdir()
    write(folder, "tiny_vq.yaml", GOOD_RECIPE)
    fake_host.add_plugin(RecipeDirsPlugin(folder))
    assert bundled_recipes()["tiny_vq"].path == folder / "tiny_vq.yaml"
    assert i2i.load_recipe("tiny_vq").name == "tiny_vq"
    child = write(tmp_path, "child.yaml", "extends: tiny_vq\nname: child\n")
    assert i2i.load_recipe(child).model.quantizer.name == "vector"


def test_two_bundled_recipes_with_one_name_are_an_error(fake_host, tmp_path):
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        write(tmp_path / name, "same.yaml", GOOD_RECIPE)
        fake_host.add_plugin(RecipeDirsPlugin(tmp_path / name), PluginInfo(name, "(test)", ""))
    with pytest.raises(RecipeError, match="two bundled recipes are called 'same'"):
        bundled_recipes()


def test_unknown_recipe_name(fake_host):
    with pytest.raises(RecipeError, match="no bundled recipe called 'surely_absent'"):
        i2i.load_recipe("surely_absent")


def test_environment_variables_with_and_without_default(fake_host, tmp_path, monkeypatch):
    path = write(tmp_path, "tiny.yaml", GOOD_RECIPE)
    monkeypatch.delenv("I2I_TEST_DATA", raising=False)
    assert i2i.load_recipe(path).data.dataset.root == "data/patterns"
    monkeypatch.setenv("I2I_TEST_DATA", "/mnt/lmc")
    assert i2i.load_recipe(path).data.dataset.root == "/mnt/lmc"
    monkeypatch.setenv("I2I_TEST_STEPS", "12")
    recipe = i2i.load_recipe(path, ["train.max_steps=${env:I2I_TEST_STEPS}"])
    assert recipe.train.max_steps == 12


def test_unset_environment_variable_is_a_located_problem(fake_host, tmp_path, monkeypatch):
    monkeypatch.delenv("I2I_TEST_UNSET", raising=False)
    text = GOOD_RECIPE.replace("${env:I2I_TEST_DATA,data/patterns}", "${env:I2I_TEST_UNSET}")
    path = write(tmp_path, "tiny.yaml", text)
    with pytest.raises(RecipeError) as error:
        i2i.load_recipe(path)
    (problem,) = error.value.problems
    assert problem.path == ("data", "dataset", "root")
    assert problem.location.line == 5
    assert "I2I_TEST_UNSET is not set" in problem.message


def test_yaml_syntax_error_names_file_and_line(fake_host, tmp_path):
    path = write(tmp_path, "broken.yaml", "name: x\nmodel:\n  in_channels: [1\n  out: 2\n")
    with pytest.raises(RecipeError) as error:
        i2i.load_recipe(path)
    assert "YAML syntax error" in str(error.value)
    assert error.value.problems[0].location.file.endswith("broken.yaml")
    assert error.value.problems[0].location.line is not None


@pytest.mark.parametrize("text", ["", "- a\n- b\n"])
def test_a_recipe_must_be_a_mapping(fake_host, tmp_path, text):
    path = write(tmp_path, "odd.yaml", text)
    with pytest.raises(RecipeError, match="a recipe is a mapping"):
        i2i.load_recipe(path)


def test_resolve_recipe_dict_is_merged_but_not_validated(fake_host, tmp_path):
    write(tmp_path, "base.yaml", GOOD_RECIPE)
    child = write(tmp_path, "child.yaml", "extends: base.yaml\ntrain: {max_stepz: 3}\n")
    data = resolve_recipe_dict(child, ["data.batch_size=5"])
    assert "extends" not in data
    assert data["train"] == {
        "max_steps": 20,
        "mixed_precision": "bf16",
        "best_metric": "pcc",
        "max_stepz": 3,
    }
    assert data["data"]["batch_size"] == 5
    assert "predict" not in data  # no defaults filled in


def test_a_key_written_twice_is_refused_with_both_lines(fake_host, tmp_path):
    text = GOOD_RECIPE.replace(
        "  mixed_precision: bf16\n", "  mixed_precision: bf16\n  max_steps: 7000\n"
    )
    path = write(tmp_path, "twice.yaml", text)
    with pytest.raises(RecipeError) as error:
        i2i.load_recipe(path)
    (problem,) = error.value.problems
    assert problem.path == ("train", "max_steps")
    assert problem.location.file.endswith("twice.yaml") and problem.location.line == 22
    assert (
        "'max_steps' is written twice" in problem.message and "lines 20 and 22" in problem.message
    )


def test_the_same_key_in_different_mappings_and_merge_keys_are_fine(fake_host, tmp_path):
    text = GOOD_RECIPE.replace(
        "model:\n", "coder: &coder {name: vqgan, ch: 8, ch_mult: [1, 2]}\nmodel:\n"
    ).replace("  encoder: {name: vqgan, ch: 8, ch_mult: [1, 2]}", "  encoder: {<<: *coder, ch: 8}")
    path = write(tmp_path, "anchors.yaml", text)
    data = resolve_recipe_dict(path)
    assert data["model"]["encoder"] == {"name": "vqgan", "ch": 8, "ch_mult": [1, 2]}
    assert data["model"]["generator"]["ch"] == 8  # 'ch' in two mappings is not a repeat


def test_a_small_alias_bomb_is_refused_quickly(fake_host, tmp_path):
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 7)]
    path = write(tmp_path, "bomb.yaml", "name: bomb\n" + "\n".join(lines) + "\n")
    with pytest.raises(RecipeError, match="alias bomb") as error:
        resolve_recipe_dict(path)
    assert "bomb.yaml" in str(error.value)


def test_a_recursive_alias_is_refused(fake_host, tmp_path):
    path = write(tmp_path, "loop.yaml", "name: loop\nmodel: &m {inner: *m}\n")
    with pytest.raises(RecipeError, match="recursive alias"):
        resolve_recipe_dict(path)


def test_a_recipe_that_is_not_utf8_names_the_file_and_the_byte(fake_host, tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: tiny\ndescription: Zürich cells\n".encode("latin-1"))
    with pytest.raises(RecipeError) as error:
        i2i.load_recipe(path)
    message = str(error.value)
    assert "latin1.yaml" in message and "not UTF-8" in message
    assert "byte 0xfc at offset 25 (line 2)" in message


def test_a_character_yaml_forbids_is_a_clear_error(fake_host, tmp_path):
    path = tmp_path / "nul.yaml"
    path.write_bytes(b"name: tiny\x00\n")
    with pytest.raises(RecipeError, match=r"nul\.yaml.*not valid YAML text"):
        i2i.load_recipe(path)
