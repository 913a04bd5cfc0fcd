#!/usr/bin/env python3
"""bench/lib/cold_client.py HOST PORT PATH N: N concurrent GETs for one URL.

Opens N keep-alive connections first, then writes the N requests back to back and reads the N
responses. Latency: from just before the first write to the last byte of each response. Prints one
line: "OK MIN P50 P90 MAX" (OK: responses with status 200; the rest in ms, nearest-rank
percentiles over the N). Every read is bounded (10 s).
"""
import asyncio
import math
import sys
import time

HOST, PORT, PATH, N = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])


async def read_response(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    length, chunked = None, False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value.strip())
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0].strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status


async def main():
    conns = await asyncio.wait_for(
        asyncio.gather(*(asyncio.open_connection(HOST, PORT) for _ in range(N))), 10)
    request = ("GET %s HTTP/1.1\r\nHost: %s:%d\r\nUser-Agent: bench-cold\r\n\r\n" % (PATH, HOST, PORT)).encode()
    done = [0.0] * N
    t0 = time.perf_counter()
    for _, writer in conns:
        writer.write(request)

    async def one(i, reader):
        status = await asyncio.wait_for(read_response(reader), 10)
        done[i] = (time.perf_counter() - t0) * 1000
        return status

    results = await asyncio.gather(*(one(i, r) for i, (r, _) in enumerate(conns)))
    for _, writer in conns:
        writer.close()
    ms = sorted(done)
    rank = lambda q: ms[max(0, math.ceil(q * len(ms)) - 1)]
    print("%d %.1f %.1f %.1f %.1f" % (sum(1 for s in results if s == 200), ms[0], rank(0.5), rank(0.9), ms[-1]))


asyncio.run(main())
