"""Input and output: atomic writes, run outputs and the batch store."""
