"""Starts moto's server with each DynamoDB and SQS backend call made atomic.

moto answers requests on several threads, and its backends check-then-act without locks: two
concurrent conditional UpdateItems can both pass their condition, and two concurrent
ReceiveMessage calls can both take the same visible message. DynamoDB and SQS themselves are
atomic per request, which is exactly what the adapters rely on (and what the conformance
suite checks). This launcher gives the emulator that per-request atomicity with one lock, so
the tests exercise the adapters rather than the emulator's races. A long-polling receive
waits outside the lock, so it never blocks other requests.

Usage: python moto_atomic.py -H 127.0.0.1 -p PORT   (the arguments of moto_server)
"""

import functools
import threading
import time

from moto.dynamodb.models import DynamoDBBackend
from moto.server import main
from moto.sqs.models import SQSBackend

LOCK = threading.RLock()


def atomic(method):
    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        with LOCK:
            return method(*args, **kwargs)

    return wrapper


def atomic_receive(method):
    """ReceiveMessage without holding the lock while it long-polls."""

    @functools.wraps(method)
    def wrapper(self, queue_name, count, wait_seconds_timeout, visibility_timeout, *args, **kwargs):
        deadline = time.monotonic() + (wait_seconds_timeout or 0)
        while True:
            with LOCK:
                found = method(self, queue_name, count, 0, visibility_timeout, *args, **kwargs)
            if found or time.monotonic() >= deadline:
                return found
            time.sleep(min(0.02, max(0.0, deadline - time.monotonic())))

    return wrapper


for backend in (DynamoDBBackend, SQSBackend):
    for name, member in list(vars(backend).items()):
        if callable(member) and not name.startswith("_") and name != "receive_message":
            setattr(backend, name, atomic(member))
SQSBackend.receive_message = atomic_receive(SQSBackend.receive_message)

if __name__ == "__main__":
    main()
