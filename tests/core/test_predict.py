"""``i2i.predict``: a plain function; the old package path warns and aliases i2i.prediction."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    """Runs ``code`` in a fresh interpreter (module state such as sys.modules starts clean)."""
    return subprocess.run(
        [sys.executable, "-W", "always::DeprecationWarning", "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_i2i_predict_is_a_plain_function_without_a_warning():
    result = run_python(
        """
        import types
        import i2i
        assert type(i2i.predict) is types.FunctionType, type(i2i.predict)
        assert i2i.predict.__module__ == "i2i.prediction.api"
        import i2i.prediction
        assert i2i.predict is i2i.prediction.predict
        """
    )
    assert result.returncode == 0, result.stderr
    assert "DeprecationWarning" not in result.stderr


def test_the_old_package_path_warns_and_gives_the_same_objects():
    result = run_python(
        """
        import i2i
        from i2i.predict.predictor import Predictor as OldPredictor
        from i2i.predict import load_predictor as old_load
        import i2i.prediction
        from i2i.prediction.predictor import Predictor
        assert OldPredictor is Predictor
        assert old_load is i2i.prediction.load_predictor
        assert callable(i2i.predict)
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("DeprecationWarning") == 1, result.stderr
    assert "i2i.prediction" in result.stderr
