#!/usr/bin/env python3
"""Opens COUNT keep-alive connections to HOST:PORT and holds them idle.

Each connection sends one `GET PATH` (HTTP/1.1, keep-alive), reads the answer whole, then
sends nothing more. When all are open, prints one JSON line
{"held": N, "failed": M, "seconds": S}; then holds them until SIGTERM or SIGINT, or at most
HOLD_SECONDS, and prints {"still_open": K} (connections the server has not closed).

  idle_holder.py HOST PORT COUNT PATH [HOLD_SECONDS]
"""

import asyncio
import json
import resource
import signal
import sys
import time

CONNECT_AT_ONCE = 256  # connections being opened at the same time
ANSWER_TIMEOUT = 30


async def open_one(host, port, path, gate):
    async with gate:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(host, port), ANSWER_TIMEOUT)
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), ANSWER_TIMEOUT)
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n"):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        if length:
            await asyncio.wait_for(reader.readexactly(length), ANSWER_TIMEOUT)
        if status != 200:
            writer.close()
            raise RuntimeError(f"status {status}")
        return reader, writer


async def main():
    host, port, count, path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    hold_seconds = float(sys.argv[5]) if len(sys.argv) > 5 else 600
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    begin = time.monotonic()
    gate = asyncio.Semaphore(CONNECT_AT_ONCE)
    results = await asyncio.gather(
        *(open_one(host, port, path, gate) for _ in range(count)), return_exceptions=True)
    held = [result for result in results if not isinstance(result, BaseException)]
    print(json.dumps({"held": len(held), "failed": count - len(held),
                      "seconds": round(time.monotonic() - begin, 2)}), flush=True)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(number, stop.set)
    try:
        await asyncio.wait_for(stop.wait(), hold_seconds)
    except asyncio.TimeoutError:
        pass
    # A connection the server closed has its end of stream waiting to be read.
    await asyncio.sleep(0)
    still_open = sum(1 for reader, _ in held if not reader.at_eof())
    print(json.dumps({"still_open": still_open}), flush=True)
    for _, writer in held:
        writer.close()


if __name__ == "__main__":
    asyncio.run(main())
