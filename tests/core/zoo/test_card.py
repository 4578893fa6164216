"""Model cards and the manifest: validation, the bundled cards, plugins, duplicates."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest
import yaml
from zoo_support import card, write_manifest

import i2i
from i2i.zoo import (
    CardError,
    ManifestError,
    UnknownModelError,
    get_entry,
    load_manifest,
    parse_card,
)
from i2i.zoo.cache import model_file

PAPER_MODELS = {
    "lmc-nucleus",
    "lmc-mito",
    "lmc-tubulin",
    "lmc-actin",
    "jump-5ch",
    "jump-dna",
    "jump-er",
    "jump-rna",
    "jump-agp",
    "jump-mito",
}
DATA = b"weights"


pytestmark = pytest.mark.usefixtures("cache")  # every test gets an empty cache


@pytest.mark.parametrize("bad", ["../evil.safetensors", "a/b.safetensors", "..", "/etc/passwd"])
def test_a_file_name_with_a_path_is_refused(bad):
    with pytest.raises(CardError, match="not a plain file name"):
        parse_card(card("lab-dapi", ["https://example.org/x"], DATA, file_name=bad), "test")


def test_a_card_with_dotdot_in_a_manifest_is_refused(tmp_path, monkeypatch):
    bad = card("lab-dapi", ["https://example.org/x"], DATA, file_name="../../escape.safetensors")
    monkeypatch.setenv("I2I_ZOO_MANIFEST", str(write_manifest(tmp_path / "zoo.yaml", [bad])))
    with pytest.raises(CardError, match=r"zoo\.yaml.*'lab-dapi'.*files\.0\.name"):
        load_manifest()


@pytest.mark.parametrize("bad", ["Lab-Dapi", "lab_dapi", "../x", "lab--dapi", "-lab"])
def test_model_names_are_lowercase_words_joined_by_dashes(bad):
    with pytest.raises(CardError, match="not a zoo name"):
        parse_card(card(bad, ["https://example.org/x"], DATA), "test")


def test_unknown_fields_and_bad_hashes_are_refused():
    extra = {**card("lab-dapi", ["https://example.org/x"], DATA), "colour": "blue"}
    with pytest.raises(CardError, match="colour"):
        parse_card(extra, "test")
    bad_hash = card("lab-dapi", ["https://example.org/x"], DATA)
    bad_hash["files"][0]["sha256"] = "0" * 63
    with pytest.raises(CardError, match="SHA-256"):
        parse_card(bad_hash, "test")


def test_status_and_files_must_agree():
    listed = {**card("lab-dapi", ["https://example.org/x"], DATA), "status": "not-yet-trained"}
    with pytest.raises(CardError, match="files are listed"):
        parse_card(listed, "test")
    empty = {**card("lab-dapi", ["https://example.org/x"], DATA), "files": []}
    with pytest.raises(CardError, match=r"exactly one \.safetensors"):
        parse_card(empty, "test")


def test_cache_paths_stay_inside_the_cache(cache):
    good = parse_card(card("lab-dapi", ["https://example.org/x"], DATA), "test")
    path = model_file(good, good.files[0])
    assert path.is_relative_to(cache.resolve() / "models" / "lab-dapi")
    sneaky = good.files[0].model_copy(update={"name": "../../../outside"})  # not validated
    with pytest.raises(i2i.I2IError, match="inside"):
        model_file(good, sneaky)


def test_bundled_cards_are_the_paper_models_with_honest_statuses():
    entries = load_manifest()
    assert set(entries) >= PAPER_MODELS
    for name in PAPER_MODELS:
        entry = entries[name]
        assert entry.source == f"i2i (model_zoo/{name}.yaml)"
        assert entry.card.status in {"import-from-authors", "not-yet-trained"}
        assert entry.card.files == []
    for organelle in ("Nucleus", "Mitochondria", "Actin", "Tubulin"):
        sources = [e.card.source for e in entries.values()]
        assert any(f"BF_to_{organelle}.ckpt" in s for s in sources)


def test_bundled_card_files_are_named_after_their_model():
    folder = resources.files("i2i.model_zoo")
    for item in folder.iterdir():
        if item.name.endswith(".yaml"):
            assert yaml.safe_load(item.read_text())["name"] + ".yaml" == item.name


def test_duplicate_names_name_both_sources(tmp_path, monkeypatch):
    again = card("lmc-mito", ["https://example.org/x"], DATA)
    manifest = write_manifest(tmp_path / "mine.yaml", [again])
    monkeypatch.setenv("I2I_ZOO_MANIFEST", str(manifest))
    with pytest.raises(ManifestError) as error:
        load_manifest()
    assert "model_zoo/lmc-mito.yaml" in str(error.value) and "mine.yaml" in str(error.value)


def test_unknown_name_suggests_close_ones():
    with pytest.raises(UnknownModelError, match="lmc-mito"):
        get_entry("lmc-mitoo")


def test_missing_extra_manifest_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("I2I_ZOO_MANIFEST", str(tmp_path / "nowhere.yaml"))
    with pytest.raises(ManifestError, match=r"I2I_ZOO_MANIFEST.*nowhere\.yaml"):
        load_manifest()


class ZooPlugin:
    def __init__(self, folder: Path):
        self.folder = folder

    @i2i.hookimpl
    def i2i_zoo_sources(self):
        return [self.folder]


def test_plugin_cards_join_the_zoo_with_file_urls_relative_to_them(i2i_host, tmp_path):
    folder = tmp_path / "acme" / "zoo"
    folder.mkdir(parents=True)
    write_manifest(folder / "acme-dapi.yaml", [card("acme-dapi", ["acme-dapi.safetensors"], DATA)])
    i2i_host.add_plugin(ZooPlugin(folder), None)

    entry = load_manifest()["acme-dapi"]

    assert entry.source.startswith("plugin ")
    assert entry.card.files[0].urls == [(folder / "acme-dapi.safetensors").as_uri()]
    assert "lmc-mito" in load_manifest()
