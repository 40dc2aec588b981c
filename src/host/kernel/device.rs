//! The smoltcp device of a host: on `Medium::Ip` it only moves whole IPv4 packets between two
//! queues. labsim's own L2 (`l2.rs`) fills `rx` from Ethernet frames and drains `tx` into them.

use std::collections::VecDeque;

use smoltcp::phy::{self, DeviceCapabilities, Medium};
use smoltcp::time::Instant;

#[derive(Default)]
pub(super) struct IpDevice {
    pub(super) rx: VecDeque<Vec<u8>>,
    pub(super) tx: Vec<Vec<u8>>,
}

pub(super) struct RxToken(Vec<u8>);
pub(super) struct TxToken<'a>(&'a mut Vec<Vec<u8>>);

impl phy::Device for IpDevice {
    type RxToken<'a> = RxToken;
    type TxToken<'a> = TxToken<'a>;

    fn receive(&mut self, _now: Instant) -> Option<(RxToken, TxToken<'_>)> {
        let packet = self.rx.pop_front()?;
        Some((RxToken(packet), TxToken(&mut self.tx)))
    }

    fn transmit(&mut self, _now: Instant) -> Option<TxToken<'_>> {
        Some(TxToken(&mut self.tx))
    }

    fn capabilities(&self) -> DeviceCapabilities {
        let mut caps = DeviceCapabilities::default();
        caps.medium = Medium::Ip;
        caps.max_transmission_unit = 1500;
        caps
    }
}

impl phy::RxToken for RxToken {
    fn consume<R, F: FnOnce(&[u8]) -> R>(self, f: F) -> R {
        f(&self.0)
    }
}

impl phy::TxToken for TxToken<'_> {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        // Room for the Ethernet header, so L2 can frame the packet without reallocating.
        let mut packet = Vec::with_capacity(len + 14);
        packet.resize(len, 0);
        let r = f(&mut packet);
        self.0.push(packet);
        r
    }
}
