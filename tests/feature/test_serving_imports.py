"""A citizen-serving process keeps to what serving needs: scikit-learn and SciPy are for training and for the
analysts' question groups, pygal for their dashboard, and importing them would add ~35 MB to every server
(bench/RESULTS.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import PROJECT_DIR

SERVE_AND_WARM_UP = """
import json, sys
from bot.settings import Settings
from connectors import create_app
app = create_app(Settings.from_env())
turns = app.extensions["bot_engine"].warm_up()
print(json.dumps({"turns": turns, "loaded": sorted({m.split(".")[0] for m in sys.modules} & {"scipy", "sklearn", "pygal"})}))
"""


def test_a_warmed_up_server_has_not_imported_scipy_scikit_learn_or_pygal(demo_data, test_env):
    out = subprocess.run(
        [sys.executable, "-c", SERVE_AND_WARM_UP],
        cwd=PROJECT_DIR,
        env={**os.environ, **test_env},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    result = json.loads(out.strip().splitlines()[-1])
    assert result["turns"] > 5  # the actions' caches were built: FAQ index, garbage index
    assert result["loaded"] == []
