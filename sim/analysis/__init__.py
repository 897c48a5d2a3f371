"""Analysis (computation only): comparisons, sensitivity analysis and calibration."""
