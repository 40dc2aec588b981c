//! The keywords keepalived 2.2.7 knows, block by block, and the few whose effect labsim models:
//! the one list that the reader (`config.rs`), its warnings and the README's "Not modelled"
//! section come from (a test checks the README against [`MODELLED`]).
//!
//! The other lists are keepalived 2.2.7's own keywords, taken from its `install_keyword_root`
//! and `install_keyword` calls (`keepalived/core/global_parser.c`, `keepalived/vrrp/vrrp_parser.c`,
//! `keepalived/check/check_parser.c`, `keepalived/bfd/bfd_parser.c`,
//! `keepalived/trackers/track_file.c`), every build option on. keepalived reads them; labsim
//! ignores them and says so where keepalived logs its configuration messages, in keepalived's
//! words (`Keyword '…' is deprecated - please use '…'`, `… - ignoring`):
//! `(Line 12) Keyword 'track_process' is not modelled by labsim - ignoring`. A keyword in none
//! of the lists gets keepalived's own `Unknown keyword '…'`.

/// Where a keyword is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Block {
    /// The top of the file.
    Top,
    /// `global_defs { … }`.
    Global,
    /// `vrrp_instance NAME { … }`.
    Instance,
    /// `authentication { … }` inside an instance.
    Auth,
    /// `vrrp_script NAME { … }`.
    Script,
}

/// What labsim does with a keyword.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Support {
    /// Read, and its effect is modelled.
    Modelled,
    /// keepalived knows it; labsim skips it (and its block) with a warning.
    NotModelled,
}

/// The keywords labsim models, by block. `preempt` and `accept` are keepalived's defaults
/// (without `vrrp_strict`), which labsim's instances always follow.
pub(crate) const MODELLED: &[(Block, &str)] = &[
    (Block::Top, "global_defs"),
    (Block::Top, "vrrp_instance"),
    (Block::Top, "vrrp_script"),
    (Block::Global, "router_id"),
    (Block::Instance, "state"),
    (Block::Instance, "interface"),
    (Block::Instance, "virtual_router_id"),
    (Block::Instance, "priority"),
    (Block::Instance, "advert_int"),
    (Block::Instance, "authentication"),
    (Block::Instance, "virtual_ipaddress"),
    (Block::Instance, "preempt"),
    (Block::Instance, "nopreempt"),
    (Block::Instance, "preempt_delay"),
    (Block::Instance, "garp_master_delay"),
    (Block::Instance, "garp_master_repeat"),
    (Block::Instance, "accept"),
    (Block::Instance, "track_script"),
    (Block::Instance, "track_interface"),
    (Block::Instance, "notify_master"),
    (Block::Instance, "notify_backup"),
    (Block::Instance, "notify_fault"),
    (Block::Instance, "notify_stop"),
    (Block::Instance, "notify"),
    (Block::Auth, "auth_type"),
    (Block::Auth, "auth_pass"),
    (Block::Script, "script"),
    (Block::Script, "interval"),
    (Block::Script, "timeout"),
    (Block::Script, "weight"),
    (Block::Script, "rise"),
    (Block::Script, "fall"),
    (Block::Script, "user"),
    (Block::Script, "init_fail"),
];

/// Keywords keepalived reads with `alloc_value_block`: each line up to `}` is one entry, and a
/// missing `{` is logged and the following lines read as entries all the same.
pub(crate) const VALUE_BLOCKS: &[&str] = &[
    "notification_email",
    "track_bfd",
    "track_file",
    "track_interface",
    "track_process",
    "track_script",
    "unicast_peer",
    "virtual_ipaddress_excluded",
    "virtual_routes",
    "virtual_rules",
];

/// How labsim treats `keyword` in `block`; `None` when keepalived 2.2.7 does not know it there.
pub(crate) fn support(block: Block, keyword: &str) -> Option<Support> {
    if MODELLED.contains(&(block, keyword)) {
        return Some(Support::Modelled);
    }
    let known = match block {
        Block::Top => KNOWN_TOP,
        Block::Global => KNOWN_GLOBAL,
        Block::Instance => KNOWN_INSTANCE,
        Block::Auth | Block::Script => &[],
    };
    known.contains(&keyword).then_some(Support::NotModelled)
}

/// The warning for a keyword keepalived knows and labsim does not model.
pub(crate) fn not_modelled(keyword: &str) -> String {
    format!("Keyword '{keyword}' is not modelled by labsim - ignoring")
}

/// Top-level keywords (blocks, mostly) that labsim skips.
pub(super) const KNOWN_TOP: &[&str] = &[
    "SSL",
    "bfd_instance",
    "child_wait_time",
    "garp_group",
    "instance",
    "interface_up_down_delays",
    "linkbeat_interfaces",
    "linkbeat_use_polling",
    "namespace_with_ipsets",
    "net_namespace",
    "net_namespace_ipvs",
    "static_ipaddress",
    "static_routes",
    "static_rules",
    "track_file",
    "track_group",
    "use_pid_dir",
    "virtual_server",
    "virtual_server_group",
    "vrrp_sync_group",
    "vrrp_track_file",
    "vrrp_track_process",
];

/// `global_defs` keywords that labsim skips.
pub(super) const KNOWN_GLOBAL: &[&str] = &[
    "bfd_cpu_affinity",
    "bfd_no_swap",
    "bfd_priority",
    "bfd_process_name",
    "bfd_rlimit_rtime",
    "bfd_rlimit_rttime",
    "bfd_rt_priority",
    "checker_cpu_affinity",
    "checker_log_all_failures",
    "checker_no_swap",
    "checker_priority",
    "checker_process_name",
    "checker_rlimit_rtime",
    "checker_rlimit_rttime",
    "checker_rt_priority",
    "config_save_dir",
    "data_use_instance",
    "dbus_service_name",
    "default_interface",
    "disable_local_igmp",
    "dynamic_interfaces",
    "enable_dbus",
    "enable_script_security",
    "enable_snmp_checker",
    "enable_snmp_keepalived",
    "enable_snmp_rfc",
    "enable_snmp_rfcv2",
    "enable_snmp_rfcv3",
    "enable_snmp_vrrp",
    "enable_traps",
    "fifo_write_vrrp_states_on_reload",
    "include_check",
    "log_unknown_vrids",
    "lvs_flush",
    "lvs_flush_on_stop",
    "lvs_flush_onstop",
    "lvs_netlink_cmd_rcv_bufs",
    "lvs_netlink_cmd_rcv_bufs_force",
    "lvs_netlink_monitor_rcv_bufs",
    "lvs_netlink_monitor_rcv_bufs_force",
    "lvs_notify_fifo",
    "lvs_notify_fifo_script",
    "lvs_process_name",
    "lvs_sync_daemon",
    "lvs_timeouts",
    "max_auto_priority",
    "min_auto_priority_delay",
    "nftables",
    "nftables_counters",
    "nftables_ifindex",
    "nftables_ipvs",
    "nftables_ipvs_priority",
    "nftables_ipvs_start_fwmark",
    "nftables_priority",
    "no_checker_emails",
    "no_email_faults",
    "notification_email",
    "notification_email_from",
    "notify_fifo",
    "notify_fifo_script",
    "process_monitor_rcv_bufs",
    "process_monitor_rcv_bufs_force",
    "process_name",
    "process_names",
    "random_seed",
    "reload_check_config",
    "reload_file",
    "reload_repeat",
    "reload_time_file",
    "rs_init_notifies",
    "script_user",
    "shutdown_script",
    "shutdown_script_timeout",
    "smtp_alert",
    "smtp_alert_checker",
    "smtp_alert_vrrp",
    "smtp_connect_timeout",
    "smtp_helo_name",
    "smtp_server",
    "snmp_socket",
    "startup_script",
    "startup_script_timeout",
    "tmp_config_directory",
    "umask",
    "vmac_addr_prefix",
    "vmac_prefix",
    "vrrp_check_unicast_src",
    "vrrp_cpu_affinity",
    "vrrp_down_timer_adverts",
    "vrrp_garp_extra_if",
    "vrrp_garp_interval",
    "vrrp_garp_lower_prio_delay",
    "vrrp_garp_lower_prio_repeat",
    "vrrp_garp_master_delay",
    "vrrp_garp_master_refresh",
    "vrrp_garp_master_refresh_repeat",
    "vrrp_garp_master_repeat",
    "vrrp_gna_interval",
    "vrrp_higher_prio_send_advert",
    "vrrp_ipsets",
    "vrrp_iptables",
    "vrrp_lower_prio_no_advert",
    "vrrp_mcast_group4",
    "vrrp_mcast_group6",
    "vrrp_min_garp",
    "vrrp_netlink_cmd_rcv_bufs",
    "vrrp_netlink_cmd_rcv_bufs_force",
    "vrrp_netlink_monitor_rcv_bufs",
    "vrrp_netlink_monitor_rcv_bufs_force",
    "vrrp_no_swap",
    "vrrp_notify_fifo",
    "vrrp_notify_fifo_script",
    "vrrp_notify_priority_changes",
    "vrrp_priority",
    "vrrp_process_name",
    "vrrp_rlimit_rtime",
    "vrrp_rlimit_rttime",
    "vrrp_rt_priority",
    "vrrp_rx_bufs_multiplier",
    "vrrp_rx_bufs_policy",
    "vrrp_skip_check_adv_addr",
    "vrrp_startup_delay",
    "vrrp_strict",
    "vrrp_version",
    "vrrp_vmac_garp_intvl",
];

/// `vrrp_instance` keywords that labsim skips.
pub(super) const KNOWN_INSTANCE: &[&str] = &[
    "check_unicast_src",
    "debug",
    "dont_track_primary",
    "down_timer_adverts",
    "garp_extra_if",
    "garp_lower_prio_delay",
    "garp_lower_prio_repeat",
    "garp_master_refresh",
    "garp_master_refresh_repeat",
    "higher_prio_send_advert",
    "kernel_rx_buf_size",
    "linkbeat_use_polling",
    "lower_prio_no_advert",
    "lvs_sync_daemon_interface",
    "mcast_dst_ip",
    "mcast_src_ip",
    "native_ipv6",
    "no_accept",
    "notify_deleted",
    "notify_master_rx_lower_pri",
    "notify_priority_changes",
    "old_unicast_checksum",
    "promote_secondaries",
    "skip_check_adv_addr",
    "smtp_alert",
    "strict_mode",
    "track_bfd",
    "track_file",
    "track_process",
    "track_src_ip",
    "unicast_fault_no_peer",
    "unicast_peer",
    "unicast_src_ip",
    "unicast_ttl",
    "use_ipvlan",
    "use_vmac",
    "use_vmac_addr",
    "version",
    "virtual_ipaddress_excluded",
    "virtual_routes",
    "virtual_rules",
    "vmac_garp_intvl",
    "vmac_xmit_base",
    "vrf",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_sorted_and_disjoint_from_what_is_modelled() {
        for list in [KNOWN_TOP, KNOWN_GLOBAL, KNOWN_INSTANCE] {
            assert!(list.windows(2).all(|w| w[0] < w[1]), "sorted, no duplicates: {list:?}");
        }
        for (block, keyword) in MODELLED {
            assert_eq!(support(*block, keyword), Some(Support::Modelled));
        }
        assert_eq!(support(Block::Instance, "track_script"), Some(Support::Modelled));
        assert_eq!(support(Block::Instance, "track_process"), Some(Support::NotModelled));
        assert_eq!(support(Block::Global, "vrrp_strict"), Some(Support::NotModelled));
        assert_eq!(support(Block::Top, "virtual_server"), Some(Support::NotModelled));
        assert_eq!(support(Block::Instance, "priorty"), None);
        assert_eq!(support(Block::Global, "lvs_id"), None, "gone from keepalived 2.x");
        assert!(VALUE_BLOCKS.iter().all(|k| support(Block::Instance, k).is_some() || support(Block::Global, k).is_some()));
    }
}
