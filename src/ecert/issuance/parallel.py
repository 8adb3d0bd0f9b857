"""Signing in a second process while the importer stores the next chunk.

The machine has more than one core, and an import is bound by one: reading, checking and storing
rows on one side, encoding and signing claims on the other. Keys held in memory (the file key
store) are handed to one forked worker by inheritance, never through a pipe or a file; a key in an
HSM (PKCS#11) signs in the importer's own process, since its session does not survive a fork.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor

from ecert.core.formats.algorithms import SoftwareKey
from ecert.issuance.signing_batch import BatchSigner, ClaimsFields, Signed, sign_claims

# Filled in the importer's process before the worker is forked; the worker inherits a copy.
_SIGNERS: dict[str, BatchSigner] = {}


def _sign_in_worker(name: str, claims: Sequence[ClaimsFields]) -> list[Signed]:
    signer = _SIGNERS[name]
    return sign_claims(signer, claims)


class Signing:
    """Where a chunk's claims get signed: a forked worker when it helps, else this process."""

    def __init__(self, signers: Mapping[str, BatchSigner]) -> None:
        self.signers = signers
        self._pool: ProcessPoolExecutor | None = None
        self.parallel = (os.cpu_count() or 1) > 1 and all(
            isinstance(s.signer, SoftwareKey) for s in signers.values()
        )

    def submit(
        self, name: str, claims: Sequence[ClaimsFields], *, worth_a_worker: bool
    ) -> Future[list[Signed]]:
        if self.parallel and worth_a_worker:
            return self._worker().submit(_sign_in_worker, name, list(claims))
        signer = self.signers[name]
        done: Future[list[Signed]] = Future()
        done.set_result(sign_claims(signer, claims))
        return done

    def _worker(self) -> ProcessPoolExecutor:
        if self._pool is None:
            _SIGNERS.clear()
            _SIGNERS.update(self.signers)
            self._pool = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("fork")
            )
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        _SIGNERS.clear()
