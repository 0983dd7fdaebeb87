/** An option of `weft-agent iptables` has a value the rules cannot be built from. `option` names the flag. */
export class IptablesOptionError extends Error {
  override readonly name = 'IptablesOptionError';
  constructor(
    readonly option: string,
    message: string,
  ) {
    super(`--${option}: ${message}`);
  }
}

/**
 * A binary the rules need (iptables-restore, iptables-save or their IPv6 twins) is not installed. The init container
 * must fail on this: a pod that starts without interception would run half-meshed.
 */
export class IptablesBinaryMissingError extends Error {
  override readonly name = 'IptablesBinaryMissingError';
  constructor(readonly binary: string) {
    super(
      `'${binary}' was not found (searched PATH and /usr/sbin, /sbin, /usr/local/sbin). ` +
        `Traffic interception cannot be set up, so the pod must not start. Fix: install the iptables package in the ` +
        `image that runs 'weft-agent iptables' (Debian/Ubuntu: apt-get install -y iptables; Alpine: apk add iptables), ` +
        `or pass the binary's path with --${binary} PATH.`,
    );
  }
}

/** iptables-restore or iptables-save ran and failed; `output` is what it printed on stderr. */
export class IptablesApplyError extends Error {
  override readonly name = 'IptablesApplyError';
  constructor(
    readonly binary: string,
    readonly exitCode: number | null,
    readonly output: string,
    options?: ErrorOptions,
  ) {
    super(`${binary} failed (exit ${exitCode ?? 'signal'}): ${output.trim() || '(no output)'}`, options);
  }
}
