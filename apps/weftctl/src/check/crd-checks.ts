import { readCustomResourceDefinition, WORLD_RESOURCE_TYPES } from '@weft/k8s';
import type { KubeHttp, ResourceType } from '@weft/k8s';
import { fail, ok, reason } from './check-result.js';
import type { CheckResult } from './check-result.js';

/** `<plural>.<group>` and the version Weft reads, of every CRD-backed kind it watches (Gateway API and mesh.weft.dev). */
export function weftCrds(): { name: string; version: string; kind: string }[] {
  return WORLD_RESOURCE_TYPES.filter((type: ResourceType) => type.optional).map((type) => {
    const [group = '', version = ''] = type.apiVersion.split('/');
    return { name: `${type.plural}.${group}`, version, kind: type.kind };
  });
}

/** One check per CRD: present, Established, and serving the version Weft reads. */
export async function checkCrds(http: KubeHttp): Promise<CheckResult[]> {
  return Promise.all(weftCrds().map(async ({ name, version, kind }) => {
    const check = `crd ${name}`;
    const install = name.endsWith('.gateway.networking.k8s.io')
      ? 'install the Gateway API v1.6.3 standard-channel CRDs (standard-install.yaml of its release)'
      : 'kubectl apply -f charts/weft/crds/ (Helm installs them only with the first release)';
    try {
      const crd = await readCustomResourceDefinition(http, name);
      if (crd === undefined) return fail(check, `not found: ${kind} cannot be used`, install);
      if (crd.metadata?.deletionTimestamp !== undefined) return fail(check, `being deleted (since ${crd.metadata.deletionTimestamp}): ${kind} objects are going away`, install);
      const established = crd.status?.conditions?.find((c) => c.type === 'Established');
      if (established?.status !== 'True') {
        return fail(check, `not Established${established?.message === undefined ? '' : ` (${established.message})`}`, `kubectl describe crd ${name}; a name conflict or an invalid schema keeps it from being served`);
      }
      const served = crd.spec?.versions?.find((v) => v.name === version);
      if (served?.served !== true) {
        const versions = (crd.spec?.versions ?? []).filter((v) => v.served === true).map((v) => v.name).join(', ');
        return fail(check, `Established, but version ${version} is not served (served: ${versions || 'none'})`, install);
      }
      return ok(check, `Established, ${version} served`);
    } catch (err) {
      return fail(check, `could not be read: ${reason(err)}`, 'check the kubeconfig and that you may get customresourcedefinitions');
    }
  }));
}
