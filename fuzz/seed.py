#!/usr/bin/env python3
"""Writes the seed corpus of every fuzz target: fuzz/corpus/TARGET/seed-*.

Sources, all shipped with the repository:
  - scenarios/**/*.ron and tests/fixtures/**/*.ron: the scenario target; their timeline commands
    (shell targets, and the words of each curl, ping and nc command); their inline Text(...) files
    (keepalived.conf, nginx configuration, raw HTTP requests sent with nc);
  - the configuration files under scenarios/lab/ and scenarios/web/ (keepalived.conf, nginx);
  - the frames of the pcaps `labsim run --pcap` writes for a few scenarios (Ethernet, ARP, IPv4,
    ICMP, TCP, VRRP, and the HTTP heads the TCP segments carry);
  - the byte fixtures of the unit tests of src/wire/ (copied below once, with the test's name).

Only files named seed-* are replaced; what libFuzzer adds to a corpus directory (files named by
their SHA-1) is left alone and ignored by git. Run from anywhere:

    python3 fuzz/seed.py [--labsim PATH]

It runs `PATH run SCENARIO --pcap DIR` (default: target/debug/labsim, built with `cargo build`
if missing). The output is deterministic: the same tree gives the same seeds.
"""

import argparse
import hashlib
import re
import shlex
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fuzz" / "corpus"

# Scenarios whose pcaps give the frame seeds: VRRP adverts and GARPs, ICMP echo and errors,
# TCP with HTTP requests and responses (200, 404, 400, 502, 504), malformed VRRP sent by sendip.
PCAP_SCENARIOS = [
    "scenarios/failover.ron",
    "scenarios/failover-http.ron",
    "scenarios/gateway-errors.ron",
    "scenarios/http-malformed.ron",
    "scenarios/vrrp-malformed.ron",
    "tests/fixtures/regressions/ping-unreachable.ron",
]

# Most frame seeds per target (distinct shapes first).
MAX_FRAMES = 24

# Byte fixtures of the unit tests of src/wire/, as hex (written out once from the tests).
WIRE_FIXTURES = {
    "wire_vrrp": {
        # vrrp.rs tests: PRIO_110, PRIO_99, PRIO_0 (spec-vrrp §1.2 test vectors)
        "test-prio-110": "21336e0101014b5bc0a801643131313100000000",
        "test-prio-99": "213363010101565bc0a801643131313100000000",
        "test-prio-0": "213300010101b95bc0a801643131313100000000",
    },
    "wire_ipv4": {
        # vrrp.rs tests: IP_PACKET, an advert in its IPv4 packet
        "test-vrrp-ip-packet": "45c0002800010000ff7018dfc0a8010be000001221336e0101014b5bc0a801643131313100000000",
        # ipv4.rs tests: PROBE, ping's probe (DF, TTL 64, an 8-byte echo request)
        "test-probe": "4500001c000140004001ba76ac021401ac0214640800e5ca12340001",
    },
    "wire_ethernet": {
        # vrrp.rs tests: OBSERVED_FRAME, keepalived 2.2.7's advert as captured (spec §1.3)
        "test-observed-frame": "01005e0000120a5e573c383b080045c0002800010000ff70d0240a63000be000001221336e01010102a10a6300643131313100000000",
        # arp.rs tests: a request from 10.0.0.10 for 10.0.0.11, broadcast
        "test-arp-request": "ffffffffffff02000000000a0806000108000604000102000000000a0a00000a0000000000000a00000b",
        # vrrp.rs tests: garp_layout, keepalived's gratuitous ARP
        "test-garp": "ffffffffffff0a5e573c383b080600010800060400010a5e573c383b0a630064ffffffffffff0a630064",
    },
    "wire_arp": {
        "test-garp": "00010800060400010a5e573c383b0a630064ffffffffffff0a630064",
        # arp.rs tests: a reply from 10.0.0.11 (02:00:00:00:00:0b) to 10.0.0.10
        "test-reply": "000108000604000202000000000b0a00000b02000000000a0a00000a",
    },
    "wire_icmp": {
        # icmp.rs tests: SHORT_REPLY, an echo reply with 8 bytes of data
        "test-short-reply": "000067aa1234000280b4056b00000000",
        # icmp.rs tests: a bare echo request header
        "test-bare-request": "0800000012340001",
    },
}


def write(target, name, data):
    """Writes one seed; returns whether it was new for the target."""
    if isinstance(data, str):
        data = data.encode()
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_")
    (d / f"seed-{safe}").write_bytes(data)


def ron_string(text, i):
    """The RON string literal starting at text[i] ('"' or r#"): (value, index after it)."""
    m = re.match(r'r(#*)"', text[i:])
    if m:
        close = '"' + m.group(1)
        start = i + m.end()
        end = text.index(close, start)
        return text[start:end], end + len(close)
    assert text[i] == '"'
    out, j = [], i + 1
    escapes = {"n": "\n", "r": "\r", "t": "\t", "0": "\0", '"': '"', "\\": "\\", "'": "'"}
    while text[j] != '"':
        c = text[j]
        if c == "\\":
            e = text[j + 1]
            if e in escapes:
                out.append(escapes[e])
                j += 2
            elif e == "u":
                close = text.index("}", j)
                out.append(chr(int(text[j + 3 : close], 16)))
                j = close + 1
            elif e == "x":
                out.append(chr(int(text[j + 2 : j + 4], 16)))
                j += 4
            elif e == "\n":  # line continuation
                j += 2
                while text[j] in " \t\n":
                    j += 1
            else:
                out.append(e)
                j += 2
        else:
            out.append(c)
            j += 1
    return "".join(out), j + 1


def scenario_files():
    files = sorted((ROOT / "scenarios").rglob("*.ron")) + sorted((ROOT / "tests" / "fixtures").rglob("*.ron"))
    # The bytes as they are (a fixture may hold invalid UTF-8 on purpose); the text, for the
    # commands and inline files, with any bad byte replaced.
    return [(f.relative_to(ROOT).as_posix(), f.read_bytes()) for f in files]


def commands(text):
    """The commands of a scenario's timeline: At("t", "host", "command")."""
    out = []
    for m in re.finditer(r'At\(\s*"[^"]*"\s*,\s*"[^"]*"\s*,\s*', text):
        if text[m.end()] in '"r':
            out.append(ron_string(text, m.end())[0])
    return out


def inline_files(text):
    """The inline files of a scenario: "PATH": Text("...")."""
    out = []
    for m in re.finditer(r'"([^"]+)"\s*:\s*Text\(\s*', text):
        out.append((m.group(1), ron_string(text, m.end())[0]))
    return out


def tool_words(line):
    """(tool, words after it) for each curl, ping or nc simple command of a typed line."""
    out = []
    for part in re.split(r";|&&|\|\|", line):
        try:
            words = shlex.split(part)
        except ValueError:
            continue
        while words and words[0] in ("do", "then", "else", "done"):
            words = words[1:]
        if words and words[0] in ("curl", "ping", "nc"):
            args = []
            for w in words[1:]:
                if w in ("<", ">", ">>", "2>", "2>&1") or w.startswith((">", "<")):
                    break
                args.append(w)
            out.append((words[0], args))
    return out


def pcap_frames(path):
    data = path.read_bytes()
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    i = 24
    while i + 16 <= len(data):
        _, _, incl, _ = struct.unpack(endian + "IIII", data[i : i + 16])
        yield data[i + 16 : i + 16 + incl]
        i += 16 + incl


def frame_seeds(labsim):
    """Seeds per wire target, from the pcaps of PCAP_SCENARIOS: {target: {shape: bytes}}."""
    seeds = {t: {} for t in ("wire_ethernet", "wire_arp", "wire_ipv4", "wire_icmp", "wire_tcp", "wire_vrrp", "http_request", "http_response")}

    def add(target, shape, data):
        if shape not in seeds[target] and len(seeds[target]) < MAX_FRAMES:
            seeds[target][shape] = data

    with tempfile.TemporaryDirectory() as tmp:
        for scenario in PCAP_SCENARIOS:
            out = Path(tmp) / Path(scenario).stem
            out.mkdir()
            subprocess.run([labsim, "run", str(ROOT / scenario), "--pcap", str(out)], stdout=subprocess.DEVNULL, check=False)
            for pcap in sorted(out.glob("*.pcap")):
                for f in pcap_frames(pcap):
                    if len(f) < 14:
                        continue
                    ethertype = struct.unpack(">H", f[12:14])[0]
                    if ethertype == 0x0806:
                        op = f[20:22].hex()
                        add("wire_ethernet", ("arp", op), f)
                        add("wire_arp", (op, f[28:32] == f[38:42]), f[14:])
                        continue
                    ip = f[14:]
                    if ethertype != 0x0800 or len(ip) < 20:
                        continue
                    proto, ihl = ip[9], (ip[0] & 0x0F) * 4
                    payload = ip[ihl : struct.unpack(">H", ip[2:4])[0]]
                    if proto == 1:
                        add("wire_ethernet", ("icmp", payload[:1]), f)
                        add("wire_ipv4", ("icmp", payload[:1]), ip)
                        add("wire_icmp", (payload[:2], len(payload) > 64), payload)
                    elif proto == 112:
                        add("wire_ethernet", ("vrrp", payload[2:3] == b"\0"), f)
                        add("wire_ipv4", ("vrrp", bytes(ip[8:9]), len(ip)), ip)
                        add("wire_vrrp", (payload[:4], payload[4:6], len(payload)), payload)
                    elif proto == 6 and len(payload) >= 20:
                        flags, off = payload[13], (payload[12] >> 4) * 4
                        data = payload[off:]
                        add("wire_ethernet", ("tcp", flags & 0x17), f)
                        add("wire_ipv4", ("tcp", flags & 0x17, bool(data)), ip)
                        add("wire_tcp", (flags, off, bool(data)), payload)
                        if data.startswith(b"HTTP/"):
                            add("http_response", data[:12], data)
                        elif data[:1].isalpha():
                            add("http_request", data.split(b"\r\n", 1)[0][:40], data)
    return seeds


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--labsim", default=str(ROOT / "target" / "debug" / "labsim"))
    args = ap.parse_args()
    if not Path(args.labsim).exists():
        subprocess.run(["cargo", "build", "--quiet"], cwd=ROOT, check=True)

    for old in CORPUS.glob("*/seed-*"):
        old.unlink()

    lines = []
    for rel, data in scenario_files():
        write("scenario", rel, data)
        text = data.decode(errors="replace")
        lines += commands(text)
        for path, contents in inline_files(text):
            name = f"{Path(rel).stem}-{path}"
            if path.endswith("keepalived.conf"):
                write("keepalived_conf", name, contents)
            elif path.startswith("/etc/nginx/") or path.endswith(".conf"):
                write("nginx_conf", name, contents)
            elif path.endswith(".txt"):
                write("http_request", name, contents)

    for conf in sorted((ROOT / "scenarios").rglob("keepalived.conf")):
        write("keepalived_conf", conf.relative_to(ROOT).as_posix(), conf.read_bytes())
    for conf in sorted((ROOT / "scenarios").rglob("*.conf")):
        if conf.name != "keepalived.conf":
            write("nginx_conf", conf.relative_to(ROOT).as_posix(), conf.read_bytes())
    # The stock nginx.conf after a NUL: the target then reads it instead of its built-in copy.
    rust = (ROOT / "src" / "proto" / "nginx" / "config.rs").read_text()
    m = re.search(r'pub\(crate\) const DEFAULT_NGINX_CONF: &str = "', rust)
    stock = ron_string(rust, m.end() - 1)[0]
    proxy = (ROOT / "scenarios" / "lab" / "proxy.conf").read_text()
    write("nginx_conf", "proxy-and-stock-nginx.conf", proxy + "\0" + stock)
    for f in sorted((ROOT / "scenarios" / "web").glob("*.txt")):
        write("http_request", f.relative_to(ROOT).as_posix(), f.read_bytes())

    seen_lines = []
    for line in lines:
        if line not in seen_lines:
            seen_lines.append(line)
    seen_words = set()
    for n, line in enumerate(seen_lines):
        write("shell_expand", f"{n:03}", line)
        for tool, words in tool_words(line):
            key = (tool, tuple(words))
            if key not in seen_words:
                seen_words.add(key)
                write(f"{tool}_args", f"{n:03}-{len(seen_words)}", "\0".join(words))

    for target, fixtures in WIRE_FIXTURES.items():
        for name, hexbytes in fixtures.items():
            write(target, name, bytes.fromhex(hexbytes.replace(" ", "")))
    for target, shapes in frame_seeds(args.labsim).items():
        for data in shapes.values():
            write(target, "pcap-" + hashlib.sha1(data).hexdigest()[:12], data)

    for d in sorted(CORPUS.iterdir()):
        seeds = list(d.glob("seed-*"))
        print(f"{d.name:16} {len(seeds):3} seeds, {sum(s.stat().st_size for s in seeds):7} bytes")


if __name__ == "__main__":
    sys.exit(main())
