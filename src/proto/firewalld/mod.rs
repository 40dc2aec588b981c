//! firewalld 0.6.3 with its iptables backend, as CentOS 7 runs it (`docs/spec-firewalld.md`):
//! a [`Zone`]'s settings (services, ports, protocols, rich rules; [`zone`] reads and writes its
//! XML file), the service definitions ([`services`]), rich rules ([`rich`]), `firewall-cmd`
//! ([`cmd`]) and the verdict of the rules firewalld installs for an incoming IPv4 packet
//! ([`Zone::verdict`]).
//!
//! Only the default `public` zone is modelled: on a default CentOS 7 host every interface lands
//! in it (`-A INPUT_ZONES -i + -g IN_public`, `fw_zone.py` line 471). The verdict walks the
//! INPUT chain as `ipXtables.py` builds it (lines 105–116, 710–750): conntrack
//! RELATED,ESTABLISHED accepted, `lo` accepted, then `IN_public` (`_log` empty, `_deny` with the
//! reject/drop rich rules, `_allow` with services, ports, protocols and accept rich rules, then
//! `-p icmp -j ACCEPT`), then INVALID dropped, then `REJECT --reject-with icmp-host-prohibited`.

pub(crate) mod cmd;
pub(crate) mod rich;
pub(crate) mod services;
pub(crate) mod zone;

use std::net::Ipv4Addr;

use rich::{Action, Element, RichRule};

/// firewalld's error codes (`src/firewall/errors.py`) that labsim produces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Code {
    AlreadyEnabled,
    NotEnabled,
    InvalidService,
    InvalidPort,
    InvalidProtocol,
    InvalidAddr,
    InvalidZone,
    InvalidRule,
    MissingFamily,
    NotRunning,
    UnknownError,
}

impl Code {
    /// The name printed before the message.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Code::AlreadyEnabled => "ALREADY_ENABLED",
            Code::NotEnabled => "NOT_ENABLED",
            Code::InvalidService => "INVALID_SERVICE",
            Code::InvalidPort => "INVALID_PORT",
            Code::InvalidProtocol => "INVALID_PROTOCOL",
            Code::InvalidAddr => "INVALID_ADDR",
            Code::InvalidZone => "INVALID_ZONE",
            Code::InvalidRule => "INVALID_RULE",
            Code::MissingFamily => "MISSING_FAMILY",
            Code::NotRunning => "NOT_RUNNING",
            Code::UnknownError => "UNKNOWN_ERROR",
        }
    }

    /// firewall-cmd's exit status for it.
    pub(crate) fn number(self) -> i32 {
        match self {
            Code::AlreadyEnabled => 11,
            Code::NotEnabled => 12,
            Code::InvalidService => 101,
            Code::InvalidPort => 102,
            Code::InvalidProtocol => 103,
            Code::InvalidAddr => 105,
            Code::InvalidZone => 112,
            Code::InvalidRule => 122,
            Code::MissingFamily => 207,
            Code::NotRunning => 252,
            Code::UnknownError => 254,
        }
    }
}

/// A `FirewallError`: `CODE: message` (or the bare code), or a Python exception's text, which
/// firewall-cmd reports as UNKNOWN_ERROR.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FwError {
    pub(crate) code: Code,
    text: String,
}

impl FwError {
    pub(crate) fn new(code: Code, msg: impl Into<String>) -> FwError {
        FwError { code, text: format!("{}: {}", code.name(), msg.into()) }
    }

    pub(crate) fn bare(code: Code) -> FwError {
        FwError { code, text: code.name().to_owned() }
    }

    /// A Python exception that is no `FirewallError` (`No closing quotation`).
    pub(crate) fn unknown(text: &str) -> FwError {
        FwError { code: Code::UnknownError, text: text.to_owned() }
    }

    /// What labsim does not model, said as such.
    pub(crate) fn not_modelled(what: String) -> FwError {
        FwError { code: Code::UnknownError, text: format!("labsim: {what} is not modelled") }
    }
}

impl std::fmt::Display for FwError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// `getprotobyname` over CentOS 7's `/etc/protocols` (the protocols a lab meets), or a number
/// 0–255 (`functions.checkProtocol`).
pub(crate) fn protocol_number(name: &str) -> Option<u8> {
    if let Ok(n) = name.parse::<i64>() {
        return u8::try_from(n).ok();
    }
    const PROTOCOLS: &[(&str, u8)] = &[
        ("ip", 0),
        ("icmp", 1),
        ("igmp", 2),
        ("tcp", 6),
        ("udp", 17),
        ("gre", 47),
        ("esp", 50),
        ("ah", 51),
        ("ospf", 89),
        ("pim", 103),
        ("vrrp", 112),
        ("l2tp", 115),
        ("sctp", 132),
        ("dccp", 33),
    ];
    PROTOCOLS.iter().find(|(n, _)| *n == name).map(|(_, p)| *p)
}

/// A port or port range with its protocol (`--add-port=8080-8090/tcp`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Port {
    /// As given (`80`, `8080-8090`), printed back as firewalld's `portStr` does.
    pub(crate) port: String,
    pub(crate) protocol: String,
}

impl Port {
    fn matches(&self, protocol: u8, dport: Option<u16>) -> bool {
        let (Some((lo, hi)), Some(p)) = (rich::port_range(&self.port), protocol_number(&self.protocol)) else { return false };
        p == protocol && dport.is_some_and(|d| (lo..=hi).contains(&d))
    }
}

/// A zone's settings (runtime or permanent).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Zone {
    /// Services in the order added (`--list-all` prints them sorted).
    pub(crate) services: Vec<String>,
    pub(crate) ports: Vec<Port>,
    pub(crate) protocols: Vec<String>,
    pub(crate) rules: Vec<RichRule>,
}

impl Zone {
    /// `config/zones/public.xml`: ssh and dhcpv6-client.
    pub(crate) fn public() -> Zone {
        Zone { services: vec!["ssh".into(), "dhcpv6-client".into()], ports: Vec::new(), protocols: Vec::new(), rules: Vec::new() }
    }
}

/// Conntrack's view of a packet (`-m conntrack --ctstate`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CtState {
    New,
    Established,
    Related,
    Invalid,
}

/// An incoming IPv4 packet as the INPUT chain matches it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Inbound {
    /// It came in on `lo`.
    pub(crate) loopback: bool,
    pub(crate) protocol: u8,
    pub(crate) src: Ipv4Addr,
    pub(crate) dst: Ipv4Addr,
    /// The TCP/UDP/SCTP/DCCP destination port.
    pub(crate) dport: Option<u16>,
    pub(crate) state: CtState,
}

/// What the INPUT chain does with a packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    Accept,
    Drop,
    /// `REJECT --reject-with`: an ICMP destination unreachable of this code.
    Reject(u8),
}

/// The verdict and the rule that gave it, in iptables' words (for the trace).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Decision {
    pub(crate) verdict: Verdict,
    pub(crate) rule: String,
}

fn decided(verdict: Verdict, rule: impl Into<String>) -> Decision {
    Decision { verdict, rule: rule.into() }
}

const NEW_UNTRACKED: &str = "-m conntrack --ctstate NEW,UNTRACKED";

impl Zone {
    /// The ports of `-p PROTO --dport PORT` rules a service opens for IPv4 (and `-p PROTO`
    /// rules for its protocols), with its destination.
    fn service_matches(name: &str, p: &Inbound) -> bool {
        let Some(s) = services::find(name) else { return false };
        if s.ipv6_only || s.ipv4_destination.is_some_and(|d| d.parse::<Ipv4Addr>().ok() != Some(p.dst)) {
            return false;
        }
        let port_hit = s.ports.iter().any(|(port, proto)| {
            if port.is_empty() {
                protocol_number(proto) == Some(p.protocol)
            } else {
                Port { port: (*port).into(), protocol: (*proto).into() }.matches(p.protocol, p.dport)
            }
        });
        port_hit || s.protocols.iter().any(|pr| protocol_number(pr) == Some(p.protocol))
    }

    /// Whether rich rule `r` matches `p` (its family, addresses, element and the conntrack
    /// state its element adds).
    fn rich_matches(r: &RichRule, p: &Inbound) -> bool {
        if r.family.as_deref() == Some("ipv6") {
            return false;
        }
        if r.source.as_ref().is_some_and(|a| !a.matches(p.src)) || r.destination.as_ref().is_some_and(|a| !a.matches(p.dst)) {
            return false;
        }
        let new = matches!(p.state, CtState::New);
        match &r.element {
            None => true,
            Some(Element::Service(name)) => new && Self::service_matches(name, p),
            Some(Element::Port { port, protocol }) => {
                new && Port { port: port.clone(), protocol: protocol.clone() }.matches(p.protocol, p.dport)
            }
            Some(Element::Protocol(value)) => new && protocol_number(value) == Some(p.protocol),
        }
    }

    /// The INPUT chain's verdict for `p` with this zone's rules installed.
    pub(crate) fn verdict(&self, p: &Inbound) -> Decision {
        if matches!(p.state, CtState::Established | CtState::Related) {
            return decided(Verdict::Accept, "INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT");
        }
        if p.loopback {
            return decided(Verdict::Accept, "INPUT -i lo -j ACCEPT");
        }
        for r in self.rules.iter().filter(|r| !matches!(r.action, Some(Action::Accept))) {
            if Self::rich_matches(r, p) {
                return match &r.action {
                    Some(Action::Drop) => decided(Verdict::Drop, format!("IN_public_deny ({r})")),
                    Some(Action::Reject(kind)) => {
                        decided(Verdict::Reject(rich::reject_code(kind.as_deref()).unwrap_or(3)), format!("IN_public_deny ({r})"))
                    }
                    _ => continue,
                };
            }
        }
        let new = matches!(p.state, CtState::New);
        if new && let Some(s) = self.services.iter().find(|s| Self::service_matches(s, p)) {
            return decided(Verdict::Accept, format!("IN_public_allow (service {s}) {NEW_UNTRACKED} -j ACCEPT"));
        }
        if new && let Some(port) = self.ports.iter().find(|port| port.matches(p.protocol, p.dport)) {
            return decided(Verdict::Accept, format!("IN_public_allow (port {}/{}) {NEW_UNTRACKED} -j ACCEPT", port.port, port.protocol));
        }
        if new && let Some(pr) = self.protocols.iter().find(|pr| protocol_number(pr) == Some(p.protocol)) {
            return decided(Verdict::Accept, format!("IN_public_allow -p {pr} {NEW_UNTRACKED} -j ACCEPT"));
        }
        if let Some(r) = self.rules.iter().find(|r| matches!(r.action, Some(Action::Accept)) && Self::rich_matches(r, p)) {
            return decided(Verdict::Accept, format!("IN_public_allow ({r})"));
        }
        if p.protocol == 1 {
            return decided(Verdict::Accept, "IN_public -p icmp -j ACCEPT");
        }
        if p.state == CtState::Invalid {
            return decided(Verdict::Drop, "INPUT -m conntrack --ctstate INVALID -j DROP");
        }
        decided(Verdict::Reject(crate::wire::icmp::CODE_HOST_PROHIBITED), "INPUT -j REJECT --reject-with icmp-host-prohibited")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packet(protocol: u8, dport: Option<u16>, state: CtState) -> Inbound {
        Inbound { loopback: false, protocol, src: Ipv4Addr::new(172, 2, 20, 11), dst: Ipv4Addr::new(172, 2, 20, 21), dport, state }
    }

    fn with(edit: impl FnOnce(&mut Zone)) -> Zone {
        let mut z = Zone::public();
        edit(&mut z);
        z
    }

    /// The spec's §1.4 table: the default public zone against each traffic class.
    #[test]
    fn the_default_public_zone_decides_as_the_spec_table() {
        let z = Zone::public();
        let reject = Verdict::Reject(10);
        for (protocol, dport, state, verdict) in [
            (6, Some(22), CtState::New, Verdict::Accept),
            (6, Some(80), CtState::New, reject),
            (6, Some(443), CtState::New, reject),
            (6, Some(2049), CtState::New, reject),
            (6, Some(111), CtState::New, reject),
            (6, Some(20048), CtState::New, reject),
            (17, Some(111), CtState::New, reject),
            (17, Some(2049), CtState::New, reject),
            (17, Some(546), CtState::New, reject),
            (6, Some(80), CtState::Established, Verdict::Accept),
            (1, None, CtState::Related, Verdict::Accept),
            (1, None, CtState::New, Verdict::Accept),
            (112, None, CtState::New, reject),
            (2, None, CtState::New, reject),
            (6, Some(80), CtState::Invalid, Verdict::Drop),
            (6, Some(22), CtState::Invalid, Verdict::Drop),
        ] {
            assert_eq!(z.verdict(&packet(protocol, dport, state)).verdict, verdict, "{protocol} {dport:?} {state:?}");
        }
        let lo = Inbound { loopback: true, ..packet(6, Some(80), CtState::New) };
        assert_eq!(z.verdict(&lo).verdict, Verdict::Accept);
    }

    /// Each way of opening something, paired with traffic it must and must not let in.
    #[test]
    fn services_ports_protocols_and_rich_rules_open_what_they_name() {
        let rule = |t: &str| RichRule::parse(t).unwrap();
        let cases: Vec<(Zone, u8, Option<u16>, Verdict)> = vec![
            (with(|z| z.services.push("http".into())), 6, Some(80), Verdict::Accept),
            (with(|z| z.services.push("http".into())), 6, Some(443), Verdict::Reject(10)),
            (with(|z| z.services.push("nfs".into())), 6, Some(2049), Verdict::Accept),
            (with(|z| z.services.push("nfs".into())), 17, Some(2049), Verdict::Reject(10)),
            (with(|z| z.services.push("nfs3".into())), 17, Some(2049), Verdict::Accept),
            (with(|z| z.services.push("mountd".into())), 17, Some(20048), Verdict::Accept),
            (with(|z| z.services.push("rpc-bind".into())), 6, Some(111), Verdict::Accept),
            (with(|z| z.ports.push(Port { port: "8000-8080".into(), protocol: "tcp".into() })), 6, Some(8080), Verdict::Accept),
            (with(|z| z.ports.push(Port { port: "8000-8080".into(), protocol: "tcp".into() })), 17, Some(8080), Verdict::Reject(10)),
            (with(|z| z.protocols.push("vrrp".into())), 112, None, Verdict::Accept),
            (with(|z| z.rules.push(rule("rule protocol value=\"vrrp\" accept"))), 112, None, Verdict::Accept),
            (with(|z| z.rules.push(rule("rule protocol value=\"vrrp\" accept"))), 2, None, Verdict::Reject(10)),
            (with(|z| z.rules.push(rule("rule family=ipv4 source address=172.2.20.0/24 accept"))), 6, Some(80), Verdict::Accept),
            (with(|z| z.rules.push(rule("rule family=ipv4 source address=10.0.0.0/8 accept"))), 6, Some(80), Verdict::Reject(10)),
            (with(|z| z.rules.push(rule("rule family=ipv6 source address=::/0 accept"))), 6, Some(80), Verdict::Reject(10)),
            (with(|z| z.rules.push(rule("rule service name=ssh drop"))), 6, Some(22), Verdict::Drop),
            (with(|z| z.rules.push(rule("rule port port=22 protocol=tcp reject"))), 6, Some(22), Verdict::Reject(3)),
            (
                with(|z| z.rules.push(rule("rule family=ipv4 service name=ssh reject type=icmp-admin-prohibited"))),
                6,
                Some(22),
                Verdict::Reject(13),
            ),
        ];
        for (z, protocol, dport, verdict) in cases {
            assert_eq!(z.verdict(&packet(protocol, dport, CtState::New)).verdict, verdict, "{z:?} {protocol} {dport:?}");
        }
    }

    #[test]
    fn the_deciding_rule_is_named() {
        let z = Zone::public();
        assert_eq!(z.verdict(&packet(6, Some(80), CtState::New)).rule, "INPUT -j REJECT --reject-with icmp-host-prohibited");
        assert_eq!(
            z.verdict(&packet(6, Some(22), CtState::New)).rule,
            "IN_public_allow (service ssh) -m conntrack --ctstate NEW,UNTRACKED -j ACCEPT"
        );
    }

    #[test]
    fn protocols_resolve_by_name_or_number() {
        for (name, number) in
            [("vrrp", Some(112)), ("112", Some(112)), ("0", Some(0)), ("255", Some(255)), ("256", None), ("-1", None), ("carp", None)]
        {
            assert_eq!(protocol_number(name), number, "{name}");
        }
    }
}
