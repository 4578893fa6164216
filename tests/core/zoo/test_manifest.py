"""The zoo manifest read from files and URLs nobody here wrote: YAML limits, plain http."""

from __future__ import annotations

import pytest
from zoo_support import card, serving, write_manifest

from i2i.download import InsecureURLWarning
from i2i.zoo import ManifestError, load_manifest

pytestmark = pytest.mark.usefixtures("cache")  # every test gets an empty cache


def test_an_alias_bomb_in_a_manifest_is_refused(tmp_path, monkeypatch):
    lines = ['- a: &a ["x","x","x","x","x","x","x","x","x"]']
    lines += [
        f"  a{i}: &a{i} [{','.join(['*a' if i == 1 else f'*a{i - 1}'] * 9)}]" for i in range(1, 9)
    ]
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    monkeypatch.setenv("I2I_ZOO_MANIFEST", str(path))
    with pytest.raises(ManifestError, match=r"I2I_ZOO_MANIFEST \(.*bomb\.yaml\).*alias bomb"):
        load_manifest()


def test_a_card_key_written_twice_is_refused_with_its_lines(tmp_path, monkeypatch):
    path = write_manifest(tmp_path / "zoo.yaml", [card("lab-dapi", ["w.safetensors"], b"w")])
    text = path.read_text().replace(
        "  licence: CC-BY-4.0\n", "  licence: CC-BY-4.0\n  licence: MIT\n"
    )
    path.write_text(text)
    monkeypatch.setenv("I2I_ZOO_MANIFEST", str(path))
    with pytest.raises(
        ManifestError, match=r"zoo\.yaml\), line \d+: the key 'licence' is written twice"
    ):
        load_manifest()


def test_a_manifest_that_is_not_utf8_names_the_offset(tmp_path, monkeypatch):
    path = tmp_path / "zoo.yaml"
    path.write_bytes("- name: caf\xe9\n".encode("latin-1"))
    monkeypatch.setenv("I2I_ZOO_MANIFEST", str(path))
    with pytest.raises(ManifestError, match=r"zoo\.yaml\).*not UTF-8 text: byte 0xe9 at offset 11"):
        load_manifest()


def test_a_manifest_over_plain_http_warns_once(tmp_path, monkeypatch):
    with serving() as server:
        server.files["zoo.yaml"] = write_manifest(
            tmp_path / "zoo.yaml", [card("lab-dapi", ["w.safetensors"], b"w")]
        ).read_bytes()
        monkeypatch.setenv("I2I_ZOO_MANIFEST", server.url("zoo.yaml"))
        with pytest.warns(InsecureURLWarning, match=r"/zoo\.yaml is fetched over plain http"):
            assert "lab-dapi" in load_manifest()


def test_a_huge_manifest_url_is_not_read_whole(tmp_path, monkeypatch):
    import i2i.zoo.manifest

    monkeypatch.setattr(i2i.zoo.manifest, "MAX_MANIFEST_BYTES", 1000)
    with serving() as server:
        server.files["zoo.yaml"] = b"# " + b"x" * 5000 + b"\n"
        monkeypatch.setenv("I2I_ZOO_MANIFEST", server.url("zoo.yaml"))
        with pytest.raises(ManifestError, match="larger than"):
            load_manifest()
