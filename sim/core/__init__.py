"""The simulation core: the Mesa model, the firm population, the bank and the shocks."""
