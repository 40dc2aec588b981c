//! Driving a lab step by step: running to several times, stepping, typing commands into the run
//! and finishing gives the same run as a scenario file with those commands in its timeline; the
//! view shows hosts, services, VIP holders, pings and transfers as they are mid-run.

use std::time::Duration;

use labsim::{CommandError, Lab, RunResult};
use labsim::{Scenario, TimelineAction, TimelineEntry};

use crate::util;

fn at(s: f64) -> labsim::SimTime {
    labsim::SimTime::ZERO + Duration::from_secs_f64(s)
}

/// `scenario` with `typed` commands appended to its timeline, as a file would list them.
fn with_typed(scenario: &Scenario, typed: &[(f64, &str, &str)]) -> Scenario {
    let mut s = scenario.clone();
    let template = s.timeline[0].location.clone();
    for (t, host, line) in typed {
        let action = TimelineAction::Command((*line).to_owned());
        s.timeline.push(TimelineEntry { at: at(*t), host: (*host).to_owned(), action, location: template.clone() });
    }
    s
}

fn same_run(a: &RunResult, b: &RunResult) {
    assert_eq!(a.trace.digest(), b.trace.digest(), "trace digests differ");
    assert_eq!(a.report.to_text(a.trace.events()), b.report.to_text(b.trace.events()));
    assert_eq!(a.report.to_json(a.trace.events()), b.report.to_json(b.trace.events()));
    assert_eq!(a.pcaps, b.pcaps, "pcaps differ");
    assert_eq!(a.events, b.events);
}

/// Commands typed at instants where the file's own timeline acts too (10.05 s), where pings
/// are sent (10.6 s), and while a transfer is in flight.
const TYPED: [(f64, &str, &str); 4] = [
    (10.05, "lb-2", "ip neigh"),
    (10.6, "client-1", "curl -s -m 2 http://172.2.20.100/"),
    (10.6, "lb-1", "systemctl status keepalived"),
    (20.0, "lb-2", "ip addr show eno33554984"),
];

#[test]
fn stepping_and_typing_gives_the_same_run_as_the_timeline() {
    let scenario = labsim::load_scenario(&util::scenario_path("failover.ron")).unwrap();
    let mut lab = Lab::new(&scenario, scenario.seed, true);
    lab.run_until(at(2.0));
    for _ in 0..7 {
        let before = lab.now();
        let stepped = lab.step().expect("events are left");
        assert!(stepped >= before);
        assert_eq!(lab.now(), stepped + Duration::from_micros(1), "the clock moves just past the instant processed");
    }
    lab.run_until(at(9.5));
    lab.run_until(at(10.05));
    assert_eq!(lab.now(), at(10.05));
    lab.type_command(TYPED[0].1, TYPED[0].2).unwrap();
    lab.run_until(at(10.6));
    lab.type_command(TYPED[1].1, TYPED[1].2).unwrap();
    lab.type_command(TYPED[2].1, TYPED[2].2).unwrap();
    lab.run_until(at(20.0));
    lab.type_command(TYPED[3].1, TYPED[3].2).unwrap();
    let stepped = lab.finish();

    let planned = Lab::new(&with_typed(&scenario, &TYPED), scenario.seed, true).run();
    same_run(&stepped, &planned);
    // The typed commands did run: the transfer is in the trace and the report.
    assert!(planned.trace.events().iter().any(|e| matches!(&e.kind, labsim::TraceKind::HttpTransfer { .. })));
}

#[test]
fn a_command_typed_after_a_step_runs_as_a_timeline_entry_at_the_clock() {
    let scenario = labsim::load_scenario(&util::scenario_path("failover.ron")).unwrap();
    let mut lab = Lab::new(&scenario, scenario.seed, true);
    lab.run_until(at(2.0));
    for _ in 0..3 {
        lab.step().expect("events are left");
    }
    let typed_at = lab.now();
    assert!(typed_at > at(2.0));
    lab.type_command("lb-2", "ip neigh").unwrap();
    let stepped = lab.finish();
    let mut planned = scenario.clone();
    let location = planned.timeline[0].location.clone();
    let action = TimelineAction::Command("ip neigh".to_owned());
    planned.timeline.push(TimelineEntry { at: typed_at, host: "lb-2".to_owned(), action, location });
    same_run(&stepped, &Lab::new(&planned, scenario.seed, true).run());
}

#[test]
fn finishing_an_untouched_lab_is_running_it() {
    let scenario = labsim::load_scenario(&util::scenario_path("failover-crash.ron")).unwrap();
    let mut lab = Lab::new(&scenario, scenario.seed, true);
    while lab.now() < at(5.0) && lab.step().is_some() {}
    same_run(&lab.finish(), &Lab::new(&scenario, scenario.seed, true).run());
}

#[test]
fn the_view_shows_the_world_mid_run() {
    let scenario = labsim::load_scenario(&util::scenario_path("failover.ron")).unwrap();
    let mut lab = Lab::new(&scenario, scenario.seed, false);
    lab.run_until(at(2.0));
    let view = lab.view();
    assert_eq!(view.now, at(2.0));
    let lb1 = view.hosts.iter().find(|h| h.name == "lb-1").unwrap();
    assert!(lb1.powered);
    let keepalived = lb1.services.iter().find(|s| s.name == "keepalived").unwrap();
    assert_eq!((keepalived.state.as_str(), keepalived.summary.as_deref()), ("active", Some("VI_1 BACKUP")));
    assert!(view.vips.iter().all(|v| v.holders.is_empty()), "nobody holds the VIP before 3.57 s: {:?}", view.vips);

    lab.run_until(at(9.5));
    let view = lab.view();
    let vip = view.vips.iter().find(|v| v.addr.to_string() == "172.2.20.100").unwrap();
    assert_eq!(vip.holders, ["lb-1"]);
    let lb1 = view.hosts.iter().find(|h| h.name == "lb-1").unwrap();
    assert_eq!(lb1.services.iter().find(|s| s.name == "keepalived").unwrap().summary.as_deref(), Some("VI_1 MASTER"));
    let front = lb1.nics.iter().find(|n| n.name == "eno33554984").unwrap();
    assert_eq!((front.network.as_str(), front.up), ("front", true));
    assert!(front.addrs.iter().any(|(a, len)| a.to_string() == "172.2.20.100" && *len == 32));
    // The ping started at 1 s: a probe every 0.1 s, all answered so far.
    let ping = &view.pings[0];
    assert_eq!(ping.host, "client-1");
    let (sent, answered) = ping.counts();
    assert!((84..=86).contains(&sent), "{sent} probes by 9.5 s");
    assert_eq!(sent, answered);

    lab.run_until(at(10.7));
    let view = lab.view();
    let lb1 = view.hosts.iter().find(|h| h.name == "lb-1").unwrap();
    assert_eq!(lb1.services.iter().find(|s| s.name == "keepalived").unwrap().state, "deactivating");
    let vip = view.vips.iter().find(|v| v.addr.to_string() == "172.2.20.100").unwrap();
    assert_eq!(vip.holders, ["lb-2"]);
    let (sent, answered) = view.pings[0].counts();
    assert_eq!(sent - answered, 6, "the failover's lost probes, as the report counts them");
    assert!(view.trace.len() > 100);
}

#[test]
fn commands_are_refused_for_unknown_hosts_and_empty_lines_and_the_clock_stops_at_the_end() {
    let scenario = labsim::load_scenario(&util::scenario_path("failover-crash.ron")).unwrap();
    let mut lab = Lab::new(&scenario, scenario.seed, false);
    match lab.type_command("lb-9", "ip addr") {
        Err(CommandError::UnknownHost { name, known }) => {
            assert_eq!(name, "lb-9");
            assert!(known.iter().any(|k| k == "lb-1"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(lab.type_command("lb-1", "  "), Err(CommandError::Empty));
    lab.run_until(lab.end() + Duration::from_secs(5));
    assert_eq!(lab.now(), lab.end());
    assert!(lab.step().is_none());
}

/// A run that spends its event budget reports the same however it is sliced (as `labsim run`
/// slices it for its progress line and `--max-wall`): by single instants, and by slices of
/// simulated time. Budgets from 30 to 60 events make some run out on the last event of an
/// instant, after which a step or a slice has moved the clock on.
#[test]
fn a_run_that_spends_its_budget_reports_the_same_however_it_is_sliced() {
    let path = util::root().join("tests/fixtures/failing/budget.ron");
    let mut scenario = labsim::load_scenario(&path).unwrap();
    for budget in 30..=60 {
        scenario.max_events = budget;
        let whole = Lab::new(&scenario, scenario.seed, true).run();
        assert_eq!(whole.outcome, labsim::Outcome::EventBudgetExhausted);

        let mut stepped = Lab::new(&scenario, scenario.seed, true);
        while stepped.step().is_some() {}
        assert!(stepped.is_exhausted());
        assert_eq!(stepped.events(), budget);
        same_run(&stepped.finish(), &whole);

        for slice_us in [999, 250_000] {
            let mut sliced = Lab::new(&scenario, scenario.seed, true);
            while sliced.next_event_at().is_some() {
                sliced.run_until(sliced.now() + Duration::from_micros(slice_us));
            }
            same_run(&sliced.finish(), &whole);
        }
    }
}

/// Stopping a run ends it where it is, with the outcome and where the events went in the report.
#[test]
fn a_stopped_run_says_where_and_why() {
    let scenario = labsim::load_scenario(&util::scenario_path("failover.ron")).unwrap();
    let mut lab = Lab::new(&scenario, scenario.seed, false);
    lab.run_until(at(5.0));
    let events = lab.events();
    let result = lab.stop("by the test");
    assert_eq!(result.outcome, labsim::Outcome::Stopped);
    assert_eq!(result.events, events);
    assert_eq!(result.report.run.outcome, "stopped by the test at 5.000000 s simulated");
    assert!(!result.report.passed());
    let breakdown = result.report.run.event_breakdown.as_ref().expect("a stopped run says where the events went");
    assert_eq!(breakdown.frame_deliveries + breakdown.wakeups + breakdown.timeline, events);
    assert_eq!(breakdown.hosts.iter().map(|h| h.events).sum::<u64>(), events);
    assert!(breakdown.hosts.windows(2).all(|w| w[0].events >= w[1].events), "most events first");
    let text = result.report.to_text(result.trace.events());
    assert!(text.contains("\n== where the events went ==\n"), "{text}");
    assert!(text.contains("outcome: stopped by the test at 5.000000 s simulated"), "{text}");

    // A completed run's report has no breakdown; stopping a run that is over finishes it.
    let mut lab = Lab::new(&scenario, scenario.seed, false);
    lab.run_until(scenario.duration + Duration::from_secs(1));
    let result = lab.stop("too late");
    assert_eq!(result.outcome, labsim::Outcome::Completed);
    assert!(result.report.run.event_breakdown.is_none());
    assert!(!result.report.to_json(result.trace.events()).contains("event_breakdown"));
}
