"""Framework integrations: Keras, PyTorch Lightning and Hugging Face transformers.

Each integration is an optional extra and imports its framework only when it is used; without
the framework it raises :class:`~sweeplab.errors.MissingExtraError` (an ``ImportError``) naming
the extra to install:

- ``sweeplab.integration.keras`` (also ``sweeplab.keras``): ``pip install 'sweeplab[keras]'``
- ``sweeplab.integration.lightning``: ``pip install 'sweeplab[lightning]'``
- ``sweeplab.integration.huggingface``: ``pip install 'sweeplab[huggingface]'``

Every integration writes to a run started with ``sweeplab.init()`` (or starts one), and ends
training cleanly when a sweep asks the run to stop (see ``docs/integrations.md``).
"""
