"""i2i.safe_yaml: YAML from files a user did not write, parsed within limits."""

from __future__ import annotations

import time

import pytest

from i2i.safe_yaml import MAX_EXPANDED_NODES, YAMLContentError, decode_utf8, load_checked


def billion_laughs(levels: int) -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def test_ordinary_yaml_with_anchors_and_merge_keys_loads():
    text = "base: &b {lr: 0.1, steps: 5}\nrun: {<<: *b, steps: 7}\nlist: [*b, *b]\n"
    parsed = load_checked(text)
    assert parsed.data["run"] == {"lr": 0.1, "steps": 7}
    assert parsed.data["list"] == [{"lr": 0.1, "steps": 5}] * 2
    assert parsed.root is not None and parsed.root.start_mark.line == 0


def test_an_alias_bomb_is_refused_in_time_linear_in_the_file():
    start = time.monotonic()
    with pytest.raises(YAMLContentError, match="alias bomb") as error:
        load_checked(billion_laughs(10))  # 9**10 = 3.5 billion values in 600 bytes
    assert time.monotonic() - start < 1.0
    assert f"{MAX_EXPANDED_NODES:,}" in str(error.value)


def test_expansion_just_under_the_limit_is_allowed():
    assert len(load_checked(billion_laughs(4)).data["a3"]) == 9  # 9**4 values: fine


def test_a_key_written_twice_names_both_lines_and_the_path():
    with pytest.raises(YAMLContentError) as error:
        load_checked("train:\n  max_steps: 5\n  lr: 1\n  max_steps: 7000\n")
    assert error.value.line == 4 and error.value.path == ("train", "max_steps")
    assert "lines 2 and 4" in str(error.value)


def test_keys_equal_as_text_but_of_other_types_are_different_keys():
    assert load_checked("1: a\n'1': b\n").data == {1: "a", "1": "b"}


def test_a_recursive_alias_is_refused():
    with pytest.raises(YAMLContentError, match="recursive alias"):
        load_checked("a: &a [1, *a]\n")


def test_deep_nesting_is_a_clear_error_not_a_crash():
    with pytest.raises(YAMLContentError, match="nested too deeply"):
        load_checked("[" * 20_000 + "]" * 20_000)


def test_syntax_errors_carry_their_line():
    with pytest.raises(YAMLContentError, match="YAML syntax error") as error:
        load_checked("a: 1\nb: [1\nc: 2\n")
    assert error.value.line is not None


def test_invalid_utf8_names_the_byte_offset_and_line():
    with pytest.raises(YAMLContentError, match=r"byte 0xe9 at offset 11 \(line 2\)"):
        decode_utf8("a: 1\nb: caf\xe9\n".encode("latin-1"))
    assert decode_utf8("b: café\n".encode()) == "b: café\n"
