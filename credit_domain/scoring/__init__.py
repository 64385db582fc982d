"""Credit scoring: the scorecard policy, indicators computed by SQL, stored and explained
scores, recomputation on changed inputs and nightly, and the backtest."""
