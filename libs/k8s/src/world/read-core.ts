import type {
  ContainerPortView,
  EndpointAddressType,
  EndpointPortView,
  EndpointSliceView,
  EndpointView,
  IpFamily,
  NamespaceView,
  PodView,
  ServicePortView,
  ServiceType,
  ServiceView,
  TransportProtocol,
} from '@weft/model';
import { SERVICE_NAME_LABEL } from '@weft/model';
import {
  list,
  MalformedObjectError,
  mapList,
  optBool,
  optRecord,
  optStr,
  portNumber,
  record,
  str,
  stringMap,
} from './fields.js';
import type { Plain } from './fields.js';
import { readMeta } from './read-meta.js';

const SERVICE_TYPES: readonly ServiceType[] = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'];
const PROTOCOLS: readonly TransportProtocol[] = ['TCP', 'UDP', 'SCTP'];
const ADDRESS_TYPES: readonly EndpointAddressType[] = ['IPv4', 'IPv6', 'FQDN'];

function protocol(value: unknown, path: string): TransportProtocol {
  const p = optStr(value, path) ?? 'TCP';
  if (!(PROTOCOLS as readonly string[]).includes(p)) throw new MalformedObjectError(path, `unknown protocol "${p}"`);
  return p as TransportProtocol;
}

function familyOf(ip: string): IpFamily {
  return ip.includes(':') ? 'IPv6' : 'IPv4';
}

function readServicePort(value: unknown, path: string): ServicePortView {
  const p = record(value, path);
  const port = portNumber(p.port, `${path}.port`);
  const rawTarget = p.targetPort;
  let targetPort: number | string = port;
  if (typeof rawTarget === 'string' && rawTarget !== '') {
    // A numeric string is a number in IntOrString's YAML form.
    targetPort = /^[0-9]+$/.test(rawTarget) ? portNumber(Number(rawTarget), `${path}.targetPort`) : rawTarget;
  } else if (rawTarget !== undefined && rawTarget !== null && rawTarget !== 0) {
    targetPort = portNumber(rawTarget, `${path}.targetPort`);
  }
  const appProtocol = optStr(p.appProtocol, `${path}.appProtocol`);
  return {
    name: optStr(p.name, `${path}.name`) ?? '',
    port,
    targetPort,
    protocol: protocol(p.protocol, `${path}.protocol`),
    ...(appProtocol === undefined ? {} : { appProtocol }),
  };
}

export function readService(obj: Plain, defaultNamespace: string): ServiceView {
  const metadata = readMeta(obj, true, defaultNamespace);
  const spec = optRecord(obj.spec, 'spec') ?? {};
  const type = (optStr(spec.type, 'spec.type') ?? 'ClusterIP') as ServiceType;
  if (!SERVICE_TYPES.includes(type)) throw new MalformedObjectError('spec.type', `unknown Service type "${type}"`);
  const clusterIP = optStr(spec.clusterIP, 'spec.clusterIP');
  const listed = mapList(spec.clusterIPs, 'spec.clusterIPs', str);
  const ips = listed.length > 0 ? listed : clusterIP === undefined || clusterIP === '' ? [] : [clusterIP];
  const headless = type !== 'ExternalName' && ips[0] === 'None';
  const clusterIPs = headless || type === 'ExternalName' ? [] : ips;
  const families = mapList(spec.ipFamilies, 'spec.ipFamilies', (v, p) => {
    const f = str(v, p);
    if (f !== 'IPv4' && f !== 'IPv6') throw new MalformedObjectError(p, `unknown IP family "${f}"`);
    return f;
  });
  const ipFamilies = families.length > 0 ? families : clusterIPs.length > 0 ? clusterIPs.map(familyOf) : ['IPv4' as const];
  const externalName = type === 'ExternalName' ? str(spec.externalName, 'spec.externalName') : undefined;
  const selector = spec.selector === undefined || spec.selector === null ? undefined : stringMap(spec.selector, 'spec.selector');
  return {
    metadata,
    type,
    clusterIPs,
    headless,
    ipFamilies,
    ...(externalName === undefined ? {} : { externalName }),
    ...(selector === undefined ? {} : { selector }),
    ports: mapList(spec.ports, 'spec.ports', readServicePort),
  };
}

function readEndpoint(value: unknown, path: string, namespace: string): EndpointView {
  const e = record(value, path);
  const conditions = optRecord(e.conditions, `${path}.conditions`) ?? {};
  const ready = optBool(conditions.ready, `${path}.conditions.ready`) ?? true;
  const serving = optBool(conditions.serving, `${path}.conditions.serving`) ?? ready;
  const terminating = optBool(conditions.terminating, `${path}.conditions.terminating`) ?? false;
  const target = optRecord(e.targetRef, `${path}.targetRef`);
  const podKey =
    target !== undefined && target.kind === 'Pod' && typeof target.name === 'string'
      ? `${typeof target.namespace === 'string' && target.namespace !== '' ? target.namespace : namespace}/${target.name}`
      : undefined;
  return {
    addresses: mapList(e.addresses, `${path}.addresses`, str),
    ready,
    serving,
    terminating,
    ...(podKey === undefined ? {} : { podKey }),
  };
}

function readEndpointPort(value: unknown, path: string): EndpointPortView {
  const p = record(value, path);
  const appProtocol = optStr(p.appProtocol, `${path}.appProtocol`);
  return {
    name: optStr(p.name, `${path}.name`) ?? '',
    port: portNumber(p.port, `${path}.port`),
    protocol: protocol(p.protocol, `${path}.protocol`),
    ...(appProtocol === undefined ? {} : { appProtocol }),
  };
}

export function readEndpointSlice(obj: Plain, defaultNamespace: string): EndpointSliceView {
  const metadata = readMeta(obj, true, defaultNamespace);
  const serviceName = metadata.labels['kubernetes.io/service-name'];
  if (serviceName === undefined || serviceName === '') {
    throw new MalformedObjectError(`metadata.labels["${SERVICE_NAME_LABEL}"]`, 'is required to tie the slice to a Service');
  }
  const addressType = str(obj.addressType, 'addressType') as EndpointAddressType;
  if (!ADDRESS_TYPES.includes(addressType)) throw new MalformedObjectError('addressType', `unknown address type "${addressType}"`);
  return {
    metadata,
    serviceName,
    addressType,
    endpoints: mapList(obj.endpoints, 'endpoints', (v, p) => readEndpoint(v, p, metadata.namespace)),
    ports: mapList(obj.ports, 'ports', readEndpointPort),
  };
}

function readContainerPorts(containers: unknown, path: string): ContainerPortView[] {
  const out: ContainerPortView[] = [];
  list(containers, path).forEach((c, i) => {
    const container = record(c, `${path}[${i}]`);
    mapList(container.ports, `${path}[${i}].ports`, (v, p) => {
      const port = record(v, p);
      const name = optStr(port.name, `${p}.name`);
      out.push({
        ...(name === undefined ? {} : { name }),
        containerPort: portNumber(port.containerPort, `${p}.containerPort`),
        protocol: protocol(port.protocol, `${p}.protocol`),
      });
    });
  });
  return out;
}

export function readPod(obj: Plain, defaultNamespace: string): PodView {
  const metadata = readMeta(obj, true, defaultNamespace);
  const spec = optRecord(obj.spec, 'spec') ?? {};
  const status = optRecord(obj.status, 'status') ?? {};
  const podIPs = mapList(status.podIPs, 'status.podIPs', (v, p) => str(record(v, p).ip, `${p}.ip`));
  const podIP = optStr(status.podIP, 'status.podIP');
  // Restartable init containers (sidecars) serve ports like ordinary containers.
  const initSidecars = list(spec.initContainers, 'spec.initContainers').filter(
    (c) => typeof c === 'object' && c !== null && (c as Plain).restartPolicy === 'Always',
  );
  return {
    metadata,
    serviceAccountName: optStr(spec.serviceAccountName, 'spec.serviceAccountName') ?? 'default',
    podIPs: podIPs.length > 0 ? podIPs : podIP === undefined || podIP === '' ? [] : [podIP],
    containerPorts: [
      ...readContainerPorts(spec.containers, 'spec.containers'),
      ...readContainerPorts(initSidecars, 'spec.initContainers'),
    ],
    phase: optStr(status.phase, 'status.phase') ?? '',
  };
}

export function readNamespace(obj: Plain): NamespaceView {
  const metadata = readMeta(obj, false, '');
  return { name: metadata.name, labels: metadata.labels };
}

