//! A learning Ethernet switch: it learns which port each source MAC lives behind, forwards
//! known unicast to that port and floods broadcast, multicast and unknown unicast to every other
//! port. Entries never age out (a lab run is shorter than the usual 300 s ageing time is relevant
//! for; a host that vanishes keeps its entry, so frames for it are lost, as on a real switch).

use std::collections::BTreeMap;

use super::PortId;

#[derive(Default)]
pub(super) struct Switch {
    table: BTreeMap<[u8; 6], PortId>,
}

impl Switch {
    /// Learns `src` on `ingress` and calls `out` for each port the frame goes out of.
    pub(super) fn forward(&mut self, ingress: PortId, src: [u8; 6], dst: [u8; 6], ports: &[PortId], mut out: impl FnMut(PortId)) {
        if src[0] & 1 == 0 {
            self.table.insert(src, ingress);
        }
        let group = dst[0] & 1 == 1;
        match self.table.get(&dst) {
            Some(&p) if !group => {
                if p != ingress {
                    out(p);
                }
            }
            _ => ports.iter().copied().filter(|&p| p != ingress).for_each(out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_then_forwards_and_floods_the_rest() {
        let ports = [PortId(0), PortId(1), PortId(2)];
        let (a, b) = ([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2]);
        let bcast = [0xff; 6];
        let mut sw = Switch::default();
        let mut fwd = |ingress, src, dst| {
            let mut out = Vec::new();
            sw.forward(ingress, src, dst, &ports, |p| out.push(p));
            out
        };
        assert_eq!(fwd(PortId(0), a, b), [PortId(1), PortId(2)]);
        assert_eq!(fwd(PortId(1), b, a), [PortId(0)]);
        assert_eq!(fwd(PortId(0), a, b), [PortId(1)]);
        assert_eq!(fwd(PortId(0), a, bcast), [PortId(1), PortId(2)]);
        assert_eq!(fwd(PortId(0), a, [1, 0, 0x5e, 0, 0, 0x12]), [PortId(1), PortId(2)]);
    }
}
