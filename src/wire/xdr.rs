//! XDR, the External Data Representation of ONC RPC (RFC 4506; spec-nfs.md §2.4): the encoding
//! every portmap, MOUNT and NFS message is written in.
//!
//! Everything is big-endian and padded to a multiple of 4 bytes with zeros (§3). [`Reader`] reads
//! items from untrusted bytes: every length is checked against both the item's limit and the
//! bytes that remain before anything is allocated, so a message can never make it allocate more
//! than its own size, and a short or inconsistent message is an [`Error`], never a panic.
//! [`Writer`] appends items to a growing buffer. [`Xdr`] is implemented by every type the
//! protocol modules exchange, so that their structures decode and encode field by field, in
//! order (§4.14); [`xdr_struct!`](crate::wire::xdr::xdr_struct) writes those impls.

use super::{Error, Result};

/// The XDR unit: every item occupies a multiple of 4 bytes (RFC 4506 §3).
pub(crate) const UNIT: usize = 4;

/// The zero bytes that pad an item of `len` bytes to a multiple of [`UNIT`].
pub(crate) const fn padding(len: usize) -> usize {
    (UNIT - len % UNIT) % UNIT
}

/// A cursor over untrusted XDR bytes.
#[derive(Debug, Clone)]
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `buf`.
    pub(crate) const fn new(buf: &'a [u8]) -> Reader<'a> {
        Reader { buf, pos: 0 }
    }

    /// Bytes not read yet.
    pub(crate) fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// Ok when everything was read (trailing bytes make a message garbage).
    pub(crate) fn finish(&self) -> Result<()> {
        if self.remaining() == 0 { Ok(()) } else { Err(Error) }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.remaining() {
            return Err(Error);
        }
        let out = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    /// `unsigned int` (§4.2).
    pub(crate) fn u32(&mut self) -> Result<u32> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// `int` (§4.1).
    #[cfg(test)]
    pub(crate) fn i32(&mut self) -> Result<i32> {
        Ok(self.u32()?.cast_signed())
    }

    /// `unsigned hyper` (§4.5).
    pub(crate) fn u64(&mut self) -> Result<u64> {
        let hi = u64::from(self.u32()?);
        let lo = u64::from(self.u32()?);
        Ok(hi << 32 | lo)
    }

    /// `bool` (§4.4): 0 or 1, anything else is an error.
    pub(crate) fn bool(&mut self) -> Result<bool> {
        match self.u32()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(Error),
        }
    }

    /// Fixed-length opaque data of `n` bytes plus its padding (§4.9). Non-zero padding is
    /// accepted, as Linux's decoders do.
    pub(crate) fn opaque_fixed(&mut self, n: usize) -> Result<&'a [u8]> {
        let data = self.take(n)?;
        self.take(padding(n))?;
        Ok(data)
    }

    /// Variable-length opaque data of at most `max` bytes (§4.10): length, bytes, padding.
    pub(crate) fn opaque(&mut self, max: usize) -> Result<&'a [u8]> {
        let len = self.u32()? as usize;
        if len > max {
            return Err(Error);
        }
        self.opaque_fixed(len)
    }

    /// A string of at most `max` bytes (§4.11). Names in labsim are UTF-8; other bytes are an
    /// error.
    pub(crate) fn string(&mut self, max: usize) -> Result<&'a str> {
        core::str::from_utf8(self.opaque(max)?).map_err(|_| Error)
    }

    /// The count of a variable-length array of at most `max` elements (§4.13), each taking at
    /// least `min_size` bytes: a count the remaining bytes cannot hold is an error before the
    /// caller allocates for it.
    pub(crate) fn array_len(&mut self, max: usize, min_size: usize) -> Result<usize> {
        let n = self.u32()? as usize;
        if n > max || n.saturating_mul(min_size.max(1)) > self.remaining() {
            return Err(Error);
        }
        Ok(n)
    }
}

/// A growing buffer of XDR items.
#[derive(Debug, Clone)]
pub(crate) struct Writer {
    buf: Vec<u8>,
}

/// Room a writer starts with: an RPC header with AUTH_SYS and a small call or reply (GETATTR's
/// attributes are 84 bytes) fit without the buffer growing item by item.
const FIRST_CAPACITY: usize = 192;

impl Writer {
    /// An empty writer.
    pub(crate) fn new() -> Writer {
        Writer { buf: Vec::with_capacity(FIRST_CAPACITY) }
    }

    /// The bytes written.
    pub(crate) fn into_bytes(self) -> Vec<u8> {
        self.buf
    }

    /// `unsigned int`.
    pub(crate) fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    /// `int`.
    #[cfg(test)]
    pub(crate) fn i32(&mut self, v: i32) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    /// `unsigned hyper`.
    pub(crate) fn u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    /// `bool`.
    pub(crate) fn bool(&mut self, v: bool) {
        self.u32(u32::from(v));
    }

    /// Fixed-length opaque data plus zero padding.
    pub(crate) fn opaque_fixed(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
        self.buf.extend_from_slice(&[0; UNIT][..padding(data.len())]);
    }

    /// Variable-length opaque data: length, bytes, padding. Lengths past `u32::MAX` are cut
    /// (no message labsim builds comes near).
    pub(crate) fn opaque(&mut self, data: &[u8]) {
        let len = u32::try_from(data.len()).unwrap_or(u32::MAX);
        self.u32(len);
        self.opaque_fixed(&data[..len as usize]);
    }

    /// A string.
    pub(crate) fn string(&mut self, s: &str) {
        self.opaque(s.as_bytes());
    }
}

/// A type with an XDR encoding.
pub(crate) trait Xdr: Sized {
    /// Reads one value.
    fn decode(r: &mut Reader<'_>) -> Result<Self>;
    /// Appends its encoding.
    fn encode(&self, w: &mut Writer);
}

impl Xdr for () {
    fn decode(_: &mut Reader<'_>) -> Result<()> {
        Ok(())
    }
    fn encode(&self, _: &mut Writer) {}
}

impl Xdr for u32 {
    fn decode(r: &mut Reader<'_>) -> Result<u32> {
        r.u32()
    }
    fn encode(&self, w: &mut Writer) {
        w.u32(*self);
    }
}

impl Xdr for u64 {
    fn decode(r: &mut Reader<'_>) -> Result<u64> {
        r.u64()
    }
    fn encode(&self, w: &mut Writer) {
        w.u64(*self);
    }
}

impl Xdr for bool {
    fn decode(r: &mut Reader<'_>) -> Result<bool> {
        r.bool()
    }
    fn encode(&self, w: &mut Writer) {
        w.bool(*self);
    }
}

/// An unbounded string (NFS's `filename3`, `nfspath3`): bounded only by the message.
impl Xdr for String {
    fn decode(r: &mut Reader<'_>) -> Result<String> {
        r.string(usize::MAX).map(str::to_owned)
    }
    fn encode(&self, w: &mut Writer) {
        w.string(self);
    }
}

/// Unbounded variable-length opaque data (READ and WRITE's `data`): bounded only by the message.
impl Xdr for Vec<u8> {
    fn decode(r: &mut Reader<'_>) -> Result<Vec<u8>> {
        r.opaque(usize::MAX).map(<[u8]>::to_vec)
    }
    fn encode(&self, w: &mut Writer) {
        w.opaque(self);
    }
}

/// Fixed `opaque[8]` (`cookieverf3`, `createverf3`, `writeverf3`).
impl Xdr for [u8; 8] {
    fn decode(r: &mut Reader<'_>) -> Result<[u8; 8]> {
        let mut out = [0; 8];
        out.copy_from_slice(r.opaque_fixed(8)?);
        Ok(out)
    }
    fn encode(&self, w: &mut Writer) {
        w.opaque_fixed(self);
    }
}

/// Optional data `*T` (§4.19): a bool, then the value if true. Also the shape of NFS's
/// `post_op_attr`, `pre_op_attr`, `post_op_fh3` and the `set_*` arms of `sattr3`.
impl<T: Xdr> Xdr for Option<T> {
    fn decode(r: &mut Reader<'_>) -> Result<Option<T>> {
        if r.bool()? { T::decode(r).map(Some) } else { Ok(None) }
    }
    fn encode(&self, w: &mut Writer) {
        w.bool(self.is_some());
        if let Some(v) = self {
            v.encode(w);
        }
    }
}

/// A linked list written as optional-data chains (`1, item, 1, item, 0`; §4.19): the export
/// list, mount list, portmap dump and directory entries. Each element costs at least 4 bytes of
/// input, so decoding is bounded by the message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct List<T>(pub(crate) Vec<T>);

impl<T: Xdr> Xdr for List<T> {
    fn decode(r: &mut Reader<'_>) -> Result<List<T>> {
        let mut items = Vec::new();
        while r.bool()? {
            items.push(T::decode(r)?);
        }
        Ok(List(items))
    }
    fn encode(&self, w: &mut Writer) {
        for item in &self.0 {
            w.bool(true);
            item.encode(w);
        }
        w.bool(false);
    }
}

/// Decodes a whole message body of type `T`: trailing bytes are an error.
#[cfg(test)]
pub(crate) fn decode_all<T: Xdr>(bytes: &[u8]) -> Result<T> {
    let mut r = Reader::new(bytes);
    let v = T::decode(&mut r)?;
    r.finish()?;
    Ok(v)
}

/// The encoding of one value.
#[cfg(test)]
pub(crate) fn to_bytes<T: Xdr>(v: &T) -> Vec<u8> {
    let mut w = Writer::new();
    v.encode(&mut w);
    w.into_bytes()
}

/// Declares a struct whose XDR encoding is its fields in order (RFC 4506 §4.14), with its
/// [`Xdr`] impl.
macro_rules! xdr_struct {
    ($(#[$m:meta])* $name:ident { $($(#[$fm:meta])* $field:ident : $ty:ty),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub(crate) struct $name { $($(#[$fm])* pub(crate) $field: $ty),* }
        impl $crate::wire::xdr::Xdr for $name {
            fn decode(r: &mut $crate::wire::xdr::Reader<'_>) -> $crate::wire::Result<Self> {
                Ok($name { $($field: <$ty as $crate::wire::xdr::Xdr>::decode(r)?),* })
            }
            fn encode(&self, w: &mut $crate::wire::xdr::Writer) {
                $($crate::wire::xdr::Xdr::encode(&self.$field, w);)*
            }
        }
    };
}
pub(crate) use xdr_struct;

/// Declares a C-like enum with explicit XDR values (§4.3) and its [`Xdr`] impl; an unknown
/// value is an error.
macro_rules! xdr_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $value:expr),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
        pub(crate) enum $name { $($(#[$vm])* $variant),* }
        impl $name {
            /// The value on the wire.
            pub(crate) const fn code(self) -> u32 {
                match self { $($name::$variant => $value),* }
            }
            /// The variant for a value on the wire.
            pub(crate) fn from_code(code: u32) -> Option<$name> {
                match code { $(v if v == $value => Some($name::$variant),)* _ => None }
            }
        }
        impl $crate::wire::xdr::Xdr for $name {
            fn decode(r: &mut $crate::wire::xdr::Reader<'_>) -> $crate::wire::Result<Self> {
                $name::from_code(r.u32()?).ok_or($crate::wire::Error)
            }
            fn encode(&self, w: &mut $crate::wire::xdr::Writer) {
                w.u32(self.code());
            }
        }
    };
}
pub(crate) use xdr_enum;

#[cfg(test)]
mod tests {
    use super::*;

    xdr_struct!(
        /// A test structure.
        Pair { a: u32, b: u64 }
    );

    #[test]
    fn integers_are_big_endian() {
        let mut w = Writer::new();
        w.u32(0x0102_0304);
        w.i32(-2);
        w.u64(0x0102_0304_0506_0708);
        w.bool(true);
        let b = w.into_bytes();
        assert_eq!(b, [1, 2, 3, 4, 0xff, 0xff, 0xff, 0xfe, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 1]);
        let mut r = Reader::new(&b);
        assert_eq!(r.u32(), Ok(0x0102_0304));
        assert_eq!(r.i32(), Ok(-2));
        assert_eq!(r.u64(), Ok(0x0102_0304_0506_0708));
        assert_eq!(r.bool(), Ok(true));
        assert!(r.finish().is_ok());
    }

    #[test]
    fn opaque_and_strings_are_padded() {
        // RFC 4506 §4.11: "sillyprog" is 9 bytes → length 9, then 3 bytes of padding.
        let mut w = Writer::new();
        w.string("sillyprog");
        w.opaque_fixed(&[0xaa]);
        let b = w.into_bytes();
        assert_eq!(b, [0, 0, 0, 9, b's', b'i', b'l', b'l', b'y', b'p', b'r', b'o', b'g', 0, 0, 0, 0xaa, 0, 0, 0]);
        let mut r = Reader::new(&b);
        assert_eq!(r.string(255), Ok("sillyprog"));
        assert_eq!(r.opaque_fixed(1), Ok(&[0xaa][..]));
        assert_eq!(r.remaining(), 0);
        // Over the limit, or longer than the message, or missing its padding.
        assert!(Reader::new(&b).string(8).is_err());
        assert!(Reader::new(&b[..12]).string(255).is_err());
        assert!(Reader::new(&[0xff, 0xff, 0xff, 0xff]).opaque(usize::MAX).is_err());
    }

    #[test]
    fn bools_other_than_zero_or_one_are_errors() {
        assert!(Reader::new(&[0, 0, 0, 2]).bool().is_err());
        assert!(decode_all::<Option<u32>>(&[0, 0, 0, 7]).is_err());
    }

    #[test]
    fn array_counts_are_checked_against_the_input() {
        // A count of 2^30 elements in an 8-byte message is refused before any allocation.
        assert!(Reader::new(&[0x40, 0, 0, 0, 0, 0, 0, 1]).array_len(usize::MAX, 4).is_err());
        assert!(Reader::new(&[0, 0, 0, 17]).array_len(16, 0).is_err());
        assert_eq!(Reader::new(&[0, 0, 0, 1, 0, 0, 0, 1]).array_len(16, 4), Ok(1));
    }

    #[test]
    fn structs_options_and_lists_round_trip() {
        let v = List(vec![Pair { a: 1, b: 2 }, Pair { a: 3, b: 4 }]);
        let b = to_bytes(&v);
        assert_eq!(b.len(), 4 + 2 * (4 + 12));
        assert_eq!(decode_all::<List<Pair>>(&b), Ok(v));
        assert_eq!(decode_all::<Option<Pair>>(&to_bytes(&None::<Pair>)), Ok(None));
        // Every prefix of a message is an error, as is a trailing byte.
        for n in 0..b.len() {
            assert!(decode_all::<List<Pair>>(&b[..n]).is_err(), "prefix {n}");
        }
        let mut long = b.clone();
        long.extend_from_slice(&[0; 4]);
        assert!(decode_all::<List<Pair>>(&long).is_err());
    }
}
