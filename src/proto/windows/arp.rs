//! Windows 10's `arp.exe`: `arp -a` / `arp -g` (optionally for one address, or `-N` one
//! interface) in Windows' layout, from the interfaces and neighbour entries the glue reads off
//! the machine (spec-centos7-windows §3.4; the usage text as `ARP.EXE` 10.0.18362 prints it).
//!
//! Windows lists, per interface, its resolved neighbours (`dynamic`) and the static rows of the
//! broadcast and multicast addresses it has used; Windows 10 joins IGMP's 224.0.0.22, mDNS's
//! 224.0.0.251 and SSDP's 239.255.255.250 at boot, so those rows are always there, with the
//! subnet's and the limited broadcast. Entries still resolving or failed are "invalid" and shown
//! only with `-v`, which labsim does not model. Rows are sorted by address.

use std::net::Ipv4Addr;

use super::Refusal;

/// `arp` alone, `arp /?` or a bad command line (stdout), one entry per line.
pub(crate) const USAGE: &str = "
Displays and modifies the IP-to-Physical address translation tables used by
address resolution protocol (ARP).

ARP -s inet_addr eth_addr [if_addr]
ARP -d inet_addr [if_addr]
ARP -a [inet_addr] [-N if_addr] [-v]

  -a            Displays current ARP entries by interrogating the current
                protocol data.  If inet_addr is specified, the IP and Physical
                addresses for only the specified computer are displayed.  If
                more than one network interface uses ARP, entries for each ARP
                table are displayed.
  -g            Same as -a.
  -v            Displays current ARP entries in verbose mode.  All invalid 
                entries and entries on the loop-back interface will be shown.
  inet_addr     Specifies an internet address.
  -N if_addr    Displays the ARP entries for the network interface specified
                by if_addr.
  -d            Deletes the host specified by inet_addr. inet_addr may be 
                wildcarded with * to delete all hosts.
  -s            Adds the host and associates the Internet address inet_addr
                with the Physical address eth_addr.  The Physical address is
                given as 6 hexadecimal bytes separated by hyphens. The entry
                is permanent.
  eth_addr      Specifies a physical address.
  if_addr       If present, this specifies the Internet address of the
                interface whose address translation table should be modified.
                If not present, the first applicable interface will be used.
Example:
  > arp -s 157.55.85.212   00-aa-00-62-c6-09  .... Adds a static entry.
  > arp -a                                    .... Displays the arp table.
";

/// The interface index of the machine's `nic`-th NIC (0-based). Windows numbers interfaces as
/// it installs them, loopback first; labsim gives the first Ethernet adapter 11 (`0xb`, as in the
/// spec's transcript) and the next ones the following numbers.
pub(crate) fn interface_index(nic: usize) -> u32 {
    11 + u32::try_from(nic).unwrap_or(u32::MAX - 11)
}

/// The multicast groups Windows 10 has joined on every interface once it has booted.
const BOOT_GROUPS: [Ipv4Addr; 3] = [Ipv4Addr::new(224, 0, 0, 22), Ipv4Addr::new(224, 0, 0, 251), Ipv4Addr::new(239, 255, 255, 250)];

/// One interface's ARP table as the glue read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Table {
    /// The interface's (primary) address.
    pub(crate) addr: Ipv4Addr,
    /// Its subnet's broadcast address.
    pub(crate) broadcast: Ipv4Addr,
    /// Its interface index (`0x…` in the heading).
    pub(crate) index: u32,
    /// Resolved neighbours: address and MAC.
    pub(crate) dynamic: Vec<(Ipv4Addr, [u8; 6])>,
}

/// What `arp` was asked to show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Query {
    /// Only this neighbour (`arp -a 172.2.20.100`).
    pub(crate) only: Option<Ipv4Addr>,
    /// Only the interface with this address (`-N if_addr`).
    pub(crate) interface: Option<Ipv4Addr>,
}

/// `arp`'s arguments (the words after `arp`); `-` or `/` introduces an option.
pub(crate) fn parse(argv: &[&str]) -> Result<Query, Refusal> {
    let usage = |status| Refusal { lines: USAGE.split('\n').map(str::to_string).collect(), status };
    let option = |w: &str, letter: &str| w.len() == 2 && (w.starts_with('-') || w.starts_with('/')) && w[1..].eq_ignore_ascii_case(letter);
    let Some((first, rest)) = argv.split_first() else { return Err(usage(1)) };
    if option(first, "?") {
        return Err(usage(0));
    }
    if option(first, "d") || option(first, "s") || option(first, "v") {
        return Err(Refusal { lines: vec![format!("ARP option {first} is not supported by labsim.")], status: 1 });
    }
    if !(option(first, "a") || option(first, "g")) {
        return Err(usage(1));
    }
    let mut q = Query { only: None, interface: None };
    let mut words = rest.iter();
    while let Some(w) = words.next() {
        let slot = if option(w, "n") {
            match words.next() {
                Some(v) => (&mut q.interface, *v),
                None => return Err(usage(1)),
            }
        } else {
            (&mut q.only, *w)
        };
        match (slot.1.parse::<Ipv4Addr>(), &slot.0) {
            (Ok(ip), None) => *slot.0 = Some(ip),
            _ => return Err(usage(1)),
        }
    }
    Ok(q)
}

/// A MAC as Windows writes it: lower-case hex, hyphens.
pub(crate) fn format_mac(mac: [u8; 6]) -> String {
    mac.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join("-")
}

/// The Ethernet address of an IPv4 multicast group (RFC 1112: 01-00-5e and the low 23 bits).
fn multicast_mac(group: Ipv4Addr) -> [u8; 6] {
    let o = group.octets();
    [0x01, 0x00, 0x5e, o[1] & 0x7f, o[2], o[3]]
}

/// What `arp -a` prints for these tables.
pub(crate) fn show(tables: &[Table], q: &Query) -> Result<Vec<String>, Refusal> {
    let mut out = Vec::new();
    for t in tables.iter().filter(|t| q.interface.is_none_or(|i| i == t.addr)) {
        let mut rows: Vec<(Ipv4Addr, [u8; 6], &str)> = t.dynamic.iter().map(|(ip, mac)| (*ip, *mac, "dynamic")).collect();
        rows.push((t.broadcast, [0xff; 6], "static"));
        rows.extend(BOOT_GROUPS.iter().map(|g| (*g, multicast_mac(*g), "static")));
        rows.push((Ipv4Addr::BROADCAST, [0xff; 6], "static"));
        rows.retain(|(ip, _, _)| q.only.is_none_or(|o| o == *ip));
        if rows.is_empty() {
            continue;
        }
        rows.sort_by_key(|(ip, _, _)| *ip);
        rows.dedup_by_key(|(ip, _, _)| *ip);
        out.push(String::new());
        out.push(format!("Interface: {} --- 0x{:x}", t.addr, t.index));
        out.push(format!("  {:<22}{:<22}Type", "Internet Address", "Physical Address"));
        for (ip, mac, kind) in rows {
            out.push(format!("  {:<22}{:<22}{kind}", ip.to_string(), format_mac(mac)));
        }
    }
    if out.is_empty() {
        return Err(Refusal { lines: vec!["No ARP Entries Found.".to_string()], status: 1 });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Table {
        Table {
            addr: Ipv4Addr::new(172, 2, 20, 1),
            broadcast: Ipv4Addr::new(172, 2, 20, 255),
            index: 11,
            dynamic: vec![(Ipv4Addr::new(172, 2, 20, 100), [0x00, 0x0c, 0x29, 0xaa, 0xbb, 0xcc])],
        }
    }

    #[test]
    fn the_table_reads_as_windows_prints_it() {
        let q = parse(&["-a"]).expect("valid");
        assert_eq!(
            show(&[table()], &q).expect("rows"),
            [
                "",
                "Interface: 172.2.20.1 --- 0xb",
                "  Internet Address      Physical Address      Type",
                "  172.2.20.100          00-0c-29-aa-bb-cc     dynamic",
                "  172.2.20.255          ff-ff-ff-ff-ff-ff     static",
                "  224.0.0.22            01-00-5e-00-00-16     static",
                "  224.0.0.251           01-00-5e-00-00-fb     static",
                "  239.255.255.250       01-00-5e-7f-ff-fa     static",
                "  255.255.255.255       ff-ff-ff-ff-ff-ff     static",
            ]
        );
    }

    #[test]
    fn one_address_one_interface_and_nothing_found() {
        let q = parse(&["/g", "172.2.20.100"]).expect("valid");
        assert_eq!(show(&[table()], &q).expect("row")[3], "  172.2.20.100          00-0c-29-aa-bb-cc     dynamic");
        assert_eq!(show(&[table()], &q).expect("row").len(), 4);
        let q = parse(&["-a", "172.2.20.7"]).expect("valid");
        assert_eq!(show(&[table()], &q), Err(Refusal { lines: vec!["No ARP Entries Found.".into()], status: 1 }));
        let q = parse(&["-a", "-N", "10.0.0.1"]).expect("valid");
        assert!(show(&[table()], &q).is_err());
        let q = parse(&["-a", "-N", "172.2.20.1"]).expect("valid");
        assert_eq!(show(&[table()], &q).expect("rows").len(), 9);
    }

    #[test]
    fn bad_command_lines_print_the_usage() {
        let e = parse(&[]).expect_err("usage");
        assert_eq!((e.lines[1].as_str(), e.status), ("Displays and modifies the IP-to-Physical address translation tables used by", 1));
        assert_eq!(parse(&["/?"]).expect_err("usage").status, 0);
        assert_eq!(parse(&["-a", "x"]).expect_err("usage").lines, e.lines);
        assert_eq!(parse(&["-a", "-N"]).expect_err("usage").status, 1);
        assert_eq!(parse(&["-d", "*"]).expect_err("refused").lines, ["ARP option -d is not supported by labsim."]);
    }
}
