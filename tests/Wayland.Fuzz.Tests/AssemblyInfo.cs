// The fuzz runs each want the machine's two cores to themselves.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
