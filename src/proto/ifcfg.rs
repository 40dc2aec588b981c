//! CentOS 7's interface configuration: the `ifcfg-NAME` files of
//! `/etc/sysconfig/network-scripts` (initscripts' `KEY=value` lines, values optionally quoted)
//! that the `network` service applies, and `nmcli connection modify` (NetworkManager 1.18 with
//! its ifcfg-rh plugin), which edits them. Messages from nmcli's `clients/cli/connections.c`.

use std::net::Ipv4Addr;

use super::ArgError;

/// Where the files are.
pub(crate) const DIR: &str = "/etc/sysconfig/network-scripts";

/// The path of interface `name`'s file.
pub(crate) fn path(name: &str) -> String {
    format!("{DIR}/ifcfg-{name}")
}

/// The file the installer writes for a NIC with a static address.
pub(crate) fn installed(name: &str, addr: Ipv4Addr, prefix: u8) -> String {
    format!(
        "TYPE=Ethernet\nPROXY_METHOD=none\nBROWSER_ONLY=no\nBOOTPROTO=none\nDEFROUTE=yes\nIPV4_FAILURE_FATAL=no\nNAME={name}\nDEVICE={name}\nONBOOT=yes\nIPADDR={addr}\nPREFIX={prefix}\n"
    )
}

/// The value of `key` in an ifcfg file, unquoted.
pub(crate) fn get<'t>(text: &'t str, key: &str) -> Option<&'t str> {
    text.lines().rev().find_map(|line| {
        let (k, v) = line.trim().split_once('=')?;
        (k == key).then(|| v.trim_matches(|c| c == '"' || c == '\''))
    })
}

/// `text` with `key` set to `value` (replacing its line, or appended).
pub(crate) fn set(text: &str, key: &str, value: &str) -> String {
    let mut out = String::new();
    let mut done = false;
    for line in text.lines() {
        if line.trim().split_once('=').is_some_and(|(k, _)| k == key) {
            if !done {
                out.push_str(&format!("{key}={value}\n"));
                done = true;
            }
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    if !done {
        out.push_str(&format!("{key}={value}\n"));
    }
    out
}

/// The static address an ifcfg file gives its interface (`BOOTPROTO=none|static`, `IPADDR`,
/// `PREFIX`, or `NETMASK`), if any.
pub(crate) fn address(text: &str) -> Option<(Ipv4Addr, u8)> {
    if !matches!(get(text, "BOOTPROTO"), None | Some("none" | "static")) {
        return None;
    }
    let addr: Ipv4Addr = get(text, "IPADDR")?.parse().ok()?;
    let prefix = match (get(text, "PREFIX"), get(text, "NETMASK")) {
        (Some(p), _) => p.parse().ok().filter(|p| *p <= 32)?,
        (None, Some(mask)) => u32::from(mask.parse::<Ipv4Addr>().ok()?).count_ones() as u8,
        (None, None) => 24,
    };
    Some((addr, prefix))
}

/// What `nmcli connection modify ID PROPERTY VALUE…` changes in connection `ID`'s file:
/// `(key, value)` pairs in order.
pub(crate) fn modify(properties: &[&str]) -> Result<Vec<(&'static str, String)>, ArgError> {
    let fail = |line: String| ArgError { lines: vec![line], status: 2 };
    if properties.is_empty() {
        return Err(fail("Error: <setting>.<property> argument is missing.".to_owned()));
    }
    let mut edits = Vec::new();
    let mut it = properties.chunks(2);
    for pair in &mut it {
        let [property, value] = pair else {
            return Err(fail(format!("Error: value for '{}' is missing.", pair[0])));
        };
        match *property {
            "ipv4.addresses" | "ip4" => {
                let (addr, prefix) = value.split_once('/').unwrap_or((value, "32"));
                let parsed = addr.parse::<Ipv4Addr>().ok().zip(prefix.parse::<u8>().ok().filter(|p| *p <= 32));
                let Some((addr, prefix)) = parsed else {
                    return Err(fail(format!(
                        "Error: failed to modify ipv4.addresses: invalid IP address: Invalid IPv4 address '{value}'."
                    )));
                };
                edits.push(("IPADDR", addr.to_string()));
                edits.push(("PREFIX", prefix.to_string()));
            }
            "ipv4.method" => match *value {
                "manual" => edits.push(("BOOTPROTO", "none".to_owned())),
                "auto" => edits.push(("BOOTPROTO", "dhcp".to_owned())),
                other => {
                    return Err(fail(format!(
                        "Error: failed to modify ipv4.method: '{other}' not among [auto, link-local, manual, shared, disabled]."
                    )));
                }
            },
            "ipv4.gateway" | "gw4" => match value.parse::<Ipv4Addr>() {
                Ok(gw) => edits.push(("GATEWAY", gw.to_string())),
                Err(_) => {
                    return Err(fail(format!("Error: failed to modify ipv4.gateway: invalid IP address: Invalid IPv4 address '{value}'.")));
                }
            },
            "connection.autoconnect" => {
                edits.push(("ONBOOT", if matches!(*value, "yes" | "true" | "on") { "yes" } else { "no" }.to_owned()))
            }
            other => return Err(fail(format!("Error: invalid <setting>.<property> '{other}'."))),
        }
    }
    Ok(edits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nmcli_edits_the_installers_file_and_the_network_service_reads_it_back() {
        let text = installed("eno16777736", Ipv4Addr::new(192, 168, 20, 101), 24);
        assert_eq!(address(&text), Some((Ipv4Addr::new(192, 168, 20, 101), 24)));
        let edits = modify(&["ipv4.addresses", "172.2.20.101/24", "ipv4.method", "manual"]).unwrap();
        let text = edits.iter().fold(text, |t, (k, v)| set(&t, k, v));
        assert_eq!(address(&text), Some((Ipv4Addr::new(172, 2, 20, 101), 24)));
        assert_eq!(text.matches("IPADDR=").count(), 1);
        let dhcp = set(&text, "BOOTPROTO", "dhcp");
        assert_eq!(address(&dhcp), None);
    }

    #[test]
    fn nmcli_refuses_what_it_refuses() {
        assert_eq!(
            modify(&["ipv4.addresses", "300.1.1.1/24"]).unwrap_err().lines[0],
            "Error: failed to modify ipv4.addresses: invalid IP address: Invalid IPv4 address '300.1.1.1/24'."
        );
        assert_eq!(modify(&["ipv4.foo", "x"]).unwrap_err().lines[0], "Error: invalid <setting>.<property> 'ipv4.foo'.");
        assert_eq!(modify(&["ipv4.method"]).unwrap_err().lines[0], "Error: value for 'ipv4.method' is missing.");
        assert_eq!(modify(&["ipv4.method", "static"]).unwrap_err().status, 2);
    }
}
