"""The sweeps behind constants that shipped (fusion weights, role priors, BM25 column weights, document cut, BLAS threads)."""
