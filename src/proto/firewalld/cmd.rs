//! `firewall-cmd` (firewalld 0.6.3, `src/firewall-cmd.in` and `src/firewall/command.py`): its
//! arguments, what it asks of the daemon, and what it prints where with which exit status.
//!
//! Messages with a status above 1 go to stderr (`print_and_exit`); a modifying command ends with
//! `success` on stdout; ALREADY_ENABLED and NOT_ENABLED become a `Warning:` on stderr and status 0
//! (`__cmd_sequence`). Without the daemon every command says `FirewallD is not running` (and
//! `--state` says `not running`), status 252. Runtime changes act at once; `--permanent` ones
//! change the zone file only, until `--reload` replaces the runtime settings with it.

use super::rich::RichRule;
use super::{Code, FwError, Port, Zone, services};
use crate::proto::Stream;

/// What firewall-cmd works on: the daemon's runtime zone (`None` when firewalld is not
/// running), the permanent zone as its file holds it, and the interfaces NetworkManager bound
/// to the zone.
pub(crate) struct Target<'a> {
    pub(crate) runtime: Option<&'a mut Zone>,
    pub(crate) permanent: &'a mut Zone,
    pub(crate) interfaces: &'a [String],
}

/// What a run printed and changed.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Outcome {
    pub(crate) lines: Vec<(Stream, String)>,
    pub(crate) status: i32,
    /// The permanent zone changed: its file must be written.
    pub(crate) permanent_changed: bool,
    /// The runtime rules changed (a runtime change or a reload): they must be installed again.
    pub(crate) runtime_changed: bool,
}

impl Outcome {
    fn out(&mut self, line: impl Into<String>) {
        self.lines.push((Stream::Stdout, line.into()));
    }

    fn err(&mut self, line: impl Into<String>) {
        self.lines.push((Stream::Stderr, line.into()));
    }

    fn exit(mut self, status: i32) -> Outcome {
        self.status = status;
        self
    }
}

const USAGE: &str = "usage: see firewall-cmd man page";

/// Zones firewalld 0.6.3 ships (`config/zones/`).
const ZONES: &[&str] = &["block", "dmz", "drop", "external", "home", "internal", "public", "trusted", "work"];

/// The options labsim models that take a value (argparse `append` actions).
const WITH_VALUE: &[&str] = &[
    "--zone",
    "--add-service",
    "--remove-service",
    "--query-service",
    "--add-port",
    "--remove-port",
    "--add-protocol",
    "--remove-protocol",
    "--add-rich-rule",
    "--remove-rich-rule",
];
/// The flags labsim models.
const FLAGS: &[&str] = &[
    "--state",
    "--reload",
    "--complete-reload",
    "--runtime-to-permanent",
    "--permanent",
    "--get-default-zone",
    "--get-active-zones",
    "--get-zones",
    "--get-services",
    "--list-all",
    "--list-services",
    "--list-ports",
    "--list-protocols",
    "--list-rich-rules",
];

#[derive(Default)]
struct Args {
    flags: Vec<&'static str>,
    values: Vec<(&'static str, String)>,
}

impl Args {
    fn has(&self, f: &str) -> bool {
        self.flags.contains(&f)
    }

    fn all(&self, option: &str) -> Vec<String> {
        self.values.iter().filter(|(o, _)| *o == option).map(|(_, v)| v.clone()).collect()
    }
}

fn parse(args: &[&str]) -> Result<Args, Vec<String>> {
    let mut a = Args::default();
    let mut unknown = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let arg = args[i];
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n, Some(v)),
            _ => (arg, None),
        };
        if let Some(&opt) = WITH_VALUE.iter().find(|o| **o == name) {
            let value = match inline {
                Some(v) => v.to_owned(),
                None if i + 1 < args.len() && !args[i + 1].starts_with('-') => {
                    i += 1;
                    args[i].to_owned()
                }
                None => return Err(vec![USAGE.into(), format!("firewall-cmd: error: argument {opt}: expected one argument")]),
            };
            a.values.push((opt, value));
        } else if let Some(&flag) = FLAGS.iter().find(|f| **f == arg) {
            a.flags.push(flag);
        } else if arg.starts_with("--") && !arg.starts_with("---") {
            // An option of firewall-cmd that labsim does not model is said so, not refused as
            // unknown.
            return Err(vec![format!("firewall-cmd: labsim: {name} is not modelled")]);
        } else {
            unknown.push(arg);
        }
        i += 1;
    }
    if !unknown.is_empty() {
        return Err(vec![USAGE.into(), format!("firewall-cmd: error: unrecognized arguments: {}", unknown.join(" "))]);
    }
    Ok(a)
}

/// `firewall-cmd ARGS…` against `t`.
pub(crate) fn run(args: &[&str], t: Target<'_>) -> Outcome {
    let mut o = Outcome::default();
    let a = match parse(args) {
        Ok(a) => a,
        Err(lines) => {
            let status = if lines.len() == 1 { 1 } else { 2 };
            lines.into_iter().for_each(|l| o.err(l));
            return o.exit(status);
        }
    };
    if a.flags.is_empty() && a.values.iter().all(|(opt, _)| *opt == "--zone") {
        o.err(USAGE);
        o.err("No option specified.");
        return o.exit(2);
    }
    let Some(runtime) = t.runtime else {
        o.err(if a.has("--state") { "not running" } else { "FirewallD is not running" });
        return o.exit(Code::NotRunning.number());
    };
    if let Some(zone) = a.all("--zone").last()
        && zone != "public"
    {
        return if ZONES.contains(&zone.as_str()) {
            o.err(format!("firewall-cmd: labsim: the zone '{zone}' is not modelled (only public)"));
            o.exit(1)
        } else {
            o.err(format!("Error: {}", FwError::new(Code::InvalidZone, zone.clone())));
            o.exit(Code::InvalidZone.number())
        };
    }
    if a.has("--state") {
        o.out("running");
        return o;
    }
    if a.has("--reload") || a.has("--complete-reload") {
        *runtime = t.permanent.clone();
        o.runtime_changed = true;
        o.out("success");
        return o;
    }
    if a.has("--runtime-to-permanent") {
        *t.permanent = runtime.clone();
        o.permanent_changed = true;
        o.out("success");
        return o;
    }
    if a.has("--get-default-zone") {
        o.out("public");
        return o;
    }
    if a.has("--get-zones") {
        o.out(ZONES.join(" "));
        return o;
    }
    if a.has("--get-services") {
        o.out(services::SERVICES.iter().map(|s| s.name).collect::<Vec<_>>().join(" "));
        return o;
    }
    if a.has("--get-active-zones") {
        if !t.interfaces.is_empty() {
            o.out("public");
            o.out(format!("  interfaces: {}", t.interfaces.join(" ")));
        }
        return o;
    }
    let permanent = a.has("--permanent");
    let interfaces = if permanent { &[][..] } else { t.interfaces };
    let zone: &mut Zone = if permanent { t.permanent } else { runtime };
    if a.has("--list-all") {
        list_all(&mut o, zone, interfaces, !permanent);
        return o;
    }
    let lists: [(&str, Vec<String>); 4] = [
        ("--list-services", sorted(&zone.services)),
        ("--list-ports", zone.ports.iter().map(|p| format!("{}/{}", p.port, p.protocol)).collect()),
        ("--list-protocols", zone.protocols.clone()),
        ("--list-rich-rules", Vec::new()),
    ];
    for (flag, items) in lists {
        if a.has(flag) {
            if flag == "--list-rich-rules" {
                zone.rules.iter().for_each(|r| o.out(r.to_string()));
            } else {
                o.out(items.join(" "));
            }
            return o;
        }
    }
    if let Some(name) = a.all("--query-service").first() {
        let yes = zone.services.contains(name);
        o.out(if yes { "yes" } else { "no" });
        return o.exit(i32::from(!yes));
    }
    let changed = modify(&mut o, &a, zone, permanent);
    if o.status == 0 {
        o.out("success");
    }
    if changed {
        if permanent {
            o.permanent_changed = true;
        } else {
            o.runtime_changed = true;
        }
    }
    o
}

fn sorted(v: &[String]) -> Vec<String> {
    let mut v = v.to_vec();
    v.sort();
    v
}

/// `print_zone_info` (command.py 380–427).
fn list_all(o: &mut Outcome, z: &Zone, interfaces: &[String], runtime: bool) {
    let active = runtime && !interfaces.is_empty();
    o.out(if active { "public (active)" } else { "public" });
    let ports: Vec<String> = z.ports.iter().map(|p| format!("{}/{}", p.port, p.protocol)).collect();
    for (key, value) in [
        ("target", "default".to_owned()),
        ("icmp-block-inversion", "no".to_owned()),
        ("interfaces", interfaces.join(" ")),
        ("sources", String::new()),
        ("services", sorted(&z.services).join(" ")),
        ("ports", ports.join(" ")),
        ("protocols", z.protocols.join(" ")),
        ("masquerade", "no".to_owned()),
        ("forward-ports", String::new()),
        ("source-ports", String::new()),
        ("icmp-blocks", String::new()),
    ] {
        o.out(format!("  {key}: {value}"));
    }
    o.out("  rich rules: ");
    let rules: Vec<String> = z.rules.iter().map(ToString::to_string).collect();
    o.out(format!("\t{}", rules.join("\n\t")));
}

/// One item of an add/remove sequence.
enum Item {
    Service(String),
    Port(Port),
    Protocol(String),
    Rule(RichRule),
}

/// The `parse_method` and the daemon's check of one item.
fn item(option: &str, value: &str) -> Result<Item, FwError> {
    match option {
        "--add-service" | "--remove-service" => {
            if option == "--add-service" && services::find(value).is_none() {
                return Err(FwError::new(Code::InvalidService, value));
            }
            Ok(Item::Service(value.to_owned()))
        }
        "--add-port" | "--remove-port" => {
            let Some((port, protocol)) = value.split_once('/').filter(|(_, p)| !p.contains('/')) else {
                return Err(FwError::new(
                    Code::InvalidPort,
                    "bad port (most likely missing protocol), correct syntax is portid[-portid]/protocol",
                ));
            };
            if super::rich::port_range(port).is_none() {
                return Err(FwError::new(Code::InvalidPort, port));
            }
            if !["tcp", "udp", "sctp", "dccp"].contains(&protocol) {
                return Err(FwError::new(Code::InvalidProtocol, format!("'{protocol}' not in {{'tcp'|'udp'|'sctp'|'dccp'}}")));
            }
            Ok(Item::Port(Port { port: port.to_owned(), protocol: protocol.to_owned() }))
        }
        "--add-protocol" | "--remove-protocol" => {
            if super::protocol_number(value).is_none() {
                return Err(FwError::new(Code::InvalidProtocol, value));
            }
            Ok(Item::Protocol(value.to_owned()))
        }
        _ => RichRule::parse(value).map(Item::Rule),
    }
}

/// Carries out the add and remove options in firewall-cmd's order; true if the zone changed.
fn modify(o: &mut Outcome, a: &Args, zone: &mut Zone, permanent: bool) -> bool {
    let mut changed = false;
    for option in [
        "--add-service",
        "--remove-service",
        "--add-port",
        "--remove-port",
        "--add-protocol",
        "--remove-protocol",
        "--add-rich-rule",
        "--remove-rich-rule",
    ] {
        let values = a.all(option);
        if values.is_empty() {
            continue;
        }
        let many = values.len() > 1;
        let mut codes: Vec<i32> = Vec::new();
        let mut errors = 0;
        for value in &values {
            let result = item(option, value).and_then(|it| apply(zone, it, option.starts_with("--add"), permanent));
            match result {
                Ok(()) => changed = true,
                Err(e) => {
                    let code = match e.code {
                        Code::AlreadyEnabled | Code::NotEnabled => 0,
                        c => c.number(),
                    };
                    if many || code == 0 {
                        o.err(format!("Warning: {e}"));
                    } else {
                        o.err(format!("Error: {e}"));
                        o.status = code;
                        return changed;
                    }
                    if !codes.contains(&code) {
                        codes.push(code);
                    }
                    errors += 1;
                }
            }
        }
        if values.len() > errors || codes.contains(&0) {
            continue;
        }
        o.status = if codes.len() == 1 { codes[0] } else { Code::UnknownError.number() };
        return changed;
    }
    changed
}

/// Adds or removes one item (fw_zone.py for the runtime, config_zone.py for the permanent
/// zone: their ALREADY_ENABLED/NOT_ENABLED messages differ).
fn apply(zone: &mut Zone, item: Item, add: bool, permanent: bool) -> Result<(), FwError> {
    fn toggle<T: PartialEq>(list: &mut Vec<T>, x: T, add: bool, id: String, permanent: bool) -> Result<(), FwError> {
        let present = list.contains(&x);
        match (add, present) {
            (true, true) => Err(FwError::new(Code::AlreadyEnabled, if permanent { id } else { format!("'{id}' already in 'public'") })),
            (false, false) => Err(FwError::new(Code::NotEnabled, if permanent { id } else { format!("'{id}' not in 'public'") })),
            (true, false) => {
                list.push(x);
                Ok(())
            }
            (false, true) => {
                list.retain(|y| *y != x);
                Ok(())
            }
        }
    }
    match item {
        Item::Service(s) => toggle(&mut zone.services, s.clone(), add, s, permanent),
        Item::Port(p) => {
            let id = format!("{}:{}", p.port, p.protocol);
            toggle(&mut zone.ports, p, add, id, permanent)
        }
        Item::Protocol(p) => toggle(&mut zone.protocols, p.clone(), add, p, permanent),
        Item::Rule(r) => {
            let id = r.to_string();
            toggle(&mut zone.rules, r, add, id, permanent)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Host {
        runtime: Option<Zone>,
        permanent: Zone,
    }

    impl Host {
        fn running() -> Host {
            Host { runtime: Some(Zone::public()), permanent: Zone::public() }
        }

        fn cmd(&mut self, line: &str) -> Outcome {
            // A rich rule is one argument, as the shell's quotes make it.
            let args: Vec<&str> =
                if line.contains("rich-rule=") { vec![line] } else { line.split(' ').filter(|s| !s.is_empty()).collect() };
            let ifaces = ["eth0".to_owned()];
            run(&args, Target { runtime: self.runtime.as_mut(), permanent: &mut self.permanent, interfaces: &ifaces })
        }
    }

    fn shown(o: &Outcome) -> Vec<String> {
        o.lines.iter().map(|(s, l)| format!("{}{l}", if *s == Stream::Stderr { "! " } else { "" })).collect()
    }

    #[test]
    fn a_stopped_daemon_answers_every_command_alike() {
        let mut h = Host { runtime: None, permanent: Zone::public() };
        for (line, text) in [
            ("--state", "! not running"),
            ("--list-all", "! FirewallD is not running"),
            ("--permanent --add-service=http", "! FirewallD is not running"),
        ] {
            let o = h.cmd(line);
            assert_eq!((shown(&o), o.status), (vec![text.to_owned()], 252), "{line}");
        }
    }

    #[test]
    fn list_all_of_a_default_host() {
        let o = Host::running().cmd("--list-all");
        let want = [
            "public (active)",
            "  target: default",
            "  icmp-block-inversion: no",
            "  interfaces: eth0",
            "  sources: ",
            "  services: dhcpv6-client ssh",
            "  ports: ",
            "  protocols: ",
            "  masquerade: no",
            "  forward-ports: ",
            "  source-ports: ",
            "  icmp-blocks: ",
            "  rich rules: ",
            "\t",
        ];
        assert_eq!((shown(&o), o.status), (want.map(String::from).to_vec(), 0));
    }

    /// Each command paired with its printed lines and status, one after the other on one host.
    #[test]
    fn commands_print_firewalld_texts_and_statuses() {
        let mut h = Host::running();
        for (line, lines, status) in [
            ("--state", vec!["running"], 0),
            ("--get-default-zone", vec!["public"], 0),
            ("--get-active-zones", vec!["public", "  interfaces: eth0"], 0),
            ("--add-service=http", vec!["success"], 0),
            ("--add-service=http", vec!["! Warning: ALREADY_ENABLED: 'http' already in 'public'", "success"], 0),
            ("--add-service=vrrp", vec!["! Error: INVALID_SERVICE: vrrp"], 101),
            ("--add-service=vrrp --add-service=https", vec!["! Warning: INVALID_SERVICE: vrrp", "success"], 0),
            (
                "--add-service=vrrp --add-service=nosuch",
                vec!["! Warning: INVALID_SERVICE: vrrp", "! Warning: INVALID_SERVICE: nosuch"],
                101,
            ),
            ("--list-services", vec!["dhcpv6-client http https ssh"], 0),
            ("--remove-service=nfs", vec!["! Warning: NOT_ENABLED: 'nfs' not in 'public'", "success"], 0),
            ("--add-port=8080/tcp", vec!["success"], 0),
            (
                "--add-port=8080",
                vec!["! Error: INVALID_PORT: bad port (most likely missing protocol), correct syntax is portid[-portid]/protocol"],
                102,
            ),
            ("--add-port=8080/icmp", vec!["! Error: INVALID_PROTOCOL: 'icmp' not in {'tcp'|'udp'|'sctp'|'dccp'}"], 103),
            ("--add-port=8080/tcp", vec!["! Warning: ALREADY_ENABLED: '8080:tcp' already in 'public'", "success"], 0),
            ("--add-protocol=vrrp", vec!["success"], 0),
            ("--add-protocol=carp", vec!["! Error: INVALID_PROTOCOL: carp"], 103),
            ("--add-rich-rule=rule protocol value=vrrp accept", vec!["success"], 0),
            ("--add-rich-rule=rule", vec!["! Error: INVALID_RULE: no element, no action"], 122),
            ("--list-rich-rules", vec!["rule protocol value=\"vrrp\" accept"], 0),
            ("--zone=public --list-ports", vec!["8080/tcp"], 0),
            ("--zone=office --list-all", vec!["! Error: INVALID_ZONE: office"], 112),
            ("--permanent --add-service=http", vec!["success"], 0),
            ("--permanent --add-service=http", vec!["! Warning: ALREADY_ENABLED: http", "success"], 0),
            ("--permanent --list-services", vec!["dhcpv6-client http ssh"], 0),
            ("", vec!["! usage: see firewall-cmd man page", "! No option specified."], 2),
            ("--state extra", vec!["! usage: see firewall-cmd man page", "! firewall-cmd: error: unrecognized arguments: extra"], 2),
            (
                "--add-service",
                vec!["! usage: see firewall-cmd man page", "! firewall-cmd: error: argument --add-service: expected one argument"],
                2,
            ),
            ("--query-service=http", vec!["yes"], 0),
            ("--query-service=nfs", vec!["no"], 1),
        ] {
            let o = h.cmd(line);
            assert_eq!((shown(&o), o.status), (lines.into_iter().map(String::from).collect(), status), "{line}");
        }
    }

    #[test]
    fn permanent_changes_wait_for_a_reload_which_drops_runtime_ones() {
        let mut h = Host::running();
        assert!(h.cmd("--add-service=https").runtime_changed);
        let o = h.cmd("--permanent --add-service=http");
        assert!(o.permanent_changed && !o.runtime_changed);
        assert_eq!(shown(&h.cmd("--list-services")), ["dhcpv6-client https ssh"]);
        let o = h.cmd("--reload");
        assert!(o.runtime_changed);
        assert_eq!(shown(&o), ["success"]);
        assert_eq!(shown(&h.cmd("--list-services")), ["dhcpv6-client http ssh"]);
        h.cmd("--add-protocol=vrrp");
        assert!(h.cmd("--runtime-to-permanent").permanent_changed);
        assert_eq!(h.permanent.protocols, ["vrrp"]);
    }
}
