"""Developer tools, never shipped: benchmarks (bench), soak runs (soak), their harness."""
