"""Policy levers: the programme interface and one module per lever (incubation included)."""
