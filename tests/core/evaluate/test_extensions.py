"""Evaluation extensions through the ``i2i_evaluation_extensions`` hook: finding, parameters,
recipes, and the example of docs/plugins.md."""

from __future__ import annotations

import re
import types
from pathlib import Path

import pytest

import i2i
from i2i import plugins
from i2i.errors import I2IError
from i2i.evaluate.extensions import append_sections, parse_params, run_extensions
from i2i.evaluation_extensions import EvaluationExtension, ExtensionReport, ImagePair
from i2i.installed_extensions import evaluation_extensions, get_extension, resolve_requests

DOCS = Path(__file__).resolve().parents[3] / "docs"


class ScaleParams(i2i.Params):
    scale: int = 1


def _extension(name: str = "acme.count", **fields: object) -> EvaluationExtension:
    def evaluate(images, params, inputs):
        pairs = list(images)
        return ExtensionReport(f"## {name}\n\n{len(pairs)}", {"pairs": len(pairs) * params.scale})

    return EvaluationExtension(
        **{"name": name, "description": "Counts.", "params": ScaleParams, "evaluate": evaluate}
        | fields
    )


def _plugin(*extensions: EvaluationExtension, name: str = "acme") -> object:
    module = types.ModuleType(name)

    @i2i.hookimpl
    def i2i_evaluation_extensions():
        return list(extensions)

    module.i2i_evaluation_extensions = i2i_evaluation_extensions  # type: ignore[attr-defined]
    return module


def test_extensions_of_every_plugin_are_found_and_run(i2i_host, tmp_path):
    i2i_host.add_plugin(_plugin(_extension()))
    resolved = resolve_requests({"acme.count": {"scale": 3}}, "test.{name}")
    pair = ImagePair("a.tif", ("DAPI",), *([[[0.0]]],) * 2)  # type: ignore[arg-type]
    reports = run_extensions(resolved, lambda: [pair, pair], tmp_path)
    assert reports["acme.count"].numbers == {"pairs": 6}
    report = tmp_path / "report.md"
    report.write_text("# i2i evaluation\n\n## Metrics\n")
    assert (
        append_sections(report, reports).read_text().endswith("## Metrics\n\n## acme.count\n\n2\n")
    )


def test_a_name_two_plugins_provide_is_an_error_naming_both(i2i_host):
    i2i_host.add_plugin(_plugin(_extension(), name="acme"))
    i2i_host.add_plugin(_plugin(_extension(), name="other"))
    with pytest.raises(I2IError, match="'acme.count' is provided twice: by 'acme' and by 'other'"):
        evaluation_extensions()


def test_a_failing_hook_marks_its_plugin_failed_and_others_still_work(i2i_host):
    broken = types.ModuleType("broken")

    @i2i.hookimpl
    def i2i_evaluation_extensions():
        raise RuntimeError("boom")

    broken.i2i_evaluation_extensions = i2i_evaluation_extensions  # type: ignore[attr-defined]
    i2i_host.add_plugin(broken)
    i2i_host.add_plugin(_plugin(_extension()))
    assert list(evaluation_extensions()) == ["acme.count"]
    assert any("i2i_evaluation_extensions failed: " in (i.error or "") for i in i2i_host.failed())


def test_unknown_extensions_say_how_to_get_them(i2i_host):
    with pytest.raises(
        I2IError, match=r"Installed: none\. Install the plugin that provides it \('i2i plugins'"
    ):
        get_extension("objects")
    with pytest.raises(I2IError, match="Install the plugin that provides it"):
        get_extension("acme.other")


def test_missing_libraries_and_bad_parameters_are_one_clear_error(i2i_host):
    i2i_host.add_plugin(
        _plugin(_extension(requires=("i2i_no_such_module",), install="pip install acme[all]."))
    )
    with pytest.raises(I2IError, match=r"needs i2i_no_such_module, .* pip install acme\[all\]\."):
        resolve_requests({"acme.count": {}}, "here.{name}")
    i2i_host.add_plugin(_plugin(_extension("acme.other"), name="acme2"))
    with pytest.raises(I2IError, match=r"\(here\.acme\.other\): scale: Input should be"):
        resolve_requests({"acme.other": {"scale": "lots"}}, "here.{name}")


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (["objects.segmentation.min_size=50"], {"objects": {"segmentation": {"min_size": 50}}}),
        (
            ["objects.percentiles=[1, 99]", "objects.segmentation.threshold=local"],
            {"objects": {"percentiles": [1, 99], "segmentation": {"threshold": "local"}}},
        ),
        ([], {"objects": {}}),
    ],
)
def test_param_options_nest_and_read_values_as_yaml(texts, expected):
    assert parse_params(texts, ["objects"]) == expected


def test_recipes_validate_extension_parameters_and_fill_their_defaults(i2i_host):
    from i2i.recipe.sections import EvaluateSection

    i2i_host.add_plugin(_plugin(_extension()))
    section = EvaluateSection.model_validate({"extensions": {"acme.count": None}})
    assert section.extensions == {"acme.count": {"scale": 1}}
    with pytest.raises(ValueError, match=r"evaluate\.extensions\.acme\.count\): scale"):
        EvaluateSection.model_validate({"extensions": {"acme.count": {"scale": "x"}}})
    unknown = "No evaluation extension 'objects' is installed.*Install the plugin"
    with pytest.raises(ValueError, match=unknown):
        EvaluateSection.model_validate({"extensions": {"objects": {}}})


def test_the_plugins_page_example_registers_a_working_extension(tmp_path):
    text = (DOCS / "plugins.md").read_text()
    section = text[text.index("### `i2i_evaluation_extensions()`") :]
    (code,) = re.findall(r"```python\n(.*?)```", section, flags=re.S)[:1]
    module = types.ModuleType("acme_count_example")
    exec(compile(code, "docs/plugins.md", "exec"), module.__dict__)
    host = plugins.PluginHost(strict=True)
    host.add_plugin(module)
    previous, plugins._default_host = plugins._default_host, host
    try:
        resolved = resolve_requests({"acme.count": {"scale": 2}}, "{name}")
        pair = ImagePair("a", ("DAPI",), *([[[0.0]]],) * 2)  # type: ignore[arg-type]
        (report,) = run_extensions(resolved, lambda: [pair] * 3, tmp_path).values()
    finally:
        plugins._default_host = previous
    assert report.numbers == {"pairs": 6} and report.markdown.startswith("## Pairs")
