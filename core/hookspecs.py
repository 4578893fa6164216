"""The hooks a plugin may implement.

Each function here is only a specification: its docstring is the hook's documentation (the
reference in ``docs/plugins.md`` is checked against these by a test). Implement a hook in a
plugin module with ``@i2i.hookimpl`` and a function of the same name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from pathlib import Path

    from i2i.commands import PluginCommands
    from i2i.containers import ImageContainer
    from i2i.evaluation_extensions import EvaluationExtension
    from i2i.model_formats import ModelExporter, ModelPackage
    from i2i.registry import Registries

hookspec = pluggy.HookspecMarker("i2i")


@hookspec
def i2i_register(registries: Registries) -> None:
    """Add the plugin's components to the registries.

    Called once per plugin when plugins load. Call ``registries.<kind>.add(name, params=...,
    factory=..., description=...)`` for each component, where ``<kind>`` is one of
    ``encoders, quantizers, generators, discriminators, losses, readers, writers, datasets,
    transforms, metrics``. Give factories as ``"module:attribute"`` strings (or import heavy
    libraries inside the factory) so that registering imports neither torch nor bioio.

    :param registries: the :class:`i2i.registry.Registries` being filled.
    """


@hookspec
def i2i_metric_sets() -> dict[str, list[str]]:  # type: ignore[empty-body]
    """Name the metrics that score each kind of target channel.

    Called by ``i2i evaluate`` (and :mod:`i2i.evaluate`) to choose, for every target channel,
    which registered metrics its summary tables and model rankings use. Return a mapping from
    a lowercase organelle or study name (``"nucleus"``, ``"cell_painting"``) to metric names
    (``["ssim", "pcc"]``). A channel whose organelle has no set is summarised with every
    metric; ``--metric-set NAME`` applies one set to all channels. Two plugins giving
    different sets for the same name is an error.

    :return: metric names by organelle or study name.
    """


@hookspec
def i2i_recipe_dirs() -> list[str | Path]:  # type: ignore[empty-body]
    """Name folders of recipes that the plugin ships.

    Called by ``i2i recipe list``, by :func:`i2i.load_recipe` and by every command that takes
    a recipe (``i2i run NAME``) to find recipes by name. Every ``*.yaml`` file in a returned
    folder is a bundled recipe called by its file name without the suffix; ship the folder
    as package data and return it with ``importlib.resources.files(__package__) / "recipes"``.
    Recipes may ``extends:`` any bundled recipe by name. Two bundled recipes with the same
    name (from i2i or any plugin) are an error naming both files, so prefix the file names
    with the plugin's package (``acme.stylegan2_lmc.yaml``) when they could collide.

    :return: folders (paths or strings) holding recipe files.
    """


@hookspec
def i2i_zoo_sources() -> list[str | Path]:  # type: ignore[empty-body]
    """Name model cards that the plugin adds to the zoo.

    Called by ``i2i zoo list|info|download``, by :func:`i2i.load_model` and by ``i2i predict
    --model NAME`` to find models by name. Each returned item is a YAML file holding one model
    card or a list of cards, a folder of such files, or an ``http(s)://`` URL of one. File URLs
    without a scheme are relative to the file that lists them, so a plugin can ship its
    weights as package data next to its cards (``urls: [acme-mito.safetensors]``) and they
    load offline, after the same sha256 check as a download. Cards are validated like i2i's
    own (see ``docs/zoo.md``); two cards with the same name, from any source, are an error
    naming both, so prefix model names with the plugin's name (``acme-mito``).

    :return: paths (or strings) of YAML files or folders, or URLs of YAML files.
    """


@hookspec
def i2i_add_cli_commands(app: PluginCommands) -> None:
    """Add the plugin's commands to the ``i2i`` command line.

    Called once per plugin when the ``i2i`` command starts (before the command runs), so the
    commands appear in ``i2i --help``. ``app`` is a typer app of the plugin's own:
    ``app.command("name")(function)`` adds ``i2i name``; ``app.add_typer(typer.Typer(),
    name="acme")`` adds a group ``i2i acme ...`` (the usual home of a third-party plugin's
    commands, named after it); ``app.group("model").command("name")(function)`` adds ``i2i
    model name`` to one of i2i's own groups (``data``, ``model``, ``recipe``, ``zoo``).
    ``i2i --help`` loads every plugin's commands, so import the command module inside the
    hook and heavy libraries (torch, bioio...) inside each command function. A command name
    that clashes with one of i2i's or another plugin's, or an exception in the hook, is that
    plugin's failure: it is reported by ``i2i plugins`` and skipped (an error in strict mode).

    :param app: a :class:`i2i.cli.plugin_commands.PluginCommands` (a ``typer.Typer``).
    """


@hookspec
def i2i_model_exporters() -> list[ModelExporter]:  # type: ignore[empty-body]
    """Name the model formats the plugin can export to.

    Called by ``i2i zoo export --format NAME`` (and :func:`i2i.zoo.export_as`) to find the
    exporter of a format; an unknown format's error lists them all. Return
    :class:`i2i.model_formats.ModelExporter` records: a format name (lowercase, such as
    ``"onnx"``), a one-line description and the export function as a ``"module:function"``
    string, called with an :class:`i2i.model_formats.ExportRequest` (the resolved weights, the
    output folder, the model's name, licence, authors, test image...) and returning the paths
    it wrote, main one first. Import heavy libraries inside the export function. A format that
    i2i or another plugin already provides is an error naming both. ``i2i`` (weights and a zoo
    card) is i2i's own format.

    :return: the plugin's exporters.
    """


@hookspec(firstresult=True)
def i2i_open_model_package(path: Path) -> ModelPackage | None:
    """Open a model package that is not i2i weights, for prediction.

    Called by :func:`i2i.prediction.load_predictor` (``i2i predict -m PATH``,
    :func:`i2i.predict`) with an existing path that is neither a ``.safetensors`` file nor a
    run folder, before i2i gives up on it. Return ``None`` quickly when the path is not a
    package of the plugin's kind (look at its suffix or a marker file; import nothing heavy
    before that); otherwise return an :class:`i2i.model_formats.ModelPackage` (the model, the
    metadata prediction reads, a description of the source), or raise an
    :class:`i2i.errors.I2IError` saying why the package cannot be run. The first plugin that
    returns a package wins. Never unpickle (no ``pickle``, no ``torch.load``): open only
    formats read without it (safetensors, TorchScript through ``torch.jit.load``, ONNX).

    :param path: the file or folder given as the model.
    :return: the opened package, or ``None`` when the path is not the plugin's.
    """


@hookspec(firstresult=True)
def i2i_open_container(path: Path) -> ImageContainer | None:
    """Open a path that holds many images (an HCS plate, say) as one input of the commands.

    Called by ``i2i info``, ``i2i predict`` and ``i2i evaluate`` (``--pred``, ``--target``)
    with every existing path they are given, before they read it as an image or a folder of
    images. Return ``None`` quickly when the path is not the plugin's kind (read a small
    metadata file at most; import nothing heavy before that), so that plain images keep their
    behaviour; otherwise return an :class:`i2i.containers.ImageContainer`: its ``describe()``
    and ``summary()`` answer ``i2i info``, ``predict(request, on_done, on_incomplete)`` runs
    ``i2i predict`` from an :class:`i2i.containers.ContainerPrediction` (model, output or
    ``--into``, ``--shard I/N``, the predictor's options) in every process of ``accelerate
    launch``/``torchrun``, and ``evaluate(request)`` runs ``i2i evaluate`` from an
    :class:`i2i.containers.ContainerEvaluation`. The command refuses the options that only
    apply to files (``--format``, ``--writer``, ``--reader``, ``--best-z``...); the container
    raises an :class:`i2i.errors.I2IError` naming any other option it cannot honour, before it
    writes anything. The first plugin that returns a container wins; a path inside a container
    that is an image of its own (a plate's field) should return ``None``.

    :param path: the existing file or folder given on the command line.
    :return: the opened container, or ``None`` when the path is not the plugin's.
    """


@hookspec
def i2i_evaluation_extensions() -> list[EvaluationExtension]:  # type: ignore[empty-body]
    """Name the evaluations the plugin adds beside the pixel metrics.

    Called by ``i2i evaluate --extension NAME`` (``--objects`` is ``--extension objects``)
    and by a run's final evaluation when the recipe's ``evaluate.extensions`` names ``NAME``
    (see :mod:`i2i.evaluate.extensions`). Return
    :class:`i2i.evaluation_extensions.EvaluationExtension` records: a name (lowercase), a
    one-line description, a pydantic ``Params`` model (derive it from :class:`i2i.Params`) that
    validates the extension's parameters from the recipe or ``--param NAME.key=value``, the
    modules it requires and how to install them, the optional inputs it reads (``labels``,
    ``predicted_labels``, ``conditions``) and the evaluate function as a ``"module:function"``
    string. The function receives an iterable of
    :class:`i2i.evaluation_extensions.ImagePair` (real and predicted (C, H, W) arrays with
    their organelles and file paths), the validated parameters and an
    :class:`i2i.evaluation_extensions.ExtensionInputs` (its own output folder and the files
    given), and returns an :class:`i2i.evaluation_extensions.ExtensionReport`: a markdown
    section appended to ``report.md`` and JSON-ready numbers (``--json`` puts them under the
    name). Import heavy libraries inside the function. A name that another plugin provides is
    an error naming both; an exception in the hook marks the plugin as failed.

    :return: the plugin's evaluation extensions.
    """
