//! An event loop over many connections (nginx's, the load generators'): which of them a pass
//! must serve. The process files each connection (by its number) under its sockets, its timers
//! and whether it is busy; a pass serves the busy ones, those whose socket the kernel reports
//! changed ([`Sys::tcp_changed`]) and those whose timer is due, so that its cost follows the
//! connections with something to do, not those open (nginx's thousands of idle kept-alive
//! clients, `ab -c 15000`'s connections).

use std::collections::BTreeSet;

use crate::host::kernel::{Sys, TcpSocket};
use crate::kernel::SimTime;

/// A client's entries in [`Ready`].
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Filed {
    /// Served at the next pass whatever its sockets and timers say.
    pub(crate) busy: bool,
    /// Its sockets (nginx: the client's own and its request's upstream one).
    pub(crate) sockets: [Option<TcpSocket>; 2],
    /// When a pass must serve it (the earliest of its timers).
    pub(crate) wake: Option<SimTime>,
    /// The timer the server wakes for on its behalf ([`Ready::next_poll`]).
    pub(crate) poll: Option<SimTime>,
}

/// Which client connections a server's pass must serve, as `epoll` and a timer tree drive an
/// event loop: those not idle, those whose socket the kernel reports changed
/// ([`Sys::tcp_changed`]) and those whose timer is due. Every other connection is idle with
/// its sockets unchanged and no timer due, so serving it would do nothing; a pass touches only
/// the connections with something to do, however many are open.
#[derive(Default)]
pub(crate) struct Ready {
    /// Clients (by connection number) filed with no idle snapshot since the last pass took them
    /// ([`Ready::due`]); a pass serves and files again every one it takes. A client filed busy
    /// twice before a pass is here twice.
    busy: Vec<u64>,
    /// By socket slot, the clients filed under that socket: its client's own or its request's
    /// upstream one (two only while a slot freed by one client is reused before that client is
    /// filed again).
    sockets: Vec<Vec<u64>>,
    /// (when, client): the earliest of its keep-alive / header timer and its request's timer.
    wakes: BTreeSet<(SimTime, u64)>,
    /// (when, client): the timer nginx wakes for ([`Process::poll_timeout`](crate::host::userland::process::Process::poll_timeout)).
    polls: BTreeSet<(SimTime, u64)>,
}

impl Ready {
    /// The clients a pass at `now` serves, in connection order. The busy ones are taken: the
    /// pass files each of them again.
    pub(crate) fn due(&mut self, k: &Sys<'_>, now: SimTime) -> Vec<u64> {
        let mut due = std::mem::take(&mut self.busy);
        for socket in k.tcp_changed() {
            due.extend(self.sockets.get(socket.slot()).into_iter().flatten());
        }
        due.extend(self.wakes.iter().take_while(|(t, _)| *t <= now).map(|&(_, n)| n));
        due.sort_unstable();
        due.dedup();
        due
    }

    /// Files client `number` as it is now, replacing `old` (only the entries that differ).
    pub(crate) fn file(&mut self, number: u64, old: Filed, new: Filed) {
        if new.busy {
            self.busy.push(number);
        }
        if old.sockets != new.sockets {
            for s in old.sockets.iter().flatten() {
                if let Some(clients) = self.sockets.get_mut(s.slot()) {
                    clients.retain(|&n| n != number);
                }
            }
            for s in new.sockets.iter().flatten() {
                if self.sockets.len() <= s.slot() {
                    self.sockets.resize_with(s.slot() + 1, Vec::new);
                }
                self.sockets[s.slot()].push(number);
            }
        }
        refile(&mut self.wakes, number, old.wake, new.wake);
        refile(&mut self.polls, number, old.poll, new.poll);
    }

    /// The earliest timer the server wakes for ([`Filed::poll`]).
    pub(crate) fn next_poll(&self) -> Option<SimTime> {
        self.polls.first().map(|&(t, _)| t)
    }

    /// Forgets client `number`'s entries.
    pub(crate) fn unfile(&mut self, number: u64, filed: Filed) {
        self.file(number, filed, Filed::default());
    }
}

/// Moves client `number`'s entry in a timer set from `old` to `new`.
fn refile(timers: &mut BTreeSet<(SimTime, u64)>, number: u64, old: Option<SimTime>, new: Option<SimTime>) {
    if old != new {
        if let Some(t) = old {
            timers.remove(&(t, number));
        }
        if let Some(t) = new {
            timers.insert((t, number));
        }
    }
}
