"""--shard I/N: the slices of N jobs cover every item (a plate's fields) exactly once."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from i2i.cli import app
from i2i.shards import Shard, ShardError

runner = CliRunner()


@given(fields=st.integers(0, 200), count=st.integers(1, 7))
def test_the_shards_of_n_jobs_cover_every_field_exactly_once(fields: int, count: int) -> None:
    addresses = [
        f"{row}/{column:02d}/{site}"
        for row in "ABCDEFGHIJKLMNOP"
        for column in range(1, 25)
        for site in range(9)
    ][:fields]
    slices = [Shard(index, count).select(addresses) for index in range(count)]
    assert [a for s in slices for a in s] == addresses  # in order, none twice, none left out
    sizes = [len(s) for s in slices]
    assert max(sizes) - min(sizes) <= 1  # balanced


def test_shard_values_parse_and_bad_ones_say_how_to_write_them() -> None:
    assert Shard.parse("2/8") == Shard(2, 8) and str(Shard.parse(" 0 / 1 ")) == "0/1"
    for bad in ("8/8", "1", "-1/4", "a/b", "0/0"):
        with pytest.raises(ShardError, match=r"give I/N with 0 <= I < N"):
            Shard.parse(bad)


@pytest.mark.parametrize("command", [["predict"], ["plate", "predict"]])
def test_a_bad_shard_option_is_refused_before_anything_is_read(tmp_path, command) -> None:
    args = [*command, str(tmp_path / "p.zarr"), "-m", "x", "-o", str(tmp_path / "o")]
    result = runner.invoke(app, [*args, "--shard", "3/3"])
    assert result.exit_code == 1 and "--shard '3/3'" in str(result.exception)
    assert not (tmp_path / "o").exists()
