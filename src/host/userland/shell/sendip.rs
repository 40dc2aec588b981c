//! `sendip` (2.5): craft and send one arbitrary IPv4 packet, as a lab uses it to inject malformed
//! traffic. Supported: `-p ipv4` with its header options (`-is -id -ih -iv -iy -il -ii -ifr -ifd
//! -ifm -if -it -ip -ic`), the payload as `-d` (`0x…` hex or literal text) or `-f FILE`, `-v`,
//! and the destination as the last argument. Fields not given are computed as sendip does
//! (version 4, header length 5, total length, TTL 255, header checksum); a field given
//! explicitly is sent as given, however wrong. The packet leaves through the host's routing
//! (a raw socket), so nothing is validated on the way out.

use std::net::Ipv4Addr;

use super::{Ctx, Output};
use crate::wire::{checksum, ipv4};

const USAGE: &str = "Usage: sendip [-v] [-d data] [-h] [-f datafile] [-p module] [module options] hostname";

#[derive(Default)]
struct Fields {
    src: Option<Ipv4Addr>,
    version: Option<u8>,
    ihl: Option<u8>,
    tos: u8,
    total_len: Option<u16>,
    id: u16,
    flags: u8,
    frag_offset: u16,
    ttl: Option<u8>,
    proto: u8,
    checksum: Option<u16>,
}

fn number<T: TryFrom<u64>>(text: &str) -> Option<T> {
    let v = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok()?,
        None => text.parse().ok()?,
    };
    T::try_from(v).ok()
}

fn payload(text: &str) -> Option<Vec<u8>> {
    let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) else {
        return Some(text.as_bytes().to_vec());
    };
    if hex.len() % 2 != 0 {
        return None;
    }
    (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok()).collect()
}

fn usage(mut o: Output, first: Option<String>) -> Output {
    if let Some(line) = first {
        o.err(line);
    }
    o.err(USAGE);
    o.status(1)
}

pub(super) fn run(ctx: &mut Ctx<'_, '_>, args: &[&str]) -> Output {
    let mut o = Output::default();
    let Some((dest, options)) = args.split_last() else { return usage(o, None) };
    let mut fields = Fields::default();
    let mut data = Vec::new();
    let mut verbose = false;
    let mut module = None;
    let mut words = options.iter();
    while let Some(&opt) = words.next() {
        if opt == "-v" {
            verbose = true;
            continue;
        }
        let Some(&value) = words.next() else { return usage(o, Some(format!("sendip: option {opt} requires an argument"))) };
        let bad = || format!("sendip: invalid value '{value}' for option {opt}");
        let ok = match opt {
            "-p" => {
                if value != "ipv4" {
                    o.err(format!("Couldn't open module {value}: module not supported by labsim (only ipv4)"));
                    return o.status(1);
                }
                module = Some(value);
                true
            }
            "-d" => payload(value).map(|d| data = d).is_some(),
            "-f" => match ctx.k.fs().read(value) {
                Some(f) => {
                    data = f.contents.clone();
                    true
                }
                None => {
                    o.err(format!("Couldn't open data file {value}: No such file or directory"));
                    return o.status(1);
                }
            },
            "-is" => value.parse().ok().map(|a| fields.src = Some(a)).is_some(),
            "-id" => value.parse::<Ipv4Addr>().is_ok(), // the destination argument decides
            "-ih" => number(value).filter(|v: &u8| *v < 16).map(|v| fields.ihl = Some(v)).is_some(),
            "-iv" => number(value).filter(|v: &u8| *v < 16).map(|v| fields.version = Some(v)).is_some(),
            "-iy" => number(value).map(|v| fields.tos = v).is_some(),
            "-il" => number(value).map(|v| fields.total_len = Some(v)).is_some(),
            "-ii" => number(value).map(|v| fields.id = v).is_some(),
            "-ifr" | "-ifd" | "-ifm" => {
                let bit = match opt {
                    "-ifr" => 0x4,
                    "-ifd" => 0x2,
                    _ => 0x1,
                };
                number(value)
                    .filter(|v: &u8| *v <= 1)
                    .map(|v| {
                        if v == 1 {
                            fields.flags |= bit
                        }
                    })
                    .is_some()
            }
            "-if" => number(value).filter(|v: &u16| *v < 0x2000).map(|v| fields.frag_offset = v).is_some(),
            "-it" => number(value).map(|v| fields.ttl = Some(v)).is_some(),
            "-ip" => number(value).map(|v| fields.proto = v).is_some(),
            "-ic" => number(value).map(|v| fields.checksum = Some(v)).is_some(),
            _ => return usage(o, Some(format!("sendip: unknown option {opt}"))),
        };
        if !ok {
            return usage(o, Some(bad()));
        }
    }
    if module.is_none() {
        return usage(o, Some("sendip: no module given (use -p ipv4)".to_owned()));
    }
    let Ok(dst) = dest.parse::<Ipv4Addr>() else {
        o.err(format!("Couldn't resolve hostname {dest}"));
        return o.status(1);
    };
    let Some(src) = fields.src.or_else(|| ctx.k.source_for(dst)) else {
        o.err("sendto: Network is unreachable");
        return o.status(1);
    };
    let packet = build(&fields, src, dst, &data);
    if verbose {
        o.out(format!("Final packet data ({} bytes):", packet.len()));
        for chunk in packet.chunks(4) {
            o.out(chunk.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(" "));
        }
        o.out(format!("Sent {} bytes to {dst}", packet.len()));
    }
    ctx.k.raw_sendto(ctx.now, packet);
    o
}

fn build(f: &Fields, src: Ipv4Addr, dst: Ipv4Addr, data: &[u8]) -> Vec<u8> {
    let mut p = vec![0u8; ipv4::HEADER_LEN + data.len()];
    let mut header = ipv4::Packet::new_unchecked(&mut p[..]);
    header.set_version(f.version.unwrap_or(4));
    header.set_ihl(f.ihl.unwrap_or(5));
    header.set_tos(f.tos);
    header.set_total_len(f.total_len.unwrap_or(u16::try_from(ipv4::HEADER_LEN + data.len()).unwrap_or(u16::MAX)));
    header.set_ident(f.id);
    header.set_reserved_flag(f.flags & 0x4 != 0);
    header.set_dont_frag(f.flags & 0x2 != 0);
    header.set_more_frags(f.flags & 0x1 != 0);
    header.set_frag_offset(f.frag_offset);
    header.set_ttl(f.ttl.unwrap_or(255));
    header.set_protocol(f.proto);
    header.set_src_addr(src);
    header.set_dst_addr(dst);
    // Computed over the 20 fixed bytes whatever the IHL says, checksum field zero.
    let sum = f.checksum.unwrap_or_else(|| checksum::compute(&p[..ipv4::HEADER_LEN]));
    ipv4::Packet::new_unchecked(&mut p[..]).set_checksum(sum);
    p[ipv4::HEADER_LEN..].copy_from_slice(data);
    p
}
