"""``python -m i2i`` (also what ``accelerate launch -m i2i`` runs)."""

from i2i.cli import main

main()
