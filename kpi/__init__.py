"""Pure KPI engine: metric catalogue, periods, formulas and statistics. No I/O."""
