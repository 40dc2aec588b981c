//! Two keepalived daemons wired back to back (100 µs one-way latency), driven with explicit
//! `SimTime`s; the golden timelines of spec-vrrp.md §6 to the microsecond.

use std::net::Ipv4Addr;

use super::*;
use crate::kernel::SimTime;
use crate::wire::vrrp as wire;

const IF: &str = "eno33554984";
const LAT: u64 = 100;
const LB1_IP: Ipv4Addr = Ipv4Addr::new(172, 2, 20, 101);
const LB2_IP: Ipv4Addr = Ipv4Addr::new(172, 2, 20, 102);

fn conf(router: &str, state: &str, prio: u8, pass: &str) -> String {
    format!(
        "global_defs {{\n   router_id {router}\n}}\nvrrp_instance VI_1 {{\n   state {state}\n   interface {IF}\n   virtual_router_id 1\n   priority {prio}\n   advert_int 1\n   authentication {{\n      auth_type PASS\n      auth_pass {pass}\n   }}\n   virtual_ipaddress {{\n      172.2.20.100\n   }}\n}}\n"
    )
}

fn start(now: u64, idx: usize, pass: &str) -> Daemon {
    let (text, ip) =
        if idx == 0 { (conf("HA_TEST_R1", "MASTER", 110, pass), LB1_IP) } else { (conf("HA_TEST_R2", "BACKUP", 99, pass), LB2_IP) };
    let ifs = [Interface { name: IF.into(), mac: [2, 0, 0, 0, 0, idx as u8 + 1], primary: Some(ip), up: true }];
    Daemon::start(
        SimTime::from_micros(now),
        Some(&text),
        "/etc/keepalived/keepalived.conf",
        &ifs,
        DaemonOptions { log_detail: false, vrrp_pid: 1000 + idx as u32 },
    )
}

/// Everything that came out of a daemon, with the time it came out.
type Record = (u64, usize, Action);

struct Pair {
    d: [Option<Daemon>; 2],
    in_flight: Vec<(u64, usize, Vec<u8>)>,
    rec: Vec<Record>,
}

impl Pair {
    fn new(pass0: &str, pass1: &str) -> Pair {
        let mut p = Pair { d: [Some(start(0, 0, pass0)), Some(start(0, 1, pass1))], in_flight: vec![], rec: vec![] };
        p.drain(0, 0);
        p.drain(0, 1);
        p
    }

    fn drain(&mut self, now: u64, idx: usize) {
        let Some(d) = self.d[idx].as_mut() else {
            return;
        };
        while let Some(a) = d.poll_action() {
            if let Action::Send { packet, .. } = &a {
                self.in_flight.push((now + LAT, 1 - idx, packet.clone()));
            }
            self.rec.push((now, idx, a));
        }
    }

    fn run_until(&mut self, end: u64) {
        loop {
            let timers = self.d.iter().flatten().filter_map(Daemon::poll_timeout).map(SimTime::as_micros);
            let next = self.in_flight.iter().map(|p| p.0).chain(timers).min();
            let Some(now) = next.filter(|t| *t <= end) else {
                break;
            };
            let due: Vec<_> = self.in_flight.iter().filter(|p| p.0 == now).cloned().collect();
            self.in_flight.retain(|p| p.0 != now);
            for (_, to, pkt) in due {
                if let Some(d) = self.d[to].as_mut() {
                    d.handle_packet(SimTime::from_micros(now), IF, &pkt);
                }
                self.drain(now, to);
            }
            for idx in 0..2 {
                if let Some(d) = self.d[idx].as_mut()
                    && d.poll_timeout().is_some_and(|t| t.as_micros() <= now)
                {
                    d.handle_timeout(SimTime::from_micros(now));
                }
                self.drain(now, idx);
            }
        }
    }

    fn sends(&self, idx: usize) -> Vec<(u64, u8)> {
        self.rec
            .iter()
            .filter_map(|(t, i, a)| match a {
                Action::Send { packet, .. } if *i == idx => Some((*t, packet[22])),
                _ => None,
            })
            .collect()
    }

    fn states(&self, idx: usize) -> Vec<(u64, State)> {
        self.rec
            .iter()
            .filter_map(|(t, i, a)| match a {
                Action::StateChanged { state, .. } if *i == idx => Some((*t, *state)),
                _ => None,
            })
            .collect()
    }

    fn garps(&self, idx: usize) -> Vec<u64> {
        self.rec.iter().filter(|(_, i, a)| *i == idx && matches!(a, Action::Garp { .. })).map(|r| r.0).collect()
    }

    fn logs(&self, idx: usize) -> Vec<(u64, String)> {
        self.rec
            .iter()
            .filter_map(|(t, i, a)| match a {
                Action::Log { text, .. } if *i == idx => Some((*t, text.clone())),
                _ => None,
            })
            .collect()
    }
}

#[test]
fn cold_start_stop_and_restart() {
    let mut p = Pair::new("123456", "123456");
    p.run_until(10_200_000);
    // lb-1 becomes master at exactly 3.570312 s, then adverts every 1.000000 s; lb-2 is silent.
    assert_eq!(p.states(0), vec![(0, State::Backup), (3_570_312, State::Master)]);
    assert_eq!(p.states(1), vec![(0, State::Backup)]);
    let expected: Vec<(u64, u8)> = (0..7).map(|k| (3_570_312 + k * 1_000_000, 110)).collect();
    assert_eq!(p.sends(0), expected);
    assert!(p.sends(1).is_empty());
    assert_eq!(p.garps(0), [[3_570_312u64; 5], [8_570_312u64; 5]].concat());
    let logs0: Vec<String> = p.logs(0).into_iter().map(|l| l.1).collect();
    assert_eq!(
        logs0,
        vec![
            "Starting Keepalived v2.2.7 (01/16,2022)",
            "Configuration file /etc/keepalived/keepalived.conf",
            "Starting VRRP child process, pid=1000",
            "Assigned address 172.2.20.101 for interface eno33554984",
            "Startup complete",
            "(VI_1) Entering BACKUP STATE (init)",
            "(VI_1) Entering MASTER STATE",
        ]
    );
    // The first advert leaves before the VIP is added, with IP ID 1, as keepalived builds it.
    let first = p.rec.iter().position(|r| matches!(r.2, Action::Send { .. })).unwrap();
    assert!(matches!(p.rec[first + 3].2, Action::AddVip { .. }));
    if let Action::Send { packet, .. } = &p.rec[first].2 {
        let vrrp = wire::Repr::advert(1, 110, 1, wire::Auth::pass("123456"), vec![Ipv4Addr::new(172, 2, 20, 100)]);
        assert_eq!(*packet, wire::ipv4_advert(LB1_IP, wire::MCAST_GROUP, 1, &vrrp));
    }

    // systemctl stop keepalived on lb-1 at 10.2 s.
    let mark = p.rec.len();
    p.d[0].as_mut().unwrap().handle_sigterm(SimTime::from_micros(10_200_000));
    p.drain(10_200_000, 0);
    p.run_until(19_000_000);
    let after: Vec<_> = p.rec[mark..].to_vec();
    let sends0: Vec<_> = p.sends(0).into_iter().filter(|s| s.0 >= 10_200_000).collect();
    assert_eq!(sends0, vec![(10_200_000, 0)]);
    let t_master2 = 10_200_000 + LAT + 613_281;
    assert_eq!(p.states(1).last(), Some(&(t_master2, State::Master)));
    assert_eq!(p.garps(1), [[t_master2; 5], [t_master2 + 5_000_000; 5]].concat());
    let stop_logs: Vec<_> = after
        .iter()
        .filter_map(|(t, i, a)| match a {
            Action::Log { process, text, .. } if *i == 0 => Some((*t, *process, text.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        stop_logs,
        vec![
            (10_200_000, Process::Parent, "Stopping".to_string()),
            (11_200_000, Process::Vrrp, "Stopped".to_string()),
            (11_200_000, Process::Parent, "Stopped Keepalived v2.2.7 (01/16,2022)".to_string()),
        ]
    );
    assert!(p.d[0].as_ref().unwrap().is_exited());
    assert!(after.iter().any(|(t, i, a)| *t == 10_200_000 && *i == 0 && matches!(a, Action::RemoveVip { .. })));

    // lb-1 starts again at 20 s while lb-2 (99) is master.
    let mark = p.rec.len();
    p.d[0] = Some(start(20_000_000, 0, "123456"));
    p.drain(20_000_000, 0);
    p.run_until(26_000_000);
    let logs0: Vec<_> = p.logs(0).into_iter().filter(|l| l.0 >= 20_000_000).map(|l| l.1).collect();
    let discards = logs0.iter().filter(|l| *l == "(VI_1) received lower priority (99) advert from 172.2.20.102 - discarding").count();
    assert_eq!(discards, 3);
    assert_eq!(p.states(0).last(), Some(&(23_570_312, State::Master)));
    let t_leave = 23_570_312 + LAT;
    let logs1: Vec<_> = p.logs(1).into_iter().filter(|l| l.0 >= 20_000_000).collect();
    assert_eq!(
        logs1,
        vec![
            (t_leave, "(VI_1) Master received advert from 172.2.20.101 with higher priority 110, ours 99".to_string()),
            (t_leave, "(VI_1) Entering BACKUP STATE".to_string()),
        ]
    );
    assert_eq!(p.states(1).last(), Some(&(t_leave, State::Backup)));
    // lb-2 sends no advert after leaving master, and removes the VIP.
    assert!(p.sends(1).iter().all(|s| s.0 < t_leave));
    assert!(p.rec[mark..].iter().any(|(t, i, a)| *t == t_leave && *i == 1 && matches!(a, Action::RemoveVip { .. })));
}

#[test]
fn password_mismatch_gives_split_brain() {
    let mut p = Pair::new("654321", "123456");
    p.run_until(10_000_000);
    for idx in 0..2 {
        assert_eq!(p.d[idx].as_ref().unwrap().instances()[0].state, State::Master);
        let bad = p.logs(idx).iter().filter(|l| l.1 == "(VI_1) received an invalid passwd!").count();
        assert!(bad >= 1, "lb-{} logged {bad} passwd lines", idx + 1);
        assert!(p.rec.iter().any(|(_, i, a)| *i == idx && matches!(a, Action::AddVip { .. })));
    }
    assert_eq!(p.states(1), vec![(0, State::Backup), (3_613_281, State::Master)]);
    // The timer side effect of §4.5: one master is silenced by the other's adverts.
    let late = |idx: usize| p.sends(idx).iter().filter(|s| s.0 > 6_000_000).count();
    assert!(late(0) == 0 || late(1) == 0);
    assert!(late(0) + late(1) >= 3);
    // Whoever is still sending is rejected by the other every second, each time logged (2.2.x).
    let silenced = if late(0) == 0 { 0 } else { 1 };
    let late_bad = p.logs(silenced).iter().filter(|l| l.0 > 6_000_000 && l.1 == "(VI_1) received an invalid passwd!").count();
    assert_eq!(late_bad, late(1 - silenced));
}

fn valid_packet(ttl: u8) -> Vec<u8> {
    let vrrp = wire::Repr::advert(1, 110, 1, wire::Auth::pass("123456"), vec![Ipv4Addr::new(172, 2, 20, 100)]);
    let mut pkt = wire::ipv4_advert(LB1_IP, wire::MCAST_GROUP, 7, &vrrp);
    pkt[8] = ttl;
    pkt
}

#[test]
fn malformed_packets_are_logged_and_dropped() {
    let mut d = start(0, 1, "123456");
    while d.poll_action().is_some() {}
    let deadline = d.poll_timeout();
    assert_eq!(deadline, Some(SimTime::from_micros(3_613_281)));
    let now = SimTime::from_micros(1_000_000);
    let mut texts: Vec<String> = vec![];
    let mut feed = |d: &mut Daemon, bytes: &[u8]| {
        d.handle_packet(now, IF, bytes);
        while let Some(a) = d.poll_action() {
            if let Action::Log { text, .. } = a {
                texts.push(text);
            }
        }
    };
    feed(&mut d, &valid_packet(255)[..38]);
    feed(&mut d, &valid_packet(64));
    let mut bad_sum = valid_packet(255);
    bad_sum[22] = 120; // priority changed, checksum not
    feed(&mut d, &bad_sum);
    let other = wire::Repr::advert(1, 110, 1, wire::Auth::pass("123456"), vec![Ipv4Addr::new(172, 2, 20, 101)]);
    let bad_vip = wire::ipv4_advert(LB1_IP, wire::MCAST_GROUP, 8, &other);
    feed(&mut d, &bad_vip);
    for junk in [&[][..], &[0x45][..], &[0x45, 0, 0, 20][..], &[0x4f; 30][..], &valid_packet(255)[..21]] {
        feed(&mut d, junk);
    }
    let mut other_vrid = valid_packet(255);
    other_vrid[21] = 9;
    feed(&mut d, &other_vrid);
    let deadline_after_junk = d.poll_timeout();
    // A good advert resets the timer.
    feed(&mut d, &valid_packet(255));
    assert_eq!(
        texts,
        vec![
            "(VI_1) vrrp packet too short, length 38 and expect 40",
            "(VI_1) invalid TTL/HL. Received 64 and expect 255",
            "(VI_1) Invalid VRRPv2 checksum",
            "(VI_1) ip address associated with VRID 1 not present in MASTER advert: 172.2.20.100",
        ]
    );
    assert_eq!(deadline_after_junk, deadline, "rejected adverts do not reset the down timer");
    assert_eq!(d.poll_timeout(), Some(now + std::time::Duration::from_micros(3_613_281)));
}

#[test]
fn missing_config_file() {
    let mut d = Daemon::start(SimTime::ZERO, None, "/etc/keepalived/keepalived.conf", &[], DaemonOptions::default());
    let mut texts = vec![];
    while let Some(a) = d.poll_action() {
        if let Action::Log { text, process, .. } = a {
            assert_eq!(process, Process::Parent);
            texts.push(text);
        }
    }
    assert_eq!(
        texts,
        vec![
            "Starting Keepalived v2.2.7 (01/16,2022)",
            "Config files missing '/etc/keepalived/keepalived.conf'.",
            "Stopped Keepalived v2.2.7 (01/16,2022)",
        ]
    );
    assert!(d.is_exited());
}

#[test]
fn link_down_on_master_goes_fault_and_back() {
    let mut p = Pair::new("123456", "123456");
    p.run_until(5_000_000);
    let d = p.d[0].as_mut().unwrap();
    d.handle_link(SimTime::from_micros(5_100_000), IF, false);
    p.drain(5_100_000, 0);
    let logs: Vec<_> = p.logs(0).into_iter().filter(|l| l.0 == 5_100_000).map(|l| l.1).collect();
    assert_eq!(logs, vec!["Netlink reports eno33554984 down", "(VI_1) Entering FAULT STATE"]);
    assert_eq!(p.sends(0).last(), Some(&(5_100_000, 0)));
    let d = p.d[0].as_mut().unwrap();
    d.handle_link(SimTime::from_micros(6_000_000), IF, true);
    p.drain(6_000_000, 0);
    assert_eq!(p.states(0).last(), Some(&(6_000_000, State::Backup)));
    assert_eq!(p.d[0].as_ref().unwrap().instances()[0].state, State::Backup);
}

#[test]
fn unknown_keyword_is_logged_by_the_daemon() {
    let text = conf("R", "BACKUP", 99, "1").replace("   advert_int 1\n", "   advert_int 1\n   frobnicate yes\n");
    let ifs = [Interface { name: IF.into(), mac: [2; 6], primary: Some(LB2_IP), up: true }];
    let mut d = Daemon::start(SimTime::ZERO, Some(&text), "/etc/keepalived/keepalived.conf", &ifs, DaemonOptions::default());
    let mut found = false;
    while let Some(a) = d.poll_action() {
        if let Action::Log { text, process: Process::Vrrp, .. } = a {
            found |= text == "(Line 10) Unknown keyword 'frobnicate'";
        }
    }
    assert!(found);
}
