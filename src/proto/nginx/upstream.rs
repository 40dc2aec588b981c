//! The peers of one upstream group and nginx's selection and failure accounting
//! (spec-nginx-upstream §2, §3, §4.1, §10; `ngx_http_upstream_round_robin.c`,
//! `ngx_http_upstream_ip_hash_module.c`, `ngx_http_upstream_least_conn_module.c`).
//!
//! `now_s` is nginx's `ngx_time()`: whole seconds. Pass the Unix time of the simulated clock
//! (`Calendar::unix_micros(now) / 1_000_000`); only differences matter, and the epoch is a whole
//! second, so `SimTime::as_secs()` gives the same decisions.
//!
//! Per request: [`Upstream::start`] gives a [`Tried`] (the `tried` bitmap, `tries`, ip_hash
//! state); each attempt is [`Upstream::get_peer`] then [`Upstream::free_peer`].

use std::net::Ipv4Addr;

use super::config::{Balance, ServerEntry, UpstreamConfig};

/// One peer's configuration and run-time state (`ngx_http_upstream_rr_peer_t`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Peer {
    /// Address.
    pub addr: Ipv4Addr,
    /// Port.
    pub port: u16,
    /// `ip:port`, as logs print it.
    pub name: String,
    /// `weight=`.
    pub weight: i64,
    /// Starts at `weight`; lowered on failures, recovers by one per selection round.
    pub effective_weight: i64,
    /// Smooth-WRR accumulator.
    pub current_weight: i64,
    /// Failures since the last reset.
    pub fails: u32,
    /// Time (s) of the last failure.
    pub accessed: u64,
    /// Time (s) the peer was last checked.
    pub checked: u64,
    /// `max_fails=`.
    pub max_fails: u32,
    /// `fail_timeout=` (s).
    pub fail_timeout: u64,
    /// `down`.
    pub down: bool,
    /// Open connections.
    pub conns: u32,
    /// `max_conns=` (0 = unlimited).
    pub max_conns: u32,
}

impl Peer {
    fn new(s: &ServerEntry) -> Self {
        let w = i64::from(s.weight);
        Peer {
            addr: s.addr,
            port: s.port,
            name: s.name(),
            weight: w,
            effective_weight: w,
            current_weight: 0,
            fails: 0,
            accessed: 0,
            checked: 0,
            max_fails: s.max_fails,
            fail_timeout: s.fail_timeout_s,
            down: s.down,
            conns: 0,
            max_conns: s.max_conns,
        }
    }

    /// Not down, not in its fail window, not at `max_conns`.
    fn usable(&self, now_s: u64) -> bool {
        let failed = self.max_fails > 0 && self.fails >= self.max_fails && now_s.saturating_sub(self.checked) <= self.fail_timeout;
        let full = self.max_conns > 0 && self.conns >= self.max_conns;
        !(self.down || failed || full)
    }

    fn touch_checked(&mut self, now_s: u64) {
        if now_s.saturating_sub(self.checked) > self.fail_timeout {
            self.checked = now_s;
        }
    }
}

/// A selected peer: which list, which index (config order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct PeerId {
    /// In the backup list.
    pub backup: bool,
    /// Index in its list.
    pub index: usize,
}

/// Per-request selection state (`ngx_http_upstream_rr_peer_data_t` + `ngx_peer_connection_t.tries`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Tried {
    tried: Vec<bool>,
    in_backup: bool,
    /// Attempts left (`pc->tries`).
    pub tries: u32,
    client: [u8; 3],
    hash: u64,
    hash_tries: u32,
}

impl Tried {
    fn is_tried(&self, i: usize) -> bool {
        self.tried.get(i).copied().unwrap_or(false)
    }

    fn mark(&mut self, i: usize) {
        if let Some(t) = self.tried.get_mut(i) {
            *t = true;
        }
    }
}

/// One upstream group's peers (one worker's copy, §1.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Upstream {
    /// The group name (`peers->name`, logged for `no live upstreams`).
    pub name: String,
    /// Primary peers, config order.
    pub primary: Vec<Peer>,
    /// Backup peers, config order.
    pub backup: Vec<Peer>,
    /// Balancing method.
    pub balance: Balance,
    /// `peers->single`: exactly one primary peer and no backup; failures are not counted.
    pub single: bool,
}

/// The warning `free_peer` logs when a peer trips.
pub(crate) const TEMPORARILY_DISABLED: &str = "upstream server temporarily disabled";

impl Upstream {
    /// Fresh peers from the configuration (start or reload).
    pub(crate) fn new(cfg: &UpstreamConfig) -> Self {
        let primary: Vec<Peer> = cfg.servers.iter().filter(|s| !s.backup).map(Peer::new).collect();
        let backup: Vec<Peer> = cfg.servers.iter().filter(|s| s.backup).map(Peer::new).collect();
        let single = primary.len() == 1 && backup.is_empty();
        Upstream { name: cfg.name.clone(), primary, backup, balance: cfg.balance, single }
    }

    /// The peer behind `id`.
    pub(crate) fn peer(&self, id: PeerId) -> Option<&Peer> {
        if id.backup { self.backup.get(id.index) } else { self.primary.get(id.index) }
    }

    fn peer_mut(&mut self, id: PeerId) -> Option<&mut Peer> {
        if id.backup { self.backup.get_mut(id.index) } else { self.primary.get_mut(id.index) }
    }

    /// Per-request state: empty `tried`, `tries` = non-down primary + non-down backup peers,
    /// capped by `proxy_next_upstream_tries` when that is not 0.
    pub(crate) fn start(&self, client_ip: Ipv4Addr, next_upstream_tries: u32) -> Tried {
        let live = |v: &[Peer]| v.iter().filter(|p| !p.down).count() as u32;
        let mut tries = live(&self.primary) + live(&self.backup);
        if next_upstream_tries > 0 && tries > next_upstream_tries {
            tries = next_upstream_tries;
        }
        let o = client_ip.octets();
        Tried { tried: vec![false; self.primary.len()], in_backup: false, tries, client: [o[0], o[1], o[2]], hash: 89, hash_tries: 0 }
    }

    /// Selects the next peer for this request (`peer.get`), or `None` (`NGX_BUSY`: no live
    /// upstreams). Increments the peer's `conns`.
    pub(crate) fn get_peer(&mut self, now_s: u64, t: &mut Tried) -> Option<PeerId> {
        match self.balance {
            Balance::IpHash if !t.in_backup => self.get_ip_hash(now_s, t),
            Balance::LeastConn => self.get_list(now_s, t, Self::least_conn),
            _ => self.get_list(now_s, t, Self::round_robin),
        }
    }

    /// `ngx_http_upstream_get_round_robin_peer()` (and its least_conn twin): the current list,
    /// then the backup list with a cleared `tried` map.
    fn get_list(&mut self, now_s: u64, t: &mut Tried, pick: fn(&mut [Peer], u64, &mut Tried) -> Option<usize>) -> Option<PeerId> {
        loop {
            let backup = t.in_backup;
            let found = if !backup && self.single && self.balance == Balance::RoundRobin {
                let p = &self.primary[0];
                if p.down || (p.max_conns > 0 && p.conns >= p.max_conns) { None } else { Some(0) }
            } else {
                let list = if backup { &mut self.backup } else { &mut self.primary };
                pick(list, now_s, t)
            };
            if let Some(index) = found {
                let id = PeerId { backup, index };
                if let Some(p) = self.peer_mut(id) {
                    p.conns += 1;
                }
                return Some(id);
            }
            if backup || self.backup.is_empty() {
                return None;
            }
            t.in_backup = true;
            t.tried = vec![false; self.backup.len()];
        }
    }

    /// `ngx_http_upstream_get_peer()`: smooth weighted round robin, strict `>`.
    fn round_robin(peers: &mut [Peer], now_s: u64, t: &mut Tried) -> Option<usize> {
        let mut best: Option<(usize, i64)> = None;
        let mut total = 0;
        for (i, p) in peers.iter_mut().enumerate() {
            if t.is_tried(i) || !p.usable(now_s) {
                continue;
            }
            p.current_weight += p.effective_weight;
            total += p.effective_weight;
            if p.effective_weight < p.weight {
                p.effective_weight += 1;
            }
            if best.is_none_or(|(_, cw)| p.current_weight > cw) {
                best = Some((i, p.current_weight));
            }
        }
        let (b, _) = best?;
        t.mark(b);
        let p = &mut peers[b];
        p.current_weight -= total;
        p.touch_checked(now_s);
        Some(b)
    }

    /// `ngx_http_upstream_get_least_conn_peer()`: fewest `conns/weight`, ties by smooth WRR.
    fn least_conn(peers: &mut [Peer], now_s: u64, t: &mut Tried) -> Option<usize> {
        let mut best: Option<usize> = None;
        let mut many = false;
        for i in 0..peers.len() {
            if t.is_tried(i) || !peers[i].usable(now_s) {
                continue;
            }
            match best {
                None => best = Some(i),
                Some(b) => {
                    let (pc, pw) = (i64::from(peers[i].conns), peers[i].weight);
                    let (bc, bw) = (i64::from(peers[b].conns), peers[b].weight);
                    if pc * bw < bc * pw {
                        best = Some(i);
                        many = false;
                    } else if pc * bw == bc * pw {
                        many = true;
                    }
                }
            }
        }
        let mut b = best?;
        let mut total = 0;
        if many {
            let first = b;
            let (bc, bw) = (i64::from(peers[first].conns), peers[first].weight);
            for i in first..peers.len() {
                if t.is_tried(i) || !peers[i].usable(now_s) {
                    continue;
                }
                if i64::from(peers[i].conns) * bw != bc * peers[i].weight {
                    continue;
                }
                let p = &mut peers[i];
                p.current_weight += p.effective_weight;
                total += p.effective_weight;
                if p.effective_weight < p.weight {
                    p.effective_weight += 1;
                }
                if peers[i].current_weight > peers[b].current_weight {
                    b = i;
                }
            }
        }
        t.mark(b);
        let p = &mut peers[b];
        p.current_weight -= total;
        p.touch_checked(now_s);
        Some(b)
    }

    /// `ngx_http_upstream_get_ip_hash_peer()`: key = first three octets; 20 rehashes, then RR.
    fn get_ip_hash(&mut self, now_s: u64, t: &mut Tried) -> Option<PeerId> {
        let total: i64 = self.primary.iter().map(|p| p.weight).sum();
        if t.hash_tries > 20 || self.single || total <= 0 {
            return self.get_list(now_s, t, Self::round_robin);
        }
        let mut hash = t.hash;
        loop {
            for o in t.client {
                hash = (hash * 113 + u64::from(o)) % 6271;
            }
            let mut w = (hash % total as u64) as i64;
            let mut i = 0;
            while i + 1 < self.primary.len() && w >= self.primary[i].weight {
                w -= self.primary[i].weight;
                i += 1;
            }
            if !t.is_tried(i) && self.primary[i].usable(now_s) {
                let p = &mut self.primary[i];
                p.conns += 1;
                p.touch_checked(now_s);
                t.mark(i);
                t.hash = hash;
                return Some(PeerId { backup: false, index: i });
            }
            t.hash_tries += 1;
            if t.hash_tries > 20 {
                return self.get_list(now_s, t, Self::round_robin);
            }
        }
    }

    /// `ngx_http_upstream_free_round_robin_peer()`: the attempt on `id` ended. A failure counts
    /// against the peer (unless the group is `single`); returns
    /// [`TEMPORARILY_DISABLED`] when the peer reaches `max_fails`. Decrements `tries`.
    pub(crate) fn free_peer(&mut self, t: &mut Tried, id: PeerId, now_s: u64, failed: bool) -> Option<&'static str> {
        let single = self.single;
        let p = self.peer_mut(id)?;
        p.conns = p.conns.saturating_sub(1);
        if single {
            t.tries = 0;
            return None;
        }
        let mut warn = None;
        if failed {
            p.fails += 1;
            p.accessed = now_s;
            p.checked = now_s;
            if p.max_fails > 0 {
                p.effective_weight -= p.weight / i64::from(p.max_fails);
                if p.fails >= p.max_fails {
                    warn = Some(TEMPORARILY_DISABLED);
                }
            }
            if p.effective_weight < 0 {
                p.effective_weight = 0;
            }
        } else if p.accessed < p.checked {
            p.fails = 0;
        }
        t.tries = t.tries.saturating_sub(1);
        warn
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(last: u8, weight: u32) -> ServerEntry {
        ServerEntry {
            addr: Ipv4Addr::new(192, 168, 20, last),
            port: 80,
            weight,
            max_fails: 1,
            fail_timeout_s: 10,
            max_conns: 0,
            backup: false,
            down: false,
        }
    }

    pub(crate) fn group(weights: &[u32]) -> Upstream {
        let servers = weights.iter().enumerate().map(|(i, w)| entry(201 + i as u8, *w)).collect();
        Upstream::new(&UpstreamConfig { name: "jt".into(), servers, balance: Balance::RoundRobin, implicit: false })
    }

    const CLIENT: Ipv4Addr = Ipv4Addr::new(172, 2, 20, 1);

    /// One request at `now`: tries peers until one is not in `dead`. Returns the attempts as
    /// letters (`a`, `b✗`), with `NOLIVE` when selection failed, and the warnings.
    fn request(up: &mut Upstream, now: u64, dead: &[usize]) -> (String, usize) {
        let mut t = up.start(CLIENT, 0);
        let mut out = Vec::new();
        let mut warns = 0;
        loop {
            let Some(id) = up.get_peer(now, &mut t) else {
                out.push("NOLIVE".to_string());
                break;
            };
            let letter = (b'a' + id.index as u8) as char;
            let failed = dead.contains(&id.index);
            warns += usize::from(up.free_peer(&mut t, id, now, failed).is_some());
            if !failed {
                out.push(letter.to_string());
                break;
            }
            out.push(format!("{letter}✗"));
            if t.tries == 0 {
                out.push("502".to_string());
                break;
            }
        }
        (out.join(" "), warns)
    }

    fn sequence(weights: &[u32], n: usize) -> String {
        let mut up = group(weights);
        (0..n).map(|_| request(&mut up, 0, &[]).0).collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn smooth_weighted_round_robin_sequences() {
        assert_eq!(sequence(&[1, 1, 1], 6), "a b c a b c");
        assert_eq!(sequence(&[5, 1, 1], 14), "a a b a c a a a a b a c a a");
        // weight=3 on web-1: 1 2 1 3 1 1 2 1 3 1 (worked by hand in the comments of §2's loop).
        assert_eq!(sequence(&[3, 1, 1], 10), "a b a c a a b a c a");
    }

    /// §3's worked example: b refuses, one request per second from t=0.
    #[test]
    fn b_refusing_one_request_per_second() {
        // (t, attempts) worked by hand from §2–§3: b fails at 1, is ineligible while
        // now - 1 <= 10, re-enters at 12 with effective_weight 0 and is tried again at 15, …
        let mut expected: Vec<(u64, &str)> = vec![(0, "a"), (1, "b✗ c")];
        for t in 2..=14 {
            expected.push((t, if t % 2 == 0 { "c" } else { "a" }));
        }
        expected.push((15, "b✗ a"));
        for t in 16..=28 {
            expected.push((t, if t % 2 == 0 { "c" } else { "a" }));
        }
        expected.push((29, "b✗ a"));
        let mut up = group(&[1, 1, 1]);
        for (t, want) in expected {
            let (got, warns) = request(&mut up, t, &[1]);
            assert_eq!(got, want, "t={t}");
            assert_eq!(warns, usize::from(want.contains('✗')), "t={t}");
        }
    }

    /// §3: all three dead, requests at t=0,1,5,10,11,12.
    #[test]
    fn all_dead() {
        let table = [(0, "a✗ b✗ c✗ 502"), (1, "NOLIVE"), (5, "NOLIVE"), (10, "NOLIVE"), (11, "c✗ b✗ a✗ 502"), (12, "NOLIVE")];
        let mut up = group(&[1, 1, 1]);
        for (t, want) in table {
            assert_eq!(request(&mut up, t, &[0, 1, 2]).0, want, "t={t}");
        }
    }

    #[test]
    fn single_server_ignores_failures() {
        let mut up = group(&[1]);
        assert_eq!(request(&mut up, 0, &[0]).0, "a✗ 502");
        assert_eq!(request(&mut up, 1, &[0]).0, "a✗ 502");
        assert_eq!(request(&mut up, 2, &[]).0, "a");
    }

    #[test]
    fn down_and_backup() {
        let mut servers = vec![entry(201, 1), entry(202, 1), entry(203, 1)];
        servers[1].down = true;
        servers[2].backup = true;
        let cfg = UpstreamConfig { name: "jt".into(), servers, balance: Balance::RoundRobin, implicit: false };
        let mut up = Upstream::new(&cfg);
        assert!(!up.single);
        assert_eq!(up.start(CLIENT, 0).tries, 2);
        let mut t = up.start(CLIENT, 0);
        let first = up.get_peer(0, &mut t);
        assert_eq!(first, Some(PeerId { backup: false, index: 0 }));
        assert_eq!(up.free_peer(&mut t, PeerId { backup: false, index: 0 }, 0, true), Some(TEMPORARILY_DISABLED));
        assert_eq!(up.get_peer(0, &mut t), Some(PeerId { backup: true, index: 0 }));
        // Next request at t=1: the primary is in its fail window → backup directly.
        let mut t = up.start(CLIENT, 0);
        assert_eq!(up.get_peer(1, &mut t), Some(PeerId { backup: true, index: 0 }));
        assert_eq!(up.get_peer(1, &mut t), None);
    }

    #[test]
    fn ip_hash_is_sticky_and_skips_failed() {
        let mut up = group(&[1, 1, 1]);
        up.balance = Balance::IpHash;
        let mut picks = Vec::new();
        for _ in 0..3 {
            let mut t = up.start(CLIENT, 0);
            let id = up.get_peer(0, &mut t);
            picks.push(id);
            if let Some(id) = id {
                up.free_peer(&mut t, id, 0, false);
            }
        }
        assert!(picks.iter().all(|p| *p == picks[0]));
        // By hand: hash = 89; (89*113+172)%6271 = 3958; (3958*113+2)%6271 = 2015;
        // (2015*113+20)%6271 = 1959; 1959 % 3 = 0 → web-1.
        assert_eq!(picks[0], Some(PeerId { backup: false, index: 0 }));
        let mut t = up.start(CLIENT, 0);
        let id = up.get_peer(0, &mut t).unwrap();
        up.free_peer(&mut t, id, 0, true);
        let next = up.get_peer(0, &mut t).unwrap();
        assert_ne!(next, id);
    }

    #[test]
    fn least_conn_prefers_idle_then_round_robin() {
        let mut up = group(&[1, 1, 1]);
        up.balance = Balance::LeastConn;
        let mut t1 = up.start(CLIENT, 0);
        let a = up.get_peer(0, &mut t1).unwrap(); // all 0 conns → RR → a
        let mut t2 = up.start(CLIENT, 0);
        let b = up.get_peer(0, &mut t2).unwrap(); // a busy → b or c by RR among b,c
        assert_eq!((a.index, b.index), (0, 1));
        up.free_peer(&mut t1, a, 0, false);
        let mut t3 = up.start(CLIENT, 0);
        let c = up.get_peer(0, &mut t3).unwrap(); // a,c idle: RR among them
        assert_ne!(c.index, 1);
    }
}
