#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Seeded mutations of a trace for tests/cli/badinput.sh (the fuzz part).

  badinput_mut.py KIND SEED COUNT IN OUTDIR
writes OUTDIR/KIND-S for S = SEED .. SEED+COUNT-1 (one process: python
starts slowly). KIND:
  raw      flip/insert/delete/cut bytes anywhere
  payload  mutate decoded records or metadata of a binary trace and re-seal
           it with valid CRCs and sizes, so the damage reaches the record
           decoder and the engine instead of stopping at a CRC check
  text     line-level mutations of a text scenario

Layout constants follow src/format/layout.h (man/avtrace-format.5).
"""
import random
import struct
import sys
import zlib

FH_LEN_OFF, MD_HEAD, CK_HEAD = 12, 16, 48


def mutate_bytes(rnd, b, n):
    b = bytearray(b)
    for _ in range(n):
        if not b:
            break
        op = rnd.randrange(6)
        i = rnd.randrange(len(b))
        if op == 0:
            b[i] ^= 1 << rnd.randrange(8)
        elif op == 1:
            b[i] = rnd.choice([0, 1, 0x7f, 0x80, 0xff, rnd.randrange(256)])
        elif op == 2:	# an interesting 32-bit value (sizes, counts, ids)
            v = rnd.choice([0, 1, 0xffffffff, 0x7fffffff, 0x80000000, 24, 4096,
                            rnd.randrange(1 << 32)])
            b[i:i + 4] = struct.pack('<I', v)[:len(b[i:i + 4])]
        elif op == 3:
            del b[i:i + rnd.randrange(1, 9)]
        elif op == 4:
            b[i:i] = bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 9)))
        else:	# copy a slice elsewhere (duplicates record headers)
            j = rnd.randrange(len(b))
            b[j:j] = b[i:i + rnd.randrange(1, 32)]
    return bytes(b)


def raw(rnd, data):
    if rnd.randrange(4) == 0:
        return data[:rnd.randrange(len(data) + 1)]
    return mutate_bytes(rnd, data, rnd.randrange(1, 5))


def payload(rnd, data):
    hlen = struct.unpack_from('<I', data, FH_LEN_OFF)[0]
    mlen, count = struct.unpack_from('<II', data, hlen + 4)
    mstart = hlen + MD_HEAD
    ents = data[mstart:mstart + mlen]
    pos = mstart + mlen
    chunks = []
    while data[pos:pos + 4] == b'AVCK':
        h = data[pos:pos + CK_HEAD]
        codec, chl = struct.unpack_from('<HH', h, 4)
        rawlen, stored, nrec = struct.unpack_from('<III', h, 12)
        body = data[pos + chl:pos + chl + stored]
        chunks.append([bytearray(h[:chl]), zlib.decompress(body) if codec == 1 else body, nrec])
        pos += chl + stored
    if rnd.randrange(5) == 0 or not chunks:	# metadata entries
        ents = mutate_bytes(rnd, ents, rnd.randrange(1, 4))
        if rnd.randrange(2):
            count = rnd.choice([0, count + 1, max(count - 1, 0), rnd.randrange(64)])
    else:
        c = rnd.choice(chunks)
        c[1] = mutate_bytes(rnd, c[1], rnd.randrange(1, 9))
        if rnd.randrange(4) == 0:
            c[2] = max(0, c[2] + rnd.choice([-1, 1]))
    md_head = b'AVMD' + struct.pack('<II', len(ents), count)
    out = bytearray(data[:hlen]) + md_head + struct.pack('<I', zlib.crc32(md_head + ents)) + ents
    for h, body, nrec in chunks:	# re-seal: sizes, count and both CRCs
        codec = rnd.choice([0, 1])
        stored = zlib.compress(body) if codec == 1 else body
        struct.pack_into('<HH', h, 4, codec, len(h))
        struct.pack_into('<III', h, 12, len(body), len(stored), nrec)
        struct.pack_into('<I', h, 40, zlib.crc32(stored))
        struct.pack_into('<I', h, len(h) - 4, zlib.crc32(bytes(h[:-4])))
        out += h + stored
    return bytes(out)	# no index footer: a trace whose writer was killed


WORDS = [b'0', b'-1', b'0x0', b'0xffffffffffffffff', b'18446744073709551616', b'99999999999',
         b'=', b'==', b'"', b'\\', b'key=', b'=val', b'|', b'MAP_FIXED', b'-ENOMEM', b'@', b'c9999',
         b'4294967296/1', b'snap_vma', b'fork', b'exit', b'exec', b'mmap', b'munmap', b'mremap',
         b'checkpoint', b'set', b'meta', b'chain=', b'0-0', b'\x00', b'\xff', b'\t']


def text(rnd, data):
    lines = data.split(b'\n')
    for _ in range(rnd.randrange(1, 4)):
        i = rnd.randrange(len(lines))
        op = rnd.randrange(6)
        if op == 0:
            del lines[i]
        elif op == 1:
            lines.insert(rnd.randrange(len(lines) + 1), lines[i])
        elif op == 2:
            j = rnd.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == 3:	# replace one token
            toks = lines[i].split(b' ')
            k = rnd.randrange(len(toks))
            if b'=' in toks[k] and rnd.randrange(2):
                key = toks[k].split(b'=')[0]
                toks[k] = key + b'=' + rnd.choice(WORDS)
            else:
                toks[k] = rnd.choice(WORDS)
            lines[i] = b' '.join(toks)
        elif op == 4:	# a number changed
            toks = lines[i].split(b' ')
            k = rnd.randrange(len(toks))
            toks[k] = toks[k] + str(rnd.randrange(10)).encode()
            lines[i] = b' '.join(toks)
        else:
            lines[i] = mutate_bytes(rnd, lines[i], 1)
    return b'\n'.join(lines)


def main():
    kind, seed0, count, src, outdir = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), \
        sys.argv[4], sys.argv[5]
    with open(src, 'rb') as f:
        data = f.read()
    for seed in range(seed0, seed0 + count):
        rnd = random.Random(seed)
        out = {'raw': raw, 'payload': payload, 'text': text}[kind](rnd, data)
        with open('%s/%s-%d' % (outdir, kind, seed), 'wb') as f:
            f.write(out)


if __name__ == '__main__':
    main()
