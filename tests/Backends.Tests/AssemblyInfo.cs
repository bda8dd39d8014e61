// One EGL context per renderer, current on the thread that made it: tests run one at a time.
[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]
