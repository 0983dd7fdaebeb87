import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Counter, Gauge } from 'prom-client';
import { LeaderElector } from '@weft/k8s';
import type { KubeHttp, LeaderElectionState, StepDownReason } from '@weft/k8s';
import type { Logger, Registry } from '@weft/telemetry';

/** leader: holds the Lease; follower: translates but does not publish; single: leader election is off. */
export type ControlPlaneRole = 'leader' | 'follower' | 'single';

export interface LeadershipSettings {
  readonly source: 'kubernetes' | 'folder';
  readonly leaderElect: boolean;
  readonly leaderElectResourceName: string;
  readonly leaderElectResourceNamespace: string;
  readonly leaderElectIdentity: string;
  readonly leaderElectLeaseDuration: number;
  readonly leaderElectRenewDeadline: number;
  readonly leaderElectRetryPeriod: number;
}

export interface LeadershipHandlers {
  /** This replica leads now: publish what the last pass translated. */
  onStartedLeading(): void;
  /** This replica no longer leads; on shutdown the Lease is released after this settles. */
  onStoppedLeading(reason: StepDownReason): Promise<void>;
}

/** What `/debug/mesh` shows. */
export interface LeadershipView {
  readonly role: ControlPlaneRole;
  readonly election?: LeaderElectionState;
}

/** The Lease's namespace and this replica's identity, as client-go controllers pick them in a pod. */
export function resolveElectionTarget(settings: LeadershipSettings, env: Readonly<Record<string, string | undefined>>): { namespace: string; identity: string } {
  const namespace = settings.leaderElectResourceNamespace || env['POD_NAMESPACE'] || 'weft-system';
  const identity = settings.leaderElectIdentity || env['POD_NAME'] || `${hostname()}_${randomBytes(4).toString('hex')}`;
  return { namespace, identity };
}

/**
 * Whether this replica may publish and write route status. With leader election (the Kubernetes source, by
 * default) that is the holder of the Lease; otherwise the only replica. Transitions are logged and exported as
 * `weft_leader` and `weft_leader_transitions_total`.
 */
export class Leadership {
  private readonly elector: LeaderElector | undefined;
  private readonly leaderGauge: Gauge;
  private readonly transitions: Counter<'transition'>;
  private handlers: LeadershipHandlers | undefined;
  private lastError: string | undefined;

  constructor(settings: LeadershipSettings, env: Readonly<Record<string, string | undefined>>, http: KubeHttp | undefined, registry: Registry, private readonly log: Logger) {
    const registers = [registry];
    this.leaderGauge = new Gauge({ name: 'weft_leader', help: 'Whether this replica publishes: 1 leader (or leader election off), 0 follower.', registers });
    this.transitions = new Counter({
      name: 'weft_leader_transitions_total',
      help: 'Times this replica started or stopped leading.',
      labelNames: ['transition'],
      registers,
    });
    if (!settings.leaderElect || settings.source !== 'kubernetes' || http === undefined) {
      this.elector = undefined;
      this.leaderGauge.set(1);
      return;
    }
    const { namespace, identity } = resolveElectionTarget(settings, env);
    this.leaderGauge.set(0);
    // Throws LeaderElectionConfigError for durations that cannot keep one leader.
    this.elector = new LeaderElector(http, {
      namespace,
      name: settings.leaderElectResourceName,
      identity,
      leaseDurationMs: settings.leaderElectLeaseDuration,
      renewDeadlineMs: settings.leaderElectRenewDeadline,
      retryPeriodMs: settings.leaderElectRetryPeriod,
      log: log.child({ part: 'elector' }),
      callbacks: {
        onStartedLeading: () => {
          this.onStarted();
        },
        onStoppedLeading: (reason) => this.onStopped(reason),
        onNewLeader: (leader) => {
          log.info({ leader: leader ?? null, identity }, leader === identity ? 'this replica is the leader' : leader === undefined ? 'no leader' : 'new leader observed');
        },
        onError: (err) => {
          // The same failure every retry period is one warning, then debug lines until it changes.
          const repeated = err.message === this.lastError;
          this.lastError = err.message;
          log[repeated ? 'debug' : 'warn']({ err: err.message, errorName: err.name }, 'leader election attempt failed');
        },
      },
    });
  }

  get role(): ControlPlaneRole {
    if (this.elector === undefined) return 'single';
    return this.elector.isLeader() ? 'leader' : 'follower';
  }

  /** True while this replica may publish and write status (checked before every write). */
  isLeader(): boolean {
    return this.elector?.isLeader() ?? true;
  }

  view(): LeadershipView {
    return this.elector === undefined ? { role: this.role } : { role: this.role, election: this.elector.state };
  }

  start(handlers: LeadershipHandlers): void {
    this.handlers = handlers;
    if (this.elector === undefined) {
      this.log.info('leader election is off: this replica publishes and writes route status');
      return;
    }
    const { identity, lease } = this.elector.state;
    this.log.info({ identity, lease }, 'campaigning for leadership');
    this.elector.start();
  }

  /** Steps down (waiting for the pass in flight) and releases the Lease, so another replica takes over at once. */
  async stop(): Promise<void> {
    await this.elector?.stop();
  }

  private onStarted(): void {
    this.leaderGauge.set(1);
    this.transitions.inc({ transition: 'started_leading' });
    this.log.info({ identity: this.elector?.identity, lease: this.elector?.state.lease }, 'started leading: publishing and writing route status');
    this.handlers?.onStartedLeading();
  }

  private async onStopped(reason: StepDownReason): Promise<void> {
    this.leaderGauge.set(0);
    this.transitions.inc({ transition: 'stopped_leading' });
    this.log[reason === 'stopped' ? 'info' : 'warn']({ identity: this.elector?.identity, reason }, 'stopped leading: no more publishing or status writes');
    await this.handlers?.onStoppedLeading(reason);
  }
}
