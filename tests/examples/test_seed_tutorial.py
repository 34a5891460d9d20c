"""The seed tutorial's own code (W&B's TensorFlow sweeps tutorial, in Korean) runs on sweeplab.

The test reads the tutorial from the project's shared folder (``../shared`` beside the repo,
also in CI), takes its ```python blocks in order, and runs them as one script, every line as
written except these substitutions, each checked to apply exactly once:

1. The ``%%capture`` / ``!pip install wandb`` cell is left out: it is IPython syntax, not
   Python, and sweeplab is already installed.
2. ``import wandb`` → ``import sweeplab as wandb``, and ``from wandb.keras import
   WandbCallback`` → ``from sweeplab.keras import WandbCallback``: the import change a W&B
   user makes (the point of the test).
3. ``keras.datasets.mnist.load_data()`` → ``load_digits_as_mnist()``: MNIST cannot be
   downloaded here. The helper (defined before the tutorial's code) returns scikit-learn's
   bundled digits in MNIST's layout (28x28 uint8 images, 0..255, integer labels), so the
   tutorial's own ``/255.`` and ``np.reshape(x, (-1, 784))`` lines run unchanged.
4. ``train_acc_metric.reset_states()`` / ``val_acc_metric.reset_states()`` →
   ``reset_state()``: Keras 3 (``tf.keras`` since TensorFlow 2.16) removed ``reset_states``;
   the tutorial fails the same way under W&B on a current TensorFlow. Not a sweeplab matter.

Everything else, the 10-run random sweep with hyperband included, runs as written.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sweeplab.domain import RunState
from sweeplab.store.base import Store
from tests.examples.conftest import REPO_ROOT, run_python

pytestmark = pytest.mark.integration

TUTORIAL = REPO_ROOT.parent / "shared" / "seed" / "tensorflow-sweeps-tutorial.md"

# (what the tutorial says, what runs instead); each must occur exactly once.
SUBSTITUTIONS = [
    ("import wandb\n", "import sweeplab as wandb\n"),
    ("from wandb.keras import WandbCallback", "from sweeplab.keras import WandbCallback"),
    ("keras.datasets.mnist.load_data()", "load_digits_as_mnist()"),
    ("train_acc_metric.reset_states()", "train_acc_metric.reset_state()"),
    ("val_acc_metric.reset_states()", "val_acc_metric.reset_state()"),
]

# Defined before the tutorial's code: digits in MNIST's layout (see substitution 3).
PRELUDE = '''
def load_digits_as_mnist():
    import numpy
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    # 8x8 images of 0..16 -> 0..255, each pixel a 3x3 block (24x24), padded to 28x28.
    images = numpy.clip(digits.images * 16, 0, 255).astype("uint8")
    images = numpy.kron(images, numpy.ones((1, 3, 3), dtype="uint8"))
    images = numpy.pad(images, ((0, 0), (2, 2), (2, 2)))
    x_train, x_test, y_train, y_test = train_test_split(
        images, digits.target.astype("uint8"), test_size=0.25, random_state=0
    )
    return (x_train, y_train), (x_test, y_test)
'''


def tutorial_script(markdown: str) -> str:
    blocks = re.findall(r"```python\n(.*?)```", markdown, flags=re.DOTALL)
    assert len(blocks) >= 8, f"expected the tutorial's code blocks, found {len(blocks)}"
    magics = [block for block in blocks if block.lstrip().startswith("%%capture")]
    assert len(magics) == 1 and "!pip install wandb" in magics[0]
    code = "\n".join(block for block in blocks if block not in magics)
    for original, replacement in SUBSTITUTIONS:
        occurrences = code.count(original)
        assert occurrences == 1, f"{original!r} occurs {occurrences} times in the tutorial"
        code = code.replace(original, replacement)
    assert "wandb.keras" not in code.replace("sweeplab.keras", "")
    return PRELUDE + "\n" + code


def test_the_seed_tutorial_runs_with_only_the_import_changed(
    tmp_path: Path, sweeplab_dir: Path, store: Store
) -> None:
    if not TUTORIAL.is_file():
        pytest.fail(
            f"the seed tutorial is missing: expected {TUTORIAL} (the project's shared/ folder "
            "beside the repository, as CI lays it out)",
            pytrace=False,
        )
    script = tmp_path / "tutorial.py"
    script.write_text(tutorial_script(TUTORIAL.read_text(encoding="utf-8")))
    run_python(script, [], sweeplab_dir, tmp_path)

    (sweep,) = store.list_sweeps(project="sweeps-tensorflow")
    assert sweep.config["early_terminate"] == {"type": "hyperband", "min_iter": 5}
    runs = store.sweep_runs(sweep.sweep_id)
    assert len(runs) == 10  # wandb.agent(sweep_id, function=sweep_train, count=10)
    for run in runs:
        assert run.state is RunState.FINISHED, run.end_reason
        assert run.config["batch_size"] in (32, 64, 128, 256)
        assert run.config["learning_rate"] in (0.01, 0.005, 0.001, 0.0005, 0.0001)
        assert run.config["epochs"] == 2 and run.config["dataset_name"] == "MNIST"
        history = store.read_metrics(run.run_id)
        assert [value for _, value in history["epochs"]] == [0.0, 1.0]
        assert {"loss", "acc", "val_loss", "val_acc"} <= history.keys()
    # Plain SGD for two epochs still learns something at the larger learning rates.
    assert max(run.summary["val_acc"] for run in runs) > 0.3
