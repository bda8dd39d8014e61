// Tests count this process's open fds and flip process-wide trace settings: run them one at a time.
[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]
