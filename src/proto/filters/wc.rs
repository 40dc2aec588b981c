//! `wc [-l -w -c -m] [FILE]…` (GNU coreutils 9.1): counts per input and a `total` line for
//! several. Column widths follow `wc`'s `compute_number_width`: the digits of the total size
//! of the regular files, at least 7 when an input is not a regular file (a pipe), and no
//! padding at all for a single count of a single input.

use super::{Filter, GetoptError, Input, Out, getopt, inputs, invalid_option, missing_argument};
use crate::proto::ArgError;

pub(crate) fn start(args: &[&str]) -> Result<Box<dyn Filter>, ArgError> {
    let (options, operands) = match getopt(args, "") {
        Ok(v) => v,
        Err(GetoptError::Unknown(long)) => return Err(invalid_option("wc", long, 1)),
        Err(GetoptError::Missing(c)) => return Err(missing_argument("wc", c, 1)),
    };
    let mut show = [false; 3];
    for (c, _) in options {
        match c {
            'l' => show[0] = true,
            'w' => show[1] = true,
            'c' | 'm' => show[2] = true,
            'L' => return Err(ArgError { lines: vec!["wc: labsim: option -L is not modelled".to_owned()], status: 1 }),
            other => return Err(invalid_option("wc", &format!("-{other}"), 1)),
        }
    }
    if show == [false; 3] {
        show = [true; 3];
    }
    let inputs = inputs(&operands);
    let n = inputs.len();
    Ok(Box::new(Wc { inputs, show, sizes: vec![None; n], current: [0; 3], total: [0; 3], rows: Vec::new(), status: 0 }))
}

struct Wc {
    inputs: Vec<Input>,
    /// Lines, words, bytes.
    show: [bool; 3],
    sizes: Vec<Option<u64>>,
    current: [u64; 3],
    total: [u64; 3],
    /// Counts of each input read, with its name (`None`: unreadable), printed at the end once
    /// the width is known.
    rows: Vec<Option<([u64; 3], Option<String>)>>,
    status: i32,
}

impl Wc {
    fn width(&self) -> usize {
        let counts = self.show.iter().filter(|s| **s).count();
        if counts == 1 && self.inputs.len() == 1 {
            return 1;
        }
        let regular: u64 = self.sizes.iter().flatten().sum();
        let mut width = regular.to_string().len();
        if self.sizes.iter().any(Option::is_none) {
            width = width.max(7);
        }
        width
    }

    fn row(&self, counts: [u64; 3], name: Option<&str>, width: usize) -> String {
        let mut cols: Vec<String> = (0..3).filter(|i| self.show[*i]).map(|i| format!("{:>width$}", counts[i])).collect();
        if let Some(name) = name {
            cols.push(name.to_owned());
        }
        cols.join(" ")
    }
}

impl Filter for Wc {
    fn inputs(&self) -> &[Input] {
        &self.inputs
    }

    fn stat(&mut self, input: usize, size: Option<u64>) {
        if let Some(slot) = self.sizes.get_mut(input) {
            *slot = size;
        }
    }

    fn begin(&mut self, _: usize, _: &mut Out) {
        self.current = [0; 3];
    }

    fn line(&mut self, line: &str, _: &mut Out) {
        self.current[0] += 1;
        self.current[1] += line.split_ascii_whitespace().count() as u64;
        self.current[2] += line.len() as u64 + 1;
    }

    fn end(&mut self, unterminated: bool, _: &mut Out) {
        if unterminated {
            self.current[0] -= 1;
            self.current[2] -= 1;
        }
        for i in 0..3 {
            self.total[i] += self.current[i];
        }
        let name = match self.inputs.get(self.rows.len()) {
            Some(Input::File(f)) => Some(f.clone()),
            _ => None,
        };
        self.rows.push(Some((self.current, name)));
    }

    fn unreadable(&mut self, input: usize, why: &str, out: &mut Out) {
        let name = match &self.inputs[input] {
            Input::File(f) => f.clone(),
            Input::Stdin => "-".to_owned(),
        };
        out.err(format!("wc: {name}: {why}"));
        // A directory is still listed, with zeros.
        self.rows.push((why == "Is a directory").then_some(([0; 3], Some(name))));
        self.status = 1;
    }

    fn finish(&mut self, out: &mut Out) -> i32 {
        let width = self.width();
        for (counts, name) in self.rows.iter().flatten() {
            out.out(self.row(*counts, name.as_deref(), width));
        }
        if self.inputs.len() > 1 {
            out.out(self.row(self.total, Some("total"), width));
        }
        self.status
    }
}
