"""Files a user did not write: recipes, weights, model cards and downloads from elsewhere.

Each case is an attack or an accident seen in practice (issue 19, items 10-12, 15, 16): it must
end in one clear :class:`i2i.errors.I2IError` naming the file, quickly and within bounded
memory, never in an exhausted machine or a silently wrong result. Cases that could hang or eat
the machine before their fix run in a subprocess under a timeout and an address-space limit.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

MEMORY_LIMIT = 2 << 30
"""Address space of a subprocess running an adversarial case (bytes)."""

TIME_LIMIT = 30.0
"""Seconds a subprocess running an adversarial case may take."""


def run_bounded(
    args: list[str], cwd: Path, memory: int = MEMORY_LIMIT
) -> tuple[subprocess.CompletedProcess[str], float]:
    """Run ``args`` with ``memory`` bytes of address space and ``TIME_LIMIT`` seconds."""

    def limit_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    start = time.monotonic()
    try:
        done = subprocess.run(
            args,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=TIME_LIMIT,
            preexec_fn=limit_memory,
            env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200"},
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{args} ran past {TIME_LIMIT} s")
    return done, time.monotonic() - start


def i2i_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "i2i", *args]


def alias_bomb(levels: int = 9) -> str:
    """A YAML "billion laughs": ``levels`` lists of 9 aliases of the previous one (9**levels)."""
    lines = ["name: bomb", 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    previous = "a"
    for level in range(1, levels):
        anchor = f"a{level}"
        lines.append(f"{anchor}: &{anchor} [{','.join([f'*{previous}'] * 9)}]")
        previous = anchor
    return "\n".join(lines) + "\n"


# --- item 12: recipes -------------------------------------------------------------------------


def test_a_recipe_alias_bomb_is_refused_in_bounded_time_and_memory(tmp_path):
    recipe = tmp_path / "bomb.yaml"
    recipe.write_text(alias_bomb())
    assert recipe.stat().st_size < 600

    done, seconds = run_bounded(i2i_command("recipe", "validate", str(recipe)), tmp_path)

    assert done.returncode == 1, done.stderr
    output = done.stdout + done.stderr
    assert "bomb.yaml" in output and "alias bomb" in output
    assert "Traceback" not in output and "this is a bug" not in output
    assert seconds < 20


def test_a_recipe_that_sets_a_key_twice_is_refused_not_resolved_to_the_last(tmp_path):
    recipe = tmp_path / "twice.yaml"
    recipe.write_text("name: twice\ntrain:\n  max_steps: 5\n  max_steps: 7000\n")

    done, _ = run_bounded(i2i_command("recipe", "validate", str(recipe)), tmp_path)

    assert done.returncode == 1
    output = done.stdout + done.stderr
    assert "train.max_steps" in output and "twice.yaml:4" in output
    assert "lines 3 and 4" in output


def test_a_recipe_in_latin1_names_the_file_and_the_offset(tmp_path):
    recipe = tmp_path / "latin1.yaml"
    recipe.write_bytes("name: r\ndescription: Zürich\n".encode("latin-1"))

    done, _ = run_bounded(i2i_command("recipe", "validate", str(recipe)), tmp_path)

    assert done.returncode == 1
    output = done.stdout + done.stderr
    assert "latin1.yaml" in output and "not UTF-8" in output and "offset 22" in output
    assert "this is a bug" not in output


# --- item 10: weights files ---------------------------------------------------------------------

TORCH_MEMORY_LIMIT = 6 << 30
"""Address space for a subprocess that imports torch (about 3 GB of it is mapped libraries)."""

HUGE_UNET = {
    "in_channels": 1,
    "out_channels": 1,
    "generator": {"name": "unet", "depth": 2, "base_channels": 20000, "norm": "group", "groups": 4},
}


def crafted_weights(path: Path, spec: dict[str, object]) -> Path:
    """A few hundred bytes of safetensors whose metadata describes ``spec``."""
    import json

    import torch
    from safetensors.torch import save_file

    save_file({"w": torch.zeros(1)}, str(path), metadata={"model": json.dumps(spec)})
    return path


def test_predict_with_a_tiny_file_describing_a_huge_model_is_refused(tmp_path):
    import numpy as np
    import tifffile

    weights = crafted_weights(tmp_path / "crafted.safetensors", HUGE_UNET)
    assert weights.stat().st_size < 400
    tifffile.imwrite(tmp_path / "field.tif", np.zeros((64, 64), dtype=np.uint16))
    command = i2i_command("predict", "-m", str(weights), "field.tif", "-o", "out.ome.tif")

    done, seconds = run_bounded(command, tmp_path, memory=TORCH_MEMORY_LIMIT)

    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert seconds < TIME_LIMIT
    assert "crafted.safetensors" in output and "I2I_MAX_MODEL_PARAMETERS" in output
    assert "this is a bug" not in output and "Traceback" not in output
    assert not (tmp_path / "out.ome.tif").exists()


# --- items 11, 15, 16: downloads --------------------------------------------------------------

MB = 1_000_000


@pytest.fixture
def weights_bytes(tmp_path_factory) -> bytes:
    from zoo_support import save_tiny_weights

    path = tmp_path_factory.mktemp("weights") / "tiny.safetensors"
    save_tiny_weights(path)
    return path.read_bytes()


def use_card(tmp_path: Path, monkeypatch, entry: dict[str, object]) -> Path:
    from zoo_support import write_manifest

    manifest = write_manifest(tmp_path / "zoo.yaml", [entry])
    monkeypatch.setenv("I2I_ZOO_MANIFEST", str(manifest))
    return manifest


def test_an_endless_download_stops_at_the_card_size(tmp_path, monkeypatch, cache):
    from zoo_support import card, send_body, serving_script

    from i2i.zoo import ModelUnavailableError, download_model

    expected = b"\1" * MB
    with serving_script(lambda h, n: None) as server:

        def endless(handler, name):
            chunks = (b"\0" * 65536 for _ in range(1000))  # 65 MB, no Content-Length
            send_body(handler, chunks, record=lambda n: server.sent.__setitem__(name, n))

        server.respond = endless
        use_card(tmp_path, monkeypatch, card("lab-dapi", [server.url("w")], expected))
        with pytest.raises(ModelUnavailableError, match=f"sent more than the {MB} bytes"):
            download_model("lab-dapi", progress=False)
    assert server.sent["w"] < 16 * MB
    assert not any(p.is_file() for p in cache.rglob("*"))


def test_a_card_size_that_does_not_match_the_file_is_refused(
    tmp_path, monkeypatch, cache, weights_bytes
):
    from zoo_support import card, serving

    from i2i.zoo import ModelUnavailableError, download_model

    with serving() as server:
        server.files["w"] = weights_bytes
        entry = card("lab-dapi", [server.url("w")], weights_bytes)
        entry["files"][0]["size"] = 1234  # type: ignore[index]
        use_card(tmp_path, monkeypatch, entry)
        with pytest.raises(ModelUnavailableError, match="should be 1234 bytes"):
            download_model("lab-dapi", progress=False)
    assert not any(p.is_file() for p in cache.rglob("*"))


def test_offline_with_a_corrupt_cached_model_says_it_is_corrupt(
    tmp_path, monkeypatch, cache, weights_bytes
):
    from zoo_support import card, serving

    import i2i
    from i2i.zoo import ModelUnavailableError, download_model

    with serving() as server:
        server.files["w"] = weights_bytes
        use_card(tmp_path, monkeypatch, card("lab-dapi", [server.url("w")], weights_bytes))
        path = download_model("lab-dapi", progress=False)
    path.write_bytes(b"\0" * len(weights_bytes))
    monkeypatch.setenv("I2I_OFFLINE", "1")
    with pytest.raises(ModelUnavailableError) as error:
        i2i.load_model("lab-dapi")
    message = str(error.value)
    assert "lab-dapi" in message and "corrupt" in message and "not in the cache" not in message
    assert "unset I2I_OFFLINE" in message


DOWNLOAD_SCRIPT = """
import sys
from i2i.zoo import download_model
try:
    print(download_model("lab-dapi", progress=False))
except Exception as exc:
    print(f"{type(exc).__name__}: {exc}")
    sys.exit(1)
"""


def test_a_full_disk_during_a_download_says_so(tmp_path, monkeypatch, cache, weights_bytes):
    from zoo_support import card, serving

    with serving() as server:
        server.files["w"] = weights_bytes
        use_card(tmp_path, monkeypatch, card("lab-dapi", [server.url("w")], weights_bytes))
        limit = len(weights_bytes) // 2

        def limit_file_size() -> None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

        done = subprocess.run(
            [sys.executable, "-c", DOWNLOAD_SCRIPT],
            capture_output=True,
            text=True,
            timeout=TIME_LIMIT * 2,
            preexec_fn=limit_file_size,
        )
    assert done.returncode == 1
    assert "file size limit exceeded" in done.stdout and "network" not in done.stdout
    assert server.requests == ["w"]  # no retries of a local problem
    assert not any(p.is_file() for p in cache.rglob("*"))


def test_a_card_with_a_plain_http_url_warns(tmp_path, monkeypatch, cache, weights_bytes):
    from zoo_support import card, serving

    from i2i.download import InsecureURLWarning
    from i2i.zoo import download_model

    with serving() as server:
        server.files["w"] = weights_bytes
        use_card(tmp_path, monkeypatch, card("lab-dapi", [server.url("w")], weights_bytes))
        with pytest.warns(InsecureURLWarning, match="plain http://"):
            download_model("lab-dapi", progress=False)


def test_processes_downloading_one_model_transfer_it_once(
    tmp_path, monkeypatch, cache, weights_bytes
):
    from zoo_support import card, send_body, serving_script

    data = weights_bytes

    def slowly(handler, name):
        step = len(data) // 10 + 1
        pieces = [data[i : i + step] for i in range(0, len(data), step)]
        send_body(handler, pieces, length=len(data), pause=0.15)

    with serving_script(slowly) as server:
        use_card(tmp_path, monkeypatch, card("lab-dapi", [server.url("w")], data))
        processes = [
            subprocess.Popen(
                [sys.executable, "-c", DOWNLOAD_SCRIPT],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(3)
        ]
        outputs = [p.communicate(timeout=TIME_LIMIT * 2) for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0], outputs
    assert len({out.strip() for out, _ in outputs}) == 1
    assert server.requests == ["w"]  # one transfer; the others waited and reused it
