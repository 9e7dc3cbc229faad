"""Lets Jazzer.js 4's prebuilt addon load on glibc 2.36 (Debian 12): its references to the
versions GLIBC_2.38 and GLIBCXX_3.4.32 are marked weak (the loader then does not refuse the
file), and the symbols that need them unversioned, so that glibc_shim.cc, preloaded, supplies
them. Idempotent. Usage: python3 patch_addon.py <addon.node>"""
import struct
import sys

MISSING = {b"GLIBC_2.38", b"GLIBCXX_3.4.32"}
SHT_DYNSYM, SHT_GNU_VERNEED, SHT_GNU_VERSYM = 11, 0x6FFFFFFE, 0x6FFFFFFF
VER_FLG_WEAK, VER_NDX_GLOBAL = 2, 1


def sections(elf):
    if elf[:4] != b"\x7fELF" or elf[4] != 2 or elf[5] != 1:
        sys.exit("patch_addon: not a 64-bit little-endian ELF file")
    (shoff,) = struct.unpack_from("<Q", elf, 0x28)
    entsize, count = struct.unpack_from("<HH", elf, 0x3A)
    for i in range(count):
        _, kind, _, _, offset, size, link, _, _, _ = struct.unpack_from(
            "<IIQQQQIIQQ", elf, shoff + i * entsize)
        yield {"type": kind, "offset": offset, "size": size, "link": link}


def name_at(elf, strtab, at):
    start = strtab["offset"] + at
    return bytes(elf[start:elf.index(0, start)])


def patch(elf):
    table = list(sections(elf))
    weak = set()  # the version indexes made weak
    for verneed in (s for s in table if s["type"] == SHT_GNU_VERNEED):
        strtab, entry = table[verneed["link"]], verneed["offset"]
        while True:
            _, aux_count, _, aux, next_entry = struct.unpack_from("<HHIII", elf, entry)
            at = entry + aux
            for _ in range(aux_count):
                _, flags, index, name, next_aux = struct.unpack_from("<IHHII", elf, at)
                if name_at(elf, strtab, name) in MISSING:
                    struct.pack_into("<H", elf, at + 4, flags | VER_FLG_WEAK)
                    weak.add(index)
                at += next_aux
            if not next_entry:
                break
            entry += next_entry
    dynsym = next(s for s in table if s["type"] == SHT_DYNSYM)
    versym = next(s for s in table if s["type"] == SHT_GNU_VERSYM)
    for i in range(dynsym["size"] // 24):
        at = versym["offset"] + 2 * i
        (index,) = struct.unpack_from("<H", elf, at)
        if index & 0x7FFF in weak:
            struct.pack_into("<H", elf, at, VER_NDX_GLOBAL)


path = sys.argv[1]
with open(path, "rb") as f:
    original = f.read()
elf = bytearray(original)
patch(elf)
# Written only when it changes: rewriting the file under a fuzzer that has it mapped (another run
# of tools/fuzz.sh) kills that one with SIGBUS.
if elf != original:
    with open(path, "wb") as f:
        f.write(elf)
