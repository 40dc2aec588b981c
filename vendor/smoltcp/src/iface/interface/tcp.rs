use super::*;

use crate::socket::tcp::Socket;

impl InterfaceInner {
    pub(crate) fn process_tcp<'frame>(
        &mut self,
        sockets: &mut SocketSet,
        handled_by_raw_socket: bool,
        ip_repr: IpRepr,
        ip_payload: &'frame [u8],
    ) -> Option<Packet<'frame>> {
        let (src_addr, dst_addr) = (ip_repr.src_addr(), ip_repr.dst_addr());

        // Per RFC 1122 §3.2.1.3, the unspecified address must never appear as a source
        // or destination in any IP datagram. Drop such TCP segments early to avoid
        // creating sockets with unspecified peers (which would later panic on egress).
        // This is not done at the iface level because it might be useful with
        // UDP or raw sockets, but it's definitely not useful for TCP.
        if src_addr.is_unspecified() || dst_addr.is_unspecified() {
            return None;
        }

        let tcp_packet = check!(TcpPacket::new_checked(ip_payload));
        let tcp_repr = check!(TcpRepr::parse(
            &tcp_packet,
            &src_addr,
            &dst_addr,
            &self.caps.checksum
        ));

        // labsim patch (see `vendor/README.md`): a segment with an ACK can only belong to the
        // socket whose 4-tuple it carries (a LISTEN socket refuses it), so the socket that took
        // the last segment of that 4-tuple is tried first, and the search below runs only when
        // it no longer accepts it (and for SYNs, which a LISTEN socket takes). A host with
        // thousands of connections then dispatches in O(log n).
        #[cfg(feature = "alloc")]
        let key = (dst_addr, tcp_repr.dst_port, src_addr, tcp_repr.src_port);
        #[cfg(feature = "alloc")]
        if tcp_repr.ack_number.is_some() {
            if let Some(slot) = sockets.tcp_hint(&key) {
                if let Some(tcp_socket) = sockets
                    .slot_mut(slot)
                    .and_then(|i| Socket::downcast_mut(&mut i.socket))
                {
                    if tcp_socket.accepts(self, &ip_repr, &tcp_repr) {
                        let state = tcp_socket.state();
                        let reply = tcp_socket
                            .process(self, &ip_repr, &tcp_repr)
                            .map(|(ip, tcp)| Packet::new(ip, IpPayload::Tcp(tcp)));
                        let refile = tcp_socket.state() != state;
                        sockets.tcp_touched(slot, refile);
                        return reply;
                    }
                }
                sockets.forget_tcp_hint(&key);
            }
        }

        // labsim patch: the lowest slot that accepts the segment, as the walk below finds it,
        // but asking only the sockets filed under its 4-tuple or its port
        // (`SocketSet::find_tcp`).
        #[cfg(feature = "alloc")]
        let found = sockets.find_tcp(&key, |socket| {
            Socket::downcast(socket).is_some_and(|s| s.accepts(self, &ip_repr, &tcp_repr))
        });
        #[cfg(not(feature = "alloc"))]
        let mut found = None;
        #[cfg(not(feature = "alloc"))]
        for (slot, item) in sockets.slots_mut() {
            if let Some(tcp_socket) = Socket::downcast_mut(&mut item.socket) {
                if tcp_socket.accepts(self, &ip_repr, &tcp_repr) {
                    found = Some(slot);
                    break;
                }
            }
        }
        if let Some(slot) = found {
            #[cfg(feature = "alloc")]
            sockets.set_tcp_hint(key, slot);
            if let Some(tcp_socket) = sockets
                .slot_mut(slot)
                .and_then(|i| Socket::downcast_mut(&mut i.socket))
            {
                #[cfg(feature = "alloc")]
                let state = tcp_socket.state();
                let reply = tcp_socket
                    .process(self, &ip_repr, &tcp_repr)
                    .map(|(ip, tcp)| Packet::new(ip, IpPayload::Tcp(tcp)));
                #[cfg(feature = "alloc")]
                {
                    let refile = tcp_socket.state() != state;
                    sockets.tcp_touched(slot, refile);
                }
                return reply;
            }
        }

        if tcp_repr.control == TcpControl::Rst
            || ip_repr.dst_addr().is_unspecified()
            || ip_repr.src_addr().is_unspecified()
            || handled_by_raw_socket
        {
            // Never reply to a TCP RST packet with another TCP RST packet.
            // Never send a TCP RST packet with unspecified addresses.
            // Never send a TCP RST when packet has been handled by raw socket.
            None
        } else {
            // The packet wasn't handled by a socket, send a TCP RST packet.
            let (ip, tcp) = tcp::Socket::rst_reply(&ip_repr, &tcp_repr);
            Some(Packet::new(ip, IpPayload::Tcp(tcp)))
        }
    }
}
