//! Windows 10's `ipconfig` without arguments, from the adapters the glue reads off the machine
//! (spec-centos7-windows §3.5, and Windows 10 / Server transcripts of the same layout): labels
//! indented three spaces with `. ` leaders up to a colon in a fixed column, two empty lines
//! after the title, one after each adapter's heading, one between adapters.
//!
//! labsim models no IPv6, so the `Link-local IPv6 Address` line a real adapter has is not
//! printed (as `ip addr` prints no `inet6`). `ipconfig /all` and the other switches are refused:
//! their fields (DHCP, DNS servers, NetBIOS, DUIDs) are nothing labsim models.

use std::net::Ipv4Addr;

use super::Refusal;

/// One network adapter as the glue read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Adapter {
    /// Its name (`Ethernet0` under VMware).
    pub(crate) name: String,
    /// Whether its link is up (down: `Media disconnected`).
    pub(crate) up: bool,
    /// Its addresses with their masks, the primary first.
    pub(crate) addrs: Vec<(Ipv4Addr, Ipv4Addr)>,
    /// The default gateway, on the adapter whose network holds it.
    pub(crate) gateway: Option<Ipv4Addr>,
}

/// `label . . . : value`, the colon in column 38 as Windows aligns it.
fn field(label: &str, value: &str) -> String {
    let mut s = format!("   {label}");
    // The leaders sit on a grid: `.` in odd columns, spaces in even ones.
    while s.len() < 37 {
        s.push(if s.len() % 2 == 0 { ' ' } else { '.' });
    }
    format!("{s}: {value}")
}

/// What `ipconfig ARGS` prints: the adapters without arguments, a refusal otherwise.
pub(crate) fn show(argv: &[&str], adapters: &[Adapter]) -> Result<Vec<String>, Refusal> {
    if let Some(first) = argv.first() {
        return Err(Refusal { lines: vec![format!("ipconfig {first} is not modelled by labsim.")], status: 1 });
    }
    let mut out = vec![String::new(), "Windows IP Configuration".to_string(), String::new()];
    for a in adapters {
        out.push(String::new());
        out.push(format!("Ethernet adapter {}:", a.name));
        out.push(String::new());
        if !a.up {
            out.push(field("Media State", "Media disconnected"));
            out.push(field("Connection-specific DNS Suffix ", ""));
            continue;
        }
        out.push(field("Connection-specific DNS Suffix ", ""));
        for (addr, mask) in &a.addrs {
            out.push(field("IPv4 Address", &addr.to_string()));
            out.push(field("Subnet Mask", &mask.to_string()));
        }
        out.push(field("Default Gateway", &a.gateway.map(|g| g.to_string()).unwrap_or_default()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_labels_line_up_as_on_windows() {
        assert_eq!(field("Connection-specific DNS Suffix ", ""), "   Connection-specific DNS Suffix  . : ");
        assert_eq!(field("IPv4 Address", "172.2.20.1"), "   IPv4 Address. . . . . . . . . . . : 172.2.20.1");
        assert_eq!(field("Subnet Mask", "255.255.255.0"), "   Subnet Mask . . . . . . . . . . . : 255.255.255.0");
        assert_eq!(field("Default Gateway", ""), "   Default Gateway . . . . . . . . . : ");
        assert_eq!(field("Media State", "Media disconnected"), "   Media State . . . . . . . . . . . : Media disconnected");
    }

    #[test]
    fn two_adapters_one_down() {
        let up = Adapter {
            name: "Ethernet0".into(),
            up: true,
            addrs: vec![(Ipv4Addr::new(172, 2, 20, 1), Ipv4Addr::new(255, 255, 255, 0))],
            gateway: None,
        };
        let down = Adapter { name: "Ethernet1".into(), up: false, addrs: Vec::new(), gateway: None };
        assert_eq!(
            show(&[], &[up, down]).expect("shown"),
            [
                "",
                "Windows IP Configuration",
                "",
                "",
                "Ethernet adapter Ethernet0:",
                "",
                "   Connection-specific DNS Suffix  . : ",
                "   IPv4 Address. . . . . . . . . . . : 172.2.20.1",
                "   Subnet Mask . . . . . . . . . . . : 255.255.255.0",
                "   Default Gateway . . . . . . . . . : ",
                "",
                "Ethernet adapter Ethernet1:",
                "",
                "   Media State . . . . . . . . . . . : Media disconnected",
                "   Connection-specific DNS Suffix  . : ",
            ]
        );
        assert_eq!(show(&["/all"], &[]).expect_err("refused").lines, ["ipconfig /all is not modelled by labsim."]);
    }
}
