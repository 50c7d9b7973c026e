"""Sanic workers that each listen on their own socket, so the kernel spreads connections evenly.

Sanic 21.12 (Rasa 3.6) binds one listening socket and forks the workers onto it. A worker that
wakes up accepts every pending connection at once, so when several patients' requests arrive
together one worker takes them all while the other idles: measured under the benchmark's 20
concurrent conversations, one worker used 7.3 s of CPU and the other 4.0 s, and latency followed
the busy one. Here each worker opens its own socket on the same address with SO_REUSEPORT, and
the kernel assigns every new connection to one of them. The rest is Sanic's own `serve_multiple`.
"""

import asyncio
import multiprocessing
from multiprocessing.process import BaseProcess
from signal import SIGINT, SIGTERM
from signal import signal as signal_func
from typing import Any, Dict, List

import sanic.app
from sanic.server import runners
from sanic.server.events import trigger_events

_sanic_serve_multiple = runners.serve_multiple


def serve_multiple(server_settings: Dict[str, Any], workers: int) -> None:
    if server_settings.get("sock") is not None or server_settings.get("unix"):
        return _sanic_serve_multiple(server_settings, workers)  # a socket given by the caller
    server_settings["reuse_port"] = True  # each worker's create_server(host, port) binds its own
    server_settings["run_multiple"] = True
    main_start = server_settings.pop("main_start", None)
    main_stop = server_settings.pop("main_stop", None)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    trigger_events(main_start, loop)
    processes: List[BaseProcess] = []

    def stop_workers(_signum: int, _frame: Any) -> None:
        for process in processes:
            process.terminate()  # SIGTERM, like Sanic's os.kill(pid, SIGTERM), skipping a worker already reaped

    signal_func(SIGINT, stop_workers)
    signal_func(SIGTERM, stop_workers)
    fork = multiprocessing.get_context("fork")
    for _ in range(workers):
        worker = fork.Process(target=runners.serve, kwargs=server_settings, daemon=True)
        worker.start()
        processes.append(worker)
    for process in processes:
        process.join()
    for process in processes:
        process.terminate()
    trigger_events(main_stop, loop)
    loop.close()


def apply() -> None:
    sanic.app.serve_multiple = serve_multiple
