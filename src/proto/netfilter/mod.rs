//! The kernel's packet filter as firewalld drives it on a RHEL 7 kernel: connection tracking
//! ([`conntrack`], what `-m conntrack --ctstate` matches) and the ICMP error a `REJECT` target
//! sends ([`reject`], `nf_send_unreach` → `icmp_send`). The rules themselves are firewalld's
//! ([`crate::proto::firewalld::Zone::verdict`]).

pub(crate) mod conntrack;
pub(crate) mod reject;
