//! Numbers in text as the servers write them into headers, log lines and the trace (`%d`,
//! `%0Nx`), without `core::fmt`: its machinery costs about ten times the instructions, and a
//! request writes a few such numbers at every hop.

/// Appends `n` in decimal.
pub(crate) fn push_decimal(out: &mut String, n: impl itoa::Integer) {
    out.push_str(itoa::Buffer::new().format(n));
}

/// `n` in decimal.
pub(crate) fn decimal(n: impl itoa::Integer) -> String {
    itoa::Buffer::new().format(n).to_owned()
}

/// Appends `n` in lowercase hex with at least `width` digits, zero-padded (`%0*x`; 1 to 16).
pub(crate) fn push_hex(out: &mut String, n: u64, width: u32) {
    let digits = (64 - n.leading_zeros()).div_ceil(4).clamp(width.clamp(1, 16), 16);
    for i in (0..digits).rev() {
        out.push(char::from(b"0123456789abcdef"[(n >> (4 * i) & 0xf) as usize]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_printf_writes_them() {
        for n in [0u64, 7, 10, 255, 4096, 0x0006_0ded_c04f_b580, u64::MAX] {
            let mut out = String::from(">");
            push_decimal(&mut out, n);
            assert_eq!(out, format!(">{n}"));
            assert_eq!(decimal(n), n.to_string());
            for width in [0, 1, 8] {
                let mut hex = String::new();
                push_hex(&mut hex, n, width);
                assert_eq!(hex, format!("{n:0w$x}", w = width as usize), "{n} width {width}");
            }
        }
        assert_eq!(decimal(-42i32), "-42");
    }
}
