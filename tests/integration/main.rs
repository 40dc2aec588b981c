//! One integration-test binary (ripgrep/bottom pattern). Each module says what belongs in it.

#![allow(clippy::unwrap_used)] // tests fail loudly on unexpected errors

/// Shared helpers: running scenarios through the library, the `labsim` command, pcap reading.
mod util;

/// A small XML well-formedness checker and tree, for the JUnit files and the SVG picture.
mod xml;

/// A hand-written Ethernet/ARP/IPv4/ICMP/VRRP decoder, independent of the simulator's parsers.
mod frames;

/// Wire-level fidelity of the failover scenarios against spec-vrrp's figures (issue 3, 2–6).
mod fidelity;

/// The web path: backend-failure against the hand-worked table of spec-nginx-upstream §2–§3, and HTTP bytes on the wire (issue 4, 1–2).
mod web;

/// Issue 13's daemons: nginx workers and `*N`, Apache's log lines, ping with an unresolved neighbour, `ip`.
mod closer;

/// The capacity report: `labsim run --plots DIR`'s CSV and SVG plots add up to the trace (issue 14).
mod capacity;

/// Golden digests: reports, trace digests and pcaps of every recorded run, unchanged by refactorings.
mod golden;

/// keepalived's parent and VRRP child dying apart, VIP removal at start, GARP repeats per transition, IGMPv3 reports (issue 13).
mod keepalived_proc;

/// Whole scenarios: every `scenarios/*.ron` runs to completion and meets its expectations.
mod scenarios;

/// Driving a lab step by step: stepping and typing commands equals a timeline; the view mid-run.
mod stepping;

/// Determinism: same scenario + seed ⇒ identical report, trace and pcaps (library and CLI); seed sweep.
mod determinism;

/// tshark dissects every captured frame as Ethernet/ARP/IPv4/ICMP/IGMP/VRRP/TCP/HTTP (and the NFS server's Portmap/MOUNT), with no malformed frame or bad checksum.
mod tshark;

/// firewalld left running (issue 12): each lesson fixed the manual's way runs clean; the ICMP host-prohibited errors dissect in tshark.
mod firewalld;

/// Invalid input through the CLI: invalid scenario fixtures, missing files and bad usage give exit 2.
mod invalid;

/// Generated worst-case inputs of up to 1 MB: each reported in bounded memory and CPU time (issue 8).
mod limits;

/// A long run's memory does not grow with its requests: the trace kept for the report only (issue 14).
mod memory;

/// A newcomer's commands: `list`, `new`, `run DIR` and several files, `check` on a topology, `topo`, `bench` outside the checkout, `--help`.
mod newcomer;

/// The documentation against the repository: the lab picture redrawn, docs/lab.md, scenarios/README.md, README's test table.
mod docs;

/// The `labsim` command: exit codes, seed and reproduce line, `--json`/`--junit`/`--trace` agree; an exhausted budget and `--max-wall`.
mod cli;

/// Verdicts that cannot mislead: a crash, work unfinished at the end, output files made before the run (issue 9).
mod verdicts;

/// What the report shows: `--quiet`, `--only`, `--from`/`--to`, `--color`, folded ping lines, the whole JSON report and its documented fields (issue 9).
mod report;

/// A terminal for tests to drive: a tmux server of their own, keys sent, the screen read back.
mod tmux;

/// The progress line of `labsim run` on a terminal (driven through tmux), erased at the end.
mod progress;

/// The terminal UI in a tmux pane: pause, type on lb-1, jump back, quit with the terminal restored; `NO_COLOR` (issue 11).
mod tui;

/// The layer table of `ARCHITECTURE.md` against every file of `src/`, with probes that plant violations in a copy.
mod architecture;

/// Bugs found in review, each reproduced by a fixture that must now pass.
mod regressions;

/// The lab manual end to end on CentOS 7 machines: §4's commands in the manual's order, §5's checks, the not-enabled lesson fixed (issue 12).
mod manual;

/// SELinux's lesson: mistake-selinux-nfs with `httpd_use_nfs` set before the run runs clean; the lesson's AVC records (issue 12).
mod selinux;
mod shell;

/// The Windows 10 client: ping.exe, arp -a and curl.exe through a failover, and its echo requests on the wire (issue 12).
mod windows;

/// Keepalived keywords and nginx directives labsim does not model: the tools' warnings, and `labsim check`'s.
mod warnings;

/// Server cost models (`Host(costs: …)`): each `tests/fixtures/costs/*.ron` meets its expectations (issue 14).
mod costs;
/// `ab` and `wrk` against the real tools' captures (layouts, errors, exit statuses).
mod load;
/// TCP on the wire: FIN/RST per connection in every shipped capture, the SYN retransmission
/// schedule, a burst of connects against the listen backlog (issue 13).
mod tcp;
/// keepalived's trackers (vrrp_script, track_script, track_interface, weights, notify): priorities on the wire, lines in the log.
mod tracking;
