//! L3: everything between NICs. Each named network is one learning switch; every NIC plugged into
//! it is a port reached over a link with a fixed one-way latency. The fabric never looks above
//! Ethernet: it learns source MACs, forwards or floods, and records each frame in the network's
//! capture.
//!
//! Timing: a frame transmitted at `t` reaches the switch at `t + latency` (that is its capture
//! timestamp) and each receiving NIC at `t + 2·latency`. A flooded frame (broadcast, multicast,
//! unknown unicast) is one [`Delivery`] to every other port of its network, in port order, so
//! that an ARP request on a network of a thousand hosts costs the lab one event, not a thousand.

mod pcap;
mod switch;

use std::rc::Rc;
use std::time::Duration;

pub(crate) use pcap::PcapWriter;
use switch::{Forward, Switch};

use crate::kernel::SimTime;

/// Index of a port (one NIC plugged into one network).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct PortId(pub usize);

/// A frame to hand to ports' NICs some time after it was sent.
#[derive(Clone, Debug)]
pub(crate) struct Delivery {
    /// How long after its transmission it arrives (the same for every frame of a network).
    pub after: Duration,
    /// Where it arrives.
    pub to: Targets,
    /// The Ethernet frame: one for all its ports (a flood lends it to each in turn; a
    /// unicast frame is handed over whole).
    pub frame: Box<[u8]>,
}

/// The ports a frame reaches.
#[derive(Clone, Debug)]
pub(crate) enum Targets {
    /// One port (known unicast).
    One(PortId),
    /// Every port of a network but the one it came in by (a flood), in port order.
    AllBut {
        /// The network's ports.
        ports: Rc<[PortId]>,
        /// The ingress port.
        ingress: PortId,
    },
}

impl Targets {
    /// The ports, in order.
    pub(crate) fn ports(&self) -> impl Iterator<Item = PortId> + '_ {
        let (one, all, ingress) = match self {
            Targets::One(p) => (Some(*p), &[][..], None),
            Targets::AllBut { ports, ingress } => (None, &ports[..], Some(*ingress)),
        };
        one.into_iter().chain(all.iter().copied().filter(move |&p| Some(p) != ingress))
    }
}

struct Network {
    name: String,
    latency: Duration,
    switch: Switch,
    ports: Rc<[PortId]>,
    capture: Option<PcapWriter>,
}

/// All networks of a lab and the ports plugged into them.
#[derive(Default)]
pub(crate) struct Fabric {
    networks: Vec<Network>,
    /// For each port, the index of its network.
    port_network: Vec<usize>,
}

impl Fabric {
    /// An empty fabric.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Adds a network; returns its index.
    pub(crate) fn add_network(&mut self, name: &str, latency: Duration) -> usize {
        self.networks.push(Network { name: name.to_owned(), latency, switch: Switch::default(), ports: Rc::from([]), capture: None });
        self.networks.len() - 1
    }

    /// Plugs a new port into network `net`.
    pub(crate) fn add_port(&mut self, net: usize) -> PortId {
        let port = PortId(self.port_network.len());
        self.port_network.push(net);
        let n = &mut self.networks[net];
        n.ports = n.ports.iter().copied().chain([port]).collect();
        port
    }

    /// Starts capturing every frame the switch of network `net` sees.
    pub(crate) fn capture(&mut self, net: usize, epoch_unix_s: u64) {
        self.networks[net].capture = Some(PcapWriter::new(epoch_unix_s));
    }

    /// Names of the networks, in order.
    pub(crate) fn network_names(&self) -> impl Iterator<Item = &str> {
        self.networks.iter().map(|n| n.name.as_str())
    }

    /// The capture of network `net`, if it is being captured.
    pub(crate) fn captured_mut(&mut self, net: usize) -> Option<&mut PcapWriter> {
        self.networks[net].capture.as_mut()
    }

    /// A NIC sends `frame` out of `port` at `now`: the delivery to make, if the frame goes
    /// anywhere. Frames shorter than an Ethernet header are dropped.
    pub(crate) fn transmit(&mut self, now: SimTime, port: PortId, frame: Vec<u8>) -> Option<Delivery> {
        let net = &mut self.networks[self.port_network[port.0]];
        if frame.len() < 14 {
            return None;
        }
        let at_switch = now + net.latency;
        if let Some(cap) = net.capture.as_mut() {
            cap.record(at_switch, &frame);
        }
        let mut dst = [0u8; 6];
        let mut src = [0u8; 6];
        dst.copy_from_slice(&frame[0..6]);
        src.copy_from_slice(&frame[6..12]);
        let to = match net.switch.forward(port, src, dst) {
            Forward::To(p) => Targets::One(p),
            Forward::Flood => Targets::AllBut { ports: Rc::clone(&net.ports), ingress: port },
            Forward::Nowhere => return None,
        };
        Some(Delivery { after: 2 * net.latency, to, frame: frame.into_boxed_slice() })
    }
}
