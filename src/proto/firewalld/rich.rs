//! Rich rules (`src/firewall/core/rich.py` at firewalld v0.6.3): the lexer (`shlex.split`, then
//! `name=value` attributes), the element stack of `_import_from_string` with its messages, the
//! checks of `check()`, and the normalised text of `__str__` that `--list-all` prints.
//!
//! labsim models the elements `source`, `destination`, `service`, `port`, `protocol` and the
//! actions `accept`, `reject [type=…]`, `drop`; the other elements firewalld knows (`log`,
//! `audit`, `mark`, `limit`, `icmp-block`, `icmp-type`, `masquerade`, `forward-port`,
//! `source-port`) are refused as not modelled rather than silently ignored.

use std::net::Ipv4Addr;

use super::{Code, FwError, protocol_number};

/// A source or destination address (`address="10.0.0.0/8"`, with `not`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Address {
    /// The text as given (printed back as is).
    pub(crate) text: String,
    /// The IPv4 network it matches (`None` for an IPv6 rule's address).
    pub(crate) net: Option<(Ipv4Addr, u32)>,
    /// `not`: matches everything else.
    pub(crate) invert: bool,
}

impl Address {
    /// Whether `ip` matches (an IPv6 address never matches an IPv4 packet).
    pub(crate) fn matches(&self, ip: Ipv4Addr) -> bool {
        let hit = self.net.is_some_and(|(net, mask)| u32::from(ip) & mask == u32::from(net) & mask);
        hit != self.invert
    }
}

/// The rule's element.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Element {
    /// `service name="…"`.
    Service(String),
    /// `port port="…" protocol="…"`.
    Port { port: String, protocol: String },
    /// `protocol value="…"`.
    Protocol(String),
}

/// The rule's action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Action {
    /// `accept`: a rule of `IN_<zone>_allow`.
    Accept,
    /// `reject [type="…"]`: a rule of `IN_<zone>_deny` (`-j REJECT`, whose default is
    /// iptables' `icmp-port-unreachable`).
    Reject(Option<String>),
    /// `drop`: a rule of `IN_<zone>_deny`.
    Drop,
}

/// One rich rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RichRule {
    /// `family="ipv4|ipv6"`; `None` applies to both.
    pub(crate) family: Option<String>,
    pub(crate) source: Option<Address>,
    pub(crate) destination: Option<Address>,
    pub(crate) element: Option<Element>,
    pub(crate) action: Option<Action>,
}

/// `REJECT_TYPES["ipv4"]` of `src/firewall/core/base.py`.
const REJECT_TYPES_V4: &[&str] = &[
    "icmp-host-prohibited",
    "host-prohib",
    "icmp-net-unreachable",
    "net-unreach",
    "icmp-host-unreachable",
    "host-unreach",
    "icmp-port-unreachable",
    "port-unreach",
    "icmp-proto-unreachable",
    "proto-unreach",
    "icmp-net-prohibited",
    "net-prohib",
    "tcp-reset",
    "tcp-rst",
    "icmp-admin-prohibited",
    "admin-prohib",
];
/// `REJECT_TYPES["ipv6"]`.
const REJECT_TYPES_V6: &[&str] = &[
    "icmp6-adm-prohibited",
    "adm-prohibited",
    "icmp6-no-route",
    "no-route",
    "icmp6-addr-unreachable",
    "addr-unreach",
    "icmp6-port-unreachable",
    "port-unreach",
    "tcp-reset",
];

/// The ICMP destination-unreachable code of an IPv4 reject type (iptables' `REJECT`), `None`
/// for `tcp-reset`, which labsim does not model.
pub(crate) fn reject_code(kind: Option<&str>) -> Option<u8> {
    Some(match kind.unwrap_or("icmp-port-unreachable") {
        "icmp-net-unreachable" | "net-unreach" => 0,
        "icmp-host-unreachable" | "host-unreach" => 1,
        "icmp-proto-unreachable" | "proto-unreach" => 2,
        "icmp-port-unreachable" | "port-unreach" => 3,
        "icmp-net-prohibited" | "net-prohib" => 9,
        "icmp-host-prohibited" | "host-prohib" => 10,
        "icmp-admin-prohibited" | "admin-prohib" => 13,
        _ => return None,
    })
}

fn invalid(msg: impl Into<String>) -> FwError {
    FwError::new(Code::InvalidRule, msg)
}

/// Python's `shlex.split` (POSIX mode): words split on whitespace, quotes removed, a backslash
/// escaping the next character outside single quotes.
fn shlex_split(s: &str) -> Result<Vec<String>, FwError> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => words.extend(word.take()),
            '\'' | '"' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        None => return Err(FwError::unknown("No closing quotation")),
                        Some(q) if q == c => break,
                        Some('\\') if c == '"' => match chars.next() {
                            Some(e @ ('"' | '\\' | '$' | '`')) => w.push(e),
                            Some(e) => {
                                w.push('\\');
                                w.push(e);
                            }
                            None => return Err(FwError::unknown("No closing quotation")),
                        },
                        Some(q) => w.push(q),
                    }
                }
            }
            '\\' => match chars.next() {
                Some(e) => word.get_or_insert_with(String::new).push(e),
                None => return Err(FwError::unknown("No escaped character")),
            },
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    Ok(words)
}

#[derive(Debug, Clone)]
enum Token {
    Element(String),
    Attr(String, String),
}

const ATTRIBUTES: &[&str] = &[
    "family", "address", "mac", "ipset", "invert", "value", "port", "protocol", "to-port", "to-addr", "name", "prefix", "level", "type",
    "set",
];
const ELEMENTS: &[&str] = &[
    "rule",
    "source",
    "destination",
    "protocol",
    "service",
    "port",
    "icmp-block",
    "icmp-type",
    "masquerade",
    "forward-port",
    "source-port",
    "log",
    "audit",
    "accept",
    "drop",
    "reject",
    "mark",
    "limit",
    "not",
    "NOT",
    "EOL",
];
/// Elements firewalld knows that labsim does not model.
const NOT_MODELLED: &[&str] = &["icmp-block", "icmp-type", "masquerade", "forward-port", "source-port", "log", "audit", "mark", "limit"];

fn lex(rule: &str) -> Result<Vec<Token>, FwError> {
    let mut tokens = Vec::new();
    for word in shlex_split(rule)? {
        if word.contains('=') {
            let parts: Vec<&str> = word.split('=').collect();
            if parts.len() != 2 || parts[0].is_empty() || parts[1].is_empty() {
                return Err(invalid(format!("internal error in _lexer(): {word}")));
            }
            tokens.push(Token::Attr(parts[0].to_owned(), parts[1].to_owned()));
        } else {
            tokens.push(Token::Element(word));
        }
    }
    tokens.push(Token::Element("EOL".into()));
    Ok(tokens)
}

/// `functions.checkIPnMask` for IPv4, giving the network and mask.
fn ipv4_net(text: &str) -> Option<(Ipv4Addr, u32)> {
    let (addr, mask) = match text.split_once('/') {
        Some((a, m)) if a.is_empty() || m.is_empty() => return None,
        Some((a, m)) => (a, Some(m)),
        None => (text, None),
    };
    let addr: Ipv4Addr = addr.parse().ok()?;
    let mask = match mask {
        None => u32::MAX,
        Some(m) if m.contains('.') => u32::from(m.parse::<Ipv4Addr>().ok()?),
        Some(m) => {
            let bits: u32 = m.parse().ok().filter(|b| *b <= 32)?;
            u32::MAX.checked_shl(32 - bits).unwrap_or(0)
        }
    };
    Some((addr, mask))
}

/// `functions.check_port`: a number 1–65535 or a range `lo-hi` with lo < hi (service names from
/// `/etc/services` are not resolved by labsim).
pub(crate) fn port_range(text: &str) -> Option<(u16, u16)> {
    let num = |s: &str| s.parse::<u16>().ok().filter(|p| *p > 0 && s.bytes().all(|b| b.is_ascii_digit()));
    match text.split_once('-') {
        None => num(text).map(|p| (p, p)),
        Some((a, b)) => {
            let (a, b) = (num(a)?, num(b)?);
            match a.cmp(&b) {
                std::cmp::Ordering::Less => Some((a, b)),
                std::cmp::Ordering::Greater => Some((b, a)),
                std::cmp::Ordering::Equal => Some((a, a)),
            }
        }
    }
}

impl RichRule {
    /// `Rich_Rule(rule_str=…)`: the rule, or firewalld's error for it.
    pub(crate) fn parse(text: &str) -> Result<RichRule, FwError> {
        if text.is_empty() {
            return Err(invalid("empty rule"));
        }
        let tokens = lex(text)?;
        if matches!(&tokens[0], Token::Element(e) if e == "EOL") {
            return Err(invalid("empty rule"));
        }
        let mut rule = RichRule { family: None, source: None, destination: None, element: None, action: None };
        let mut attrs: Vec<(String, String)> = Vec::new();
        let mut invert = false;
        let mut stack: Vec<String> = Vec::new();
        let mut index = 0usize;
        loop {
            // Python's IndexError when a malformed rule runs past its end.
            let token = tokens.get(index).cloned().ok_or_else(|| FwError::unknown("list index out of range"))?;
            if matches!(&token, Token::Element(e) if e == "EOL") && stack == ["rule"] {
                break;
            }
            let (element, attr) = match &token {
                Token::Element(e) => (Some(e.as_str()), None),
                Token::Attr(n, v) => (None, Some((n.as_str(), v.as_str()))),
            };
            if let Some((name, _)) = attr {
                if !ATTRIBUTES.contains(&name) {
                    return Err(invalid(format!("bad attribute '{name}'")));
                }
            } else if let Some(e) = element {
                if !ELEMENTS.contains(&e) {
                    return Err(invalid(format!("unknown element {e}")));
                }
                if NOT_MODELLED.contains(&e) {
                    return Err(FwError::not_modelled(format!("the rich rule element '{e}'")));
                }
                let one_element = ["protocol", "service", "port"].contains(&e);
                if e == "source" && rule.source.is_some() {
                    return Err(invalid("more than one 'source' element"));
                } else if e == "destination" && rule.destination.is_some() {
                    return Err(invalid("more than one 'destination' element"));
                } else if one_element && let Some(old) = &rule.element {
                    let old = match old {
                        Element::Service(_) => "service",
                        Element::Port { .. } => "port",
                        Element::Protocol(_) => "protocol",
                    };
                    return Err(invalid(format!("more than one element. There cannot be both '{e}' and '{old}' in one rule.")));
                } else if ["accept", "drop", "reject"].contains(&e)
                    && let Some(old) = &rule.action
                {
                    let old = match old {
                        Action::Accept => "accept",
                        Action::Reject(_) => "reject",
                        Action::Drop => "drop",
                    };
                    return Err(invalid(format!("more than one 'action' element. There cannot be both '{e}' and '{old}' in one rule.")));
                }
            }
            let get = |attrs: &[(String, String)], n: &str| attrs.iter().rev().find(|(k, _)| k == n).map(|(_, v)| v.clone());
            let in_element = stack.last().map(String::as_str).unwrap_or("");
            match in_element {
                "" => match (element, attr) {
                    (None, Some(("family", _))) => return Err(invalid("'family' outside of rule. Use 'rule family=...'.")),
                    (None, Some((n, _))) => {
                        return Err(invalid(format!("'{n}' outside of any element. Use 'rule <element> {n}= ...'.")));
                    }
                    (Some(e), _) if !e.contains("rule") => {
                        return Err(invalid(format!("'{e}' outside of rule. Use 'rule ... {e} ...'.")));
                    }
                    _ => stack.push("rule".into()),
                },
                "rule" => match (element, attr) {
                    (_, Some(("family", v))) => {
                        if v != "ipv4" && v != "ipv6" {
                            return Err(invalid(format!("'family' attribute cannot have '{v}' value. Use 'ipv4' or 'ipv6' instead.")));
                        }
                        rule.family = Some(v.to_owned());
                    }
                    (_, Some(("protocol", _))) => {
                        return Err(invalid(
                            "wrong 'protocol' usage. Use either 'rule protocol value=...' or  'rule [forward-]port protocol=...'.",
                        ));
                    }
                    (_, Some((n, _))) => {
                        return Err(invalid(format!("attribute '{n}' outside of any element. Use 'rule <element> {n}= ...'.")));
                    }
                    (Some(e), None) => stack.push(e.to_owned()),
                    (None, None) => {}
                },
                "source" | "destination" => {
                    let names: &[&str] =
                        if in_element == "source" { &["address", "mac", "ipset", "invert"] } else { &["address", "invert"] };
                    match (element, attr) {
                        (_, Some((n, v))) if names.contains(&n) => attrs.push((n.to_owned(), v.to_owned())),
                        (Some("not" | "NOT"), _) => invert = true,
                        _ => {
                            let address = get(&attrs, "address");
                            if in_element == "source" {
                                if get(&attrs, "mac").is_some() || get(&attrs, "ipset").is_some() {
                                    return Err(FwError::not_modelled("a rich rule source by mac or ipset".to_owned()));
                                }
                                let Some(text) = address.filter(|a| !a.is_empty()) else {
                                    return Err(invalid("no address, mac and ipset"));
                                };
                                rule.source = Some(Address { net: ipv4_net(&text), text, invert });
                            } else {
                                let text = address.unwrap_or_else(|| "None".into());
                                rule.destination = Some(Address { net: ipv4_net(&text), text, invert });
                            }
                            stack.pop();
                            attrs.clear();
                            invert = false;
                            continue; // the token goes back to the input
                        }
                    }
                }
                "protocol" | "service" => match attr {
                    Some((n, v)) if (in_element == "protocol" && n == "value") || (in_element == "service" && n == "name") => {
                        rule.element =
                            Some(if in_element == "protocol" { Element::Protocol(v.to_owned()) } else { Element::Service(v.to_owned()) });
                        stack.pop();
                    }
                    _ => return Err(invalid(format!("invalid '{in_element}' element"))),
                },
                "port" => match attr {
                    Some((n @ ("port" | "protocol"), v)) => attrs.push((n.to_owned(), v.to_owned())),
                    _ => {
                        let port = get(&attrs, "port").unwrap_or_else(|| "None".into());
                        let protocol = get(&attrs, "protocol").unwrap_or_else(|| "None".into());
                        rule.element = Some(Element::Port { port, protocol });
                        stack.pop();
                        attrs.clear();
                        continue;
                    }
                },
                "accept" | "drop" | "reject" => match attr {
                    Some(("type", v)) if in_element == "reject" => attrs.push(("type".into(), v.to_owned())),
                    _ => {
                        rule.action = Some(match in_element {
                            "accept" => Action::Accept,
                            "drop" => Action::Drop,
                            _ => Action::Reject(get(&attrs, "type")),
                        });
                        stack.pop();
                        attrs.clear();
                        continue;
                    }
                },
                // `not` pushed as an element of its own: rich.py has no branch for it and
                // reads on.
                _ => {}
            }
            index += 1;
        }
        rule.check()?;
        Ok(rule)
    }

    /// `Rich_Rule.check()` for the modelled elements.
    fn check(&self) -> Result<(), FwError> {
        if self.family.is_none() && (self.source.is_some() || self.destination.is_some()) {
            return Err(FwError::bare(Code::MissingFamily));
        }
        if self.element.is_none() {
            if self.action.is_none() {
                return Err(invalid("no element, no action"));
            }
            if self.source.is_none() && self.destination.is_none() {
                return Err(invalid("no element, no source, no destination"));
            }
        }
        if self.action.is_none() {
            return Err(invalid("no action, no log, no audit"));
        }
        let v4 = self.family.as_deref() != Some("ipv6");
        for a in [&self.source, &self.destination].into_iter().flatten() {
            // An IPv6 rule's address is not checked by labsim (it never matches IPv4).
            if v4 && a.net.is_none() {
                return Err(FwError::new(Code::InvalidAddr, a.text.clone()));
            }
        }
        match &self.element {
            Some(Element::Service(name)) if name.is_empty() => return Err(FwError::new(Code::InvalidService, name.clone())),
            Some(Element::Port { port, protocol }) => {
                if port_range(port).is_none() {
                    return Err(FwError::new(Code::InvalidPort, port.clone()));
                }
                if !["tcp", "udp", "sctp", "dccp"].contains(&protocol.as_str()) {
                    return Err(FwError::new(Code::InvalidProtocol, protocol.clone()));
                }
            }
            Some(Element::Protocol(value)) if protocol_number(value).is_none() => {
                return Err(FwError::new(Code::InvalidProtocol, value.clone()));
            }
            _ => {}
        }
        if let Some(Action::Reject(Some(kind))) = &self.action {
            let Some(family) = &self.family else {
                return Err(invalid("When using reject type you must specify also rule family."));
            };
            let valid = if family == "ipv4" { REJECT_TYPES_V4 } else { REJECT_TYPES_V6 };
            if !valid.contains(&kind.as_str()) {
                return Err(invalid(format!("Wrong reject type {kind}.\nUse one of: {}.", valid.join(", "))));
            }
            if family == "ipv4" && reject_code(Some(kind)).is_none() {
                return Err(FwError::not_modelled(format!("the reject type {kind}")));
            }
        }
        Ok(())
    }
}

impl std::fmt::Display for RichRule {
    /// `Rich_Rule.__str__`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("rule")?;
        if let Some(family) = &self.family {
            write!(f, " family=\"{family}\"")?;
        }
        if let Some(s) = &self.source {
            write!(f, " source{} address=\"{}\"", if s.invert { " NOT" } else { "" }, s.text)?;
        }
        if let Some(d) = &self.destination {
            write!(f, " destination {}address=\"{}\"", if d.invert { "not " } else { "" }, d.text)?;
        }
        match &self.element {
            Some(Element::Service(name)) => write!(f, " service name=\"{name}\"")?,
            Some(Element::Port { port, protocol }) => write!(f, " port port=\"{port}\" protocol=\"{protocol}\"")?,
            Some(Element::Protocol(value)) => write!(f, " protocol value=\"{value}\"")?,
            None => {}
        }
        match &self.action {
            Some(Action::Accept) => f.write_str(" accept"),
            Some(Action::Drop) => f.write_str(" drop"),
            Some(Action::Reject(Some(kind))) => write!(f, " reject type=\"{kind}\""),
            Some(Action::Reject(None)) => f.write_str(" reject"),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        RichRule::parse(text).unwrap_err().to_string()
    }

    #[test]
    fn rules_print_back_normalised() {
        for (given, shown) in [
            ("rule protocol value=\"vrrp\" accept", "rule protocol value=\"vrrp\" accept"),
            ("rule protocol value=vrrp accept", "rule protocol value=\"vrrp\" accept"),
            ("rule family='ipv4' source address=\"172.2.20.0/24\" accept", "rule family=\"ipv4\" source address=\"172.2.20.0/24\" accept"),
            ("rule family=ipv4 source not address=10.0.0.1 drop", "rule family=\"ipv4\" source NOT address=\"10.0.0.1\" drop"),
            ("rule service name=http accept", "rule service name=\"http\" accept"),
            ("rule port protocol=tcp port=80 reject", "rule port port=\"80\" protocol=\"tcp\" reject"),
            (
                "rule family=ipv4 port port=2049 protocol=tcp reject type=icmp-host-prohibited",
                "rule family=\"ipv4\" port port=\"2049\" protocol=\"tcp\" reject type=\"icmp-host-prohibited\"",
            ),
        ] {
            assert_eq!(RichRule::parse(given).unwrap().to_string(), shown, "{given}");
        }
    }

    #[test]
    fn firewalld_messages_for_what_it_refuses() {
        for (given, message) in [
            ("", "INVALID_RULE: empty rule"),
            ("   ", "INVALID_RULE: empty rule"),
            ("family=ipv4", "INVALID_RULE: 'family' outside of rule. Use 'rule family=...'."),
            ("accept", "INVALID_RULE: 'accept' outside of rule. Use 'rule ... accept ...'."),
            ("rule", "INVALID_RULE: no element, no action"),
            ("rule accept", "INVALID_RULE: no element, no source, no destination"),
            ("rule protocol value=vrrp", "INVALID_RULE: no action, no log, no audit"),
            ("rule protocol value=carp accept", "INVALID_PROTOCOL: carp"),
            ("rule protocol name=vrrp accept", "INVALID_RULE: invalid 'protocol' element"),
            (
                "rule protocol=vrrp accept",
                "INVALID_RULE: wrong 'protocol' usage. Use either 'rule protocol value=...' or  'rule [forward-]port protocol=...'.",
            ),
            ("rule family=ipv5 accept", "INVALID_RULE: 'family' attribute cannot have 'ipv5' value. Use 'ipv4' or 'ipv6' instead."),
            ("rule source address=10.0.0.1 accept", "MISSING_FAMILY"),
            ("rule family=ipv4 source address=10.0.0.300 accept", "INVALID_ADDR: 10.0.0.300"),
            ("rule frobnicate accept", "INVALID_RULE: unknown element frobnicate"),
            ("rule color=red accept", "INVALID_RULE: bad attribute 'color'"),
            ("rule port port=0 protocol=tcp accept", "INVALID_PORT: 0"),
            ("rule port port=80 protocol=icmp accept", "INVALID_PROTOCOL: icmp"),
            ("rule port port=80 accept", "INVALID_PROTOCOL: None"),
            (
                "rule service name=http accept drop",
                "INVALID_RULE: more than one 'action' element. There cannot be both 'drop' and 'accept' in one rule.",
            ),
            (
                "rule service name=http port port=80 protocol=tcp accept",
                "INVALID_RULE: more than one element. There cannot be both 'port' and 'service' in one rule.",
            ),
            (
                "rule service name=http reject type=icmp-host-prohibited",
                "INVALID_RULE: When using reject type you must specify also rule family.",
            ),
            ("rule protocol value=\"vrrp accept", "No closing quotation"),
            ("rule a==b accept", "INVALID_RULE: internal error in _lexer(): a==b"),
            ("rule rule", "list index out of range"),
            ("rule service name=http log accept", "labsim: the rich rule element 'log' is not modelled"),
        ] {
            assert_eq!(err(given), message, "{given:?}");
        }
        assert!(
            err("rule family=ipv4 service name=http reject type=bogus")
                .starts_with("INVALID_RULE: Wrong reject type bogus.\nUse one of: icmp-host-prohibited, host-prohib,")
        );
    }

    /// Typed text is untrusted: every prefix of some rules, and each with one character
    /// dropped, parses or is refused, never panics.
    #[test]
    fn any_cut_of_a_rule_is_parsed_or_refused() {
        for rule in [
            "rule family=\"ipv4\" source not address=\"172.2.20.0/24\" port port=\"80-90\" protocol=\"tcp\" reject type=\"icmp-host-prohibited\"",
            "rule protocol value='vrrp' accept",
            "rule family=ipv4 destination address=10.0.0.1/255.0.0.0 service name=\"http\" drop",
            "rule é=\"\\\"x\" ünïcode",
        ] {
            let chars: Vec<char> = rule.chars().collect();
            for cut in 0..=chars.len() {
                let _ = RichRule::parse(&chars[..cut].iter().collect::<String>());
                let mut without = chars.clone();
                if cut < without.len() {
                    without.remove(cut);
                    let _ = RichRule::parse(&without.iter().collect::<String>());
                }
            }
        }
    }

    #[test]
    fn addresses_match_with_their_masks_and_inversion() {
        let a = |text: &str, invert| Address { net: ipv4_net(text), text: text.into(), invert };
        for (addr, invert, ip, hit) in [
            ("172.2.20.0/24", false, "172.2.20.12", true),
            ("172.2.20.0/24", false, "172.2.21.12", false),
            ("172.2.20.0/255.255.0.0", false, "172.2.21.12", true),
            ("172.2.20.11", false, "172.2.20.11", true),
            ("172.2.20.11", true, "172.2.20.11", false),
            ("0.0.0.0/0", false, "8.8.8.8", true),
        ] {
            assert_eq!(a(addr, invert).matches(ip.parse().unwrap()), hit, "{addr} {invert} {ip}");
        }
    }

    #[test]
    fn reject_types_give_their_icmp_codes() {
        for (kind, code) in
            [(None, Some(3)), (Some("icmp-host-prohibited"), Some(10)), (Some("admin-prohib"), Some(13)), (Some("tcp-reset"), None)]
        {
            assert_eq!(reject_code(kind), code, "{kind:?}");
        }
    }
}
