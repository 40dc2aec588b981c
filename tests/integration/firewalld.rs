//! firewalld left running (issue 12): each firewalld lesson, fixed the manual's way
//! (`systemctl stop firewalld; systemctl disable firewalld` on the host, before the symptom),
//! runs clean; firewall-cmd's changes act as firewalld's do; and the ICMP errors a firewalled host sends dissect in Wireshark as what Linux
//! sends for `REJECT --reject-with icmp-host-prohibited`.

use std::process::Command;

use labsim::Outcome;

use crate::util;

/// The lesson `name` with the manual's fix typed on `host` at 1 s, the timeline entries `also`,
/// and `expect` in place of its own expectations, written to a scratch directory (the lab's files
/// named by absolute path).
fn fixed(name: &str, host: &str, also: &str, expect: &str) -> std::path::PathBuf {
    let text = std::fs::read_to_string(util::scenario_path(&format!("{name}.ron"))).unwrap();
    let lab = util::root().join("scenarios/lab/");
    let text = text.replace("\"lab/", &format!("\"{}", lab.display()));
    let fix = format!("timeline: [\n        At(\"1s\", \"{host}\", \"systemctl stop firewalld; systemctl disable firewalld\"),{also}");
    let text = text.replacen("timeline: [", &fix, 1);
    let cut = text.find("    expect: [").expect("the lesson has expectations");
    let text = format!("{}    expect: [\n{expect}\n    ],\n)\n", &text[..cut]);
    let file = util::scratch(&format!("fixed-{name}")).join(format!("{name}-fixed.ron"));
    std::fs::write(&file, text).unwrap();
    file
}

fn assert_clean(path: &std::path::Path) {
    let result = util::run(path, None);
    assert_eq!(result.outcome, Outcome::Completed);
    assert!(result.report.passed(), "{}", result.report.to_text(result.trace.events()));
}

#[test]
fn with_firewalld_stopped_on_lb_2_only_lb_1_holds_the_vip() {
    assert_clean(&fixed(
        "mistake-firewalld-lb2",
        "lb-2",
        "",
        r#"        Log(host: "lb-1", contains: "(VI_1) Entering MASTER STATE", exactly: 1),
        Log(host: "lb-2", contains: "(VI_1) Entering MASTER STATE", exactly: 0),
        VipOwner(vip: "172.2.20.100", host: "lb-1", at: "10s"),
        Output(host: "lb-2", at: "10s", contains: "not running"),"#,
    ));
}

#[test]
fn with_firewalld_stopped_on_web_2_nginx_uses_all_three() {
    assert_clean(&fixed(
        "mistake-firewalld-web",
        "web-2",
        "",
        r#"        HttpStatus(host: "client-1", status: 200, exactly: 20),
        Responses(host: "client-1", between: ("4s", "7s"), sequence: ["web-1", "web-2", "web-3"]),
        Log(host: "lb-1", contains: "connect() failed", exactly: 0),
        Output(host: "lb-1", at: "5.5s", contains: "This is web-2 zgh2303"),
        Output(host: "web-2", at: "28s", contains: "FirewallD is not running"),"#,
    ));
}

#[test]
fn with_firewalld_stopped_on_the_nfs_server_mount_a_succeeds() {
    assert_clean(&fixed(
        "mistake-nfs-firewall",
        "nfs",
        r#"
        At("10s", "web-1", "mount | grep /var/www/html"),"#,
        r#"        Output(host: "web-1", at: "10s", contains: "192.168.20.204:/web on /var/www/html type nfs"),
        Log(host: "web-2", contains: "Failed to mount", exactly: 0),"#,
    ));
}

/// `tests/fixtures/firewalld/firewall-cmd.ron`: runtime and permanent changes through the shell,
/// a reload, a power cycle, a rich rule's ICMP errors seen by ping, and the stop's flush.
#[test]
fn firewall_cmd_changes_what_lb_1_sees() {
    assert_clean(&util::root().join("tests/fixtures/firewalld/firewall-cmd.ron"));
}

/// lb-1's connects to web-2 in the web lesson: web-2 answers each SYN with ICMP type 3 code 10
/// from its own address, quoting the whole SYN (`icmp_send`); Wireshark reads it as such, with a
/// good checksum.
#[test]
fn tshark_dissects_the_host_prohibited_errors() {
    if !crate::tshark::tshark_available() {
        return;
    }
    let result = util::run(&util::scenario_path("mistake-firewalld-web.ron"), None);
    let file = util::scratch("tshark-firewalld").join("back.pcap");
    std::fs::write(&file, util::pcap_of(&result, "back")).unwrap();
    let out = Command::new("tshark")
        .args(["-n", "-r"])
        .arg(&file)
        .args(["-o", "ip.check_checksum:TRUE", "-Y", "icmp.type == 3", "-T", "fields", "-E", "separator=/t"])
        .args(["-e", "frame.protocols", "-e", "ip.src", "-e", "ip.dst", "-e", "ip.dsfield", "-e", "ip.flags.df", "-e", "ip.ttl"])
        .args(["-e", "icmp.code", "-e", "icmp.checksum.status", "-e", "tcp.flags.syn", "-e", "tcp.dstport", "-e", "_ws.col.Info"])
        .output()
        .expect("tshark runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.len() >= 2, "the refused SYNs of lb-1's nginx (and curl): {text}");
    for line in lines {
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(
            cols[..10],
            // Outer header, then the quoted one: web-2 → lb-1 with TOS 0xc0 (precedence
            // internetwork control), no DF, TTL 64; inside, lb-1's SYN to port 80 as it was sent.
            [
                "eth:ethertype:ip:icmp:ip:tcp",
                "192.168.20.202,192.168.20.101",
                "192.168.20.101,192.168.20.202",
                "0xc0,0x00",
                "0,1",
                "64,64",
                "10",
                "1",
                "1",
                "80"
            ],
            "{line}"
        );
        // Code 10 is "host administratively prohibited" (RFC 1122); Wireshark's name for code 13
        // is "Communication administratively filtered".
        assert!(cols[10].contains("Destination unreachable (Host administratively prohibited)"), "{line}");
    }
}
