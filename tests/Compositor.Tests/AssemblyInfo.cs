// These tests start compositors and set XDG_RUNTIME_DIR for child processes: one at a time.
[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]
