//! The vendored smoltcp's lazy ring buffer (`RingBuffer::new_lazy`, `vendor/README.md`) against
//! the whole one it stands for: on the same operations at random (what a TCP socket does with
//! its buffers: a send, a receive, an out-of-order write then its enqueue, a peek, an ACKed
//! dequeue), both give the same bytes, lengths and windows.

use smoltcp::socket::tcp::SocketBuffer;

use crate::kernel::SimRng;

const CAPACITY: usize = 16 * 1024;

/// A payload of `len` bytes that differ from one call to the next.
fn bytes(rng: &mut SimRng, len: usize) -> Vec<u8> {
    let first = rng.range(0, 256) as u8;
    (0..len).map(|i| first.wrapping_add(i as u8)).collect()
}

#[test]
fn a_lazy_buffer_behaves_as_a_whole_one() {
    let mut rng = SimRng::new(7).fork("lazy-ring-buffer");
    let mut lazy = SocketBuffer::new_lazy(CAPACITY);
    let mut whole = SocketBuffer::new(vec![0; CAPACITY]);
    for step in 0..20_000 {
        // Mostly small, now and then up to the whole capacity, as requests and bodies are.
        let len = if rng.range(0, 10) == 0 { rng.range(0, CAPACITY as u64 + 10) } else { rng.range(0, 1500) } as usize;
        match rng.range(0, 6) {
            0 => {
                let data = bytes(&mut rng, len);
                assert_eq!(lazy.enqueue_slice(&data), whole.enqueue_slice(&data), "step {step}");
            }
            1 => {
                let (mut a, mut b) = (vec![0; len], vec![0; len]);
                assert_eq!(lazy.dequeue_slice(&mut a), whole.dequeue_slice(&mut b), "step {step}");
                assert_eq!(a, b, "step {step}");
            }
            2 => {
                let offset = rng.range(0, 3000) as usize;
                let data = bytes(&mut rng, len.min(1460));
                assert_eq!(lazy.write_unallocated(offset, &data), whole.write_unallocated(offset, &data), "step {step}");
                if offset == 0 {
                    let n = data.len().min(whole.window());
                    lazy.enqueue_unallocated(n);
                    whole.enqueue_unallocated(n);
                }
            }
            3 => {
                let offset = rng.range(0, whole.len() as u64 + 1) as usize;
                assert_eq!(lazy.get_allocated(offset, len), whole.get_allocated(offset, len), "step {step}");
            }
            4 => {
                let n = len.min(whole.len());
                lazy.dequeue_allocated(n);
                whole.dequeue_allocated(n);
            }
            _ => {
                let n = len.min(whole.contiguous_window());
                let data = bytes(&mut rng, n);
                lazy.enqueue_many(n).copy_from_slice(&data);
                whole.enqueue_many(n).copy_from_slice(&data);
            }
        }
        assert_eq!((lazy.len(), lazy.window(), lazy.contiguous_window()), (whole.len(), whole.window(), whole.contiguous_window()));
    }
    assert_eq!(lazy.capacity(), CAPACITY);
}

#[test]
fn a_lazy_buffer_reads_back_a_write_far_ahead() {
    let mut buffer = SocketBuffer::new_lazy(CAPACITY);
    // A request of a few hundred bytes, sent and acknowledged, three times over: the ring starts
    // again at the front whenever it empties.
    for _ in 0..3 {
        assert_eq!(buffer.enqueue_slice(&[b'x'; 300]), 300);
        assert_eq!(buffer.dequeue_many(300).len(), 300);
    }
    assert_eq!(buffer.enqueue_slice(&[b'y'; 900]), 900);
    assert_eq!(buffer.get_allocated(0, 2000), &[b'y'; 900][..]);
    assert_eq!(buffer.window(), CAPACITY - 900);
    // An out-of-order segment far past what the storage holds so far.
    assert_eq!(buffer.write_unallocated(10_000, &[b'z'; 100]), 100);
    assert_eq!(buffer.get_unallocated(10_000, 100), &[b'z'; 100][..]);
}
