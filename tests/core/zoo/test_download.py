"""Downloads from a real HTTP server on 127.0.0.1: verified, atomic, cached, offline."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch
from zoo_support import card, outputs, save_tiny_weights, serving, write_manifest

import i2i
from i2i.zoo import ModelUnavailableError, download_model, verify_cache

pytestmark = pytest.mark.usefixtures("cache")  # every test gets an empty cache


@pytest.fixture(scope="module")
def weights(tmp_path_factory) -> tuple[bytes, torch.Tensor]:
    path = tmp_path_factory.mktemp("weights") / "tiny.safetensors"
    model = save_tiny_weights(path)
    return path.read_bytes(), outputs(model)


@pytest.fixture
def server():
    with serving() as state:
        yield state


def use_cards(tmp_path: Path, monkeypatch, *cards: dict) -> None:
    monkeypatch.setenv("I2I_ZOO_MANIFEST", str(write_manifest(tmp_path / "zoo.yaml", list(cards))))


def files_under(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file())


def test_good_file_downloads_verifies_and_loads(tmp_path, monkeypatch, cache, server, weights):
    data, expected = weights
    server.files["w.safetensors"] = data
    use_cards(tmp_path, monkeypatch, card("lab-dapi", [server.url("w.safetensors")], data))

    path = download_model("lab-dapi", progress=False)

    assert path == (cache / "models" / "lab-dapi" / "lab-dapi.safetensors").resolve()
    assert path.read_bytes() == data
    assert torch.equal(outputs(i2i.load_model("lab-dapi")), expected)
    assert server.requests == ["w.safetensors"]  # loading re-hashed the cache, no new request
    assert [r.status for r in verify_cache()] == ["ok"]


def test_mirrors_are_tried_in_order(tmp_path, monkeypatch, cache, server, weights):
    data, _ = weights
    server.files["good.safetensors"] = data
    urls = [server.url("missing.safetensors"), server.url("good.safetensors")]
    use_cards(tmp_path, monkeypatch, card("lab-dapi", urls, data))

    assert download_model("lab-dapi", progress=False).read_bytes() == data
    assert server.requests == ["missing.safetensors", "good.safetensors"]


def test_tampered_file_is_rejected_and_nothing_is_left(
    tmp_path, monkeypatch, cache, server, weights
):
    data, _ = weights
    tampered = bytearray(data)
    tampered[-1] ^= 0xFF
    server.files["w.safetensors"] = bytes(tampered)
    entry = card("lab-dapi", [server.url("w.safetensors")], data)
    use_cards(tmp_path, monkeypatch, entry)

    with pytest.raises(ModelUnavailableError) as error:
        download_model("lab-dapi", progress=False)

    message = str(error.value)
    assert "lab-dapi.safetensors" in message and entry["files"][0]["sha256"] in message
    assert files_under(cache) == []


def test_interrupted_download_leaves_no_file_and_succeeds_on_retry(
    tmp_path, monkeypatch, cache, server, weights
):
    data, expected = weights
    server.files["w.safetensors"] = data
    server.truncate["w.safetensors"] = 1  # the first response stops after 1000 bytes
    use_cards(tmp_path, monkeypatch, card("lab-dapi", [server.url("w.safetensors")], data))
    final = cache / "models" / "lab-dapi" / "lab-dapi.safetensors"

    try:
        download_model("lab-dapi", progress=False)
    except ModelUnavailableError:
        assert files_under(cache) == []  # no partial file under any name
    assert server.truncate["w.safetensors"] == 0

    assert download_model("lab-dapi", progress=False) == final.resolve()
    assert final.read_bytes() == data
    assert files_under(cache) == ["lab-dapi.safetensors"]
    assert torch.equal(outputs(i2i.load_model("lab-dapi")), expected)


def test_offline_uses_the_cached_file(tmp_path, monkeypatch, cache, server, weights):
    data, expected = weights
    server.files["w.safetensors"] = data
    use_cards(tmp_path, monkeypatch, card("lab-dapi", [server.url("w.safetensors")], data))
    download_model("lab-dapi", progress=False)
    server.files.clear()
    monkeypatch.setenv("I2I_OFFLINE", "1")

    assert torch.equal(outputs(i2i.load_model("lab-dapi")), expected)
    assert server.requests == ["w.safetensors"]


def test_offline_without_cached_file_is_a_clear_error(
    tmp_path, monkeypatch, cache, server, weights
):
    data, _ = weights
    server.files["w.safetensors"] = data
    use_cards(tmp_path, monkeypatch, card("lab-dapi", [server.url("w.safetensors")], data))
    monkeypatch.setenv("I2I_OFFLINE", "1")

    with pytest.raises(ModelUnavailableError, match="I2I_OFFLINE"):
        download_model("lab-dapi", progress=False)
    assert server.requests == []
    assert files_under(cache) == []


def test_corrupt_cached_file_is_reported_then_replaced(
    tmp_path, monkeypatch, cache, server, weights
):
    data, _ = weights
    server.files["w.safetensors"] = data
    use_cards(tmp_path, monkeypatch, card("lab-dapi", [server.url("w.safetensors")], data))
    path = download_model("lab-dapi", progress=False)
    path.write_bytes(b"\0" * len(data))
    (path.parent / ".lab-dapi.safetensors.abc.part").write_bytes(b"half")

    assert {r.file: r.status for r in verify_cache()} == {
        ".lab-dapi.safetensors.abc.part": "partial",
        "lab-dapi.safetensors": "corrupt",
    }
    assert download_model("lab-dapi", progress=False).read_bytes() == data
    assert len(server.requests) == 2


def test_package_file_is_used_in_place_offline_and_verified(tmp_path, monkeypatch, cache, weights):
    data, expected = weights
    package = tmp_path / "site" / "acme_zoo"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "acme-dapi.safetensors").write_bytes(data)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.setenv("I2I_OFFLINE", "1")
    use_cards(
        tmp_path, monkeypatch, card("acme-dapi", ["package://acme_zoo/acme-dapi.safetensors"], data)
    )

    assert download_model("acme-dapi") == package / "acme-dapi.safetensors"
    assert torch.equal(outputs(i2i.load_model("acme-dapi")), expected)
    assert files_under(cache) == []

    (package / "acme-dapi.safetensors").write_bytes(data[:-1] + b"!")
    with pytest.raises(ModelUnavailableError, match="reinstall the package"):
        download_model("acme-dapi")


def test_package_url_cannot_leave_its_package(tmp_path, monkeypatch, cache, weights):
    data, _ = weights
    (tmp_path / "secret.safetensors").write_bytes(data)
    url = "package://i2i.model_zoo/../../../../../../../../" + str(tmp_path / "secret.safetensors")
    use_cards(tmp_path, monkeypatch, card("sneaky", [url], data))
    with pytest.raises(ModelUnavailableError, match="no usable source"):
        download_model("sneaky")


def test_unavailable_model_explains_where_weights_come_from(cache):
    with pytest.raises(ModelUnavailableError, match=r"BF_to_Mitochondria\.ckpt"):
        download_model("lmc-mito")


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX paths")
def test_manifest_from_a_url_resolves_relative_file_urls(monkeypatch, cache, server, weights):
    data, expected = weights
    server.files["models/lab-dapi.safetensors"] = data
    server.files["models/zoo.yaml"] = write_manifest(
        cache.parent / "remote.yaml", [card("lab-dapi", ["lab-dapi.safetensors"], data)]
    ).read_bytes()
    monkeypatch.setenv("I2I_ZOO_MANIFEST", server.url("models/zoo.yaml"))

    assert torch.equal(outputs(i2i.load_model("lab-dapi", progress=False)), expected)
    monkeypatch.setenv("I2I_OFFLINE", "1")
    server.files.clear()
    assert torch.equal(outputs(i2i.load_model("lab-dapi")), expected)  # cached manifest + file


def test_a_leftover_download_lock_is_reported_not_called_unlisted(
    tmp_path, monkeypatch, cache, server, weights
):
    data, _ = weights
    server.files["w.safetensors"] = data
    use_cards(tmp_path, monkeypatch, card("lab-dapi", [server.url("w.safetensors")], data))
    path = download_model("lab-dapi", progress=False)
    assert files_under(cache) == ["lab-dapi.safetensors"]  # the lock is gone after use
    (path.parent / ".lab-dapi.safetensors.lock").write_bytes(b"")  # a killed download's
    statuses = {r.file: r.status for r in verify_cache()}
    assert statuses == {".lab-dapi.safetensors.lock": "partial", "lab-dapi.safetensors": "ok"}
