//! ab's report: `output_results()` of `support/ab.c` (httpd 2.4.x), from the totals and each
//! request's times. Times are µs (`apr_time_t`); the table shows them rounded to ms with
//! `ap_round_ms`, the deviations as `ap_double_ms`.

/// One finished request (`struct data`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Sample {
    /// Connect time: connected − started (0 on a kept-alive connection).
    pub ctime: i64,
    /// Total time: done − started.
    pub time: i64,
    /// Waiting: first byte read − request written.
    pub waittime: i64,
}

/// What `output_results()` reads besides the samples.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Totals {
    pub servername: String,
    pub hostname: String,
    pub port: u16,
    pub path: String,
    pub nolength: bool,
    pub doclen: usize,
    pub concurrency: usize,
    /// Seconds from the start to the last event (`lasttime - start`).
    pub timetaken: f64,
    pub done: u64,
    pub bad: u64,
    pub err_conn: u64,
    pub err_recv: u64,
    pub err_length: u64,
    pub err_except: u64,
    pub err_response: u64,
    pub keepalive: bool,
    pub doneka: u64,
    pub totalread: u64,
    pub totalbread: u64,
    pub confidence: bool,
    pub percentile: bool,
}

/// `percs[]`.
const PERCS: [u64; 9] = [50, 66, 75, 80, 90, 95, 98, 99, 100];

/// `ap_round_ms`.
fn round_ms(us: i64) -> i64 {
    (us + 500) / 1000
}

/// The median as ab takes it of a sorted column: for an odd count it averages the elements at
/// `done/2` and `done/2 + 1` (sic), for an even count it takes `done/2`.
fn median(sorted: &[i64]) -> i64 {
    let n = sorted.len();
    if n > 1 && n % 2 == 1 { (sorted[n / 2] + sorted[n / 2 + 1]) / 2 } else { sorted[n / 2] }
}

/// min, mean, sample standard deviation (n − 1), median and max of one column, in µs.
struct Column {
    min: i64,
    mean: i64,
    sd: f64,
    median: i64,
    max: i64,
}

impl Column {
    fn of(mut values: Vec<i64>) -> Column {
        let n = values.len() as i64;
        let mean = values.iter().sum::<i64>() / n;
        let sq: f64 = values.iter().map(|v| (*v as f64 - mean as f64).powi(2)).sum();
        let sd = if n > 1 { (sq / (n - 1) as f64).sqrt() } else { 0.0 };
        values.sort_unstable();
        Column { min: values[0], mean, sd, median: median(&values), max: values[values.len() - 1] }
    }

    /// `CONF_FMT_STRING`: `%5d %4d %5.1f %6d %7d` in ms.
    fn row(&self, label: &str) -> String {
        format!(
            "{label:<12}{:5} {:4} {:5.1} {:6} {:7}",
            round_ms(self.min),
            round_ms(self.mean),
            self.sd / 1000.0,
            round_ms(self.median),
            round_ms(self.max)
        )
    }

    /// `SANE()`: a warning when the mean and median are more than one deviation apart.
    fn sane(&self, what: &str, out: &mut Vec<String>) {
        let d = (round_ms(self.mean) as f64 - round_ms(self.median) as f64).abs();
        let sd = self.sd / 1000.0;
        if d > 2.0 * sd {
            out.push(format!("ERROR: The median and mean for {what} are more than twice the standard"));
            out.push("       deviation apart. These results are NOT reliable.".to_owned());
        } else if d > sd {
            out.push(format!("WARNING: The median and mean for {what} are not within a normal deviation"));
            out.push("        These results are probably not that reliable.".to_owned());
        }
    }
}

/// The report's lines, starting with the two empty lines of `printf("\n\n")`.
pub(crate) fn render(t: &Totals, stats: &[Sample]) -> Vec<String> {
    let mut out = vec![String::new(), String::new()];
    out.push(format!("Server Software:        {}", t.servername));
    out.push(format!("Server Hostname:        {}", t.hostname));
    out.push(format!("Server Port:            {}", t.port));
    out.push(String::new());
    out.push(format!("Document Path:          {}", t.path));
    out.push(if t.nolength {
        "Document Length:        Variable".to_owned()
    } else {
        format!("Document Length:        {} bytes", t.doclen)
    });
    out.push(String::new());
    out.push(format!("Concurrency Level:      {}", t.concurrency));
    out.push(format!("Time taken for tests:   {:.3} seconds", t.timetaken));
    out.push(format!("Complete requests:      {}", t.done));
    out.push(format!("Failed requests:        {}", t.bad));
    if t.bad > 0 {
        out.push(format!("   (Connect: {}, Receive: {}, Length: {}, Exceptions: {})", t.err_conn, t.err_recv, t.err_length, t.err_except));
    }
    if t.err_response > 0 {
        out.push(format!("Non-2xx responses:      {}", t.err_response));
    }
    if t.keepalive {
        out.push(format!("Keep-Alive requests:    {}", t.doneka));
    }
    out.push(format!("Total transferred:      {} bytes", t.totalread));
    out.push(format!("HTML transferred:       {} bytes", t.totalbread));
    if t.timetaken > 0.0 && t.done > 0 {
        let done = t.done as f64;
        out.push(format!("Requests per second:    {:.2} [#/sec] (mean)", done / t.timetaken));
        out.push(format!("Time per request:       {:.3} [ms] (mean)", t.concurrency as f64 * t.timetaken * 1000.0 / done));
        out.push(format!("Time per request:       {:.3} [ms] (mean, across all concurrent requests)", t.timetaken * 1000.0 / done));
        out.push(format!("Transfer rate:          {:.2} [Kbytes/sec] received", t.totalread as f64 / 1024.0 / t.timetaken));
    }
    if stats.is_empty() {
        return out;
    }
    let con = Column::of(stats.iter().map(|s| s.ctime).collect());
    let processing = Column::of(stats.iter().map(|s| s.time - s.ctime).collect());
    let wait = Column::of(stats.iter().map(|s| s.waittime).collect());
    let total = Column::of(stats.iter().map(|s| s.time).collect());
    out.push(String::new());
    out.push("Connection Times (ms)".to_owned());
    if t.confidence {
        out.push("              min  mean[+/-sd] median   max".to_owned());
        out.push(con.row("Connect:"));
        out.push(processing.row("Processing:"));
        out.push(wait.row("Waiting:"));
        out.push(total.row("Total:"));
        con.sane("the initial connection time", &mut out);
        processing.sane("the processing time", &mut out);
        wait.sane("the waiting time", &mut out);
        total.sane("the total time", &mut out);
    } else {
        out.push("              min   avg   max".to_owned());
        for (label, c) in [("Connect:", &con), ("Processing:", &processing), ("Waiting:", &wait), ("Total:", &total)] {
            out.push(format!("{label:<12}{:5} {:5}{:5}", round_ms(c.min), round_ms(c.mean), round_ms(c.max)));
        }
    }
    if t.percentile && stats.len() > 1 {
        let mut times: Vec<i64> = stats.iter().map(|s| s.time).collect();
        times.sort_unstable();
        let done = times.len() as u64;
        out.push(String::new());
        out.push("Percentage of the requests served within a certain time (ms)".to_owned());
        for p in PERCS {
            if p >= 100 {
                out.push(format!(" 100%  {:5} (longest request)", round_ms(times[times.len() - 1])));
            } else {
                out.push(format!("  {p}%  {:5}", round_ms(times[(done * p / 100) as usize])));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_follow_ab() {
        assert_eq!(median(&[1]), 1);
        assert_eq!(median(&[1, 2]), 2);
        assert_eq!(median(&[1, 2, 10]), 6);
    }

    #[test]
    fn rows_have_abs_widths() {
        let c = Column::of(vec![400, 1600, 2600]);
        assert_eq!(c.row("Connect:"), "Connect:        0    2   1.1      2       3");
    }
}
