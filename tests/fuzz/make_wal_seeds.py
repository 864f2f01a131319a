#!/usr/bin/env python3
"""Writes the raw-shape seeds of the wal_recovery fuzz target into corpus/wal_recovery/.

Each seed is one or two segment files in the format of docs/raft-storage.md, followed by the
control bytes the target reads from the end of its input (see wal_recovery_fuzz.cpp).
Run from tests/fuzz/: python3 make_wal_seeds.py. The output is checked in; this script is
kept so that the seeds can be remade when the format changes.
"""
import struct

def crc32c(data, crc=0):
    crc ^= 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF

assert crc32c(b"123456789") == 0xE3069283

def header():
    head = b"PPAPDWAL" + struct.pack("<I", 1)
    return head + struct.pack("<I", crc32c(head))

def record(kind, payload):
    length = struct.pack("<I", len(payload))
    body = bytes([kind]) + payload
    return length + struct.pack("<I", crc32c(length + body)) + body

def entry(term, index, data=b"", kind=0):
    return record(1, struct.pack("<QQB", term, index, kind) + data)

def hard_state(term=0, vote=0, has_vote=0, commit=0):
    return record(2, struct.pack("<QQBQ", term, vote, has_vote, commit))

def truncate(last_kept):
    return record(3, struct.pack("<Q", last_kept))

# The example of docs/raft-storage.md, byte for byte.
example = header() + hard_state() + hard_state(2, 3, 1, 0) + entry(2, 1, b"hi")
documented = bytes.fromhex(  # the hex dump in docs/raft-storage.md
    "505041504457414c01000000941656c4" "19000000c39b6855020000000000000000000000000000"
    "0000000000000000000000" "1900000050be121d02020000000000000003000000000000000100"
    "00000000000000" "13000000a598381901020000000000000001000000000000000068" "69")
assert example == documented, "does not match the documented example"

def raw_seed(name, segments):
    """Control bytes, read from the end: mode (0 = raw), segment_bytes_max (2 bytes),
    small record_bytes_max (0 = no), two segments, split offset (2 bytes)."""
    data = b"".join(segments)
    split = len(segments[0])
    control = struct.pack("<H", split) + bytes([len(segments) == 2, 0]) + b"\x00\x00" + b"\x00"
    with open("corpus/wal_recovery/" + name, "wb") as out:
        out.write(data + control)

raw_seed("raw_example", [example])
raw_seed("raw_overwrite", [header() + hard_state(1) + entry(1, 1, b"a") + entry(1, 2, b"b", 1) +
                           truncate(1) + entry(2, 2, b"c") + hard_state(2, 1, 1, 2) +
                           entry(2, 3, b"", 2)])
raw_seed("raw_two_segments", [header() + hard_state(1) + entry(1, 1, b"one") + entry(1, 2, b"two"),
                              header() + hard_state(1, 2, 1, 2) + entry(3, 3, b"three")])
raw_seed("raw_torn_tail", [header() + hard_state() + entry(1, 1, b"kept") + entry(1, 2, b"torn")[:-2]])
raw_seed("raw_header_only", [header()[:10]])
