/**
 * The keys the compose specification defines (its JSON schema, which `docker compose` validates
 * against). lockstep reads a few of them and passes the rest through to compose; a key outside
 * these lists is one compose itself refuses, so lockstep refuses it too, naming it.
 */
export const topLevelKeys: ReadonlySet<string> = new Set(['version', 'name', 'include', 'services', 'models', 'networks', 'volumes', 'secrets', 'configs']);

export const serviceKeys: ReadonlySet<string> = new Set(
  (
    'develop deploy annotations attach build blkio_config cap_add cap_drop cgroup cgroup_parent command configs container_name cpu_count ' +
    'cpu_percent cpu_shares cpu_quota cpu_period cpu_rt_period cpu_rt_runtime cpus cpuset credential_spec depends_on device_cgroup_rules ' +
    'devices dns dns_opt dns_search domainname entrypoint env_file label_file environment expose extends provider external_links extra_hosts ' +
    'gpus group_add healthcheck hostname image init ipc isolation labels links logging mac_address mem_limit mem_reservation mem_swappiness ' +
    'memswap_limit network_mode models networks oom_kill_disable oom_score_adj pid pids_limit platform ports pre_start post_start pre_stop ' +
    'privileged profiles pull_policy pull_refresh_after read_only restart runtime scale security_opt shm_size secrets sysctls stdin_open ' +
    'stop_grace_period stop_signal storage_opt tmpfs tty ulimits use_api_socket user uts userns_mode volumes volumes_from working_dir'
  ).split(' '),
);

export const buildKeys: ReadonlySet<string> = new Set(
  (
    'context dockerfile dockerfile_inline entitlements args ssh labels cache_from cache_to no_cache no_cache_filter additional_contexts ' +
    'network provenance sbom pull target shm_size extra_hosts isolation privileged secrets tags ulimits platforms'
  ).split(' '),
);

export const healthcheckKeys: ReadonlySet<string> = new Set(['disable', 'interval', 'retries', 'test', 'timeout', 'start_period', 'start_interval']);
