"""``python -m ecert.cli``: the same as the ``ecert`` command."""

from ecert.cli import main

main()
