"""A faithful replica of the seed service: FastAPI + httpx, an in-memory TTL cache, eth_utils checksum.

It is the peer the HTTP harness compares against, not production code. Per miss it does what the seed
did: ask the head (eth_blockNumber), then the balance (eth_getBalance), one call after the other.
Run: RPC_URL=http://127.0.0.1:8545 uvicorn app:app --port 8000 --log-level warning
"""
import os
import time

import httpx
from eth_utils import from_wei, is_address, to_checksum_address
from fastapi import FastAPI, HTTPException

RPC_URL = os.environ.get("RPC_URL", "http://127.0.0.1:8545")
CACHE_TTL_SECONDS = float(os.environ.get("CACHE_TTL_SECONDS", "5"))

app = FastAPI()
client = httpx.AsyncClient(timeout=5.0)
cache: dict[str, tuple[float, dict]] = {}
request_id = 0


async def rpc(method: str, params: list) -> str:
    global request_id
    request_id += 1
    reply = await client.post(RPC_URL, json={"jsonrpc": "2.0", "id": request_id, "method": method, "params": params})
    reply.raise_for_status()
    body = reply.json()
    if "error" in body:
        raise HTTPException(status_code=502, detail=body["error"])
    return body["result"]


@app.get("/address/balance/{address}")
async def balance(address: str):
    if not is_address(address):
        raise HTTPException(status_code=400, detail="invalid address")
    checksummed = to_checksum_address(address)
    now = time.monotonic()
    hit = cache.get(checksummed)
    if hit is not None and now - hit[0] < CACHE_TTL_SECONDS:
        return hit[1]
    started = time.perf_counter()
    head = await rpc("eth_blockNumber", [])
    wei = int(await rpc("eth_getBalance", [checksummed, head]), 16)
    body = {
        "address": checksummed,
        "network": "mainnet",
        "blockTag": "latest",
        "balance": str(from_wei(wei, "ether")),
        "balanceWei": str(wei),
        "rpcLatencyMs": round((time.perf_counter() - started) * 1000, 2),
        "headBlockNumber": head,
    }
    cache[checksummed] = (now, body)
    return body
