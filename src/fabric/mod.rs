//! L3: everything between NICs. Each named network is one learning switch; every NIC plugged into
//! it is a port reached over a link with a fixed one-way latency. The fabric never looks above
//! Ethernet: it learns source MACs, forwards or floods, and records each frame in the network's
//! capture.
//!
//! Timing: a frame transmitted at `t` reaches the switch at `t + latency` (that is its capture
//! timestamp) and each receiving NIC at `t + 2·latency`.

mod pcap;
mod switch;

use std::rc::Rc;
use std::time::Duration;

pub(crate) use pcap::PcapWriter;
use switch::Switch;

use crate::kernel::SimTime;

/// Index of a port (one NIC plugged into one network).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct PortId(pub usize);

/// A frame to hand to a port's NIC at a given time.
#[derive(Clone, Debug)]
pub(crate) struct Delivery {
    /// When it arrives.
    pub at: SimTime,
    /// Where it arrives.
    pub port: PortId,
    /// The Ethernet frame.
    pub frame: Rc<Vec<u8>>,
}

struct Network {
    name: String,
    latency: Duration,
    switch: Switch,
    ports: Vec<PortId>,
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
        self.networks.push(Network { name: name.to_owned(), latency, switch: Switch::default(), ports: Vec::new(), capture: None });
        self.networks.len() - 1
    }

    /// Plugs a new port into network `net`.
    pub(crate) fn add_port(&mut self, net: usize) -> PortId {
        let port = PortId(self.port_network.len());
        self.port_network.push(net);
        self.networks[net].ports.push(port);
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

    /// A NIC sends `frame` out of `port` at `now`; `deliver` is called for each delivery to
    /// make, in port order. Frames shorter than an Ethernet header are dropped.
    pub(crate) fn transmit(&mut self, now: SimTime, port: PortId, frame: Vec<u8>, mut deliver: impl FnMut(Delivery)) {
        let net = &mut self.networks[self.port_network[port.0]];
        if frame.len() < 14 {
            return;
        }
        let at_switch = now + net.latency;
        if let Some(cap) = net.capture.as_mut() {
            cap.record(at_switch, &frame);
        }
        let mut dst = [0u8; 6];
        let mut src = [0u8; 6];
        dst.copy_from_slice(&frame[0..6]);
        src.copy_from_slice(&frame[6..12]);
        let arrive = at_switch + net.latency;
        let frame = Rc::new(frame);
        net.switch.forward(port, src, dst, &net.ports, |p| deliver(Delivery { at: arrive, port: p, frame: Rc::clone(&frame) }));
    }
}
