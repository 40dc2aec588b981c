//! The directives nginx 1.22.1 knows, where each may appear and what arguments it takes, and
//! what labsim does with it: the one list that the reader (`parse.rs`), its warnings and the
//! README's "Not modelled" section come from (a test checks the README against it).
//!
//! The rows are nginx's own `ngx_command_t` tables (name, `NGX_*_CONF` contexts, `NGX_CONF_*`
//! argument counts and `NGX_CONF_BLOCK`), taken from the 1.22.1 sources of the modules Debian 12
//! builds into its nginx (`src/core`, `src/event` with epoll, `src/http` and `src/http/modules`,
//! with `ssl`, `v2`, `realip`, `stub_status`, `sub`, `addition`, `auth_request`, `dav`, `flv`,
//! `mp4`, `gunzip`, `gzip_static`, `random_index`, `secure_link`, `slice` and threads; not the
//! dynamic `geoip`, `image_filter`, `perl`, `xslt`, `mail` and `stream`), in source order. The
//! contexts of `if` and `limit_except` blocks are left out: labsim reads those blocks without
//! looking inside. A name in more than one row (`server`, `error_log`, `keepalive_*`) is
//! looked up as nginx does: the first row whose contexts include the current one.
//!
//! The last column says what labsim does: [`ON`] its effect is modelled; [`SILENT`] read
//! silently although not modelled, because the stock `nginx.conf` or process management uses it
//! and nothing a lab run shows depends on it (labsim never runs out of
//! buffers; the workers share out connections as with
//! `accept_mutex off` and `multi_accept off`, the defaults); [`WARN`] accepted and ignored with
//! `nginx: [warn] "gzip" directive is not modelled by labsim, ignored in FILE:LINE` (a block, such
//! as `if` or `map`, with everything in it).

/// `NGX_MAIN_CONF` / `NGX_DIRECT_CONF`: the top of `nginx.conf`.
pub(super) const MAIN: u32 = 1;
/// `NGX_EVENT_CONF`: inside `events { }`.
pub(super) const EVENTS: u32 = 2;
/// `NGX_HTTP_MAIN_CONF`: inside `http { }`.
pub(super) const HTTP: u32 = 4;
/// `NGX_HTTP_SRV_CONF`: inside `server { }`.
pub(super) const SRV: u32 = 8;
/// `NGX_HTTP_LOC_CONF`: inside `location { }`.
pub(super) const LOC: u32 = 16;
/// `NGX_HTTP_UPS_CONF`: inside `upstream { }`.
pub(super) const UPS: u32 = 32;
/// Inside `types { }`, or a file included there: every directive is `type ext…;`.
pub(super) const TYPES: u32 = 64;
/// Inside a block labsim does not model (`if`, `map`, …): nothing in it is looked at.
pub(super) const SKIPPED: u32 = 128;
pub(super) const HSL: u32 = HTTP | SRV | LOC;
/// `NGX_ANY_CONF` (`include`).
pub(super) const ANYCTX: u32 = MAIN | EVENTS | HSL | UPS;

/// Argument count rules (`NGX_CONF_TAKE*`, `NGX_CONF_1MORE`, `NGX_CONF_FLAG`, …).
#[derive(Clone, Copy, Debug)]
pub(super) enum Args {
    /// One of these counts.
    Take(&'static [usize]),
    /// At least this many (`NGX_CONF_1MORE`, `NGX_CONF_2MORE`).
    More(usize),
    /// `on` or `off`.
    Flag,
}

const NO: Args = Args::Take(&[0]);
const T1: Args = Args::Take(&[1]);
const T2: Args = Args::Take(&[2]);
const T3: Args = Args::Take(&[3]);
const T01: Args = Args::Take(&[0, 1]);
const T012: Args = Args::Take(&[0, 1, 2]);
const T12: Args = Args::Take(&[1, 2]);
const T23: Args = Args::Take(&[2, 3]);
const T123: Args = Args::Take(&[1, 2, 3]);
const T1234: Args = Args::Take(&[1, 2, 3, 4]);
const M1: Args = Args::More(1);
const M2: Args = Args::More(2);
const FL: Args = Args::Flag;

/// What labsim does with a directive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Support {
    /// Its effect is modelled.
    Modelled,
    /// Read without a warning; not modelled, and nothing a lab run shows depends on it.
    Silent,
    /// Accepted and ignored with a `[warn]`.
    Warned,
}

const ON: Support = Support::Modelled;
const SILENT: Support = Support::Silent;
const WARN: Support = Support::Warned;

/// One row of a name: its contexts, arguments, whether it opens a block, and what labsim does
/// with it.
#[derive(Clone, Copy, Debug)]
pub(super) struct Directive {
    pub ctx: u32,
    pub args: Args,
    pub block: bool,
    pub support: Support,
}

/// The rows named `name` (empty when nginx does not know it).
pub(super) fn named(name: &str) -> impl Iterator<Item = Directive> + '_ {
    DIRECTIVES.iter().filter(move |d| d.0 == name).map(|&(_, ctx, args, block, support)| Directive { ctx, args, block, support })
}

/// The names of the directives with this support, sorted, each once (for the README's list).
#[cfg(test)]
pub(crate) fn names(support: Support) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = DIRECTIVES.iter().filter(|d| d.4 == support).map(|d| d.0).collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// The warning for a directive labsim does not model (nginx adds ` in FILE:LINE`).
pub(super) fn not_modelled(name: &str) -> String {
    format!("\"{name}\" directive is not modelled by labsim, ignored")
}

type Row = (&'static str, u32, Args, bool, Support);

#[rustfmt::skip]
const DIRECTIVES: &[Row] = &[
    // nginx.c
    ("daemon", MAIN, FL, false, SILENT),
    ("master_process", MAIN, FL, false, SILENT),
    ("timer_resolution", MAIN, T1, false, WARN),
    ("pid", MAIN, T1, false, ON),
    ("lock_file", MAIN, T1, false, WARN),
    ("worker_processes", MAIN, T1, false, ON),
    ("debug_points", MAIN, T1, false, WARN),
    ("user", MAIN, T12, false, SILENT),
    ("worker_priority", MAIN, T1, false, WARN),
    ("worker_cpu_affinity", MAIN, M1, false, SILENT),
    ("worker_rlimit_nofile", MAIN, T1, false, SILENT),
    ("worker_rlimit_core", MAIN, T1, false, WARN),
    ("worker_shutdown_timeout", MAIN, T1, false, WARN),
    ("working_directory", MAIN, T1, false, WARN),
    ("env", MAIN, T1, false, WARN),
    ("load_module", MAIN, T1, false, WARN),
    // ngx_conf_file.c
    ("include", ANYCTX, T1, false, ON),
    // ngx_log.c
    ("error_log", MAIN, M1, false, ON),
    // ngx_regex.c
    ("pcre_jit", MAIN, FL, false, SILENT),
    // ngx_thread_pool.c
    ("thread_pool", MAIN, T23, false, WARN),
    // ngx_epoll_module.c
    ("epoll_events", EVENTS, T1, false, WARN),
    ("worker_aio_requests", EVENTS, T1, false, WARN),
    // ngx_event.c
    ("events", MAIN, NO, true, ON),
    ("worker_connections", EVENTS, T1, false, ON),
    ("use", EVENTS, T1, false, SILENT),
    ("multi_accept", EVENTS, FL, false, WARN),
    ("accept_mutex", EVENTS, FL, false, WARN),
    ("accept_mutex_delay", EVENTS, T1, false, WARN),
    ("debug_connection", EVENTS, T1, false, WARN),
    // ngx_event_openssl.c
    ("ssl_engine", MAIN, T1, false, WARN),
    // ngx_http_access_module.c
    ("allow", HSL, T1, false, WARN),
    ("deny", HSL, T1, false, WARN),
    // ngx_http_addition_filter_module.c
    ("add_before_body", HSL, T1, false, WARN),
    ("add_after_body", HSL, T1, false, WARN),
    ("addition_types", HSL, M1, false, WARN),
    // ngx_http_auth_basic_module.c
    ("auth_basic", HSL, T1, false, WARN),
    ("auth_basic_user_file", HSL, T1, false, WARN),
    // ngx_http_auth_request_module.c
    ("auth_request", HSL, T1, false, WARN),
    ("auth_request_set", HSL, T2, false, WARN),
    // ngx_http_autoindex_module.c
    ("autoindex", HSL, FL, false, WARN),
    ("autoindex_format", HSL, T1, false, WARN),
    ("autoindex_localtime", HSL, FL, false, WARN),
    ("autoindex_exact_size", HSL, FL, false, WARN),
    // ngx_http_browser_module.c
    ("modern_browser", HSL, T12, false, WARN),
    ("ancient_browser", HSL, M1, false, WARN),
    ("modern_browser_value", HSL, T1, false, WARN),
    ("ancient_browser_value", HSL, T1, false, WARN),
    // ngx_http_charset_filter_module.c
    ("charset", HSL, T1, false, WARN),
    ("source_charset", HSL, T1, false, WARN),
    ("override_charset", HSL, FL, false, WARN),
    ("charset_types", HSL, M1, false, WARN),
    ("charset_map", HTTP, T2, true, WARN),
    // ngx_http_dav_module.c
    ("dav_methods", HSL, M1, false, WARN),
    ("create_full_put_path", HSL, FL, false, WARN),
    ("min_delete_depth", HSL, T1, false, WARN),
    ("dav_access", HSL, T123, false, WARN),
    // ngx_http_empty_gif_module.c
    ("empty_gif", LOC, NO, false, WARN),
    // ngx_http_fastcgi_module.c
    ("fastcgi_pass", LOC, T1, false, WARN),
    ("fastcgi_index", HSL, T1, false, WARN),
    ("fastcgi_split_path_info", HSL, T1, false, WARN),
    ("fastcgi_store", HSL, T1, false, WARN),
    ("fastcgi_store_access", HSL, T123, false, WARN),
    ("fastcgi_buffering", HSL, FL, false, WARN),
    ("fastcgi_request_buffering", HSL, FL, false, WARN),
    ("fastcgi_ignore_client_abort", HSL, FL, false, WARN),
    ("fastcgi_bind", HSL, T12, false, WARN),
    ("fastcgi_socket_keepalive", HSL, FL, false, WARN),
    ("fastcgi_connect_timeout", HSL, T1, false, WARN),
    ("fastcgi_send_timeout", HSL, T1, false, WARN),
    ("fastcgi_send_lowat", HSL, T1, false, WARN),
    ("fastcgi_buffer_size", HSL, T1, false, WARN),
    ("fastcgi_pass_request_headers", HSL, FL, false, WARN),
    ("fastcgi_pass_request_body", HSL, FL, false, WARN),
    ("fastcgi_intercept_errors", HSL, FL, false, WARN),
    ("fastcgi_read_timeout", HSL, T1, false, WARN),
    ("fastcgi_buffers", HSL, T2, false, WARN),
    ("fastcgi_busy_buffers_size", HSL, T1, false, WARN),
    ("fastcgi_force_ranges", HSL, FL, false, WARN),
    ("fastcgi_limit_rate", HSL, T1, false, WARN),
    ("fastcgi_cache", HSL, T1, false, WARN),
    ("fastcgi_cache_key", HSL, T1, false, WARN),
    ("fastcgi_cache_path", HTTP, M2, false, WARN),
    ("fastcgi_cache_bypass", HSL, M1, false, WARN),
    ("fastcgi_no_cache", HSL, M1, false, WARN),
    ("fastcgi_cache_valid", HSL, M1, false, WARN),
    ("fastcgi_cache_min_uses", HSL, T1, false, WARN),
    ("fastcgi_cache_max_range_offset", HSL, T1, false, WARN),
    ("fastcgi_cache_use_stale", HSL, M1, false, WARN),
    ("fastcgi_cache_methods", HSL, M1, false, WARN),
    ("fastcgi_cache_lock", HSL, FL, false, WARN),
    ("fastcgi_cache_lock_timeout", HSL, T1, false, WARN),
    ("fastcgi_cache_lock_age", HSL, T1, false, WARN),
    ("fastcgi_cache_revalidate", HSL, FL, false, WARN),
    ("fastcgi_cache_background_update", HSL, FL, false, WARN),
    ("fastcgi_temp_path", HSL, T1234, false, WARN),
    ("fastcgi_max_temp_file_size", HSL, T1, false, WARN),
    ("fastcgi_temp_file_write_size", HSL, T1, false, WARN),
    ("fastcgi_next_upstream", HSL, M1, false, WARN),
    ("fastcgi_next_upstream_tries", HSL, T1, false, WARN),
    ("fastcgi_next_upstream_timeout", HSL, T1, false, WARN),
    ("fastcgi_param", HSL, T23, false, WARN),
    ("fastcgi_pass_header", HSL, T1, false, WARN),
    ("fastcgi_hide_header", HSL, T1, false, WARN),
    ("fastcgi_ignore_headers", HSL, M1, false, WARN),
    ("fastcgi_catch_stderr", HSL, T1, false, WARN),
    ("fastcgi_keep_conn", HSL, FL, false, WARN),
    // ngx_http_flv_module.c
    ("flv", LOC, NO, false, WARN),
    // ngx_http_geo_module.c
    ("geo", HTTP, T12, true, WARN),
    // ngx_http_grpc_module.c
    ("grpc_pass", LOC, T1, false, WARN),
    ("grpc_bind", HSL, T12, false, WARN),
    ("grpc_socket_keepalive", HSL, FL, false, WARN),
    ("grpc_connect_timeout", HSL, T1, false, WARN),
    ("grpc_send_timeout", HSL, T1, false, WARN),
    ("grpc_intercept_errors", HSL, FL, false, WARN),
    ("grpc_buffer_size", HSL, T1, false, WARN),
    ("grpc_read_timeout", HSL, T1, false, WARN),
    ("grpc_next_upstream", HSL, M1, false, WARN),
    ("grpc_next_upstream_tries", HSL, T1, false, WARN),
    ("grpc_next_upstream_timeout", HSL, T1, false, WARN),
    ("grpc_set_header", HSL, T2, false, WARN),
    ("grpc_pass_header", HSL, T1, false, WARN),
    ("grpc_hide_header", HSL, T1, false, WARN),
    ("grpc_ignore_headers", HSL, M1, false, WARN),
    ("grpc_ssl_session_reuse", HSL, FL, false, WARN),
    ("grpc_ssl_protocols", HSL, M1, false, WARN),
    ("grpc_ssl_ciphers", HSL, T1, false, WARN),
    ("grpc_ssl_name", HSL, T1, false, WARN),
    ("grpc_ssl_server_name", HSL, FL, false, WARN),
    ("grpc_ssl_verify", HSL, FL, false, WARN),
    ("grpc_ssl_verify_depth", HSL, T1, false, WARN),
    ("grpc_ssl_trusted_certificate", HSL, T1, false, WARN),
    ("grpc_ssl_crl", HSL, T1, false, WARN),
    ("grpc_ssl_certificate", HSL, T1, false, WARN),
    ("grpc_ssl_certificate_key", HSL, T1, false, WARN),
    ("grpc_ssl_password_file", HSL, T1, false, WARN),
    ("grpc_ssl_conf_command", HSL, T2, false, WARN),
    // ngx_http_gunzip_filter_module.c
    ("gunzip", HSL, FL, false, WARN),
    ("gunzip_buffers", HSL, T2, false, WARN),
    // ngx_http_gzip_filter_module.c
    ("gzip", HSL, FL, false, WARN),
    ("gzip_buffers", HSL, T2, false, WARN),
    ("gzip_types", HSL, M1, false, WARN),
    ("gzip_comp_level", HSL, T1, false, WARN),
    ("gzip_window", HSL, T1, false, WARN),
    ("gzip_hash", HSL, T1, false, WARN),
    ("postpone_gzipping", HSL, T1, false, WARN),
    ("gzip_no_buffer", HSL, FL, false, WARN),
    ("gzip_min_length", HSL, T1, false, WARN),
    // ngx_http_gzip_static_module.c
    ("gzip_static", HSL, T1, false, WARN),
    // ngx_http_headers_filter_module.c
    ("expires", HSL, T12, false, WARN),
    ("add_header", HSL, T23, false, WARN),
    ("add_trailer", HSL, T23, false, WARN),
    // ngx_http_index_module.c
    ("index", HSL, M1, false, WARN),
    // ngx_http_limit_conn_module.c
    ("limit_conn_zone", HTTP, T2, false, WARN),
    ("limit_conn", HSL, T2, false, WARN),
    ("limit_conn_log_level", HSL, T1, false, WARN),
    ("limit_conn_status", HSL, T1, false, WARN),
    ("limit_conn_dry_run", HSL, FL, false, WARN),
    // ngx_http_limit_req_module.c
    ("limit_req_zone", HTTP, T3, false, WARN),
    ("limit_req", HSL, T123, false, WARN),
    ("limit_req_log_level", HSL, T1, false, WARN),
    ("limit_req_status", HSL, T1, false, WARN),
    ("limit_req_dry_run", HSL, FL, false, WARN),
    // ngx_http_log_module.c
    ("log_format", HTTP, M2, false, ON),
    ("access_log", HSL, M1, false, ON),
    ("open_log_file_cache", HSL, T1234, false, WARN),
    // ngx_http_map_module.c
    ("map", HTTP, T2, true, WARN),
    ("map_hash_max_size", HTTP, T1, false, WARN),
    ("map_hash_bucket_size", HTTP, T1, false, WARN),
    // ngx_http_memcached_module.c
    ("memcached_pass", LOC, T1, false, WARN),
    ("memcached_bind", HSL, T12, false, WARN),
    ("memcached_socket_keepalive", HSL, FL, false, WARN),
    ("memcached_connect_timeout", HSL, T1, false, WARN),
    ("memcached_send_timeout", HSL, T1, false, WARN),
    ("memcached_buffer_size", HSL, T1, false, WARN),
    ("memcached_read_timeout", HSL, T1, false, WARN),
    ("memcached_next_upstream", HSL, M1, false, WARN),
    ("memcached_next_upstream_tries", HSL, T1, false, WARN),
    ("memcached_next_upstream_timeout", HSL, T1, false, WARN),
    ("memcached_gzip_flag", HSL, T1, false, WARN),
    // ngx_http_mirror_module.c
    ("mirror", HSL, T1, false, WARN),
    ("mirror_request_body", HSL, FL, false, WARN),
    // ngx_http_mp4_module.c
    ("mp4", LOC, NO, false, WARN),
    ("mp4_buffer_size", HSL, T1, false, WARN),
    ("mp4_max_buffer_size", HSL, T1, false, WARN),
    ("mp4_start_key_frame", HSL, FL, false, WARN),
    // ngx_http_proxy_module.c
    ("proxy_pass", LOC, T1, false, ON),
    ("proxy_redirect", HSL, T12, false, WARN),
    ("proxy_cookie_domain", HSL, T12, false, WARN),
    ("proxy_cookie_path", HSL, T12, false, WARN),
    ("proxy_cookie_flags", HSL, T1234, false, WARN),
    ("proxy_store", HSL, T1, false, WARN),
    ("proxy_store_access", HSL, T123, false, WARN),
    ("proxy_buffering", HSL, FL, false, WARN),
    ("proxy_request_buffering", HSL, FL, false, WARN),
    ("proxy_ignore_client_abort", HSL, FL, false, WARN),
    ("proxy_bind", HSL, T12, false, WARN),
    ("proxy_socket_keepalive", HSL, FL, false, WARN),
    ("proxy_connect_timeout", HSL, T1, false, ON),
    ("proxy_send_timeout", HSL, T1, false, ON),
    ("proxy_send_lowat", HSL, T1, false, WARN),
    ("proxy_intercept_errors", HSL, FL, false, WARN),
    ("proxy_set_header", HSL, T2, false, ON),
    ("proxy_headers_hash_max_size", HSL, T1, false, WARN),
    ("proxy_headers_hash_bucket_size", HSL, T1, false, WARN),
    ("proxy_set_body", HSL, T1, false, WARN),
    ("proxy_method", HSL, T1, false, WARN),
    ("proxy_pass_request_headers", HSL, FL, false, WARN),
    ("proxy_pass_request_body", HSL, FL, false, WARN),
    ("proxy_buffer_size", HSL, T1, false, WARN),
    ("proxy_read_timeout", HSL, T1, false, ON),
    ("proxy_buffers", HSL, T2, false, WARN),
    ("proxy_busy_buffers_size", HSL, T1, false, WARN),
    ("proxy_force_ranges", HSL, FL, false, WARN),
    ("proxy_limit_rate", HSL, T1, false, WARN),
    ("proxy_cache", HSL, T1, false, WARN),
    ("proxy_cache_key", HSL, T1, false, WARN),
    ("proxy_cache_path", HTTP, M2, false, WARN),
    ("proxy_cache_bypass", HSL, M1, false, WARN),
    ("proxy_no_cache", HSL, M1, false, WARN),
    ("proxy_cache_valid", HSL, M1, false, WARN),
    ("proxy_cache_min_uses", HSL, T1, false, WARN),
    ("proxy_cache_max_range_offset", HSL, T1, false, WARN),
    ("proxy_cache_use_stale", HSL, M1, false, WARN),
    ("proxy_cache_methods", HSL, M1, false, WARN),
    ("proxy_cache_lock", HSL, FL, false, WARN),
    ("proxy_cache_lock_timeout", HSL, T1, false, WARN),
    ("proxy_cache_lock_age", HSL, T1, false, WARN),
    ("proxy_cache_revalidate", HSL, FL, false, WARN),
    ("proxy_cache_convert_head", HSL, FL, false, WARN),
    ("proxy_cache_background_update", HSL, FL, false, WARN),
    ("proxy_temp_path", HSL, T1234, false, WARN),
    ("proxy_max_temp_file_size", HSL, T1, false, WARN),
    ("proxy_temp_file_write_size", HSL, T1, false, WARN),
    ("proxy_next_upstream", HSL, M1, false, ON),
    ("proxy_next_upstream_tries", HSL, T1, false, ON),
    ("proxy_next_upstream_timeout", HSL, T1, false, ON),
    ("proxy_pass_header", HSL, T1, false, WARN),
    ("proxy_hide_header", HSL, T1, false, WARN),
    ("proxy_ignore_headers", HSL, M1, false, WARN),
    ("proxy_http_version", HSL, T1, false, ON),
    ("proxy_ssl_session_reuse", HSL, FL, false, WARN),
    ("proxy_ssl_protocols", HSL, M1, false, WARN),
    ("proxy_ssl_ciphers", HSL, T1, false, WARN),
    ("proxy_ssl_name", HSL, T1, false, WARN),
    ("proxy_ssl_server_name", HSL, FL, false, WARN),
    ("proxy_ssl_verify", HSL, FL, false, WARN),
    ("proxy_ssl_verify_depth", HSL, T1, false, WARN),
    ("proxy_ssl_trusted_certificate", HSL, T1, false, WARN),
    ("proxy_ssl_crl", HSL, T1, false, WARN),
    ("proxy_ssl_certificate", HSL, T1, false, WARN),
    ("proxy_ssl_certificate_key", HSL, T1, false, WARN),
    ("proxy_ssl_password_file", HSL, T1, false, WARN),
    ("proxy_ssl_conf_command", HSL, T2, false, WARN),
    // ngx_http_random_index_module.c
    ("random_index", LOC, FL, false, WARN),
    // ngx_http_realip_module.c
    ("set_real_ip_from", HSL, T1, false, WARN),
    ("real_ip_header", HSL, T1, false, WARN),
    ("real_ip_recursive", HSL, FL, false, WARN),
    // ngx_http_referer_module.c
    ("valid_referers", SRV | LOC, M1, false, WARN),
    ("referer_hash_max_size", SRV | LOC, T1, false, WARN),
    ("referer_hash_bucket_size", SRV | LOC, T1, false, WARN),
    // ngx_http_rewrite_module.c
    ("rewrite", SRV | LOC, T23, false, WARN),
    ("return", SRV | LOC, T12, false, WARN),
    ("break", SRV | LOC, NO, false, WARN),
    ("if", SRV | LOC, M1, true, WARN),
    ("set", SRV | LOC, T2, false, WARN),
    ("rewrite_log", HSL, FL, false, WARN),
    ("uninitialized_variable_warn", HSL, FL, false, WARN),
    // ngx_http_scgi_module.c
    ("scgi_pass", LOC, T1, false, WARN),
    ("scgi_store", HSL, T1, false, WARN),
    ("scgi_store_access", HSL, T123, false, WARN),
    ("scgi_buffering", HSL, FL, false, WARN),
    ("scgi_request_buffering", HSL, FL, false, WARN),
    ("scgi_ignore_client_abort", HSL, FL, false, WARN),
    ("scgi_bind", HSL, T12, false, WARN),
    ("scgi_socket_keepalive", HSL, FL, false, WARN),
    ("scgi_connect_timeout", HSL, T1, false, WARN),
    ("scgi_send_timeout", HSL, T1, false, WARN),
    ("scgi_buffer_size", HSL, T1, false, WARN),
    ("scgi_pass_request_headers", HSL, FL, false, WARN),
    ("scgi_pass_request_body", HSL, FL, false, WARN),
    ("scgi_intercept_errors", HSL, FL, false, WARN),
    ("scgi_read_timeout", HSL, T1, false, WARN),
    ("scgi_buffers", HSL, T2, false, WARN),
    ("scgi_busy_buffers_size", HSL, T1, false, WARN),
    ("scgi_force_ranges", HSL, FL, false, WARN),
    ("scgi_limit_rate", HSL, T1, false, WARN),
    ("scgi_cache", HSL, T1, false, WARN),
    ("scgi_cache_key", HSL, T1, false, WARN),
    ("scgi_cache_path", HTTP, M2, false, WARN),
    ("scgi_cache_bypass", HSL, M1, false, WARN),
    ("scgi_no_cache", HSL, M1, false, WARN),
    ("scgi_cache_valid", HSL, M1, false, WARN),
    ("scgi_cache_min_uses", HSL, T1, false, WARN),
    ("scgi_cache_max_range_offset", HSL, T1, false, WARN),
    ("scgi_cache_use_stale", HSL, M1, false, WARN),
    ("scgi_cache_methods", HSL, M1, false, WARN),
    ("scgi_cache_lock", HSL, FL, false, WARN),
    ("scgi_cache_lock_timeout", HSL, T1, false, WARN),
    ("scgi_cache_lock_age", HSL, T1, false, WARN),
    ("scgi_cache_revalidate", HSL, FL, false, WARN),
    ("scgi_cache_background_update", HSL, FL, false, WARN),
    ("scgi_temp_path", HSL, T1234, false, WARN),
    ("scgi_max_temp_file_size", HSL, T1, false, WARN),
    ("scgi_temp_file_write_size", HSL, T1, false, WARN),
    ("scgi_next_upstream", HSL, M1, false, WARN),
    ("scgi_next_upstream_tries", HSL, T1, false, WARN),
    ("scgi_next_upstream_timeout", HSL, T1, false, WARN),
    ("scgi_param", HSL, T23, false, WARN),
    ("scgi_pass_header", HSL, T1, false, WARN),
    ("scgi_hide_header", HSL, T1, false, WARN),
    ("scgi_ignore_headers", HSL, M1, false, WARN),
    // ngx_http_secure_link_module.c
    ("secure_link", HSL, T1, false, WARN),
    ("secure_link_md5", HSL, T1, false, WARN),
    ("secure_link_secret", HSL, T1, false, WARN),
    // ngx_http_slice_filter_module.c
    ("slice", HSL, T1, false, WARN),
    // ngx_http_split_clients_module.c
    ("split_clients", HTTP, T2, true, WARN),
    // ngx_http_ssi_filter_module.c
    ("ssi", HSL, FL, false, WARN),
    ("ssi_silent_errors", HSL, FL, false, WARN),
    ("ssi_ignore_recycled_buffers", HSL, FL, false, WARN),
    ("ssi_min_file_chunk", HSL, T1, false, WARN),
    ("ssi_value_length", HSL, T1, false, WARN),
    ("ssi_types", HSL, M1, false, WARN),
    ("ssi_last_modified", HSL, FL, false, WARN),
    // ngx_http_ssl_module.c
    ("ssl", HTTP | SRV, FL, false, WARN),
    ("ssl_certificate", HTTP | SRV, T1, false, WARN),
    ("ssl_certificate_key", HTTP | SRV, T1, false, WARN),
    ("ssl_password_file", HTTP | SRV, T1, false, WARN),
    ("ssl_dhparam", HTTP | SRV, T1, false, WARN),
    ("ssl_ecdh_curve", HTTP | SRV, T1, false, WARN),
    ("ssl_protocols", HTTP | SRV, M1, false, WARN),
    ("ssl_ciphers", HTTP | SRV, T1, false, WARN),
    ("ssl_buffer_size", HTTP | SRV, T1, false, WARN),
    ("ssl_verify_client", HTTP | SRV, T1, false, WARN),
    ("ssl_verify_depth", HTTP | SRV, T1, false, WARN),
    ("ssl_client_certificate", HTTP | SRV, T1, false, WARN),
    ("ssl_trusted_certificate", HTTP | SRV, T1, false, WARN),
    ("ssl_prefer_server_ciphers", HTTP | SRV, FL, false, WARN),
    ("ssl_session_cache", HTTP | SRV, T12, false, WARN),
    ("ssl_session_tickets", HTTP | SRV, FL, false, WARN),
    ("ssl_session_ticket_key", HTTP | SRV, T1, false, WARN),
    ("ssl_session_timeout", HTTP | SRV, T1, false, WARN),
    ("ssl_crl", HTTP | SRV, T1, false, WARN),
    ("ssl_ocsp", HTTP | SRV, FL, false, WARN),
    ("ssl_ocsp_responder", HTTP | SRV, T1, false, WARN),
    ("ssl_ocsp_cache", HTTP | SRV, T1, false, WARN),
    ("ssl_stapling", HTTP | SRV, FL, false, WARN),
    ("ssl_stapling_file", HTTP | SRV, T1, false, WARN),
    ("ssl_stapling_responder", HTTP | SRV, T1, false, WARN),
    ("ssl_stapling_verify", HTTP | SRV, FL, false, WARN),
    ("ssl_early_data", HTTP | SRV, FL, false, WARN),
    ("ssl_conf_command", HTTP | SRV, T2, false, WARN),
    ("ssl_reject_handshake", HTTP | SRV, FL, false, WARN),
    // ngx_http_stub_status_module.c
    ("stub_status", SRV | LOC, T01, false, WARN),
    // ngx_http_sub_filter_module.c
    ("sub_filter", HSL, T2, false, WARN),
    ("sub_filter_types", HSL, M1, false, WARN),
    ("sub_filter_once", HSL, FL, false, WARN),
    ("sub_filter_last_modified", HSL, FL, false, WARN),
    // ngx_http_try_files_module.c
    ("try_files", SRV | LOC, M2, false, WARN),
    // ngx_http_upstream_hash_module.c
    ("hash", UPS, T12, false, WARN),
    // ngx_http_upstream_ip_hash_module.c
    ("ip_hash", UPS, NO, false, ON),
    // ngx_http_upstream_keepalive_module.c
    ("keepalive", UPS, T1, false, WARN),
    ("keepalive_time", UPS, T1, false, WARN),
    ("keepalive_timeout", UPS, T1, false, WARN),
    ("keepalive_requests", UPS, T1, false, WARN),
    // ngx_http_upstream_least_conn_module.c
    ("least_conn", UPS, NO, false, ON),
    // ngx_http_upstream_random_module.c
    ("random", UPS, T012, false, WARN),
    // ngx_http_upstream_zone_module.c
    ("zone", UPS, T12, false, SILENT),
    // ngx_http_userid_filter_module.c
    ("userid", HSL, T1, false, WARN),
    ("userid_service", HSL, T1, false, WARN),
    ("userid_name", HSL, T1, false, WARN),
    ("userid_domain", HSL, T1, false, WARN),
    ("userid_path", HSL, T1, false, WARN),
    ("userid_expires", HSL, T1, false, WARN),
    ("userid_flags", HSL, T123, false, WARN),
    ("userid_p3p", HSL, T1, false, WARN),
    ("userid_mark", HSL, T1, false, WARN),
    // ngx_http_uwsgi_module.c
    ("uwsgi_pass", LOC, T1, false, WARN),
    ("uwsgi_modifier1", HSL, T1, false, WARN),
    ("uwsgi_modifier2", HSL, T1, false, WARN),
    ("uwsgi_store", HSL, T1, false, WARN),
    ("uwsgi_store_access", HSL, T123, false, WARN),
    ("uwsgi_buffering", HSL, FL, false, WARN),
    ("uwsgi_request_buffering", HSL, FL, false, WARN),
    ("uwsgi_ignore_client_abort", HSL, FL, false, WARN),
    ("uwsgi_bind", HSL, T12, false, WARN),
    ("uwsgi_socket_keepalive", HSL, FL, false, WARN),
    ("uwsgi_connect_timeout", HSL, T1, false, WARN),
    ("uwsgi_send_timeout", HSL, T1, false, WARN),
    ("uwsgi_buffer_size", HSL, T1, false, WARN),
    ("uwsgi_pass_request_headers", HSL, FL, false, WARN),
    ("uwsgi_pass_request_body", HSL, FL, false, WARN),
    ("uwsgi_intercept_errors", HSL, FL, false, WARN),
    ("uwsgi_read_timeout", HSL, T1, false, WARN),
    ("uwsgi_buffers", HSL, T2, false, WARN),
    ("uwsgi_busy_buffers_size", HSL, T1, false, WARN),
    ("uwsgi_force_ranges", HSL, FL, false, WARN),
    ("uwsgi_limit_rate", HSL, T1, false, WARN),
    ("uwsgi_cache", HSL, T1, false, WARN),
    ("uwsgi_cache_key", HSL, T1, false, WARN),
    ("uwsgi_cache_path", HTTP, M2, false, WARN),
    ("uwsgi_cache_bypass", HSL, M1, false, WARN),
    ("uwsgi_no_cache", HSL, M1, false, WARN),
    ("uwsgi_cache_valid", HSL, M1, false, WARN),
    ("uwsgi_cache_min_uses", HSL, T1, false, WARN),
    ("uwsgi_cache_max_range_offset", HSL, T1, false, WARN),
    ("uwsgi_cache_use_stale", HSL, M1, false, WARN),
    ("uwsgi_cache_methods", HSL, M1, false, WARN),
    ("uwsgi_cache_lock", HSL, FL, false, WARN),
    ("uwsgi_cache_lock_timeout", HSL, T1, false, WARN),
    ("uwsgi_cache_lock_age", HSL, T1, false, WARN),
    ("uwsgi_cache_revalidate", HSL, FL, false, WARN),
    ("uwsgi_cache_background_update", HSL, T1, false, WARN),
    ("uwsgi_temp_path", HSL, T1234, false, WARN),
    ("uwsgi_max_temp_file_size", HSL, T1, false, WARN),
    ("uwsgi_temp_file_write_size", HSL, T1, false, WARN),
    ("uwsgi_next_upstream", HSL, M1, false, WARN),
    ("uwsgi_next_upstream_tries", HSL, T1, false, WARN),
    ("uwsgi_next_upstream_timeout", HSL, T1, false, WARN),
    ("uwsgi_param", HSL, T23, false, WARN),
    ("uwsgi_string", HSL, T1, false, WARN),
    ("uwsgi_pass_header", HSL, T1, false, WARN),
    ("uwsgi_hide_header", HSL, T1, false, WARN),
    ("uwsgi_ignore_headers", HSL, M1, false, WARN),
    ("uwsgi_ssl_session_reuse", HSL, FL, false, WARN),
    ("uwsgi_ssl_protocols", HSL, M1, false, WARN),
    ("uwsgi_ssl_ciphers", HSL, T1, false, WARN),
    ("uwsgi_ssl_name", HSL, T1, false, WARN),
    ("uwsgi_ssl_server_name", HSL, FL, false, WARN),
    ("uwsgi_ssl_verify", HSL, FL, false, WARN),
    ("uwsgi_ssl_verify_depth", HSL, T1, false, WARN),
    ("uwsgi_ssl_trusted_certificate", HSL, T1, false, WARN),
    ("uwsgi_ssl_crl", HSL, T1, false, WARN),
    ("uwsgi_ssl_certificate", HSL, T1, false, WARN),
    ("uwsgi_ssl_certificate_key", HSL, T1, false, WARN),
    ("uwsgi_ssl_password_file", HSL, T1, false, WARN),
    ("uwsgi_ssl_conf_command", HSL, T2, false, WARN),
    // ngx_http.c
    ("http", MAIN, NO, true, ON),
    // ngx_http_copy_filter_module.c
    ("output_buffers", HSL, T2, false, WARN),
    // ngx_http_core_module.c
    ("variables_hash_max_size", HTTP, T1, false, WARN),
    ("variables_hash_bucket_size", HTTP, T1, false, WARN),
    ("server_names_hash_max_size", HTTP, T1, false, WARN),
    ("server_names_hash_bucket_size", HTTP, T1, false, SILENT),
    ("server", HTTP, NO, true, ON),
    ("connection_pool_size", HTTP | SRV, T1, false, WARN),
    ("request_pool_size", HTTP | SRV, T1, false, WARN),
    ("client_header_timeout", HTTP | SRV, T1, false, WARN),
    ("client_header_buffer_size", HTTP | SRV, T1, false, WARN),
    ("large_client_header_buffers", HTTP | SRV, T2, false, WARN),
    ("ignore_invalid_headers", HTTP | SRV, FL, false, WARN),
    ("merge_slashes", HTTP | SRV, FL, false, WARN),
    ("underscores_in_headers", HTTP | SRV, FL, false, WARN),
    ("location", SRV | LOC, T12, true, ON),
    ("listen", SRV, M1, false, ON),
    ("server_name", SRV, M1, false, ON),
    ("types_hash_max_size", HSL, T1, false, SILENT),
    ("types_hash_bucket_size", HSL, T1, false, SILENT),
    ("types", HSL, NO, true, ON),
    ("default_type", HSL, T1, false, SILENT),
    ("root", HSL, T1, false, WARN),
    ("alias", LOC, T1, false, WARN),
    ("limit_except", LOC, M1, true, WARN),
    ("client_max_body_size", HSL, T1, false, WARN),
    ("client_body_buffer_size", HSL, T1, false, WARN),
    ("client_body_timeout", HSL, T1, false, WARN),
    ("client_body_temp_path", HSL, T1234, false, WARN),
    ("client_body_in_file_only", HSL, T1, false, WARN),
    ("client_body_in_single_buffer", HSL, FL, false, WARN),
    ("sendfile", HSL, FL, false, SILENT),
    ("sendfile_max_chunk", HSL, T1, false, WARN),
    ("subrequest_output_buffer_size", HSL, T1, false, WARN),
    ("aio", HSL, T1, false, WARN),
    ("aio_write", HSL, FL, false, WARN),
    ("read_ahead", HSL, T1, false, WARN),
    ("directio", HSL, T1, false, WARN),
    ("directio_alignment", HSL, T1, false, WARN),
    ("tcp_nopush", HSL, FL, false, SILENT),
    ("tcp_nodelay", HSL, FL, false, SILENT),
    ("send_timeout", HSL, T1, false, WARN),
    ("send_lowat", HSL, T1, false, WARN),
    ("postpone_output", HSL, T1, false, WARN),
    ("limit_rate", HSL, T1, false, WARN),
    ("limit_rate_after", HSL, T1, false, WARN),
    ("keepalive_time", HSL, T1, false, WARN),
    ("keepalive_timeout", HSL, T12, false, ON),
    ("keepalive_requests", HSL, T1, false, WARN),
    ("keepalive_disable", HSL, T12, false, WARN),
    ("satisfy", HSL, T1, false, WARN),
    ("auth_delay", HSL, T1, false, WARN),
    ("internal", LOC, NO, false, WARN),
    ("lingering_close", HSL, T1, false, WARN),
    ("lingering_time", HSL, T1, false, WARN),
    ("lingering_timeout", HSL, T1, false, WARN),
    ("reset_timedout_connection", HSL, FL, false, WARN),
    ("absolute_redirect", HSL, FL, false, WARN),
    ("server_name_in_redirect", HSL, FL, false, WARN),
    ("port_in_redirect", HSL, FL, false, WARN),
    ("msie_padding", HSL, FL, false, WARN),
    ("msie_refresh", HSL, FL, false, WARN),
    ("log_not_found", HSL, FL, false, WARN),
    ("log_subrequest", HSL, FL, false, WARN),
    ("recursive_error_pages", HSL, FL, false, WARN),
    ("server_tokens", HSL, T1, false, WARN),
    ("if_modified_since", HSL, T1, false, WARN),
    ("max_ranges", HSL, T1, false, WARN),
    ("chunked_transfer_encoding", HSL, FL, false, WARN),
    ("etag", HSL, FL, false, WARN),
    ("error_page", HSL, M2, false, WARN),
    ("post_action", HSL, T1, false, WARN),
    ("error_log", HSL, M1, false, ON),
    ("open_file_cache", HSL, T12, false, WARN),
    ("open_file_cache_valid", HSL, T1, false, WARN),
    ("open_file_cache_min_uses", HSL, T1, false, WARN),
    ("open_file_cache_errors", HSL, FL, false, WARN),
    ("open_file_cache_events", HSL, FL, false, WARN),
    ("resolver", HSL, M1, false, WARN),
    ("resolver_timeout", HSL, T1, false, WARN),
    ("gzip_vary", HSL, FL, false, WARN),
    ("gzip_http_version", HSL, T1, false, WARN),
    ("gzip_proxied", HSL, M1, false, WARN),
    ("gzip_disable", HSL, M1, false, WARN),
    ("disable_symlinks", HSL, T12, false, WARN),
    // ngx_http_upstream.c
    ("upstream", HTTP, T1, true, ON),
    ("server", UPS, M1, false, ON),
    // ngx_http_v2_module.c
    ("http2_recv_buffer_size", HTTP, T1, false, WARN),
    ("http2_pool_size", HTTP | SRV, T1, false, WARN),
    ("http2_max_concurrent_streams", HTTP | SRV, T1, false, WARN),
    ("http2_max_concurrent_pushes", HTTP | SRV, T1, false, WARN),
    ("http2_max_requests", HTTP | SRV, T1, false, WARN),
    ("http2_max_field_size", HTTP | SRV, T1, false, WARN),
    ("http2_max_header_size", HTTP | SRV, T1, false, WARN),
    ("http2_body_preread_size", HTTP | SRV, T1, false, WARN),
    ("http2_streams_index_size", HTTP | SRV, T1, false, WARN),
    ("http2_recv_timeout", HTTP | SRV, T1, false, WARN),
    ("http2_idle_timeout", HTTP | SRV, T1, false, WARN),
    ("http2_chunk_size", HSL, T1, false, WARN),
    ("http2_push_preload", HSL, FL, false, WARN),
    ("http2_push", HSL, T1, false, WARN),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_name_is_modelled_or_not_in_every_context_it_has() {
        assert_eq!(DIRECTIVES.len(), 537);
        assert_eq!(named("gzip").map(|d| d.support).collect::<Vec<_>>(), [Support::Warned]);
        assert!(named("prox_pass").next().is_none());
        let server: Vec<(u32, bool)> = named("server").map(|d| (d.ctx, d.block)).collect();
        assert_eq!(server, [(HTTP, true), (UPS, false)]);
        // Only `keepalive_timeout` differs between its rows: the upstream one is not modelled.
        for name in names(Support::Modelled) {
            let rows: Vec<Support> = named(name).map(|d| d.support).collect();
            assert!(name == "keepalive_timeout" || rows.iter().all(|s| *s == Support::Modelled), "{name}: {rows:?}");
        }
    }
}
