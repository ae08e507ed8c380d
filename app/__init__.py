"""The partner portal's Litestar application."""

import os

# One BLAS thread per process: a server's concurrency is its event loop and its workers, and
# BLAS threads of the anonymity checks (kpi.anonymity, small SVDs) only competed with them for
# the same cores (measured: 3-150x slower and spiky on 2 cores under load). Set before numpy
# is first imported; an explicit setting in the environment wins.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")
