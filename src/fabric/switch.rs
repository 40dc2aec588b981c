//! A learning Ethernet switch: it learns which port each source MAC lives behind, forwards
//! known unicast to that port and floods broadcast, multicast and unknown unicast to every other
//! port. Entries never age out (a lab run is shorter than the usual 300 s ageing time is relevant
//! for; a host that vanishes keeps its entry, so frames for it are lost, as on a real switch).

use std::collections::BTreeMap;

use super::PortId;

/// Where a frame goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Forward {
    /// Out of one port.
    To(PortId),
    /// Out of every port but the ingress.
    Flood,
    /// Nowhere (its destination lives behind the port it came in by).
    Nowhere,
}

#[derive(Default)]
pub(super) struct Switch {
    /// Port by MAC, the MAC read as a number ([`mac_key`]): every frame looks up two MACs, and
    /// an integer compares in one instruction where six bytes take a `memcmp`.
    table: BTreeMap<u64, PortId>,
}

/// A MAC as a number, for the table's key.
fn mac_key(mac: [u8; 6]) -> u64 {
    let [a, b, c, d, e, f] = mac;
    u64::from_be_bytes([0, 0, a, b, c, d, e, f])
}

impl Switch {
    /// Learns `src` on `ingress` and says where the frame goes.
    pub(super) fn forward(&mut self, ingress: PortId, src: [u8; 6], dst: [u8; 6]) -> Forward {
        if src[0] & 1 == 0 {
            self.table.insert(mac_key(src), ingress);
        }
        let group = dst[0] & 1 == 1;
        match self.table.get(&mac_key(dst)) {
            Some(&p) if !group => {
                if p != ingress {
                    Forward::To(p)
                } else {
                    Forward::Nowhere
                }
            }
            _ => Forward::Flood,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_then_forwards_and_floods_the_rest() {
        let (a, b) = ([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2]);
        let bcast = [0xff; 6];
        let mut sw = Switch::default();
        let mut fwd = |ingress, src, dst| sw.forward(ingress, src, dst);
        assert_eq!(fwd(PortId(0), a, b), Forward::Flood);
        assert_eq!(fwd(PortId(1), b, a), Forward::To(PortId(0)));
        assert_eq!(fwd(PortId(0), a, b), Forward::To(PortId(1)));
        assert_eq!(fwd(PortId(0), a, bcast), Forward::Flood);
        assert_eq!(fwd(PortId(0), a, [1, 0, 0x5e, 0, 0, 0x12]), Forward::Flood);
        assert_eq!(fwd(PortId(1), a, b), Forward::Nowhere, "b lives behind port 1, where the frame came in");
    }
}
