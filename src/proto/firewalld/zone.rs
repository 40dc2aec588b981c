//! A zone's XML file (`src/firewall/core/io/zone.py` at v0.6.3): [`write()`] is `zone_writer`
//! (element order, two-space indentation, Python 2's attribute order as CentOS 7's files show
//! it: `<port protocol="tcp" port="80"/>`), [`read`] takes the elements labsim models from a file
//! firewalld or an administrator wrote. The package's file is `/usr/lib/firewalld/zones/`; one
//! under `/etc/firewalld/zones/` (written by `--permanent`) overrides it.

use super::rich::{Action, Address, Element, RichRule};
use super::{Port, Zone};

/// The package's `public.xml`.
pub(crate) const PACKAGE_PATH: &str = "/usr/lib/firewalld/zones/public.xml";
/// The administrator's copy, which `--permanent` writes.
pub(crate) const ETC_PATH: &str = "/etc/firewalld/zones/public.xml";

/// The package's file, as `config/zones/public.xml` at v0.6.3 holds it ([`write()`] of
/// [`Zone::public`] gives it back, a test checks).
pub(crate) const PACKAGE_FILE: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<zone>\n  <short>Public</short>\n  <description>For use in public areas. You do not trust the other computers on networks to not harm your computer. Only selected incoming connections are accepted.</description>\n  <service name=\"ssh\"/>\n  <service name=\"dhcpv6-client\"/>\n</zone>\n";

const SHORT: &str = "Public";
const DESCRIPTION: &str = "For use in public areas. You do not trust the other computers on networks to not harm your computer. Only selected incoming connections are accepted.";

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">").replace("&apos;", "'").replace("&amp;", "&")
}

/// `zone_writer` for the public zone.
pub(crate) fn write(zone: &Zone) -> String {
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<zone>\n");
    x += &format!("  <short>{SHORT}</short>\n  <description>{DESCRIPTION}</description>\n");
    for s in &zone.services {
        x += &format!("  <service name=\"{}\"/>\n", escape(s));
    }
    for p in &zone.ports {
        x += &format!("  <port protocol=\"{}\" port=\"{}\"/>\n", escape(&p.protocol), escape(&p.port));
    }
    for p in &zone.protocols {
        x += &format!("  <protocol value=\"{}\"/>\n", escape(p));
    }
    for r in &zone.rules {
        match &r.family {
            Some(f) => x += &format!("  <rule family=\"{f}\">\n"),
            None => x += "  <rule>\n",
        }
        let addr = |tag: &str, a: &Address| {
            let invert = if a.invert { " invert=\"True\"" } else { "" };
            format!("    <{tag} address=\"{}\"{invert}/>\n", escape(&a.text))
        };
        if let Some(s) = &r.source {
            x += &addr("source", s);
        }
        if let Some(d) = &r.destination {
            x += &addr("destination", d);
        }
        match &r.element {
            Some(Element::Service(n)) => x += &format!("    <service name=\"{}\"/>\n", escape(n)),
            Some(Element::Port { port, protocol }) => {
                x += &format!("    <port protocol=\"{}\" port=\"{}\"/>\n", escape(protocol), escape(port))
            }
            Some(Element::Protocol(v)) => x += &format!("    <protocol value=\"{}\"/>\n", escape(v)),
            None => {}
        }
        match &r.action {
            Some(Action::Accept) => x += "    <accept/>\n",
            Some(Action::Drop) => x += "    <drop/>\n",
            Some(Action::Reject(Some(t))) => x += &format!("    <reject type=\"{}\"/>\n", escape(t)),
            Some(Action::Reject(None)) => x += "    <reject/>\n",
            None => {}
        }
        x += "  </rule>\n";
    }
    x + "</zone>\n"
}

/// One tag: its name, attributes, and whether it closes (`</rule>`).
struct Tag {
    name: String,
    attrs: Vec<(String, String)>,
    closing: bool,
}

impl Tag {
    fn get(&self, name: &str) -> Option<String> {
        self.attrs.iter().find(|(k, _)| k == name).map(|(_, v)| unescape(v))
    }
}

fn tags(text: &str) -> Vec<Tag> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        let Some(len) = rest[start..].find('>') else { break };
        let inner = rest[start + 1..start + len].trim_end_matches('/').trim();
        rest = &rest[start + len + 1..];
        if inner.starts_with('?') || inner.starts_with('!') {
            continue;
        }
        let closing = inner.starts_with('/');
        let inner = inner.trim_start_matches('/');
        let name = inner.split_whitespace().next().unwrap_or("").to_owned();
        let mut attrs = Vec::new();
        let mut a = &inner[name.len()..];
        while let Some(eq) = a.find('=') {
            let key = a[..eq].trim().to_owned();
            let after = a[eq + 1..].trim_start();
            let Some(q) = after.chars().next().filter(|c| *c == '"' || *c == '\'') else { break };
            let Some(end) = after[1..].find(q) else { break };
            attrs.push((key, after[1..1 + end].to_owned()));
            a = &after[end + 2..];
        }
        out.push(Tag { name, attrs, closing });
    }
    out
}

/// The permanent zone: the administrator's file, else the package's, else (both unreadable)
/// the built-in default.
pub(crate) fn permanent(etc: Option<&str>, package: Option<&str>) -> Zone {
    [etc, package].into_iter().flatten().find_map(read).unwrap_or_else(Zone::public)
}

/// The services, ports, protocols and rich rules of a zone file (`None` when it holds no
/// `<zone>` element: firewalld then refuses the file and keeps the package's zone).
pub(crate) fn read(text: &str) -> Option<Zone> {
    let tags = tags(text);
    if !tags.iter().any(|t| t.name == "zone" && !t.closing) {
        return None;
    }
    let mut zone = Zone { services: Vec::new(), ports: Vec::new(), protocols: Vec::new(), rules: Vec::new() };
    let mut rule: Option<RichRule> = None;
    for t in tags {
        let address = |t: &Tag| {
            let text = t.get("address").unwrap_or_default();
            let net = super::rich::RichRule::parse(&format!("rule family=ipv4 source address=\"{text}\" accept"))
                .ok()
                .and_then(|r| r.source)
                .and_then(|s| s.net);
            Address { text, net, invert: t.get("invert").is_some_and(|v| v.eq_ignore_ascii_case("true")) }
        };
        match (t.name.as_str(), t.closing, rule.as_mut()) {
            ("rule", false, _) => {
                rule = Some(RichRule { family: t.get("family"), source: None, destination: None, element: None, action: None });
            }
            ("rule", true, _) => zone.rules.extend(rule.take().filter(|r| r.action.is_some())),
            ("source", false, Some(r)) => r.source = Some(address(&t)),
            ("destination", false, Some(r)) => r.destination = Some(address(&t)),
            ("service", false, Some(r)) => r.element = t.get("name").map(Element::Service),
            ("port", false, Some(r)) => {
                r.element =
                    Some(Element::Port { port: t.get("port").unwrap_or_default(), protocol: t.get("protocol").unwrap_or_default() });
            }
            ("protocol", false, Some(r)) => r.element = t.get("value").map(Element::Protocol),
            ("accept", false, Some(r)) => r.action = Some(Action::Accept),
            ("drop", false, Some(r)) => r.action = Some(Action::Drop),
            ("reject", false, Some(r)) => r.action = Some(Action::Reject(t.get("type"))),
            ("service", false, None) => zone.services.extend(t.get("name")),
            ("port", false, None) => {
                if let (Some(port), Some(protocol)) = (t.get("port"), t.get("protocol")) {
                    zone.ports.push(Port { port, protocol });
                }
            }
            ("protocol", false, None) => zone.protocols.extend(t.get("value")),
            _ => {}
        }
    }
    Some(zone)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_public_zone_is_written_as_the_package_ships_it() {
        assert_eq!(write(&Zone::public()), PACKAGE_FILE);
        assert_eq!(read(PACKAGE_FILE), Some(Zone::public()));
    }

    #[test]
    fn every_setting_survives_a_write_and_a_read() {
        let mut z = Zone::public();
        z.services.push("http".into());
        z.ports.push(Port { port: "8080".into(), protocol: "tcp".into() });
        z.protocols.push("vrrp".into());
        for r in [
            "rule protocol value=\"vrrp\" accept",
            "rule family=\"ipv4\" source NOT address=\"172.2.20.0/24\" reject type=\"icmp-host-prohibited\"",
        ] {
            z.rules.push(RichRule::parse(r).unwrap());
        }
        let text = write(&z);
        assert!(text.contains("  <port protocol=\"tcp\" port=\"8080\"/>\n  <protocol value=\"vrrp\"/>\n  <rule>\n    <protocol value=\"vrrp\"/>\n    <accept/>\n  </rule>\n"), "{text}");
        assert!(text.contains("  <rule family=\"ipv4\">\n    <source address=\"172.2.20.0/24\" invert=\"True\"/>\n"), "{text}");
        assert_eq!(read(&text), Some(z));
    }

    /// An administrator's file is untrusted: every prefix of a full one reads or is refused,
    /// never panics.
    #[test]
    fn any_cut_of_a_zone_file_is_read_or_refused() {
        let mut z = Zone::public();
        z.rules.push(RichRule::parse("rule family=ipv4 source address=\"10.0.0.0/8\" reject type=\"icmp-host-prohibited\"").unwrap());
        z.ports.push(Port { port: "8080".into(), protocol: "tcp".into() });
        let text = format!("{}<x a='é' b=\"<\"/>", write(&z));
        for (cut, _) in text.char_indices() {
            let _ = read(&text[..cut]);
        }
    }

    #[test]
    fn a_file_without_a_zone_is_refused() {
        assert_eq!(read(""), None);
        assert_eq!(read("<service name=\"http\"/>"), None);
        assert_eq!(read("<zone><service name='http'/></zone>").unwrap().services, ["http"]);
    }
}
