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

def header(version=2):
    """Version 2 segments open with a hard state and a log_start record (FileStorage writes
    them so); version 1 segments, written before snapshots existed, have no log_start."""
    head = b"PPAPDWAL" + struct.pack("<I", version)
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

def log_start(index=0, term=0):
    return record(4, struct.pack("<QQ", index, term))

# The example of docs/raft-storage.md, byte for byte.
example = header() + hard_state() + log_start() + hard_state(2, 3, 1, 0) + entry(2, 1, b"hi")
documented = bytes.fromhex(  # the hex dump in docs/raft-storage.md
    "505041504457414c02000000ad9f74a6"  # header, version 2
    "19000000c39b68550200000000000000000000000000000000000000000000000000"  # hard state (all zero)
    "10000000ccb982640400000000000000000000000000000000"  # log_start(0, 0)
    "1900000050be121d0202000000000000000300000000000000010000000000000000"  # hard state
    "13000000a59838190102000000000000000100000000000000006869")  # entry
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
raw_seed("raw_overwrite", [header() + hard_state(1) + log_start() + entry(1, 1, b"a") +
                           entry(1, 2, b"b", 1) + truncate(1) + entry(2, 2, b"c") +
                           hard_state(2, 1, 1, 2) + entry(2, 3, b"", 2)])
raw_seed("raw_two_segments", [header() + hard_state(1) + log_start() + entry(1, 1, b"one") +
                              entry(1, 2, b"two"),
                              header() + hard_state(1, 2, 1, 2) + log_start(2, 1) +
                              entry(3, 3, b"three")])
raw_seed("raw_torn_tail", [header() + hard_state() + log_start() + entry(1, 1, b"kept") +
                           entry(1, 2, b"torn")[:-2]])
raw_seed("raw_header_only", [header()[:10]])
# A log_start that replaces the log (as an install writes it, here back to an empty log).
raw_seed("raw_log_start_reset", [header() + hard_state(2) + log_start() + entry(1, 1, b"a") +
                                 entry(1, 2, b"b") + log_start(0, 0) + entry(2, 1, b"new")])
# A log that starts after index 4 with no snapshot: refused (entries missing).
raw_seed("raw_log_start_later", [header() + hard_state(1) + log_start(4, 1) + entry(1, 5, b"x")])
# Segments written before snapshots existed (version 1, no log_start records).
raw_seed("raw_version_1", [header(1) + hard_state(1) + entry(1, 1, b"one") + entry(1, 2, b"two"),
                           header(1) + hard_state(1, 2, 1, 2) + entry(3, 3, b"three")])
