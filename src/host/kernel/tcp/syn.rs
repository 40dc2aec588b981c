//! A connect's SYN retransmissions, timed by the kernel as Linux times them rather than by
//! smoltcp (whose SYN-SENT backoff doubles from the first retry and whose give-up sends a RST).
//! The first SYN is smoltcp's; the kernel keeps a copy, drops smoltcp's own retransmissions, sends
//! the copy again at Linux's instants, and ends the connect silently when Linux gives up
//! (`connect()` then fails with ETIMEDOUT; Linux's `tcp_write_err` sends nothing).
//!
//! The instants come from `net/ipv4/tcp_timer.c`, driven by the kernel version's sysctls
//! ([`TcpSysctl`]):
//!
//! - `tcp_retransmit_timer`: the timer starts at `TCP_TIMEOUT_INIT` (1 s); after a retransmission
//!   the RTO doubles (capped at `TCP_RTO_MAX`, 120 s), except in SYN-SENT while the count of
//!   retransmissions has not passed `tcp_syn_linear_timeouts` (Linux ≥ 6.5, default 4; the
//!   commit "tcp: make the first N SYN RTO backoffs linear"), where it stays at the initial RTO;
//! - `tcp_write_timeout`: when the timer fires, the connect has timed out if
//!   `icsk_retransmits >= tcp_syn_retries + tcp_syn_linear_timeouts` (6 + 4 on Linux 6.x; 6 on
//!   3.10), or if `retransmits_timed_out` finds the time since the first SYN at least
//!   `tcp_model_timeout(tcp_syn_retries, 1 s)` = (2^(6+1) − 1) s = 127 s.
//!
//! Linux 6.x: retransmissions at +1, +2, +3, +4, +5, +7, +11, +19, +35, +67 s, ETIMEDOUT at
//! +131 s. Linux 3.10 (CentOS 7): +1, +3, +7, +15, +31, +63 s, ETIMEDOUT at +127 s.

use std::net::Ipv4Addr;
use std::time::Duration;

use smoltcp::iface::SocketHandle;

use crate::host::kernel::syscall::TcpSysctl;
use crate::kernel::SimTime;
use crate::wire::{ipv4, tcp};

/// `TCP_TIMEOUT_INIT`: the first RTO of a connect.
const RTO_INIT: Duration = Duration::from_secs(1);
/// `TCP_RTO_MAX`.
const RTO_MAX: Duration = Duration::from_secs(120);

/// When a connect's SYN goes out again, counted from the first SYN, and when it gives up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SynSchedule {
    /// Offsets of the retransmissions.
    pub(crate) retransmits: Vec<Duration>,
    /// Offset at which `connect()` fails with ETIMEDOUT.
    pub(crate) give_up: Duration,
}

/// `tcp_model_timeout(sk, boundary, rto_base)`: how long `boundary` exponentially backed-off
/// retransmissions take from an initial RTO of `rto_base`.
fn model_timeout(boundary: u32, rto_base: Duration) -> Duration {
    let thresh = (RTO_MAX.as_millis() / rto_base.as_millis().max(1)).max(1).ilog2();
    if boundary <= thresh { rto_base * ((2u32 << boundary) - 1) } else { rto_base * ((2u32 << thresh) - 1) + RTO_MAX * (boundary - thresh) }
}

impl SynSchedule {
    /// The schedule `tcp_retransmit_timer` and `tcp_write_timeout` give with these sysctls.
    pub(crate) fn of(sysctl: &TcpSysctl) -> SynSchedule {
        let max_retransmits = sysctl.syn_retries + sysctl.syn_linear_timeouts;
        let model = model_timeout(sysctl.syn_retries, RTO_INIT);
        let (mut at, mut rto, mut retransmits) = (Duration::ZERO, RTO_INIT, Vec::new());
        loop {
            at += rto;
            let count = u32::try_from(retransmits.len()).unwrap_or(u32::MAX);
            if count >= max_retransmits || at >= model {
                return SynSchedule { retransmits, give_up: at };
            }
            retransmits.push(at);
            if count + 1 > sysctl.syn_linear_timeouts {
                rto = (rto * 2).min(RTO_MAX);
            }
        }
    }
}

/// A connect in SYN-SENT whose SYN the kernel retransmits.
pub(super) struct Connecting {
    pub(super) handle: SocketHandle,
    pub(super) local_port: u16,
    pub(super) remote: (Ipv4Addr, u16),
    /// When the first SYN left, and its bytes (`None` until smoltcp has sent it).
    pub(super) first: Option<(SimTime, Vec<u8>)>,
    /// Retransmissions sent so far.
    pub(super) sent: usize,
}

impl Connecting {
    /// When this connect next needs the kernel (a retransmission or the give-up), if it has
    /// started.
    pub(super) fn next_due(&self, schedule: &SynSchedule) -> Option<SimTime> {
        let (first, _) = self.first.as_ref()?;
        Some(*first + schedule.retransmits.get(self.sent).copied().unwrap_or(schedule.give_up))
    }

    /// The copy of the first SYN to send as retransmission number `sent + 1`: the same segment
    /// with the next IP ID (Linux numbers a connected socket's packets from `inet_id`).
    pub(super) fn retransmission(&self) -> Option<Vec<u8>> {
        let (_, bytes) = self.first.as_ref()?;
        let mut copy = bytes.clone();
        let mut ip = ipv4::Packet::new_checked(&mut copy[..]).ok()?;
        let ident = ip.ident().wrapping_add(u16::try_from(self.sent + 1).unwrap_or(0));
        ip.set_ident(ident);
        ip.fill_checksum();
        Some(copy)
    }
}

/// The (local port, remote address, remote port) of `packet` if it is a bare SYN (a connect's).
pub(super) fn syn_tuple(packet: &[u8]) -> Option<(u16, (Ipv4Addr, u16))> {
    let ip = ipv4::Packet::new_checked(packet).ok()?;
    if ip.protocol() != ipv4::PROTO_TCP {
        return None;
    }
    let seg = tcp::Packet::new_checked(ip.payload()).ok()?;
    (seg.syn() && !seg.ack()).then(|| (seg.src_port(), (ip.dst_addr(), seg.dst_port())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(v: &[u64]) -> Vec<Duration> {
        v.iter().map(|s| Duration::from_secs(*s)).collect()
    }

    #[test]
    fn linux_6_retries_linearly_four_times_then_backs_off() {
        let s = SynSchedule::of(&TcpSysctl::LINUX_6);
        assert_eq!(s.retransmits, secs(&[1, 2, 3, 4, 5, 7, 11, 19, 35, 67]));
        assert_eq!(s.give_up, Duration::from_secs(131));
    }

    #[test]
    fn linux_3_10_backs_off_from_the_first_retry() {
        let s = SynSchedule::of(&TcpSysctl::LINUX_3_10);
        assert_eq!(s.retransmits, secs(&[1, 3, 7, 15, 31, 63]));
        assert_eq!(s.give_up, Duration::from_secs(127));
    }

    #[test]
    fn model_timeout_matches_the_kernel_formula() {
        let base = Duration::from_secs(1);
        assert_eq!(model_timeout(6, base), Duration::from_secs(127));
        assert_eq!(model_timeout(8, base), Duration::from_secs(127 + 2 * 120));
        // tcp_retries2 = 15 from TCP_RTO_MIN (200 ms): the well-known 924.6 s.
        assert_eq!(model_timeout(15, Duration::from_millis(200)), Duration::from_millis(924_600));
    }
}
