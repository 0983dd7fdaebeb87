import { describe, expect, it } from 'vitest';
import { ConfigError, configHelp, entry, parseConfig, parsers } from './config.js';

const spec = {
  natsUrl: entry({ flag: 'nats-url', env: 'WEFT_NATS_URL', default: 'nats://127.0.0.1:4222', description: 'NATS server URL.', parse: parsers.nonEmpty }),
  port: entry({ flag: 'port', env: 'WEFT_PORT', default: '9090', description: 'Health port.', parse: parsers.port }),
  debounce: entry({ flag: 'debounce', env: 'WEFT_DEBOUNCE', default: '30ms', description: 'Quiet period.', parse: parsers.duration }),
  cluster: entry({ flag: 'cluster-id', env: 'WEFT_CLUSTER_ID', default: undefined, description: 'Cluster id.', parse: parsers.token }),
  dryRun: entry({ flag: 'dry-run', env: 'WEFT_DRY_RUN', default: 'false', description: 'Print only.', parse: parsers.boolean }),
};

describe('parseConfig', () => {
  it('takes flags over environment over defaults, and freezes the result', () => {
    const config = parseConfig(spec, ['--port', '8080', '--cluster-id=east', '--dry-run'], { WEFT_PORT: '7070', WEFT_DEBOUNCE: '2s' });
    expect(config).toEqual({ natsUrl: 'nats://127.0.0.1:4222', port: 8080, debounce: 2000, cluster: 'east', dryRun: true });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reports every problem at once, naming where each value came from', () => {
    let error: unknown;
    try {
      parseConfig(spec, ['--port', '99999', '--bogus', 'x'], { WEFT_DEBOUNCE: 'soon' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toContain('unknown flag --bogus (see --help)');
    expect(problems).toContain('unexpected argument "x"');
    expect(problems).toContain('--port: "99999" is not a port (0-65535)');
    expect(problems).toContain('WEFT_DEBOUNCE: "soon" is not a duration (e.g. 250ms, 30s, 5m, 24h)');
    expect(problems).toContain('--cluster-id (or WEFT_CLUSTER_ID) is required: Cluster id.');
    expect((error as Error).message).toMatch(/^invalid configuration:\n {2}- /);
  });

  it('refuses a cluster id that cannot be a subject token', () => {
    expect(() => parseConfig(spec, ['--cluster-id', 'East.1'], {})).toThrow(/lowercase letters, digits and dashes/);
  });

  it('documents every flag with its variable and default', () => {
    const help = configHelp(spec);
    expect(help).toContain('--nats-url <value>   [WEFT_NATS_URL, default "nats://127.0.0.1:4222"]');
    expect(help).toContain('--cluster-id <value>   [WEFT_CLUSTER_ID, required]');
  });
});
