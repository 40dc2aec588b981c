//! Which nginx worker accepts a connection on a listening socket its workers share (nginx
//! 1.22.1 on Linux 6.x, `accept_mutex off`, the default since 1.11.3).
//!
//! The mechanism, from the sources:
//!
//! - Each worker adds the inherited listening socket to its own epoll instance with
//!   `EPOLLEXCLUSIVE` when there is more than one worker (`ngx_event_process_init`,
//!   `ngx_epoll_add_event`). Linux puts an exclusive entry at the tail of the socket's wait queue
//!   (`ep_ptable_queue_proc`: `add_wait_queue_exclusive`), so the entries are in the order the
//!   workers started: fork order.
//! - A connection completing its handshake wakes the queue (`__wake_up_common` in
//!   `kernel/sched/wait.c`, `nr_exclusive` 1): the walk goes in queue order and stops at the
//!   first entry whose `ep_poll_callback` (`fs/eventpoll.c`) reports a wake-up, which it does
//!   only when a task is waiting in that epoll instance (`waitqueue_active(&ep->wq)`). A worker
//!   already woken and not yet back in `epoll_wait` is passed over (the event is only queued on
//!   its ready list), so connections arriving together go to successive workers.
//! - nginx's `ngx_event_accept` takes one connection per event (`multi_accept off`) and then
//!   `ngx_reorder_accept_events`: on the worker's 1st, 17th, 33rd… accept on that socket
//!   (`c->requests++ % 16 == 0`) it deletes and re-adds the socket to its epoll, which moves its
//!   entry to the tail of the wait queue ("Events: fixed balancing between workers with
//!   EPOLLEXCLUSIVE", nginx 1.21.5, in 1.22.1).
//!
//! labsim's workers spend no CPU time, so every worker is back in `epoll_wait` between two
//! instants: "busy" means woken by an earlier connection of the same instant.

/// One listening socket's wait queue and each worker's accept count on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AcceptQueue {
    /// Worker indexes in wait-queue order.
    order: Vec<usize>,
    /// Per worker: `ls->connection->requests`, its accept events on this socket.
    requests: Vec<u64>,
}

/// How many accepts on a socket between two re-adds (`ngx_reorder_accept_events`).
const REORDER_EVERY: u64 = 16;

impl AcceptQueue {
    /// The queue of `workers` freshly started workers (fork order).
    pub(crate) fn new(workers: usize) -> AcceptQueue {
        AcceptQueue { order: (0..workers).collect(), requests: vec![0; workers] }
    }

    /// `n` connections completed on the socket at one instant, in arrival order: the worker
    /// that accepts each. Empty when there is no worker.
    pub(crate) fn wake(&mut self, n: usize) -> Vec<usize> {
        // The walks of `__wake_up_common`, one per connection, before any worker runs.
        let mut woken: Vec<usize> = Vec::new();
        let mut takers = Vec::with_capacity(n);
        for i in 0..n {
            match self.order.iter().copied().find(|w| !woken.contains(w)) {
                Some(w) => {
                    woken.push(w);
                    takers.push(w);
                }
                // Every worker is awake: the connection waits in the accept queue, and the
                // woken workers take one each per pass of their event loop, in wake order
                // (the socket is level-triggered, so each sees it again).
                None if !woken.is_empty() => takers.push(woken[i % woken.len()]),
                None => return Vec::new(),
            }
        }
        // Each accept, in order, then `ngx_reorder_accept_events` (only with more than one
        // worker: `ngx_use_exclusive_accept`).
        if self.order.len() > 1 {
            for &w in &takers {
                if self.requests[w].is_multiple_of(REORDER_EVERY) {
                    self.order.retain(|&x| x != w);
                    self.order.push(w);
                }
                self.requests[w] += 1;
            }
        }
        takers
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_by_one(q: &mut AcceptQueue, n: usize) -> Vec<usize> {
        (0..n).flat_map(|_| q.wake(1)).collect()
    }

    #[test]
    fn one_worker_takes_everything() {
        let mut q = AcceptQueue::new(1);
        assert_eq!(one_by_one(&mut q, 20), vec![0; 20]);
        assert_eq!(q.wake(3), vec![0, 0, 0]);
    }

    #[test]
    fn sequential_connections_follow_the_reorder_every_sixteen_accepts() {
        let mut q = AcceptQueue::new(2);
        let got = one_by_one(&mut q, 36);
        // Worker 0 accepts first and moves behind worker 1; worker 1's first accept moves it
        // back behind worker 0; worker 0 then keeps the head until its 17th accept.
        let mut want = vec![0, 1];
        want.extend([0; 16]);
        want.extend([1; 16]);
        want.extend([0; 2]);
        assert_eq!(got, want);
    }

    #[test]
    fn connections_of_one_instant_go_to_successive_idle_workers() {
        let mut q = AcceptQueue::new(3);
        assert_eq!(q.wake(2), vec![0, 1]);
        // Both moved to the tail: worker 2 leads.
        assert_eq!(q.wake(4), vec![2, 0, 1, 2]);
    }

    #[test]
    fn no_worker_accepts_nothing() {
        assert!(AcceptQueue::new(0).wake(2).is_empty());
    }
}
